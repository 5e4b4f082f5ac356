from __future__ import annotations

from typing import Any

from rest_framework import serializers

from vungxanh.declarations.models import (
    Channel,
    Declaration,
    DiaryEntry,
    FollowUp,
    FormDefinition,
    FormKind,
    Monitoring,
)
from vungxanh.people.serializers import UnitCodeField


class FormDefinitionSerializer(serializers.ModelSerializer[FormDefinition]):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = FormDefinition
        fields = ["id", "kind", "version", "title", "intro", "questions", "valid_from", "note"]
        read_only_fields = fields


class DeclarationSerializer(serializers.ModelSerializer[Declaration]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    person = serializers.UUIDField(source="person.public_id", read_only=True, allow_null=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True, allow_null=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    form_version = serializers.IntegerField(source="form.version", read_only=True)

    class Meta:
        model = Declaration
        fields = [
            "id",
            "kind",
            "form_version",
            "person",
            "person_name",
            "unit",
            "address",
            "submitted_at",
            "channel",
            "answers",
            "flags",
            "place_code",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Declaration) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if not getattr(instance, "person_visible", True):
            # Linked to a person outside the reader's area: neither id nor registry name.
            data["person"] = data["person_name"] = None
        return data


class DeclarationCreateSerializer(serializers.Serializer[Any]):
    """A declaration sent by another system (or a staff app): the person by id, or their
    identity; answers keyed by the question keys of the form in force."""

    kind = serializers.ChoiceField(choices=[c for c in FormKind.choices if c[0] != FormKind.DIARY])
    person = serializers.UUIDField(required=False)
    cccd = serializers.CharField(max_length=20, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    birth_year = serializers.IntegerField(required=False, allow_null=True)
    sex = serializers.CharField(max_length=8, required=False, allow_blank=True)
    unit = UnitCodeField()
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    answers = serializers.DictField()
    place_code = serializers.CharField(max_length=64, required=False, allow_blank=True)
    token = serializers.UUIDField(required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)


class FollowUpSerializer(serializers.ModelSerializer[FollowUp]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    person = serializers.UUIDField(source="person.public_id", read_only=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    declaration = serializers.UUIDField(
        source="declaration.public_id", read_only=True, allow_null=True
    )

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "person",
            "person_name",
            "unit",
            "reason",
            "status",
            "signals",
            "first_seen",
            "last_seen",
            "declaration",
            "note",
            "resolved_at",
        ]
        read_only_fields = fields


class MonitoringSerializer(serializers.ModelSerializer[Monitoring]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    person = serializers.UUIDField(source="person.public_id", read_only=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = Monitoring
        fields = [
            "id",
            "person",
            "person_name",
            "unit",
            "reason",
            "starts_on",
            "ends_on",
            "status",
            "note",
        ]
        read_only_fields = fields


class DiaryEntrySerializer(serializers.ModelSerializer[DiaryEntry]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    monitoring = serializers.UUIDField(source="monitoring.public_id", read_only=True)
    person = serializers.UUIDField(source="person.public_id", read_only=True)
    form_version = serializers.IntegerField(source="form.version", read_only=True)

    class Meta:
        model = DiaryEntry
        fields = [
            "id",
            "monitoring",
            "person",
            "day",
            "form_version",
            "answers",
            "temperature",
            "flags",
            "recorded_at",
        ]
        read_only_fields = fields


class DiaryEntryCreateSerializer(serializers.Serializer[Any]):
    monitoring = serializers.UUIDField()
    day = serializers.DateField(required=False)
    answers = serializers.DictField()
