"""Input of the registry pages and of the people import (one row = one form)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.core.scoping import scope_of
from vungxanh.core.submissions import OnceFormMixin
from vungxanh.geo.models import AdminUnit
from vungxanh.people.identity import IdentityError, fold_name, parse_birth, parse_cccd_qr
from vungxanh.people.models import Comorbidity, PriorityGroup, Relation, Sex

SEX_ALIASES = {"nam": Sex.MALE, "male": Sex.MALE, "m": Sex.MALE, "nu": Sex.FEMALE,
               "female": Sex.FEMALE, "f": Sex.FEMALE}  # fmt: skip
RELATION_ALIASES = {
    "chu ho": Relation.HEAD,
    "vo": Relation.SPOUSE,
    "chong": Relation.SPOUSE,
    "vo/chong": Relation.SPOUSE,
    "con": Relation.CHILD,
    "bo": Relation.PARENT,
    "me": Relation.PARENT,
    "bo/me": Relation.PARENT,
    "chau": Relation.GRANDCHILD,
    "anh": Relation.SIBLING,
    "chi": Relation.SIBLING,
    "em": Relation.SIBLING,
    "anh/chi/em": Relation.SIBLING,
    "khac": Relation.OTHER,
}


class ResidenceChoiceField(forms.ModelChoiceField[AdminUnit]):
    """Communes and their villages, a village shown under its commune."""

    def label_from_instance(self, obj: Any) -> str:
        if obj.level == AdminUnit.Level.VILLAGE:
            return f"   · {obj.name} ({obj.parent.name if obj.parent_id else ''})"
        return f"{obj.name} ({obj.code})"


def residence_units(actor: Any, *, action: str = "change") -> Any:
    """Current communes and villages where ``actor`` may register people."""
    perm = "people.add_person" if action == "add" else "people.change_person"
    paths = scope_of(actor).paths(perm, action)
    units = AdminUnit.objects.current().filter(
        level__in=[AdminUnit.Level.COMMUNE, AdminUnit.Level.VILLAGE]
    )
    if not scope_of(actor).unrestricted:
        q = Q(pk__in=[])
        for path in paths:
            q |= Q(path__startswith=path)
        units = units.filter(q)
    return units.select_related("parent").order_by("path")


def visible_residence_units(actor: Any) -> Any:
    """Current communes and villages of the area ``actor`` can see."""
    return (
        AdminUnit.objects.restrict(actor, "view")
        .current()
        .filter(level__in=[AdminUnit.Level.COMMUNE, AdminUnit.Level.VILLAGE])
        .select_related("parent")
        .order_by("path")
    )


class BirthField(forms.CharField):
    """A date of birth, or only the year: ``dd/mm/yyyy``, ``yyyy-mm-dd`` or ``yyyy``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Date or year of birth"))
        kwargs.setdefault("help_text", _("dd/mm/yyyy, or only the year"))
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> tuple[datetime.date | None, int] | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_birth(text, today=timezone.localdate())
        except IdentityError as exc:
            raise exc.as_validation_error() from None


class PersonForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    birth = BirthField()
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    cccd = forms.CharField(label=_("Citizen ID (CCCD)"), max_length=20, required=False)
    cmnd = forms.CharField(label=_("Old ID card (CMND)"), max_length=20, required=False)
    passport = forms.CharField(label=_("Passport"), max_length=20, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    other_phone = forms.CharField(label=_("Other phone"), max_length=20, required=False)
    residence_unit = ResidenceChoiceField(
        label=_("Permanent residence"), queryset=AdminUnit.objects.none()
    )
    residence_address = forms.CharField(label=_("Address"), max_length=255, required=False)
    temporary_unit = ResidenceChoiceField(
        label=_("Temporary residence"), queryset=AdminUnit.objects.none(), required=False
    )
    temporary_address = forms.CharField(
        label=_("Temporary address"), max_length=255, required=False
    )
    occupation = forms.CharField(label=_("Occupation"), max_length=100, required=False)
    workplace = forms.CharField(label=_("Workplace"), max_length=200, required=False)
    comorbidities = forms.MultipleChoiceField(
        label=_("Comorbidities"),
        choices=Comorbidity.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    pregnancy_week = forms.IntegerField(
        label=_("Pregnancy week"), min_value=1, max_value=45, required=False
    )
    priority_groups = forms.MultipleChoiceField(
        label=_("Vaccination priority groups"),
        choices=PriorityGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        residence: Any = self.fields["residence_unit"]
        temporary: Any = self.fields["temporary_unit"]
        residence.queryset = residence_units(actor)
        temporary.queryset = visible_residence_units(actor)

    def action_kwargs(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments of ``create_person``/``update_person``."""
        data = dict(self.cleaned_data)
        data.pop("submission", None)
        birth_date, birth_year = data.pop("birth")
        data["birth_date"], data["birth_year"] = birth_date, birth_year
        return data


class NewPersonForm(OnceFormMixin, PersonForm):
    confirm_new = forms.BooleanField(
        label=_("This is somebody else: register a new person"), required=False
    )


class CccdQrForm(forms.Form):
    """Text read from the QR code of a chip citizen ID card (a scanner types it in)."""

    qr = forms.CharField(
        label=_("ID card QR code"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
        help_text=_("Scan the QR code on the chip ID card, or paste its text."),
    )

    def clean_qr(self) -> Any:
        try:
            return parse_cccd_qr(self.cleaned_data["qr"])
        except IdentityError as exc:
            raise exc.as_validation_error() from None


class HouseholdForm(OnceFormMixin, forms.Form):
    unit = ResidenceChoiceField(label=_("Village or commune"), queryset=AdminUnit.objects.none())
    address = forms.CharField(label=_("Address"), max_length=255)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["unit"]
        field.queryset = residence_units(actor)


class HouseholdAddressForm(forms.Form):
    address = forms.CharField(label=_("Address"), max_length=255)


class MemberForm(forms.Form):
    """Add a registered person to a household: by citizen ID, phone or name search."""

    person = forms.UUIDField(widget=forms.HiddenInput)
    relation = forms.ChoiceField(label=_("Relation to the head"), choices=Relation.choices)


class RemoveMemberForm(forms.Form):
    person = forms.UUIDField(widget=forms.HiddenInput)


class MergeForm(forms.Form):
    keep = forms.UUIDField(widget=forms.RadioSelect)


class NotDuplicateForm(forms.Form):
    note = forms.CharField(label=_("Why (optional)"), max_length=255, required=False)


class UploadForm(OnceFormMixin, forms.Form):
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


# --- import rows -----------------------------------------------------------------------------

IMPORT_COLUMNS = [
    "full_name",
    "birth",
    "sex",
    "cccd",
    "cmnd",
    "phone",
    "unit_code",
    "address",
    "household",
    "relation",
    "occupation",
    "workplace",
    "comorbidities",
    "temporary_unit_code",
    "temporary_address",
]
IMPORT_EXAMPLE = [
    "Nguyễn Văn An",
    "15/03/1985",
    "Nam",
    "022085000123",
    "",
    "0912345678",
    "06649-01",
    "Số 12, tổ 3",
    "H1",
    "Chủ hộ",
    "Công nhân",
    "Công ty Than Hà Lầm",
    "hypertension",
    "",
    "",
]


class PersonRowForm(forms.Form):
    """One row of a people import. Identity rules are checked again by the action; this
    form turns spreadsheet text (``Nam``/``Nữ``, ``Chủ hộ``, unit codes) into values."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    birth = BirthField()
    sex = forms.CharField(label=_("Sex"), max_length=10)
    cccd = forms.CharField(max_length=20, required=False)
    cmnd = forms.CharField(max_length=20, required=False)
    phone = forms.CharField(max_length=20, required=False)
    unit_code = forms.CharField(label=_("Unit code"), max_length=20)
    address = forms.CharField(max_length=255, required=False)
    household = forms.CharField(label=_("Household"), max_length=50, required=False)
    relation = forms.CharField(label=_("Relation"), max_length=30, required=False)
    occupation = forms.CharField(max_length=100, required=False)
    workplace = forms.CharField(max_length=200, required=False)
    comorbidities = forms.CharField(max_length=255, required=False)
    temporary_unit_code = forms.CharField(max_length=20, required=False)
    temporary_address = forms.CharField(max_length=255, required=False)

    def __init__(self, *args: Any, units: dict[str, AdminUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = units

    def clean_sex(self) -> str:
        value = fold_name(self.cleaned_data["sex"])
        if value in SEX_ALIASES:
            return SEX_ALIASES[value]
        raise forms.ValidationError(_("Write Nam or Nữ."))

    def _unit(self, code: str) -> AdminUnit:
        unit = self.units.get(code.strip())
        if unit is None:
            raise forms.ValidationError(
                _("No commune or village with the code %(code)s in your area."),
                params={"code": code},
            )
        return unit

    def clean_unit_code(self) -> AdminUnit:
        return self._unit(self.cleaned_data["unit_code"])

    def clean_temporary_unit_code(self) -> AdminUnit | None:
        code = self.cleaned_data["temporary_unit_code"]
        if not code:
            return None
        unit = AdminUnit.objects.current().filter(code=code.strip(), level__gte=3).first()
        if unit is None:
            raise forms.ValidationError(
                _("No commune or village with the code %(code)s."), params={"code": code}
            )
        return unit

    def clean_relation(self) -> str:
        value = fold_name(self.cleaned_data["relation"])
        if not value:
            return ""
        if value in Relation.values:
            return value
        if value in RELATION_ALIASES:
            return RELATION_ALIASES[value]
        raise forms.ValidationError(
            _("Unknown relation %(value)s: write Chủ hộ, Vợ, Chồng, Con, Bố, Mẹ, Cháu, Anh, "
              "Chị, Em or Khác."),
            params={"value": self.cleaned_data["relation"]},
        )  # fmt: skip

    def clean_comorbidities(self) -> list[str]:
        values = [v.strip().lower() for v in self.cleaned_data["comorbidities"].split(",")]
        values = [v for v in values if v]
        unknown = [v for v in values if v not in Comorbidity.values]
        if unknown:
            raise forms.ValidationError(
                _("Unknown comorbidity %(value)s; use the codes of the template."),
                params={"value": ", ".join(unknown)},
            )
        return values

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("relation") and not data.get("household"):
            self.add_error("household", _("Give the household key of the row with a relation."))
        return data


def household_of_rows(rows: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Row indexes by household key, in file order."""
    out: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        if row.get("household"):
            out.setdefault(row["household"], []).append(index)
    return out
