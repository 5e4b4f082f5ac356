from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils import json as drf_json

from vungxanh.accounts.authentication import BearerTokenAuthentication
from vungxanh.core.api import ScopedReadOnlyViewSet
from vungxanh.core.parsers import check_json
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
        payload, code = upload(request.user, request.data)
        return Response(payload, status=code)

    # --- the fast path --------------------------------------------------------------------
    #: Serve well-formed bearer-token JSON uploads without DRF's request machinery (about a
    #: tenth of the CPU of a single check-in); anything else, or anything unusual, takes
    #: the ordinary DRF path, which answers exactly as before. Tests compare both paths.
    fast_path = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if self.fast_path and self.action_map.get("post") == "create":
            response = self._fast_create(request)
            if response is not None:
                return response
        return super().dispatch(request, *args, **kwargs)

    def _fast_create(self, request: HttpRequest) -> HttpResponse | None:
        """The upload answered directly, or None to let DRF handle the request: a method
        other than POST, another content type or Accept header, a format override, no or
        a refused bearer token (DRF answers 401 with its headers), throttles, versioning
        or other permission classes configured, a body that is not JSON or is larger than
        DATA_UPLOAD_MAX_MEMORY_SIZE (DRF answers 400), no right to record check-ins
        (403), or an error in the action (DRF runs it again: the failed transaction left
        nothing behind; and formats the error). JSON that the project's parser refuses
        (NUL characters, lone surrogates, nesting too deep: ``core.parsers.check_json``) is
        answered here with the 400 DRF would give, before anything is stored, so that
        nothing the action echoes can fail to render."""
        if request.method != "POST" or request.content_type != "application/json":
            return None
        if request.headers.get("Accept", "*/*").strip() not in ("*/*", "application/json"):
            return None
        if "format" in request.GET or self.get_throttles() or self.versioning_class is not None:
            return None
        if not self.authentication_classes or not issubclass(
            self.authentication_classes[0], BearerTokenAuthentication
        ):
            return None
        if any(type(p) not in (IsAuthenticated, AllowAny) for p in self.get_permissions()):
            return None
        try:
            authenticated = self.authentication_classes[0]().authenticate(request)  # type: ignore[arg-type]
        except exceptions.APIException:
            return None
        if authenticated is None:
            return None
        user, token = authenticated
        scope = scope_of(user)
        if not (scope.has_perm("venues.add_checkin") or scope.has_perm(OWN_SCAN)):
            return None
        request.user = user  # as DRF does: the middleware then marks the answer private
        request.auth = token  # type: ignore[attr-defined]
        try:
            data = drf_json.loads(request.body.decode(request.encoding or "utf-8"))
        except (ValueError, RequestDataTooBig):  # DRF reads the stream itself and answers
            return None
        except RecursionError:
            return self._fast_answer({"detail": _("The JSON body is nested too deeply.")}, 400)
        try:
            check_json(data)
        except exceptions.ParseError as exc:
            return self._fast_answer({"detail": exc.detail}, exc.status_code)
        try:
            payload, code = upload(user, data)
        except Exception:  # DRF's path re-runs the action and formats the error
            return None
        return self._fast_answer(payload, code)

    def _fast_answer(self, payload: Any, code: int) -> HttpResponse:
        response = HttpResponse(
            JSONRenderer().render(payload), status=code, content_type="application/json"
        )
        for key, value in self.default_response_headers.items():
            response[key] = value
        return response


def upload(user: Any, data: Any) -> tuple[dict[str, Any], int]:
    """Store the check-ins of one upload body (one item, a list, or ``{"items": [...]}``)
    for ``user``; the answer's payload and HTTP status."""
    scope = scope_of(user)
    if not (scope.has_perm("venues.add_checkin") or scope.has_perm(OWN_SCAN)):
        raise PermissionDenied(_("You may not record check-ins."))
    single = isinstance(data, dict) and "items" not in data
    items = [data] if single else data.get("items") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        return (
            {"detail": _('Send one check-in, a list of check-ins, or {"items": [...]}.')},
            status.HTTP_400_BAD_REQUEST,
        )
    if len(items) > actions.MAX_BATCH:
        return (
            {
                "detail": _("At most %(max)d check-ins per request; split the upload.")
                % {"max": actions.MAX_BATCH}
            },
            status.HTTP_400_BAD_REQUEST,
        )
    results = actions.record_checkins(actor=user, items=items)
    if single:
        result = results[0]
        code = {
            "created": status.HTTP_201_CREATED,
            "refused": status.HTTP_400_BAD_REQUEST,
        }.get(result.status, status.HTTP_200_OK)
        return result.as_dict(), code
    counts = {"created": 0, "duplicate": 0, "checked_out": 0, "refused": 0}
    for r in results:
        counts[r.status] += 1
    return {**counts, "results": [r.as_dict() for r in results]}, status.HTTP_200_OK


def register(router: Any) -> None:
    router.register("venues", VenueViewSet, basename="venue")
    router.register("checkins", CheckInViewSet, basename="checkin")
