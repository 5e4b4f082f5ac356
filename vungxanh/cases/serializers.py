from __future__ import annotations

from typing import Any

from rest_framework import serializers

from vungxanh.cases.models import Basis, Case, Cluster, Landmark, TracingTask
from vungxanh.geo.models import AdminUnit
from vungxanh.people.models import Person


class CaseSerializer(serializers.ModelSerializer[Case]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    person = serializers.UUIDField(source="person.public_id", read_only=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    responsible_unit = serializers.CharField(source="responsible_unit.code", read_only=True)
    residence_unit = serializers.CharField(source="residence_unit.code", read_only=True)
    rule_set = serializers.CharField(source="rule_set.code", read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "label",
            "number",
            "person",
            "person_name",
            "classification",
            "basis",
            "sample_date",
            "onset_date",
            "source",
            "status",
            "responsible_unit",
            "residence_unit",
            "isolated_at",
            "needs_pcr",
            "rule_set",
            "reported_at",
            "confirmed_at",
            "discarded_at",
        ]
        read_only_fields = fields


class CaseConfirmSerializer(serializers.Serializer[Any]):
    """Register or confirm a case (the same action as the page and the laboratories)."""

    person = serializers.SlugRelatedField(
        slug_field="public_id", queryset=Person.objects.filter(merged_into__isnull=True)
    )
    basis = serializers.ChoiceField(choices=Basis.choices)
    sample_date = serializers.DateField(required=False, allow_null=True)
    onset_date = serializers.DateField(required=False, allow_null=True)
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=Case.Source.choices, required=False, allow_null=True
    )
    responsible_unit = serializers.SlugRelatedField(
        slug_field="public_id",
        queryset=AdminUnit.objects.all(),
        required=False,
        allow_null=True,
    )
    isolated_at = serializers.DateTimeField(required=False, allow_null=True)
    lab_reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    note = serializers.CharField(required=False, allow_blank=True)


class CaseUpdateSerializer(serializers.Serializer[Any]):
    """Correct a case (PATCH; the same action as the edit page). Only the fields sent
    change; ``onset_date: null`` records the case as asymptomatic."""

    sample_date = serializers.DateField(required=False)
    onset_date = serializers.DateField(required=False, allow_null=True)
    isolated_at = serializers.DateTimeField(required=False)
    status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=Case.Source.choices, required=False
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class LandmarkSerializer(serializers.ModelSerializer[Landmark]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    case = serializers.UUIDField(source="case.public_id", read_only=True)
    place = serializers.CharField(source="place_label", read_only=True)
    venue = serializers.CharField(source="venue.code", read_only=True, allow_null=True)
    unit = serializers.CharField(source="unit.code", read_only=True, allow_null=True)

    class Meta:
        model = Landmark
        fields = [
            "id",
            "case",
            "origin",
            "venue",
            "place",
            "address",
            "unit",
            "start",
            "end",
            "vehicle",
            "route",
            "co_present",
            "reported_people",
            "is_published",
            "published_at",
        ]
        read_only_fields = fields


class TracingTaskSerializer(serializers.ModelSerializer[TracingTask]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    person = serializers.UUIDField(source="person.public_id", read_only=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    case = serializers.CharField(source="case.label", read_only=True)
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = TracingTask
        fields = [
            "id",
            "person",
            "person_name",
            "unit",
            "case",
            "status",
            "created_at",
            "notify_due_at",
            "due_at",
            "notified_at",
            "quarantined_at",
            "sampled_at",
            "overdue",
        ]
        read_only_fields = fields


class ClusterSerializer(serializers.ModelSerializer[Cluster]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = Cluster
        fields = [
            "id",
            "name",
            "unit",
            "containment_zone",
            "status",
            "proposed_at",
            "confirmed_at",
            "closed_at",
            "last_case_date",
        ]
        read_only_fields = fields
