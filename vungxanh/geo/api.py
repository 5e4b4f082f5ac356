from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from vungxanh.core.api import ScopedReadOnlyViewSet
from vungxanh.geo.filters import FacilityFilter, UnitFilter
from vungxanh.geo.models import AdminUnit, Facility
from vungxanh.geo.serializers import AdminUnitSerializer, FacilitySerializer


class AdminUnitViewSet(ScopedReadOnlyViewSet):
    """Administrative units you may see: your area, everything in it, and its ancestors."""

    queryset = AdminUnit.objects.all()
    serializer_class = AdminUnitSerializer
    filterset_class = UnitFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("parent")


class FacilityViewSet(ScopedReadOnlyViewSet):
    """Health-system facilities serving your area."""

    queryset = Facility.objects.all()
    serializer_class = FacilitySerializer
    filterset_class = FacilityFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("unit")


def register(router: Any) -> None:
    router.register("units", AdminUnitViewSet, basename="adminunit")
    router.register("facilities", FacilityViewSet, basename="facility")
