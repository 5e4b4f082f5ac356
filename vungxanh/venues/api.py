from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, PolymorphicProxySerializer, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from vungxanh.core.api import ScopedReadOnlyViewSet
from vungxanh.core.scoping import scope_of
from vungxanh.venues import actions
from vungxanh.venues.filters import VenueFilter
from vungxanh.venues.models import OWN_SCAN, CheckIn, Venue
from vungxanh.venues.serializers import (
    CheckInBatchResultSerializer,
    CheckInBatchSerializer,
    CheckInItemSerializer,
    CheckInResultSerializer,
    VenueSerializer,
)


class VenueViewSet(ScopedReadOnlyViewSet):
    """Venues in your area (officials) or that you work for (venue staff)."""

    queryset = Venue.objects.all()
    serializer_class = VenueSerializer
    filterset_class = VenueFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("unit").order_by("code")


EXAMPLE_ITEM = {
    "uuid": "6f1c7c1e-2b7a-4d0e-9a57-3c1d2e9b8a11",
    "venue": "K7Q2M9XA",
    "qr": "VXP1.<id>.<signature>",
    "check_in": "2021-10-20T08:30:00+07:00",
}


class CheckInViewSet(viewsets.ViewSet):
    """Upload check-ins: one, or a batch of up to 500 (``{"items": [...]}`` or a list).

    Each item carries a UUID made by the device, so an offline scanner can upload later and
    retry freely: an item already stored answers ``duplicate`` and is never stored twice.
    Each item gets its own status; a refused item says why (``reason``, ``message``)."""

    queryset = CheckIn.objects.none()

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="CheckInUpload",
            serializers=[CheckInItemSerializer, CheckInBatchSerializer],
            resource_type_field_name=None,
        ),
        responses={
            200: PolymorphicProxySerializer(
                component_name="CheckInUploadResult",
                serializers=[CheckInResultSerializer, CheckInBatchResultSerializer],
                resource_type_field_name=None,
            ),
            201: CheckInResultSerializer,
        },
        examples=[OpenApiExample("one check-in", value=EXAMPLE_ITEM, request_only=True)],
    )
    def create(self, request: Request) -> Response:
        scope = scope_of(request.user)
        if not (scope.has_perm("venues.add_checkin") or scope.has_perm(OWN_SCAN)):
            raise PermissionDenied(_("You may not record check-ins."))
        data = request.data
        single = isinstance(data, dict) and "items" not in data
        items = [data] if single else data.get("items") if isinstance(data, dict) else data
        if not isinstance(items, list) or not items:
            return Response(
                {"detail": _('Send one check-in, a list of check-ins, or {"items": [...]}.')},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if len(items) > actions.MAX_BATCH:
            return Response(
                {
                    "detail": _("At most %(max)d check-ins per request; split the upload.")
                    % {"max": actions.MAX_BATCH}
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        results = actions.record_checkins(actor=request.user, items=items)
        if single:
            result = results[0]
            code = {
                "created": status.HTTP_201_CREATED,
                "refused": status.HTTP_400_BAD_REQUEST,
            }.get(result.status, status.HTTP_200_OK)
            return Response(result.as_dict(), status=code)
        counts = {"created": 0, "duplicate": 0, "checked_out": 0, "refused": 0}
        for r in results:
            counts[r.status] += 1
        return Response({**counts, "results": [r.as_dict() for r in results]})


def register(router: Any) -> None:
    router.register("venues", VenueViewSet, basename="venue")
    router.register("checkins", CheckInViewSet, basename="checkin")
