"""API of declarations, follow-ups, monitoring and diary entries (scoped reads; reading one
record is audited like opening its page, a list once per page of results)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from vungxanh.core import audit
from vungxanh.core.api import ScopedReadOnlyViewSet, ScopedViewSetMixin
from vungxanh.core.scoping import require_perm
from vungxanh.declarations import actions
from vungxanh.declarations.filters import (
    DeclarationFilter,
    DiaryEntryFilter,
    FollowUpFilter,
    FormDefinitionFilter,
    MonitoringFilter,
)
from vungxanh.declarations.models import (
    Declaration,
    DiaryEntry,
    FollowUp,
    FormDefinition,
    Monitoring,
)
from vungxanh.declarations.serializers import (
    DeclarationCreateSerializer,
    DeclarationSerializer,
    DiaryEntryCreateSerializer,
    DiaryEntrySerializer,
    FollowUpSerializer,
    FormDefinitionSerializer,
    MonitoringSerializer,
)
from vungxanh.people.api import NoCountPagination
from vungxanh.people.models import Person


class FormDefinitionViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet[Any]
):
    """Every version of the declaration forms, with its questions and effective time
    (filter by ``kind``; province-wide rules, so a list and no per-object address)."""

    queryset = FormDefinition.objects.all()
    serializer_class = FormDefinitionSerializer
    filterset_class = FormDefinitionFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.order_by("kind", "-version")


class AuditedListMixin:
    """Records each page of a list of personal records read through the API (one event
    per page: which list, with which filters, how many rows)."""

    queryset: QuerySet[Any]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().list(request, *args, **kwargs)  # type: ignore[misc]
        data: Any = response.data
        rows = data.get("results", data) if isinstance(data, dict) else data
        audit.record(
            actor=request.user,
            verb="list",
            target_label=self.queryset.model._meta.label_lower,
            extra={"query": request.query_params.urlencode(), "rows": len(rows)},
        )
        return response


class DeclarationViewSet(AuditedListMixin, mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Health declarations of people living or staying in your area. Reads are audited."""

    queryset = Declaration.objects.all()
    serializer_class = DeclarationSerializer
    filterset_class = DeclarationFilter
    pagination_class = NoCountPagination

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("person", "unit", "form").order_by("-submitted_at", "-id")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        declaration = self.get_object()
        audit.record_view(actor=request.user, target=declaration, unit_path=declaration.unit.path)
        return Response(DeclarationSerializer(declaration).data)

    @extend_schema(
        request=DeclarationCreateSerializer,
        responses={200: DeclarationSerializer, 201: DeclarationSerializer},
        description="Record a declaration (201). The same ``token`` sent again answers the "
        "first declaration, unchanged (200). A declarant identified outside your area is "
        "linked to their record, but the answer names neither (``person`` and "
        "``person_name`` are null).",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_perm(request.user, "declarations.add_declaration")
        serializer = DeclarationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        person = None
        if data.get("person"):
            person = (
                Person.objects.restrict(request.user, "view")
                .current()
                .filter(public_id=data["person"])
                .first()
            )
            if person is None:
                raise NotFound()
        declaration, created = actions.submit_declaration(
            actor=request.user,
            kind=data["kind"],
            answers=data["answers"],
            channel=data["channel"],
            person=person,
            identity=None
            if person
            else {k: data.get(k) for k in ("cccd", "phone", "full_name", "birth_year", "sex")},
            unit=data["unit"],
            address=data.get("address", ""),
            token=data.get("token"),
            place_code=data.get("place_code", ""),
        )
        payload = DeclarationSerializer(declaration).data
        visible = Person.objects.restrict(request.user, "view").filter(pk=declaration.person_id)
        if not visible.exists():
            # Identified by the registry outside the caller's area: the declaration is
            # theirs, the person's record is not (nor the name the registry holds).
            payload["person"] = None
            payload["person_name"] = None
        return Response(payload, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class FollowUpViewSet(AuditedListMixin, ScopedReadOnlyViewSet):
    """The follow-up queue of the health stations in your area."""

    queryset = FollowUp.objects.all()
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("person", "unit", "declaration").order_by("-last_seen", "-id")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        audit.record_view(actor=request.user, target=item, unit_path=item.unit.path)
        return Response(FollowUpSerializer(item).data)


class MonitoringViewSet(AuditedListMixin, ScopedReadOnlyViewSet):
    """People under health monitoring in your area."""

    queryset = Monitoring.objects.all()
    serializer_class = MonitoringSerializer
    filterset_class = MonitoringFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("person", "unit").order_by("ends_on", "id")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        monitoring = self.get_object()
        audit.record_view(actor=request.user, target=monitoring, unit_path=monitoring.unit.path)
        return Response(MonitoringSerializer(monitoring).data)


class DiaryEntryViewSet(AuditedListMixin, mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Daily health diary entries of people monitored in your area."""

    queryset = DiaryEntry.objects.all()
    serializer_class = DiaryEntrySerializer
    filterset_class = DiaryEntryFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("monitoring__unit", "person", "form").order_by("-day", "-id")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = self.get_object()
        audit.record_view(actor=request.user, target=entry, unit_path=entry.monitoring.unit.path)
        return Response(DiaryEntrySerializer(entry).data)

    @extend_schema(
        request=DiaryEntryCreateSerializer,
        responses={200: DiaryEntrySerializer, 201: DiaryEntrySerializer},
        description="Record a day of a diary (201); a second entry for the same day replaces "
        "the first one's answers (200).",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = DiaryEntryCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        monitoring = (
            Monitoring.objects.restrict(request.user, "change")
            .filter(public_id=data["monitoring"])
            .first()
        )
        if monitoring is None:
            raise NotFound()
        entry, created = actions.record_diary_entry(
            actor=request.user, monitoring=monitoring, answers=data["answers"], day=data.get("day")
        )
        return Response(
            DiaryEntrySerializer(entry).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def register(router: Any) -> None:
    router.register("declaration-forms", FormDefinitionViewSet, basename="formdefinition")
    router.register("declarations", DeclarationViewSet, basename="declaration")
    router.register("follow-ups", FollowUpViewSet, basename="followup")
    router.register("monitorings", MonitoringViewSet, basename="monitoring")
    router.register("diary-entries", DiaryEntryViewSet, basename="diaryentry")
