"""API representations (read-only; writes go through the actions)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vungxanh.labs import bridge
from vungxanh.labs.models import Laboratory, Pool, ResultCorrection, Run, Sample, SamplingTask


class LaboratorySerializer(serializers.ModelSerializer[Laboratory]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    code = serializers.CharField(source="facility.code", read_only=True)
    name = serializers.CharField(source="facility.name", read_only=True)
    unit_code = serializers.CharField(source="facility.unit.code", read_only=True)

    class Meta:
        model = Laboratory
        fields = [
            "id",
            "code",
            "name",
            "unit_code",
            "single_capacity",
            "pooled_capacity",
            "plate_wells",
            "control_wells",
            "is_active",
        ]
        read_only_fields = fields


class SampleSerializer(serializers.ModelSerializer[Sample]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    person = serializers.UUIDField(source="person.public_id", read_only=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    home_unit_code = serializers.CharField(source="home_unit.code", read_only=True)
    lab = serializers.CharField(source="lab.facility.code", read_only=True, allow_null=True)
    pool = serializers.CharField(source="pool.code", read_only=True, allow_null=True)
    collected_by = serializers.CharField(
        source="collected_by.display_name",
        read_only=True,
        allow_null=True,
        help_text="who took the sample (their name, or their user name)",
    )
    site = serializers.UUIDField(source="site.public_id", read_only=True, allow_null=True)
    site_name = serializers.CharField(source="site.name", read_only=True, allow_null=True)
    site_kind = serializers.CharField(source="site.kind", read_only=True, allow_null=True)
    turnaround_minutes = serializers.SerializerMethodField()
    retest_of = serializers.SerializerMethodField()

    class Meta:
        model = Sample
        fields = [
            "id",
            "code",
            "person",
            "person_name",
            "test_kind",
            "reason",
            "quarantine_day",
            "priority",
            "single_only",
            "is_f1",
            "collected_at",
            "collected_by",
            "site",
            "site_name",
            "site_kind",
            "unit_code",
            "home_unit_code",
            "lab",
            "received_at",
            "status",
            "result",
            "ct_value",
            "resulted_at",
            "turnaround_minutes",
            "pool",
            "retest_of",
            "case_ref",
        ]
        read_only_fields = fields

    def get_turnaround_minutes(self, obj: Sample) -> int | None:
        return int(obj.turnaround.total_seconds() // 60) if obj.turnaround is not None else None

    def get_retest_of(self, obj: Sample) -> str | None:
        """The code of the earlier sample this one re-tests (lineage)."""
        task = getattr(obj, "fulfils", None)
        return task.origin_sample.code if task is not None else None


class PoolSerializer(serializers.ModelSerializer[Pool]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    lab = serializers.CharField(source="lab.facility.code", read_only=True)
    run = serializers.CharField(source="run.code", read_only=True, allow_null=True)
    rule_set = serializers.CharField(source="rule_set.code", read_only=True, allow_null=True)

    class Meta:
        model = Pool
        fields = [
            "id",
            "code",
            "lab",
            "size",
            "status",
            "result",
            "ct_value",
            "attempts",
            "run",
            "well",
            "created_at",
            "resulted_at",
            "rule_set",
        ]
        read_only_fields = fields


class RunSerializer(serializers.ModelSerializer[Run]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    lab = serializers.CharField(source="lab.facility.code", read_only=True)

    class Meta:
        model = Run
        fields = [
            "id",
            "code",
            "lab",
            "wells",
            "control_wells",
            "status",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields


class SamplingTaskSerializer(serializers.ModelSerializer[SamplingTask]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    person = serializers.UUIDField(source="person.public_id", read_only=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    origin_sample = serializers.CharField(source="origin_sample.code", read_only=True)
    pool = serializers.CharField(source="pool.code", read_only=True, allow_null=True)
    sample = serializers.CharField(source="sample.code", read_only=True, allow_null=True)
    sample_result = serializers.CharField(source="sample.result", read_only=True, allow_null=True)

    class Meta:
        model = SamplingTask
        fields = [
            "id",
            "kind",
            "person",
            "person_name",
            "unit_code",
            "origin_sample",
            "pool",
            "status",
            "created_at",
            "due_at",
            "sample",
            "sample_result",
            "sampled_at",
            "resulted_at",
        ]
        read_only_fields = fields


class ResultInputSerializer(serializers.Serializer[Any]):
    result = serializers.ChoiceField(choices=["negative", "positive", "invalid"])
    ct = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True, min_value=Decimal("0.1")
    )


class PlannerQuerySerializer(serializers.Serializer[Any]):
    prevalence = serializers.FloatField(
        required=False, min_value=0, max_value=0.9999, help_text="fraction, e.g. 0.01"
    )
    sensitivity = serializers.FloatField(required=False, min_value=0.5, max_value=1)
    specificity = serializers.FloatField(required=False, min_value=0.5, max_value=1)
    samples = serializers.IntegerField(required=False, min_value=1, max_value=10_000_000)


class CorrectionInputSerializer(serializers.Serializer[Any]):
    """Correct a result entered wrongly. ``expected``: the result you saw (refused if it
    changed meanwhile)."""

    result = serializers.ChoiceField(choices=["negative", "positive"])
    ct = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True, min_value=Decimal("0.1")
    )
    reason = serializers.CharField(max_length=255)
    expected = serializers.ChoiceField(
        choices=["negative", "positive", "invalid"], required=False, allow_null=True
    )


class ResultCorrectionSerializer(serializers.ModelSerializer[ResultCorrection]):
    """A correction and what followed. The case it concerned (its id and label) is named only
    to a user who may see that case, as on the pages; others read what became of it."""

    corrected_by = serializers.CharField(
        source="corrected_by.username", read_only=True, allow_null=True
    )
    consequences = serializers.SerializerMethodField()
    case_ref = serializers.SerializerMethodField()

    class Meta:
        model = ResultCorrection
        fields = [
            "result_before",
            "ct_before",
            "result_after",
            "ct_after",
            "reason",
            "corrected_at",
            "corrected_by",
            "consequences",
            "case_ref",
        ]
        read_only_fields = fields

    def _case_visible(self, obj: ResultCorrection) -> bool:
        ref = obj.case_ref or ((obj.consequences or {}).get("case") or {}).get("case")
        if not ref:
            return False
        seen: dict[int, bool] = self.context.setdefault("_cases_visible", {})
        if obj.pk not in seen:
            request = self.context.get("request")
            user = getattr(request, "user", None)
            seen[obj.pk] = user is not None and bridge.case_for(user, ref) is not None
        return seen[obj.pk]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_consequences(self, obj: ResultCorrection) -> dict[str, Any]:
        done = dict(obj.consequences or {})
        case = done.get("case")
        if case and not self._case_visible(obj):
            done["case"] = {k: v for k, v in case.items() if k not in HIDDEN_CASE_KEYS}
        return done

    @extend_schema_field(OpenApiTypes.UUID)
    def get_case_ref(self, obj: ResultCorrection) -> str | None:
        return str(obj.case_ref) if obj.case_ref and self._case_visible(obj) else None


#: What names the case in a correction's consequences (shown to those who may see the case).
HIDDEN_CASE_KEYS = frozenset({"case", "case_label"})
