"""API of the testing capability: samples, pools, runs, sampling tasks and laboratories
(read, filtered like the pages), result entry for a pool or a single sample, and the
pool-size planner."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vungxanh.core.api import AuditedReadsMixin, ScopedReadOnlyViewSet
from vungxanh.labs import actions, queries
from vungxanh.labs.filters import PoolFilter, RunFilter, SampleFilter, SamplingTaskFilter
from vungxanh.labs.models import Laboratory, Pool, Run, Sample, SamplingTask
from vungxanh.labs.serializers import (
    CorrectionInputSerializer,
    LaboratorySerializer,
    PlannerQuerySerializer,
    PoolSerializer,
    ResultCorrectionSerializer,
    ResultInputSerializer,
    RunSerializer,
    SampleSerializer,
    SamplingTaskSerializer,
)
from vungxanh.people.models import Person


def _enter_result(request: Request, target: Pool | Sample) -> Response:
    data = ResultInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    summary = actions.record_result(
        actor=request.user,
        target=target,
        result=data.validated_data["result"],
        ct=data.validated_data.get("ct"),
    )
    return Response(summary.report())


def _correct(request: Request, target: Pool | Sample) -> Response:
    data = CorrectionInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    correction = actions.correct_result(
        actor=request.user,
        target=target,
        result=data.validated_data["result"],
        ct=data.validated_data.get("ct"),
        reason=data.validated_data["reason"],
        expected=data.validated_data.get("expected"),
    )
    return Response(ResultCorrectionSerializer(correction, context={"request": request}).data)


class LaboratoryViewSet(ScopedReadOnlyViewSet):
    """Laboratories serving your area (or yours) with their daily capacity."""

    queryset = Laboratory.objects.all()
    serializer_class = LaboratorySerializer

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("facility__unit")


class SampleViewSet(AuditedReadsMixin, ScopedReadOnlyViewSet):
    """Samples collected in or of persons living in your area; a laboratory's own samples."""

    queryset = Sample.objects.all()
    serializer_class = SampleSerializer
    filterset_class = SampleFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related(
            "person",
            "unit",
            "home_unit",
            "lab__facility",
            "membership__pool",
            "fulfils__origin_sample",
            "collected_by",
            "site",
        ).order_by("priority", "-collected_at", "pk")

    def audit_target(self, obj: Sample) -> tuple[Person, str]:
        return obj.person, obj.home_unit.path

    @extend_schema(request=ResultInputSerializer, responses=None)
    @action(detail=True, methods=["post"])
    def result(self, request: Request, public_id: str | None = None) -> Response:
        """Enter the result of a single RT-PCR sample."""
        sample = get_object_or_404(
            Sample.objects.restrict(request.user, "change"), public_id=public_id
        )
        return _enter_result(request, sample)

    @extend_schema(request=CorrectionInputSerializer, responses=ResultCorrectionSerializer)
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, public_id: str | None = None) -> Response:
        """Correct the result of a single RT-PCR sample entered wrongly (who, when, why and
        the result before and after are recorded; a case this result confirmed is
        discarded through the tracing rules, reversibly)."""
        sample = get_object_or_404(
            Sample.objects.restrict(request.user, "change"), public_id=public_id
        )
        return _correct(request, sample)


class PoolViewSet(ScopedReadOnlyViewSet):
    """Pools of your laboratory, or holding samples of your area."""

    queryset = Pool.objects.all()
    serializer_class = PoolSerializer
    filterset_class = PoolFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("lab__facility", "run", "rule_set").order_by("-created_at", "pk")

    @extend_schema(request=ResultInputSerializer, responses=None)
    @action(detail=True, methods=["post"])
    def result(self, request: Request, public_id: str | None = None) -> Response:
        """Enter a pool's result: negative makes every member negative, positive sends every
        member back for an individual sample."""
        pool = get_object_or_404(Pool.objects.restrict(request.user, "change"), public_id=public_id)
        return _enter_result(request, pool)

    @extend_schema(request=CorrectionInputSerializer, responses=ResultCorrectionSerializer)
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, public_id: str | None = None) -> Response:
        """Correct a pool's result entered wrongly: to negative, the members become negative
        and their re-sampling tasks not done yet are cancelled; to positive, every member is
        sent back for an individual sample."""
        pool = get_object_or_404(Pool.objects.restrict(request.user, "change"), public_id=public_id)
        return _correct(request, pool)


class RunViewSet(ScopedReadOnlyViewSet):
    queryset = Run.objects.all()
    serializer_class = RunSerializer
    filterset_class = RunFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("lab__facility").order_by("-created_at")


class SamplingTaskViewSet(AuditedReadsMixin, ScopedReadOnlyViewSet):
    """Persons to sample again individually, for the commune where they live."""

    queryset = SamplingTask.objects.all()
    serializer_class = SamplingTaskSerializer
    filterset_class = SamplingTaskFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("person", "unit", "origin_sample", "pool", "sample").order_by(
            "due_at", "pk"
        )

    def audit_target(self, obj: SamplingTask) -> tuple[Person, str]:
        return obj.person, obj.unit.path


class PlannerViewSet(viewsets.ViewSet):
    """Dorfman pool-size planner: recommended size and reactions for N samples."""

    @extend_schema(parameters=[PlannerQuerySerializer], responses=None)
    def list(self, request: Request) -> Response:
        params = PlannerQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        rules, recent = queries.planner_inputs(request.user)
        try:
            plan, guessed = queries.plan_for(
                rules,
                recent,
                prevalence=data.get("prevalence"),
                sensitivity=data.get("sensitivity"),
                specificity=data.get("specificity"),
                samples=data.get("samples"),
            )
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        body = asdict(plan)
        body["prevalence_from_recent_positivity"] = guessed
        body["rule_set"] = rules.code
        return Response(body)


def register(router: Any) -> None:
    router.register("labs/laboratories", LaboratoryViewSet, basename="laboratory")
    router.register("labs/samples", SampleViewSet, basename="lab-sample")
    router.register("labs/pools", PoolViewSet, basename="lab-pool")
    router.register("labs/runs", RunViewSet, basename="lab-run")
    router.register("labs/tasks", SamplingTaskViewSet, basename="lab-samplingtask")
    router.register("labs/planner", PlannerViewSet, basename="lab-planner")
