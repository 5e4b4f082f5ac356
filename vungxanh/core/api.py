"""Scoped viewsets: every API read goes through restrict()."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import Model, QuerySet
from rest_framework import viewsets


class ScopedViewSetMixin:
    """Every queryset of a viewset comes from ``restrict(user, action)``. The class-level
    ``queryset`` only names the model (for the schema and the contract test)."""

    lookup_field = "public_id"
    action_map: ClassVar[dict[str, str]] = {
        "list": "view",
        "retrieve": "view",
        "create": "add",
        "update": "change",
        "partial_update": "change",
        "destroy": "delete",
    }

    def scoped_action(self) -> str:
        view: Any = self
        return self.action_map.get(view.action or "", "view")

    def get_queryset(self) -> QuerySet[Any]:
        view: Any = self
        model: type[Model] = view.queryset.model
        manager: Any = model._default_manager
        qs: QuerySet[Any] = manager.restrict(view.request.user, "view")
        return self.refine_queryset(qs)

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet[Any]):
    pass
