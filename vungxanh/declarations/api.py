"""API of declarations, follow-ups, monitoring and diary entries (scoped reads; reading one
record is audited like opening its page, a list once per page of results)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from vungxanh.core.api import AuditedReadsMixin, ScopedReadOnlyViewSet, ScopedViewSetMixin
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


class DeclarationViewSet(AuditedReadsMixin, mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Health declarations of people living or staying in your area. Reads are audited."""

    queryset = Declaration.objects.all()
    serializer_class = DeclarationSerializer
    filterset_class = DeclarationFilter
    pagination_class = NoCountPagination

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        # A declaration of your area may name a person the registry holds outside it: the
        # declaration is yours to read, the person's record (and registry name) is not.
        visible = Person.objects.restrict(self.request.user, "view").filter(
            pk=OuterRef("person_id")
        )
        return (
            qs.select_related("person", "unit", "form")
            .annotate(person_visible=Exists(visible))
            .order_by("-submitted_at", "-id")
        )

    def audit_target(self, obj: Declaration) -> tuple[Declaration, str]:
        return obj, obj.unit.path

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
        declaration = self.refine_queryset(Declaration.objects.filter(pk=declaration.pk)).get()
        return Response(
            DeclarationSerializer(declaration).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class FollowUpViewSet(AuditedReadsMixin, ScopedReadOnlyViewSet):
    """The follow-up queue of the health stations in your area."""

    queryset = FollowUp.objects.all()
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("person", "unit", "declaration").order_by("-last_seen", "-id")

    def audit_target(self, obj: FollowUp) -> tuple[FollowUp, str]:
        return obj, obj.unit.path


class MonitoringViewSet(AuditedReadsMixin, ScopedReadOnlyViewSet):
    """People under health monitoring in your area."""

    queryset = Monitoring.objects.all()
    serializer_class = MonitoringSerializer
    filterset_class = MonitoringFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("person", "unit").order_by("ends_on", "id")

    def audit_target(self, obj: Monitoring) -> tuple[Monitoring, str]:
        return obj, obj.unit.path


class DiaryEntryViewSet(AuditedReadsMixin, mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Daily health diary entries of people monitored in your area."""

    queryset = DiaryEntry.objects.all()
    serializer_class = DiaryEntrySerializer
    filterset_class = DiaryEntryFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("monitoring__unit", "person", "form").order_by("-day", "-id")

    def audit_target(self, obj: DiaryEntry) -> tuple[DiaryEntry, str]:
        return obj, obj.monitoring.unit.path

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
