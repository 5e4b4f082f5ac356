from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from vungxanh.geo.models import AdminUnit, Facility


class UnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or code"), method="search", max_length=100)
    level = django_filters.ChoiceFilter(label=_("Level"), choices=AdminUnit.Level.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=AdminUnit.Kind.choices)
    parent = django_filters.UUIDFilter(label=_("Parent unit"), field_name="parent__public_id")
    code = django_filters.CharFilter(label=_("Code"), max_length=20)
    structure = django_filters.ChoiceFilter(
        label=_("Structure"), choices=AdminUnit.Structure.choices
    )
    current = django_filters.BooleanFilter(label=_("Current only"), method="filter_current")

    class Meta:
        model = AdminUnit
        fields: list[str] = []

    def search(self, qs: QuerySet[AdminUnit], name: str, value: str) -> QuerySet[AdminUnit]:
        return qs.filter(Q(name__icontains=value.strip()) | Q(code=value.strip()))

    def filter_current(
        self, qs: QuerySet[AdminUnit], name: str, value: bool
    ) -> QuerySet[AdminUnit]:
        if value is None:
            return qs
        today = datetime.date.today()
        current = (Q(valid_from__isnull=True) | Q(valid_from__lte=today)) & (
            Q(valid_to__isnull=True) | Q(valid_to__gte=today)
        )
        return qs.filter(current) if value else qs.exclude(current)


class FacilityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or code"), method="search", max_length=100)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Facility.Kind.choices)
    unit = django_filters.UUIDFilter(label=_("Unit"), method="filter_unit")
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Facility
        fields: list[str] = []

    def search(self, qs: QuerySet[Facility], name: str, value: str) -> QuerySet[Facility]:
        return qs.filter(Q(name__icontains=value.strip()) | Q(code=value.strip()))

    def filter_unit(self, qs: QuerySet[Facility], name: str, value: Any) -> QuerySet[Facility]:
        unit = AdminUnit.objects.filter(public_id=value).first()
        if unit is None:
            return qs.none()
        return qs.filter(unit__path__startswith=unit.path)
