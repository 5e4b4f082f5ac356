"""One FilterSet per list, shared by the pages and the API."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.geo.models import AdminUnit
from vungxanh.labs import codes
from vungxanh.labs.forms import FIRST_YEAR, LAST_YEAR
from vungxanh.labs.models import (
    Pool,
    Reason,
    Result,
    Run,
    Sample,
    SamplingTask,
    TestKind,
)
from vungxanh.people.identity import fold_name


class BoundedDateField(forms.DateField):
    """A day between the years the pages accept (the year 1 or 9999 can be neither
    converted between time zones nor followed by a next day)."""

    def clean(self, value: Any) -> Any:
        out = super().clean(value)
        if out is not None and not FIRST_YEAR <= out.year <= LAST_YEAR:
            raise ValidationError(
                _("Enter a date between %(first)s and %(last)s."),
                code="out_of_range",
                params={"first": FIRST_YEAR, "last": LAST_YEAR},
            )
        return out


class BoundedDateFilter(django_filters.DateFilter):
    field_class = BoundedDateField


def _unit_prefix(qs: QuerySet[Any], field: str, value: Any) -> QuerySet[Any]:
    unit = AdminUnit.objects.filter(public_id=value).first()
    if unit is None:
        return qs.none()
    return qs.filter(**{f"{field}__path__startswith": unit.path})


class SampleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Code or name"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Sample.Status.choices)
    result = django_filters.ChoiceFilter(label=_("Result"), choices=Result.choices)
    reason = django_filters.ChoiceFilter(label=_("Reason"), choices=Reason.choices)
    test_kind = django_filters.ChoiceFilter(label=_("Test"), choices=TestKind.choices)
    lab = django_filters.UUIDFilter(label=_("Laboratory"), field_name="lab__public_id")
    unit = django_filters.UUIDFilter(label=_("Unit"), method="filter_unit")
    overdue = django_filters.BooleanFilter(
        label=_("Without result since before today"), method="filter_overdue"
    )
    day = BoundedDateFilter(label=_("Collected on"), method="filter_day")

    class Meta:
        model = Sample
        fields: list[str] = []

    def search(self, qs: QuerySet[Sample], name: str, value: str) -> QuerySet[Sample]:
        text = value.strip()
        if not text:
            return qs
        code = codes.normalise(text)
        return qs.filter(
            Q(code=code)
            | Q(membership__pool__code=code)
            | Q(person__cccd=text)
            | Q(person__name_folded__contains=fold_name(text))
        )

    def filter_unit(self, qs: QuerySet[Sample], name: str, value: Any) -> QuerySet[Sample]:
        return _unit_prefix(qs, "unit", value)

    def filter_overdue(self, qs: QuerySet[Sample], name: str, value: bool | None) -> Any:
        if value is None:
            return qs
        overdue = qs.overdue()  # type: ignore[attr-defined]
        return overdue if value else qs.exclude(pk__in=overdue.values("pk"))

    def filter_day(self, qs: QuerySet[Sample], name: str, value: Any) -> QuerySet[Sample]:
        start = timezone.make_aware(datetime.datetime.combine(value, datetime.time()))
        return qs.filter(collected_at__gte=start, collected_at__lt=start + datetime.timedelta(1))


class PoolFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Code"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Pool.Status.choices)
    result = django_filters.ChoiceFilter(label=_("Result"), choices=Result.choices)
    lab = django_filters.UUIDFilter(label=_("Laboratory"), field_name="lab__public_id")

    class Meta:
        model = Pool
        fields: list[str] = []

    def search(self, qs: QuerySet[Pool], name: str, value: str) -> QuerySet[Pool]:
        code = codes.normalise(value)
        return qs.filter(Q(code=code) | Q(members__code=code)).distinct()


class RunFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Code"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Run.Status.choices)
    lab = django_filters.UUIDFilter(label=_("Laboratory"), field_name="lab__public_id")

    class Meta:
        model = Run
        fields: list[str] = []

    def search(self, qs: QuerySet[Run], name: str, value: str) -> QuerySet[Run]:
        return qs.filter(code=codes.normalise(value))


class SamplingTaskFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Code or name"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=SamplingTask.Status.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=SamplingTask.Kind.choices)
    unit = django_filters.UUIDFilter(label=_("Unit"), method="filter_unit")
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")

    class Meta:
        model = SamplingTask
        fields: list[str] = []

    def search(self, qs: QuerySet[SamplingTask], name: str, value: str) -> QuerySet[SamplingTask]:
        text = value.strip()
        code = codes.normalise(text)
        return qs.filter(
            Q(origin_sample__code=code)
            | Q(pool__code=code)
            | Q(person__cccd=text)
            | Q(person__name_folded__contains=fold_name(text))
        )

    def filter_unit(self, qs: QuerySet[SamplingTask], name: str, value: Any) -> Any:
        return _unit_prefix(qs, "unit", value)

    def filter_overdue(self, qs: QuerySet[SamplingTask], name: str, value: bool | None) -> Any:
        if value is None:
            return qs
        now = timezone.now()
        late = Q(status=SamplingTask.Status.OPEN, due_at__lt=now)
        return qs.filter(late) if value else qs.exclude(late)
