from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from vungxanh.core.scoping import scope_of
from vungxanh.core.submissions import OnceFormMixin
from vungxanh.geo.models import MAX_POPULATION, VILLAGE_CODE_VALIDATOR, AdminUnit

VILLAGE_KIND_ALIASES = {
    "thon": AdminUnit.Kind.VILLAGE,
    "thôn": AdminUnit.Kind.VILLAGE,
    "ban": AdminUnit.Kind.HAMLET,
    "bản": AdminUnit.Kind.HAMLET,
    "khu": AdminUnit.Kind.QUARTER,
    "to_dan_pho": AdminUnit.Kind.RESIDENTIAL_GROUP,
    "tổ dân phố": AdminUnit.Kind.RESIDENTIAL_GROUP,
    "to dan pho": AdminUnit.Kind.RESIDENTIAL_GROUP,
}


class UnitLookupMixin:
    """Resolve a unit code among the current units the actor may change."""

    actor: Any

    def resolve_unit(self, code: str, level: int | None = None) -> AdminUnit:
        units = AdminUnit.objects.current().filter(code=code.strip())
        if level:
            units = units.filter(level=level)
        found = list(units[:2])
        if not found:
            raise forms.ValidationError(_("No unit has the code %(code)s."), params={"code": code})
        if len(found) > 1:
            raise forms.ValidationError(
                _("The code %(code)s matches several units; add the level column."),
                params={"code": code},
            )
        unit = found[0]
        if not scope_of(self.actor).covers("geo.change_adminunit", "change", unit.path):
            raise forms.ValidationError(
                _("%(unit)s is outside the area you may change."), params={"unit": unit.name}
            )
        return unit


class PopulationRowForm(UnitLookupMixin, forms.Form):
    unit_code = forms.CharField(label=_("Unit code"), max_length=20)
    level = forms.TypedChoiceField(
        label=_("Level"),
        choices=[("", ""), *list(AdminUnit.Level.choices)],
        coerce=int,
        required=False,
        empty_value=None,
    )
    population = forms.IntegerField(label=_("Population"), min_value=0, max_value=MAX_POPULATION)
    source = forms.CharField(label=_("Source"), max_length=200)
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2100)
    is_estimate = forms.BooleanField(label=_("Estimate"), required=False)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "unit_code" in data:
            try:
                data["unit"] = self.resolve_unit(data["unit_code"], data.get("level"))
            except forms.ValidationError as exc:
                self.add_error("unit_code", exc)
        return data


class VillageRowForm(UnitLookupMixin, forms.Form):
    commune_code = forms.CharField(label=_("Commune code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=150)
    code = forms.CharField(
        label=_("Village code"),
        max_length=20,
        required=False,
        validators=[VILLAGE_CODE_VALIDATOR],
    )
    kind = forms.CharField(label=_("Kind"), max_length=20, required=False)
    population = forms.IntegerField(
        label=_("Population"), min_value=0, max_value=MAX_POPULATION, required=False
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_kind(self) -> str:
        value = (self.cleaned_data.get("kind") or "thon").strip().lower()
        if value in AdminUnit.Kind.values and value in VILLAGE_KIND_ALIASES.values():
            return value
        if value in VILLAGE_KIND_ALIASES:
            return VILLAGE_KIND_ALIASES[value]
        raise forms.ValidationError(
            _("Unknown kind %(kind)s: use Thôn, Bản, Khu or Tổ dân phố."), params={"kind": value}
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "commune_code" in data:
            try:
                data["commune"] = self.resolve_unit(data["commune_code"], AdminUnit.Level.COMMUNE)
            except forms.ValidationError as exc:
                self.add_error("commune_code", exc)
        return data


class UnitPopulationForm(forms.ModelForm[AdminUnit]):
    class Meta:
        model = AdminUnit
        fields = ["population", "population_source", "population_year", "population_is_estimate"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("population") is not None and not data.get("population_source"):
            self.add_error("population_source", _("Say where the figure comes from."))
        if data.get("population") is not None and not data.get("population_year"):
            self.add_error("population_year", _("Give the year of the figure."))
        return data


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


class VillageForm(OnceFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (k.value, k.label)
            for k in (
                AdminUnit.Kind.VILLAGE,
                AdminUnit.Kind.HAMLET,
                AdminUnit.Kind.QUARTER,
                AdminUnit.Kind.RESIDENTIAL_GROUP,
            )
        ],
    )
    population = forms.IntegerField(
        label=_("Population"), min_value=0, max_value=MAX_POPULATION, required=False
    )
