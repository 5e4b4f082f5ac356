from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from vungxanh.accounts.models import Assignment, User
from vungxanh.accounts.roles import ROLE_SPECS, Role, spec_for
from vungxanh.geo.models import AdminUnit, Facility


class AssignmentSerializer(serializers.ModelSerializer[Assignment]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_path = serializers.CharField(source="unit.path", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    write_unit = serializers.CharField(source="write_unit.code", read_only=True, allow_null=True)
    facility = serializers.CharField(source="facility.code", read_only=True, allow_null=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "role",
            "unit",
            "unit_path",
            "unit_name",
            "write_unit",
            "facility",
            "is_active",
            "valid_until",
        ]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer[User]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    # Not an EmailField: most accounts have no address, and "" is not an email.
    email = serializers.CharField(read_only=True, help_text=_("Email address, or empty."))
    assignments = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "email",
            "phone",
            "organisation",
            "is_active",
            "last_login",
            "assignments",
        ]
        read_only_fields = fields

    def get_assignments(self, obj: User) -> list[dict[str, Any]]:
        active = [a for a in obj.assignments.all() if a.is_active]
        return list(AssignmentSerializer(active, many=True).data)


class NewUserSerializer(UserSerializer):
    """A created user; ``initial_password`` is the generated password when none was given
    (shown once), else null."""

    initial_password = serializers.CharField(read_only=True, allow_null=True)

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "initial_password"]
        read_only_fields = fields


def _unit(code: str) -> AdminUnit:
    unit = AdminUnit.objects.current().filter(code=code).exclude(level=4).first()
    if unit is None:
        raise serializers.ValidationError(_("No unit has this code."))
    return unit


class UserCreateSerializer(serializers.Serializer[dict[str, Any]]):
    username = serializers.RegexField(r"^[a-z0-9._-]{3,64}$")
    full_name = serializers.CharField(max_length=150)
    email = serializers.EmailField(required=False, default="")
    phone = serializers.CharField(max_length=20, required=False, default="")
    organisation = serializers.CharField(max_length=200, required=False, default="")
    role = serializers.ChoiceField(choices=Role.choices)
    unit = serializers.CharField(help_text=_("GSO code of the read-scope unit."))
    write_unit = serializers.CharField(
        required=False,
        allow_null=True,
        help_text=_(
            "GSO code of the write-scope unit; defaults to the read scope; null for read-only."
        ),
    )
    facility = serializers.CharField(required=False, allow_null=True, default=None)
    password = serializers.CharField(required=False, write_only=True, min_length=10)

    def validate_unit(self, value: str) -> AdminUnit:
        return _unit(value)

    def validate_write_unit(self, value: str | None) -> AdminUnit | None:
        return _unit(value) if value else None

    def validate_facility(self, value: str | None) -> Facility | None:
        if not value:
            return None
        facility = Facility.objects.filter(code=value).first()
        if facility is None:
            raise serializers.ValidationError(_("No facility has this code."))
        return facility

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "write_unit" not in self.initial_data:
            # By default the write scope is the read scope; a role that writes nothing
            # (the read-only viewer) gets none.
            role = attrs.get("role")
            writes = role not in ROLE_SPECS or spec_for(role).can_write
            attrs["write_unit"] = attrs.get("unit") if writes else None
        return attrs
