from __future__ import annotations

from rest_framework import serializers

from vungxanh.venues.models import Venue


class VenueSerializer(serializers.ModelSerializer[Venue]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    unit = serializers.UUIDField(source="unit.public_id", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = Venue
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "unit",
            "unit_code",
            "address",
            "route",
            "latitude",
            "longitude",
            "capacity",
            "is_indoor",
            "default_stay_minutes",
            "status",
            "owner_kind",
            "owner_name",
            "qr_key_version",
        ]
        read_only_fields = fields


# The check-in upload is parsed by hand (actions.record_checkins: 500 items per request at
# thousands of items a second); these serializers document its shape in the OpenAPI schema.


class CheckInItemSerializer(serializers.Serializer[dict[str, object]]):
    uuid = serializers.UUIDField(
        help_text="Made by the device for this check-in; retries reuse it."
    )
    venue = serializers.CharField(help_text="The venue's code (as in its QR code).")
    person = serializers.UUIDField(
        required=False, help_text="The person's id (officials who may see the person)."
    )
    qr = serializers.CharField(
        required=False, help_text="The scanned text of a personal QR or a chip ID card QR."
    )
    check_in = serializers.DateTimeField(help_text="ISO 8601; without an offset: local time.")
    check_out = serializers.DateTimeField(
        required=False,
        help_text="Optional; without it the automatic check-out (the venue's default stay).",
    )


class CheckInBatchSerializer(serializers.Serializer[dict[str, object]]):
    items = CheckInItemSerializer(many=True, help_text="At most 500.")


class CheckInResultSerializer(serializers.Serializer[dict[str, object]]):
    index = serializers.IntegerField()
    uuid = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "duplicate", "checked_out", "refused"])
    reason = serializers.CharField(
        required=False,
        help_text="When refused: invalid, unknown_venue, inactive_venue, unknown_person, bad_qr, "
        "card_mismatch (an ID card QR whose name or date of birth is not the record's), "
        "card_limit (too many card_mismatch from this user in the last hour: ID card QRs are "
        "refused until the hour is over), "
        "future, too_old, checkout_before_checkin, stay_too_long, conflict.",
    )
    message = serializers.CharField(required=False)
    check_out = serializers.DateTimeField(required=False, allow_null=True)
    checkout_is_automatic = serializers.BooleanField(required=False, allow_null=True)


class CheckInBatchResultSerializer(serializers.Serializer[dict[str, object]]):
    created = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    checked_out = serializers.IntegerField()
    refused = serializers.IntegerField()
    results = CheckInResultSerializer(many=True)
