from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.core.scoping import scope_of
from vungxanh.geo.models import AdminUnit
from vungxanh.people.identity import (
    IdentityError,
    check_cccd,
    normalize_name,
    normalize_phone,
    parse_cccd,
)
from vungxanh.people.models import Sex
from vungxanh.venues.models import (
    LONGEST_STAY_LIMIT_MINUTES,
    MAX_VENUE_CAPACITY,
    Venue,
    VenueKind,
)

KIND_ALIASES = {
    "cho": VenueKind.MARKET,
    "chợ": VenueKind.MARKET,
    "sieu thi": VenueKind.SUPERMARKET,
    "siêu thị": VenueKind.SUPERMARKET,
    "nha hang": VenueKind.RESTAURANT,
    "nhà hàng": VenueKind.RESTAURANT,
    "quan an": VenueKind.RESTAURANT,
    "quán ăn": VenueKind.RESTAURANT,
    "co quan": VenueKind.OFFICE,
    "cơ quan": VenueKind.OFFICE,
    "van phong": VenueKind.OFFICE,
    "văn phòng": VenueKind.OFFICE,
    "truong hoc": VenueKind.SCHOOL,
    "trường học": VenueKind.SCHOOL,
    "nha may": VenueKind.FACTORY,
    "nhà máy": VenueKind.FACTORY,
    "khu cong nghiep": VenueKind.FACTORY,
    "khu công nghiệp": VenueKind.FACTORY,
    "cong trinh": VenueKind.CONSTRUCTION,
    "công trình": VenueKind.CONSTRUCTION,
    "benh vien": VenueKind.HOSPITAL,
    "bệnh viện": VenueKind.HOSPITAL,
    "phong kham": VenueKind.HOSPITAL,
    "phòng khám": VenueKind.HOSPITAL,
    "khach san": VenueKind.HOTEL,
    "khách sạn": VenueKind.HOTEL,
    "diem du lich": VenueKind.TOURIST_SITE,
    "điểm du lịch": VenueKind.TOURIST_SITE,
    "xe khach": VenueKind.VEHICLE,
    "xe khách": VenueKind.VEHICLE,
    "phuong tien": VenueKind.VEHICLE,
    "phương tiện": VenueKind.VEHICLE,
    "su kien": VenueKind.EVENT,
    "sự kiện": VenueKind.EVENT,
    "co so ton giao": VenueKind.RELIGIOUS,
    "cơ sở tôn giáo": VenueKind.RELIGIOUS,
    "khac": VenueKind.OTHER,
    "khác": VenueKind.OTHER,
}


class UnitChoiceField(forms.ModelChoiceField[AdminUnit]):
    def label_from_instance(self, obj: Any) -> str:
        indent = "· " * max(0, obj.level - 2)
        return f"{indent}{obj.name}"


def _venue_units(actor: Any, perm_action: str = "add") -> Any:
    """Communes and villages where ``actor`` may register venues."""
    paths = scope_of(actor).paths("venues.add_venue", perm_action)
    units = AdminUnit.objects.current().filter(level__in=[3, 4])
    if scope_of(actor).unrestricted:
        return units.order_by("path")
    if not paths:
        return units.none()
    from vungxanh.core.scoping import path_prefix_q

    return units.filter(path_prefix_q("path", paths)).order_by("path")


def _clean_phone(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return normalize_phone(value)
    except IdentityError as exc:
        raise exc.as_validation_error() from exc


class VenueForm(forms.ModelForm[Venue]):
    """Officials register and edit venues in their area."""

    unit = UnitChoiceField(label=_("Commune or village"), queryset=AdminUnit.objects.none())

    class Meta:
        model = Venue
        fields = [
            "name",
            "kind",
            "unit",
            "address",
            "route",
            "latitude",
            "longitude",
            "capacity",
            "is_indoor",
            "default_stay_minutes",
            "owner_kind",
            "owner_name",
            "owner_phone",
            "owner_email",
        ]

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.queryset = _venue_units(actor)

    def clean_owner_phone(self) -> str:
        return _clean_phone(self.cleaned_data.get("owner_phone") or "")

    def clean_latitude(self) -> Decimal | None:
        value = self.cleaned_data.get("latitude")
        if value is not None and not -90 <= value <= 90:
            raise forms.ValidationError(_("A latitude lies between -90 and 90."))
        return value

    def clean_longitude(self) -> Decimal | None:
        value = self.cleaned_data.get("longitude")
        if value is not None and not -180 <= value <= 180:
            raise forms.ValidationError(_("A longitude lies between -180 and 180."))
        return value


class VenueRegistrationForm(forms.Form):
    """The public form an owner fills in to register a venue (the commune approves it)."""

    name = forms.CharField(label=_("Name of the venue"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=VenueKind.choices)
    unit = UnitChoiceField(
        label=_("Commune or ward"),
        queryset=AdminUnit.objects.none(),
        help_text=_("The commune that approves the registration."),
    )
    address = forms.CharField(label=_("Address"), max_length=255)
    route = forms.CharField(
        label=_("Route"), max_length=200, required=False, help_text=_("For passenger vehicles.")
    )
    capacity = forms.IntegerField(
        label=_("Capacity (people)"), min_value=1, max_value=MAX_VENUE_CAPACITY, required=False
    )
    is_indoor = forms.BooleanField(label=_("Indoor"), required=False, initial=True)
    owner_kind = forms.ChoiceField(label=_("Owner type"), choices=Venue.OwnerKind.choices)
    owner_name = forms.CharField(label=_("Owner (business or person)"), max_length=200)
    owner_phone = forms.CharField(label=_("Owner's mobile phone"), max_length=20)
    owner_email = forms.EmailField(label=_("Owner's e-mail"), required=False)
    # A field people never see: bots fill it in.
    website = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.queryset = (
            AdminUnit.objects.current().communes().select_related("parent").order_by("path")
        )

    def clean_owner_phone(self) -> str:
        return _clean_phone(self.cleaned_data.get("owner_phone") or "")

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("Leave this field empty."))
        return ""


class ApproveForm(forms.Form):
    owner_username = forms.CharField(
        label=_("Username for the owner"),
        max_length=150,
        required=False,
        help_text=_("Creates a venue-staff account for the owner; leave empty to skip."),
    )


class StaffForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    is_owner = forms.BooleanField(label=_("Owner (may reissue the QR code)"), required=False)

    def clean_phone(self) -> str:
        return _clean_phone(self.cleaned_data.get("phone") or "")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (.csv or .xlsx)"),
        help_text=_("At most 20 MB. The first row holds the column names."),
    )

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        if not f.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return f


class VenueRowForm(forms.Form):
    """One row of a venue import: ``unit_code,name,kind,address,…``."""

    unit_code = forms.CharField(label=_("Unit code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.CharField(label=_("Kind"), max_length=40)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    route = forms.CharField(label=_("Route"), max_length=200, required=False)
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^[A-Za-z0-9-]{3,16}$",
        required=False,
        error_messages={"invalid": _("A code has 3 to 16 letters, digits or dashes.")},
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        required=False,
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
    )
    capacity = forms.IntegerField(
        label=_("Capacity"), min_value=1, max_value=MAX_VENUE_CAPACITY, required=False
    )
    is_indoor = forms.CharField(label=_("Indoor"), required=False)
    default_stay_minutes = forms.IntegerField(
        label=_("Default stay (minutes)"),
        min_value=1,
        max_value=LONGEST_STAY_LIMIT_MINUTES,
        required=False,
    )
    owner_name = forms.CharField(label=_("Owner"), max_length=200, required=False)
    owner_phone = forms.CharField(label=_("Owner's phone"), max_length=20, required=False)

    def __init__(self, *args: Any, actor: Any, units: dict[str, AdminUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.units = units

    def clean_kind(self) -> str:
        value = (self.cleaned_data.get("kind") or "").strip().lower()
        if value in VenueKind.values:
            return value
        if value in KIND_ALIASES:
            return str(KIND_ALIASES[value])
        labels = {str(label).lower(): key for key, label in VenueKind.choices}
        if value in labels:
            return labels[value]
        raise forms.ValidationError(
            _("Unknown kind %(kind)s: use one of %(kinds)s."),
            params={"kind": value, "kinds": ", ".join(VenueKind.values)},
        )

    def clean_is_indoor(self) -> bool:
        value = (self.cleaned_data.get("is_indoor") or "").strip().lower()
        if value in ("", "1", "yes", "true", "x", "có", "co", "trong nhà", "trong nha"):
            return True
        if value in ("0", "no", "false", "không", "khong", "ngoài trời", "ngoai troi"):
            return False
        raise forms.ValidationError(_("Write yes or no (có / không)."))

    def clean_owner_phone(self) -> str:
        return _clean_phone(self.cleaned_data.get("owner_phone") or "")

    def clean_code(self) -> str:
        return (self.cleaned_data.get("code") or "").strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = (data.get("unit_code") or "").strip()
        if code:
            unit = self.units.get(code)
            if unit is None:
                self.add_error(
                    "unit_code",
                    forms.ValidationError(
                        _("No commune or village with the code %(code)s in your area."),
                        params={"code": code},
                    ),
                )
            else:
                data["unit"] = unit
        if data.get("code") and Venue.objects.filter(code=data["code"]).exists():
            self.add_error(
                "code",
                forms.ValidationError(
                    _("The code %(code)s is taken."), params={"code": data["code"]}
                ),
            )
        return data


class ResidentForm(forms.Form):
    """Who is checking in, the first time on a device: a citizen ID, or a mobile phone and a
    name; always the birth year (a second check that the number is theirs)."""

    cccd = forms.CharField(
        label=_("Citizen ID (CCCD)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    birth_year = forms.IntegerField(
        label=_("Year of birth"),
        min_value=1900,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=Sex.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Not needed with a citizen ID."),
    )
    unit = UnitChoiceField(
        label=_("Commune or ward where you live or stay"),
        queryset=AdminUnit.objects.none(),
        required=False,
        help_text=_("Needed the first time only."),
    )

    def __init__(self, *args: Any, province: AdminUnit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.province = province
        unit_field: Any = self.fields["unit"]
        unit_field.queryset = (
            AdminUnit.objects.current()
            .filter(path__startswith=province.path, level__in=[2, 3])
            .order_by("path")
        )

    def clean_cccd(self) -> str:
        value = (self.cleaned_data.get("cccd") or "").strip()
        if not value:
            return ""
        try:
            return parse_cccd(value).number
        except IdentityError as exc:
            raise exc.as_validation_error() from exc

    def clean_phone(self) -> str:
        return _clean_phone(self.cleaned_data.get("phone") or "")

    def clean_birth_year(self) -> int:
        year = int(self.cleaned_data["birth_year"])
        if year > timezone.localdate().year:
            raise forms.ValidationError(_("The year of birth cannot be in the future."))
        return year

    def clean_full_name(self) -> str:
        return normalize_name(self.cleaned_data.get("full_name") or "")

    def clean_unit(self) -> AdminUnit | None:
        unit = self.cleaned_data.get("unit")
        if unit is not None and unit.level == AdminUnit.Level.DISTRICT:
            raise forms.ValidationError(_("Choose a commune or ward, not a district."))
        return unit

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        cccd, phone = data.get("cccd"), data.get("phone")
        if not cccd and not phone and not self.errors.get("cccd") and not self.errors.get("phone"):
            raise forms.ValidationError(_("Enter your citizen ID, or your mobile phone and name."))
        year = data.get("birth_year")
        if cccd and year:
            for error in check_cccd(cccd, birth_year=year, sex=None):
                self.add_error("cccd", error.as_validation_error())
        if cccd and not self.errors.get("cccd"):
            data["sex"] = parse_cccd(cccd).sex
        return data


class ScanForm(forms.Form):
    text = forms.CharField(label=_("QR code text"), max_length=2000)
    uuid = forms.UUIDField(required=False, widget=forms.HiddenInput)


class RuleSetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. checkin_2021-12"))
    valid_from = forms.DateTimeField(
        label=_("In force from"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    max_stay_minutes = forms.IntegerField(
        label=_("Longest stay (minutes)"),
        min_value=1,
        max_value=LONGEST_STAY_LIMIT_MINUTES,
        initial=LONGEST_STAY_LIMIT_MINUTES,
        help_text=_("At most 480 minutes (8 hours)."),
    )
    retention_days = forms.IntegerField(
        label=_("Keep check-ins for (days)"), min_value=1, max_value=366, initial=28
    )
    clock_skew_minutes = forms.IntegerField(
        label=_("Tolerated clock skew (minutes)"), min_value=0, max_value=120, initial=5
    )
    decision = forms.CharField(label=_("Decision"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in VenueKind.choices:
            self.fields[f"stay_{kind}"] = forms.IntegerField(
                label=_("Default stay: %(kind)s") % {"kind": label},
                min_value=1,
                max_value=LONGEST_STAY_LIMIT_MINUTES,
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        longest = data.get("max_stay_minutes")
        if longest is None:
            return data
        for kind in VenueKind.values:
            stay = data.get(f"stay_{kind}")
            if stay is not None and stay > longest:
                self.add_error(
                    f"stay_{kind}",
                    forms.ValidationError(
                        _(
                            "A default stay cannot be longer than the longest stay "
                            "(%(max)d minutes): lower it, or leave it empty."
                        ),
                        params={"max": longest},
                    ),
                )
        return data

    def default_stays(self) -> dict[str, int]:
        return {
            kind: self.cleaned_data[f"stay_{kind}"]
            for kind in VenueKind.values
            if self.cleaned_data.get(f"stay_{kind}")
        }
