"""Forms of the declaration pages: the public declaration (identity + the questions of the
form in force), the door-to-door screen, the diary, follow-ups and publishing a form."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.core.submissions import OnceFormMixin
from vungxanh.declarations.models import FollowUp, FormDefinition, FormKind, Monitoring
from vungxanh.declarations.questions import answers_from, build_fields, order_errors
from vungxanh.geo.models import AdminUnit
from vungxanh.people.forms import BirthField
from vungxanh.people.models import Sex

PUBLIC_SLUGS = {
    "toan-dan": FormKind.POPULATION,
    "di-chuyen-noi-dia": FormKind.DOMESTIC,
    "dia-diem": FormKind.PLACE,
}
SLUG_OF = {kind: slug for slug, kind in PUBLIC_SLUGS.items()}


class CommuneChoiceField(forms.ModelChoiceField[AdminUnit]):
    def label_from_instance(self, obj: Any) -> str:
        parent = obj.parent.name if obj.parent_id else ""
        return f"{obj.name} – {parent}" if parent else obj.name


def province_communes() -> Any:
    """The current communes of the province this deployment serves."""
    province = AdminUnit.objects.filter(level=1, code=settings.DEFAULT_PROVINCE_CODE).first()
    units = AdminUnit.objects.current().filter(level=AdminUnit.Level.COMMUNE)
    if province is not None:
        units = units.filter(path__startswith=province.path)
    return units.select_related("parent").order_by("parent__name", "name")


class QuestionsMixin:
    """Adds the fields of a form definition's questions (``q_<key>``)."""

    definition: FormDefinition

    def add_questions(self, definition: FormDefinition) -> None:
        self.definition = definition
        fields: Any = getattr(self, "fields")  # noqa: B009 - set by forms.Form
        fields.update(build_fields(definition.questions))

    def question_fields(self) -> list[Any]:
        form: Any = self
        return [form[name] for name in form.fields if name.startswith("q_")]

    def answers(self) -> dict[str, Any]:
        form: Any = self
        return answers_from(self.definition.questions, form.cleaned_data)

    def clean(self) -> dict[str, Any]:
        form: Any = self
        data: dict[str, Any] = super().clean() or {}  # type: ignore[misc]
        values = {q["key"]: data.get(f"q_{q['key']}") for q in self.definition.questions}
        for key, message in order_errors(self.definition.questions, values).items():
            form.add_error(f"q_{key}", message)
        return data


class PublicDeclarationForm(QuestionsMixin, forms.Form):
    """What a resident fills in on the public page."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    cccd = forms.CharField(
        label=_("Citizen ID (CCCD)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("12 digits. If you have none, give your phone number, name and year of birth."),
    )
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    birth = BirthField(required=False)
    sex = forms.ChoiceField(
        label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect, required=False
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    unit = CommuneChoiceField(
        label=_("Commune or ward where you live or stay"),
        queryset=AdminUnit.objects.none(),
        empty_label="—",
    )
    address = forms.CharField(
        label=_("House number, street, village"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    place_code = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, definition: FormDefinition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["unit"]
        field.queryset = province_communes()
        self.add_questions(definition)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())

    def identity_fields(self) -> list[Any]:
        return [
            self[name] for name in ("cccd", "full_name", "birth", "sex", "phone", "unit", "address")
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_cccd = bool((data.get("cccd") or "").strip())
        if not has_cccd and not ((data.get("phone") or "").strip() and data.get("birth")):
            raise forms.ValidationError(
                _("Give your citizen ID, or your phone number with your year of birth.")
            )
        return data

    def identity(self) -> dict[str, Any]:
        data = self.cleaned_data
        birth_date, birth_year = data.get("birth") or (None, None)
        return {
            "cccd": data.get("cccd", ""),
            "phone": data.get("phone", ""),
            "full_name": data.get("full_name", ""),
            "birth_year": birth_year,
            "birth_date": birth_date,
            "sex": data.get("sex", ""),
        }


class AnswersForm(QuestionsMixin, forms.Form):
    """Only the questions (door-to-door members, staff entries, the diary)."""

    def __init__(self, *args: Any, definition: FormDefinition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_questions(definition)


class DoorToDoorMemberForm(AnswersForm):
    present = forms.BooleanField(label=_("Declared now"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name.startswith("q_"):
                field.required = False  # checked only for members marked present

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("present"):
            for q in self.definition.questions:
                name = f"q_{q['key']}"
                if q.get("required") and data.get(name) in (None, "", []):
                    self.add_error(name, _("This field is required."))
        return data


class FollowUpResolveForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (FollowUp.Status.DONE, _("Done")),
            (FollowUp.Status.DISMISSED, _("No action needed")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class MonitoringForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Monitoring.Reason.choices)
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=60, initial=14)
    starts_on = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class EndMonitoringForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=255,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("Note (optional)"), "aria-label": _("Note")}
        ),
    )


class DiaryDayForm(AnswersForm):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["day"].initial = timezone.localdate()
        self.order_fields(["day"])


class PublishForm(OnceFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    intro = forms.CharField(
        label=_("Introduction"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    valid_from = forms.DateTimeField(
        label=_("In force from"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(label=_("Basis (decision, letter)"), max_length=255, required=False)
    questions = forms.CharField(
        label=_("Questions (JSON)"),
        widget=forms.Textarea(attrs={"rows": 24, "class": "code", "spellcheck": "false"}),
    )

    def clean_questions(self) -> Any:
        try:
            return json.loads(self.cleaned_data["questions"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("The questions are not valid JSON (line %(line)d, column %(col)d: %(msg)s)."),
                params={"line": exc.lineno, "col": exc.colno, "msg": exc.msg},
            ) from None
