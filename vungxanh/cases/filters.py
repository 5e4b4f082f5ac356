"""One FilterSet per list: the HTML pages and the API use the same filters."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.cases.models import Case, Cluster, Landmark, TracingTask
from vungxanh.geo.models import AdminUnit

_NUMBER = re.compile(r"^(?:bn)?\s*(\d{1,9})$", re.IGNORECASE)


def unit_choices(request: Any) -> QuerySet[AdminUnit]:
    """Districts and communes the user may see (the unit filter's options)."""
    if request is None:
        return AdminUnit.objects.none()
    return (
        AdminUnit.objects.restrict(request.user, "view")
        .current()
        .filter(level__in=[AdminUnit.Level.DISTRICT, AdminUnit.Level.COMMUNE])
        .order_by("path")
    )


class UnitFilter(django_filters.ModelChoiceFilter):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", unit_choices)
        kwargs.setdefault("to_field_name", "public_id")
        super().__init__(**kwargs)


def _in_unit(qs: QuerySet[Any], fields: tuple[str, ...], unit: AdminUnit | None) -> QuerySet[Any]:
    if unit is None:
        return qs
    q = Q(pk__in=[])
    for name in fields:
        q |= Q(**{f"{name}__path__startswith": unit.path})
    return qs.filter(q)


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Case number, name or citizen ID"), method="search")
    classification = django_filters.ChoiceFilter(
        label=_("Classification"), choices=Case.Classification.choices
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Case.Status.choices)
    unit = UnitFilter(label=_("Unit"), method="filter_unit")
    since = django_filters.DateFilter(
        label=_("Registered from"), field_name="reported_at", lookup_expr="date__gte"
    )
    until = django_filters.DateFilter(
        label=_("Registered until"), field_name="reported_at", lookup_expr="date__lte"
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def search(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        text = value.strip()
        match = _NUMBER.match(text)
        if match and (text.lower().startswith("bn") or len(text) < 12):
            return qs.filter(number=int(match.group(1)))
        if text.isdigit() and len(text) == 12:
            return qs.filter(person__cccd=text)
        from vungxanh.people.identity import fold_name

        return qs.filter(person__name_folded__contains=fold_name(text))

    def filter_unit(self, qs: QuerySet[Case], name: str, value: Any) -> QuerySet[Case]:
        return _in_unit(qs, ("responsible_unit", "residence_unit"), value)


class TaskFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or phone"), method="search")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=TracingTask.Status.choices, empty_label=_("All")
    )
    unit = UnitFilter(label=_("Unit"), method="filter_unit")
    overdue = django_filters.BooleanFilter(label=_("Overdue only"), method="filter_overdue")

    class Meta:
        model = TracingTask
        fields: list[str] = []

    def search(self, qs: QuerySet[TracingTask], name: str, value: str) -> QuerySet[TracingTask]:
        from vungxanh.people.identity import fold_name

        text = value.strip()
        if text.replace(" ", "").isdigit():
            return qs.filter(person__phone__contains=text.replace(" ", "")[-9:])
        return qs.filter(person__name_folded__contains=fold_name(text))

    def filter_unit(
        self, qs: QuerySet[TracingTask], name: str, value: Any
    ) -> QuerySet[TracingTask]:
        return _in_unit(qs, ("unit",), value)

    def filter_overdue(
        self, qs: QuerySet[TracingTask], name: str, value: bool | None
    ) -> QuerySet[TracingTask]:
        if not value:
            return qs
        now = timezone.now()
        return qs.filter(status=TracingTask.Status.OPEN).filter(
            Q(notified_at__isnull=True, notify_due_at__lt=now)
            | Q(sampled_at__isnull=True, due_at__lt=now)
        )


class ClusterFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name"), field_name="name", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Cluster.Status.choices)
    unit = UnitFilter(label=_("Unit"), method="filter_unit")

    class Meta:
        model = Cluster
        fields: list[str] = []

    def filter_unit(self, qs: QuerySet[Cluster], name: str, value: Any) -> QuerySet[Cluster]:
        return _in_unit(qs, ("unit",), value)


class LandmarkFilter(django_filters.FilterSet):
    published = django_filters.BooleanFilter(label=_("Published"), field_name="is_published")
    case = django_filters.UUIDFilter(label=_("Case"), field_name="case__public_id")

    class Meta:
        model = Landmark
        fields: list[str] = []
