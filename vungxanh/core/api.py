"""Scoped viewsets: every API read goes through restrict(). Their OpenAPI schema documents
the error answers every endpoint gives, not only the happy path."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import Model, QuerySet
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.schemas.inspectors import ViewInspector

from vungxanh.core import audit


class ErrorSerializer(serializers.Serializer[Any]):
    """The body of 401, 403, 404 and 405 answers."""

    detail = serializers.CharField()


#: The body of a 400 answer: the wrong fields (``non_field_errors`` for the whole input),
#: each with a list of messages (a nested object for list and object fields).
VALIDATION_ERROR: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {},
    "description": "Field name → list of messages (an object for nested fields).",
    "example": {"cccd": ["The citizen ID (CCCD) must have 12 digits, not 11."]},
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema plus the errors: 401/403 without valid credentials, 404 for
    objects outside the caller's area (and pages past the end), 400 for bad input."""

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        detail_view = "{" in self.path
        errors: dict[str, Any] = {
            "401": ErrorSerializer,
            "403": ErrorSerializer,
            "404": ErrorSerializer,
        }
        if self.method in ("POST", "PUT", "PATCH") or not detail_view:
            errors["400"] = VALIDATION_ERROR
        for code, body in sorted(errors.items()):
            if code not in responses:
                responses[code] = self._get_response_for_code(body, code, direction=direction)
        return responses


class ScopedViewSetMixin:
    """Every queryset of a viewset comes from ``restrict(user, action)``. The class-level
    ``queryset`` only names the model (for the schema and the contract test)."""

    lookup_field = "public_id"
    schema: ViewInspector | None = AutoSchema()
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


class AuditedReadsMixin:
    """Reads of personal records through the API leave the same trace as their pages: one
    ``list`` event per page of a list (which list, its filters, how many rows) and one
    ``view`` event per record opened or returned whole after a change."""

    queryset: QuerySet[Any]

    def audit_target(self, obj: Any) -> tuple[Model, str]:
        """The record a read of ``obj`` is a read of, and its unit path."""
        raise NotImplementedError

    def record_read(self, obj: Any) -> None:
        view: Any = self
        target, unit_path = self.audit_target(obj)
        audit.record_view(actor=view.request.user, target=target, unit_path=unit_path)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().list(request, *args, **kwargs)  # type: ignore[misc]
        data: Any = response.data
        rows = data.get("results", data) if isinstance(data, dict) else data
        audit.record(
            actor=request.user,
            verb="list",
            target_label=self.queryset.model._meta.label_lower,
            extra={"query": request.query_params.urlencode(), "rows": len(rows)},
        )
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        view: Any = self
        obj = view.get_object()
        self.record_read(obj)
        return Response(view.get_serializer(obj).data)
