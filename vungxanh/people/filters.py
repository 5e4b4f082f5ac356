"""Filters of the person, household and duplicate lists, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.core.scoping import scope_of
from vungxanh.geo.models import AdminUnit
from vungxanh.people.models import (
    Comorbidity,
    DuplicateCandidate,
    Household,
    Person,
    PriorityGroup,
    Sex,
)


def json_list_contains(field: str, value: str) -> Q:
    """Rows whose JSON list ``field`` holds ``value`` (JSON containment on PostgreSQL; the
    quoted value inside the JSON text elsewhere, where containment is not supported)."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__contains": [value]})
    return Q(**{f"{field}__icontains": f'"{value}"'})


def in_unit(qs: QuerySet[Any], unit: AdminUnit, fields: tuple[str, ...] | None = None) -> Any:
    """Rows of ``qs`` placed in ``unit`` or inside it, by the model's unit fields (the same
    unit-list condition as ``restrict()``, which the planner estimates well)."""
    scoped: Any = qs
    fields = fields or scoped.scope_units or ("unit",)
    return scoped.filter(scoped.units_q(fields, (unit.path,)))


def unit_options(user: Any) -> list[tuple[str, str]]:
    """The units a user may pick in a list's "Unit" filter: districts and communes of their
    area, and villages too when the area is a commune or smaller (a province's 1,800
    villages would weigh on every page)."""
    visible = AdminUnit.objects.restrict(user, "view").current()
    scope = scope_of(user)
    roots = scope.paths("people.view_person", "view") or scope.paths("geo.view_adminunit", "view")
    widest = min((root.count("/") - 1 for root in roots), default=AdminUnit.Level.PROVINCE)
    small = widest >= AdminUnit.Level.COMMUNE and not scope.unrestricted
    deepest = AdminUnit.Level.VILLAGE if small else AdminUnit.Level.COMMUNE
    units = visible.filter(level__gte=AdminUnit.Level.DISTRICT, level__lte=deepest).order_by("path")
    options = [("", "—")]
    for unit in units.only("public_id", "name", "level"):
        indent = "\u00a0\u00a0" * (unit.level - AdminUnit.Level.DISTRICT)
        options.append((str(unit.public_id), f"{indent}{unit.name}"))
    return options


class UnitFilterMixin:
    """``unit``: a unit and everything inside it, offered as a list of the user's units."""

    def setup_unit_choices(self) -> None:
        request = getattr(self, "request", None)
        filters: Any = getattr(self, "filters", {})
        if request is None or "unit" not in filters:
            return
        filters["unit"].extra["widget"] = forms.Select(choices=unit_options(request.user))

    def filter_unit(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        unit = AdminUnit.objects.filter(public_id=value).first()
        if unit is None:
            return qs.none()
        return in_unit(qs, unit)


class PersonFilter(UnitFilterMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Citizen ID, phone or name"), method="search", max_length=100
    )
    unit = django_filters.UUIDFilter(label=_("Unit"), method="filter_unit")
    sex = django_filters.ChoiceFilter(label=_("Sex"), choices=Sex.choices)
    age_min = django_filters.NumberFilter(label=_("Age from"), method="filter_age_min")
    age_max = django_filters.NumberFilter(label=_("Age to"), method="filter_age_max")
    comorbidity = django_filters.ChoiceFilter(
        label=_("Comorbidity"),
        choices=[("any", _("Any comorbidity")), *Comorbidity.choices],
        method="filter_comorbidity",
    )
    priority_group = django_filters.ChoiceFilter(
        label=_("Priority group"), choices=PriorityGroup.choices, method="filter_priority"
    )
    self_declared = django_filters.BooleanFilter(
        label=_("Self-declared"), field_name="is_self_declared"
    )
    has_cccd = django_filters.BooleanFilter(label=_("Has a citizen ID"), method="filter_cccd")
    household = django_filters.UUIDFilter(
        label=_("Household"), field_name="household__public_id", widget=forms.HiddenInput
    )

    class Meta:
        model = Person
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_unit_choices()

    def search(self, qs: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        from vungxanh.people.search import search_q

        query = search_q(value)
        if query.condition is None:
            return qs
        return qs.filter(query.condition)

    def _born(self, age: Any, *, older: bool) -> Q:
        year = timezone.localdate().year - int(age)
        return Q(birth_year__lte=year) if older else Q(birth_year__gte=year)

    def filter_age_min(self, qs: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
        if value is None or not 0 <= value <= 130:
            return qs
        return qs.filter(self._born(value, older=True))

    def filter_age_max(self, qs: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
        if value is None or not 0 <= value <= 130:
            return qs
        return qs.filter(self._born(value, older=False))

    def filter_comorbidity(self, qs: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        if value == "any":
            return qs.exclude(comorbidities=[])
        return qs.filter(json_list_contains("comorbidities", value))

    def filter_priority(self, qs: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return qs.filter(json_list_contains("priority_groups", value))

    def filter_cccd(self, qs: QuerySet[Person], name: str, value: bool | None) -> QuerySet[Person]:
        if value is None:
            return qs
        return qs.filter(cccd__isnull=not value)


class HouseholdFilter(UnitFilterMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Address"), method="search", max_length=100)
    unit = django_filters.UUIDFilter(label=_("Unit"), method="filter_unit")

    class Meta:
        model = Household
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_unit_choices()

    def search(self, qs: QuerySet[Household], name: str, value: str) -> QuerySet[Household]:
        return qs.filter(address__icontains=value.strip())


class DuplicateFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=DuplicateCandidate.Status.choices
    )
    reason = django_filters.ChoiceFilter(
        label=_("Reason"), choices=DuplicateCandidate.Reason.choices
    )

    class Meta:
        model = DuplicateCandidate
        fields: list[str] = []
