from __future__ import annotations

from rest_framework import serializers

from vungxanh.geo.models import AdminUnit, Facility


class AdminUnitSerializer(serializers.ModelSerializer[AdminUnit]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    parent = serializers.UUIDField(  # type: ignore[assignment]
        source="parent.public_id", read_only=True, allow_null=True
    )
    parent_code = serializers.CharField(source="parent.code", read_only=True, allow_null=True)

    class Meta:
        model = AdminUnit
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "level",
            "parent",
            "parent_code",
            "path",
            "structure",
            "population",
            "population_source",
            "population_year",
            "population_is_estimate",
            "latitude",
            "longitude",
            "valid_from",
            "valid_to",
            "is_synthetic",
        ]
        read_only_fields = fields


class FacilitySerializer(serializers.ModelSerializer[Facility]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    unit = serializers.UUIDField(source="unit.public_id", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = Facility
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "unit",
            "unit_code",
            "address",
            "latitude",
            "longitude",
            "is_active",
        ]
        read_only_fields = fields
