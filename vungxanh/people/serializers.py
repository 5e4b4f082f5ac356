from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from vungxanh.geo.models import AdminUnit
from vungxanh.people.models import Comorbidity, Household, Person, PriorityGroup, Relation, Sex


class UnitCodeField(serializers.SlugRelatedField[AdminUnit]):
    """A commune or village given by its code (``06649``, ``06649-01``)."""

    default_error_messages = {
        "does_not_exist": _("No current commune or village has the code {value}."),
        "invalid": _("Give the code of a commune or village as text, e.g. 06649."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            slug_field="code",
            queryset=AdminUnit.objects.current().filter(level__gte=AdminUnit.Level.COMMUNE),
            **kwargs,
        )

    def to_internal_value(self, data: Any) -> AdminUnit:
        # Never ask the database about text no unit code can be (PostgreSQL refuses NUL).
        if not isinstance(data, str | int) or isinstance(data, bool):
            self.fail("invalid")
        code = str(data).strip()
        if not code or len(code) > 20 or not code.isprintable():
            shown = "".join(c for c in code[:20] if c.isprintable())
            self.fail("does_not_exist", slug_name=self.slug_field, value=shown)
        return super().to_internal_value(code)


class PersonSerializer(serializers.ModelSerializer[Person]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    residence_unit = serializers.CharField(source="residence_unit.code", read_only=True)
    residence_unit_name = serializers.CharField(source="residence_unit.name", read_only=True)
    temporary_unit = serializers.CharField(
        source="temporary_unit.code", read_only=True, allow_null=True
    )
    household = serializers.UUIDField(source="household.public_id", read_only=True, allow_null=True)
    merged_into = serializers.UUIDField(
        source="merged_into.public_id", read_only=True, allow_null=True
    )
    relation_to_head = serializers.ChoiceField(
        choices=Relation.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "cccd",
            "cmnd",
            "passport",
            "full_name",
            "birth_date",
            "birth_year",
            "sex",
            "nationality",
            "phone",
            "other_phone",
            "residence_unit",
            "residence_unit_name",
            "residence_address",
            "temporary_unit",
            "temporary_address",
            "occupation",
            "workplace",
            "comorbidities",
            "pregnancy_week",
            "priority_groups",
            "household",
            "relation_to_head",
            "is_self_declared",
            "merged_into",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PersonWriteSerializer(serializers.Serializer[Any]):
    """Input of ``POST /persons/`` and ``PATCH /persons/{id}/``; the action checks the
    identity rules and answers field-keyed messages."""

    full_name = serializers.CharField(max_length=150)
    sex = serializers.ChoiceField(choices=Sex.choices)
    birth_year = serializers.IntegerField(min_value=1900, required=False, allow_null=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    cccd = serializers.CharField(max_length=20, required=False, allow_blank=True, allow_null=True)
    cmnd = serializers.CharField(max_length=20, required=False, allow_blank=True)
    passport = serializers.CharField(max_length=20, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    other_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    residence_unit = UnitCodeField()
    residence_address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    temporary_unit = UnitCodeField(required=False, allow_null=True)
    temporary_address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    occupation = serializers.CharField(max_length=100, required=False, allow_blank=True)
    workplace = serializers.CharField(max_length=200, required=False, allow_blank=True)
    comorbidities = serializers.ListField(
        child=serializers.ChoiceField(choices=Comorbidity.choices), required=False
    )
    pregnancy_week = serializers.IntegerField(required=False, allow_null=True)
    priority_groups = serializers.ListField(
        child=serializers.ChoiceField(choices=PriorityGroup.choices), required=False
    )
    confirm_new = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Create even if a person with the same phone, name and year exists."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not self.partial and not attrs.get("birth_year") and not attrs.get("birth_date"):
            raise serializers.ValidationError(
                {"birth_year": _("Enter the year of birth or the date of birth.")}
            )
        date = attrs.get("birth_date")
        if date is not None and date > timezone.localdate():
            raise serializers.ValidationError(
                {"birth_date": _("The date of birth is in the future.")}
            )
        return attrs


class ExactMatchSerializer(serializers.Serializer[Any]):
    """The 409 answer of ``POST /persons/``: the person is already registered."""

    detail = serializers.CharField()
    matches = serializers.ListField(
        child=serializers.UUIDField(), help_text=_("The matching persons in your area.")
    )
    matches_outside_your_area = serializers.IntegerField(
        help_text=_("How many matching persons are registered elsewhere (never named).")
    )


class NobodyFoundSerializer(serializers.Serializer[Any]):
    """The 404 answer of ``POST /persons/identify/``: nobody in your area matches, and the
    details to register the person are missing."""

    detail = serializers.CharField()
    missing = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("What else to give to register the person, by field."),
    )


class RegisteredElsewhereSerializer(serializers.Serializer[Any]):
    """The 409 answer of ``POST /persons/identify/``: the person is registered in another
    area (never named); ask that area to record their stay in yours."""

    detail = serializers.CharField()


class IdentifySerializer(serializers.Serializer[Any]):
    cccd = serializers.CharField(max_length=20, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    birth_year = serializers.IntegerField(required=False, allow_null=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_blank=True)
    residence_unit = UnitCodeField(required=False, allow_null=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)


class HouseholdSerializer(serializers.ModelSerializer[Household]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    head = serializers.UUIDField(source="head.public_id", read_only=True, allow_null=True)
    members = serializers.SerializerMethodField()

    class Meta:
        model = Household
        fields = ["id", "unit", "address", "head", "members", "created_at"]
        read_only_fields = fields

    def get_members(self, obj: Household) -> list[dict[str, Any]]:
        relations = dict(Relation.choices)
        return [
            {
                "id": str(p.public_id),
                "full_name": p.full_name,
                "birth_year": p.birth_year,
                "relation_to_head": p.relation_to_head,
                "relation_label": str(relations.get(p.relation_to_head, "")),
            }
            for p in getattr(obj, "current_members", [])
        ]


class HouseholdWriteSerializer(serializers.Serializer[Any]):
    unit = UnitCodeField()
    address = serializers.CharField(max_length=255)
