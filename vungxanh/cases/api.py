from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from vungxanh.cases import actions
from vungxanh.cases.filters import CaseFilter, ClusterFilter, LandmarkFilter, TaskFilter
from vungxanh.cases.models import Case, Cluster, Landmark, TracingTask
from vungxanh.cases.serializers import (
    CaseConfirmSerializer,
    CaseSerializer,
    CaseUpdateSerializer,
    ClusterSerializer,
    LandmarkSerializer,
    TracingTaskSerializer,
)
from vungxanh.core.api import AuditedReadsMixin, ScopedReadOnlyViewSet
from vungxanh.core.scoping import require_perm


class CaseViewSet(AuditedReadsMixin, mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Cases of your area (responsible or residence unit). POST confirms a case through
    the same action as the pages (idempotent for a person with an active case); PATCH
    corrects one through the same action as the edit page."""

    queryset = Case.objects.all()
    serializer_class = CaseSerializer
    filterset_class = CaseFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related(
            "person", "responsible_unit", "residence_unit", "rule_set"
        ).order_by("-reported_at", "-pk")

    def audit_target(self, obj: Case) -> tuple[Case, str]:
        return obj, obj.responsible_unit.path

    @extend_schema(request=CaseConfirmSerializer, responses={201: CaseSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_perm(request.user, "cases.add_case")
        serializer = CaseConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = actions.confirm_case(actor=request.user, **serializer.validated_data)
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CaseUpdateSerializer, responses=CaseSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Correct the dates, status, source or note of a case of your area."""
        case = self.get_object()
        serializer = CaseUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        clear_onset = "onset_date" in data and data["onset_date"] is None
        case = actions.update_case(actor=request.user, case=case, clear_onset=clear_onset, **data)
        self.record_read(case)  # the answer is the whole record
        return Response(CaseSerializer(case).data)


class LandmarkViewSet(ScopedReadOnlyViewSet):
    """Epidemiological landmarks of the cases of your area."""

    queryset = Landmark.objects.all()
    serializer_class = LandmarkSerializer
    filterset_class = LandmarkFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("case", "venue", "unit").order_by("start", "pk")


class TracingTaskViewSet(AuditedReadsMixin, ScopedReadOnlyViewSet):
    """Tracing tasks of your communes (and of the cases your unit is responsible for)."""

    queryset = TracingTask.objects.all()
    serializer_class = TracingTaskSerializer
    filterset_class = TaskFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("person", "unit", "case").order_by("due_at", "pk")

    def audit_target(self, obj: TracingTask) -> tuple[TracingTask, str]:
        return obj, obj.unit.path


class ClusterViewSet(ScopedReadOnlyViewSet):
    """Clusters of your area."""

    queryset = Cluster.objects.all()
    serializer_class = ClusterSerializer
    filterset_class = ClusterFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("unit").order_by("-proposed_at")


def register(router: Any) -> None:
    router.register("cases", CaseViewSet, basename="case")
    router.register("landmarks", LandmarkViewSet, basename="landmark")
    router.register("tracing-tasks", TracingTaskViewSet, basename="tracingtask")
    router.register("clusters", ClusterViewSet, basename="cluster")
