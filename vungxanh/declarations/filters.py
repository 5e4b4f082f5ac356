"""Filters of the declaration, follow-up, monitoring and diary lists (pages and API)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from vungxanh.declarations.models import (
    Channel,
    Declaration,
    DiaryEntry,
    FollowUp,
    FormDefinition,
    FormKind,
    Monitoring,
)
from vungxanh.geo.models import AdminUnit
from vungxanh.people.filters import UnitFilterMixin, in_unit
from vungxanh.people.models import Person


def _in_unit(qs: QuerySet[Any], field: str, value: Any) -> QuerySet[Any]:
    unit = AdminUnit.objects.filter(public_id=value).first()
    if unit is None:
        return qs.none()
    return in_unit(qs, unit, (field,))


def _person_search(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    return qs.filter(person__in=Person.objects.search(value).values("pk"))


class DeclarationFilter(UnitFilterMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Citizen ID, phone or name"), method="search", max_length=100
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=[c for c in FormKind.choices if c[0] != FormKind.DIARY]
    )
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    flagged = django_filters.BooleanFilter(label=_("Needs follow-up"), method="filter_flagged")
    unit = django_filters.UUIDFilter(label=_("Unit"), method="filter_unit")
    since = django_filters.DateFilter(
        label=_("From"), field_name="submitted_at", lookup_expr="date__gte"
    )
    until = django_filters.DateFilter(
        label=_("To"), field_name="submitted_at", lookup_expr="date__lte"
    )
    person = django_filters.UUIDFilter(label=_("Person"), field_name="person__public_id")
    place_code = django_filters.CharFilter(label=_("Venue or checkpoint code"), max_length=64)

    class Meta:
        model = Declaration
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _person_search(qs, value)

    def filter_flagged(self, qs: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return qs
        return qs.exclude(flags=[]) if value else qs.filter(flags=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_unit_choices()

    def filter_unit(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return _in_unit(qs, "unit", value)


class FollowUpFilter(UnitFilterMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Citizen ID, phone or name"), method="search", max_length=100
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("pending", _("New or being handled")), *FollowUp.Status.choices],
        method="filter_status",
    )
    reason = django_filters.ChoiceFilter(label=_("Reason"), choices=FollowUp.Reason.choices)
    unit = django_filters.UUIDFilter(label=_("Unit"), method="filter_unit")
    mine = django_filters.BooleanFilter(label=_("Handled by me"), method="filter_mine")

    class Meta:
        model = FollowUp
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _person_search(qs, value)

    def filter_status(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value == "pending":
            return qs.filter(status__in=FollowUp.PENDING)
        return qs.filter(status=value)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_unit_choices()

    def filter_unit(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return _in_unit(qs, "unit", value)

    def filter_mine(self, qs: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        request = getattr(self, "request", None)
        if not value or request is None:
            return qs
        return qs.filter(assigned_to_id=request.user.pk)


class MonitoringFilter(UnitFilterMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Citizen ID, phone or name"), method="search", max_length=100
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Monitoring.Status.choices)
    reason = django_filters.ChoiceFilter(label=_("Reason"), choices=Monitoring.Reason.choices)
    unit = django_filters.UUIDFilter(label=_("Unit"), method="filter_unit")
    missing_today = django_filters.BooleanFilter(
        label=_("No diary entry today"), method="filter_missing"
    )

    class Meta:
        model = Monitoring
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _person_search(qs, value)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_unit_choices()

    def filter_unit(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return _in_unit(qs, "unit", value)

    def filter_missing(self, qs: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        from django.utils import timezone

        if value is None:
            return qs
        today = DiaryEntry.objects.filter(day=timezone.localdate()).values("monitoring_id")
        return qs.exclude(pk__in=today) if value else qs.filter(pk__in=today)


class DiaryEntryFilter(django_filters.FilterSet):
    monitoring = django_filters.UUIDFilter(
        label=_("Monitoring"), field_name="monitoring__public_id"
    )
    person = django_filters.UUIDFilter(label=_("Person"), field_name="person__public_id")
    since = django_filters.DateFilter(label=_("From"), field_name="day", lookup_expr="gte")
    until = django_filters.DateFilter(label=_("To"), field_name="day", lookup_expr="lte")
    flagged = django_filters.BooleanFilter(label=_("Needs follow-up"), method="filter_flagged")

    class Meta:
        model = DiaryEntry
        fields: list[str] = []

    def filter_flagged(self, qs: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return qs
        return qs.exclude(flags=[]) if value else qs.filter(flags=[])


class FormDefinitionFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=FormKind.choices)

    class Meta:
        model = FormDefinition
        fields: list[str] = []
