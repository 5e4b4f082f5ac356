from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from vungxanh.geo.models import AdminUnit
from vungxanh.venues.models import Venue, VenueKind


class VenueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name, code or address"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=VenueKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Venue.Status.choices)
    unit = django_filters.UUIDFilter(label=_("Unit"), method="filter_unit")
    code = django_filters.CharFilter(label=_("Code"), method="filter_code")

    class Meta:
        model = Venue
        fields: list[str] = []

    def search(self, qs: QuerySet[Venue], name: str, value: str) -> QuerySet[Venue]:
        value = value.strip()
        return qs.filter(
            Q(name__icontains=value) | Q(code=value.upper()) | Q(address__icontains=value)
        )

    def filter_code(self, qs: QuerySet[Venue], name: str, value: str) -> QuerySet[Venue]:
        return qs.filter(code=value.strip().upper())

    def filter_unit(self, qs: QuerySet[Venue], name: str, value: Any) -> QuerySet[Venue]:
        unit = AdminUnit.objects.filter(public_id=value).first()
        if unit is None:
            return qs.none()
        return qs.filter(unit__path__startswith=unit.path)
