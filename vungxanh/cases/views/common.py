"""Helpers shared by the case pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from vungxanh.cases.models import Case, Cluster, Contact, Landmark, TracingTask
from vungxanh.core.scoping import scope_of


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def get_case(request: Any, public_id: Any, action: str = "view") -> Case:
    qs = Case.objects.restrict(request.user, action).select_related(
        "person",
        "person__residence_unit",
        "person__temporary_unit",
        "responsible_unit",
        "residence_unit",
        "rule_set",
    )
    return get_object_or_404(qs, public_id=public_id)


def get_landmark(request: Any, public_id: Any, action: str = "view") -> Landmark:
    qs = Landmark.objects.restrict(request.user, action).select_related(
        "case", "case__responsible_unit", "venue", "unit"
    )
    return get_object_or_404(qs, public_id=public_id)


def get_contact(request: Any, public_id: Any, action: str = "view") -> Contact:
    qs = Contact.objects.restrict(request.user, action).select_related(
        "case",
        "case__rule_set",
        "case__responsible_unit",
        "person",
        "person__residence_unit",
        "person__temporary_unit",
        "task",
        "venue",
        "unit",
    )
    return get_object_or_404(qs, public_id=public_id)


def get_task(request: Any, public_id: Any, action: str = "view") -> TracingTask:
    qs = TracingTask.objects.restrict(request.user, action).select_related(
        "person", "person__residence_unit", "person__temporary_unit", "unit", "case"
    )
    return get_object_or_404(qs, public_id=public_id)


def get_cluster(request: Any, public_id: Any, action: str = "view") -> Cluster:
    qs = Cluster.objects.restrict(request.user, action).select_related("unit")
    return get_object_or_404(qs, public_id=public_id)


def can(request: Any, obj: Any, action: str = "change") -> bool:
    manager: Any = type(obj)._default_manager
    return bool(manager.restrict(request.user, action).filter(pk=obj.pk).exists())


def visible_case_ids(request: Any, ids: set[int]) -> set[int]:
    """Which of these cases the user may open (others are shown by number only)."""
    if not ids:
        return set()
    return set(
        Case.objects.restrict(request.user, "view").filter(pk__in=ids).values_list("pk", flat=True)
    )


def has_perm(request: Any, perm: str) -> bool:
    return scope_of(request.user).has_perm(perm)


def case_label(case: Case, visible: set[int]) -> str:
    """A case as the official may see it: its number in their area, else no details."""
    return str(case) if case.pk in visible else _("a case in another area")
