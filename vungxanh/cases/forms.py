"""Input of the case pages: registering a case, landmarks, contacts, task steps, clusters,
rule set versions. Persons and venues are chosen by what officials know (a citizen ID, a
phone, a venue code) and looked up within the official's reach."""

from __future__ import annotations

import datetime
import json
import re
import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.cases.actions.contacts import NewContactPerson
from vungxanh.cases.models import Basis, Case, ExposureType
from vungxanh.cases.rules import TracingRules
from vungxanh.core.scoping import path_prefix_q, scope_of
from vungxanh.geo.models import AdminUnit
from vungxanh.people.forms import ResidenceChoiceField, residence_units
from vungxanh.people.models import Person, Sex
from vungxanh.people.search import search_q
from vungxanh.venues.models import Venue

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


#: Dates and times the pages accept: anything else is a typing mistake (and the year 1 or
#: 9999 cannot even be converted between time zones).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def check_year(value: datetime.date | None) -> None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            _("Enter a date between %(first)s and %(last)s."),
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
        )


class DateField(forms.DateField):
    def clean(self, value: Any) -> Any:
        out = super().clean(value)
        check_year(out)
        return out


class DateTimeField(forms.DateTimeField):
    def clean(self, value: Any) -> Any:
        out = super().clean(value)
        check_year(out)
        return out


def local_input(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime(DATETIME_FORMAT) if value else ""


class UnitChoiceField(forms.ModelChoiceField[AdminUnit]):
    def label_from_instance(self, obj: Any) -> str:
        indent = "· " * max(0, obj.level - 1)
        return f"{indent}{obj.name}"


def writable_units(actor: Any, perm: str, max_level: int = AdminUnit.Level.COMMUNE) -> Any:
    """Current units (province to commune) the actor may write ``perm`` in."""
    scope = scope_of(actor)
    units = AdminUnit.objects.current().filter(level__lte=max_level).order_by("path")
    if scope.unrestricted:
        return units
    roots = scope.paths(perm, "add")
    return units.filter(path_prefix_q("path", roots)) if roots else units.none()


def place_units() -> Any:
    """Districts and communes where a landmark may be (anywhere in the province)."""
    return (
        AdminUnit.objects.current()
        .filter(level__in=[AdminUnit.Level.DISTRICT, AdminUnit.Level.COMMUNE])
        .order_by("path")
    )


def _as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


class PersonLookupMixin:
    """A person chosen from the search list (their public id), or typed as a citizen ID
    or phone number. The search list shows persons in the official's area; a citizen ID
    or phone finds anyone in the province (contacts live anywhere)."""

    cleaned_data: dict[str, Any]

    data: Any
    not_found_message: Any = _("Nobody in the registry has this citizen ID or phone.")
    missing_message: Any = _(
        "Choose the person from the search, or give their citizen ID or phone number."
    )

    def lookup_person(self, identifier: str) -> Person:
        public_id = _as_uuid(self.data.get("person"))
        if public_id is not None:
            person = Person.objects.current().filter(public_id=public_id).first()
            if person is not None:
                return person
        query = search_q(identifier or "")
        if query.kind in {"cccd", "cmnd", "phone"} and query.condition is not None:
            found = list(Person.objects.current().filter(query.condition).order_by("pk")[:2])
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise ValidationError(
                    _("Several persons have this phone number; search by name or citizen ID.")
                )
            raise ValidationError(self.not_found_message)
        raise ValidationError(self.missing_message)


class CaseForm(PersonLookupMixin, forms.Form):
    identifier = forms.CharField(
        label=_("Citizen ID or phone"),
        max_length=20,
        required=False,
        help_text=_("Or search by name above and choose the person."),
    )
    classification = forms.ChoiceField(
        label=_("Register as"),
        choices=[
            (Case.Classification.CONFIRMED, _("Confirmed case (F0)")),
            (Case.Classification.SUSPECTED, _("Suspected case")),
        ],
        initial=Case.Classification.CONFIRMED,
    )
    basis = forms.ChoiceField(label=_("Basis"), choices=Basis.choices, initial=Basis.PCR_POSITIVE)
    sample_date = DateField(label=_("Positive sample date"), required=False, widget=DateInput())
    onset_date = DateField(
        label=_("Symptom onset"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty if asymptomatic: the sample date is then the anchor."),
    )
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[("", _("Automatic (among F1 or community)")), *Case.Source.choices],
        required=False,
    )
    responsible_unit = UnitChoiceField(
        label=_("Responsible unit"),
        queryset=AdminUnit.objects.none(),
        required=False,
        help_text=_("Empty: the commune where the person lives."),
    )
    isolated_at = DateTimeField(label=_("Isolated at"), required=False, widget=DateTimeInput())
    lab_reference = forms.CharField(label=_("Laboratory reference"), max_length=100, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["responsible_unit"]
        field.queryset = writable_units(actor, "cases.add_case")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        try:
            data["person_obj"] = self.lookup_person(data.get("identifier", ""))
        except ValidationError as exc:
            self.add_error("identifier", exc)
        if not data.get("sample_date") and not data.get("onset_date"):
            self.add_error(
                "sample_date", _("Give the positive sample date or the symptom onset date.")
            )
        return data


class CaseEditForm(forms.Form):
    sample_date = DateField(label=_("Positive sample date"), required=False, widget=DateInput())
    onset_date = DateField(label=_("Symptom onset"), required=False, widget=DateInput())
    isolated_at = DateTimeField(label=_("Isolated at"), required=False, widget=DateTimeInput())
    status = forms.ChoiceField(label=_("Status"), choices=Case.Status.choices)
    source = forms.ChoiceField(label=_("Source"), choices=Case.Source.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    @classmethod
    def for_case(cls, case: Case) -> CaseEditForm:
        return cls(
            initial={
                "sample_date": case.sample_date,
                "onset_date": case.onset_date,
                "isolated_at": local_input(case.isolated_at),
                "status": case.status,
                "source": case.source,
                "note": case.note,
            }
        )


class DiscardForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the case discarded?"),
        max_length=255,
        help_text=_("E.g. the confirmatory RT-PCR was negative; duplicate record."),
    )


class LandmarkForm(forms.Form):
    venue_code = forms.CharField(
        label=_("Venue code"),
        max_length=16,
        required=False,
        help_text=_("The code on the venue's QR poster, if the place is a registered venue."),
    )
    place = forms.CharField(
        label=_("Place or event"),
        max_length=200,
        required=False,
        help_text=_("If it is not a registered venue: a shop, a wedding, a bus trip…"),
    )
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    unit = UnitChoiceField(label=_("Unit"), queryset=AdminUnit.objects.none(), required=False)
    start = DateTimeField(label=_("From"), widget=DateTimeInput())
    end = DateTimeField(label=_("Until"), widget=DateTimeInput())
    vehicle = forms.CharField(
        label=_("Vehicle"),
        max_length=120,
        required=False,
        help_text=_("For trips: kind of vehicle and number plate, flight or train number."),
    )
    route = forms.CharField(label=_("Route"), max_length=200, required=False)
    reported_people = forms.IntegerField(
        label=_("People there (as reported)"), min_value=0, max_value=100000, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["unit"]
        field.queryset = place_units()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        code = (data.get("venue_code") or "").strip()
        data["venue"] = None
        if code:
            venue = Venue.objects.filter(code__iexact=code).select_related("unit").first()
            if venue is None:
                self.add_error("venue_code", _("No venue has this code."))
            else:
                data["venue"] = venue
        elif not (data.get("place") or "").strip():
            self.add_error("place", _("Give a venue code or describe the place."))
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end is before the start."))
        return data


class PublishForm(forms.Form):
    public_note = forms.CharField(
        label=_("Message to the public"),
        max_length=255,
        required=False,
        help_text=_("Optional, e.g. which entrance or floor."),
    )


TRISTATE = [("", _("Unknown")), ("yes", _("Yes")), ("no", _("No"))]


def tristate(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class ContactResidenceField(ResidenceChoiceField):
    default_error_messages = {
        "invalid_choice": _(
            "Choose a commune or village of your area: you may register only people who live "
            "there. For someone who lives elsewhere, give their citizen ID or phone if they are "
            "registered, or ask their commune to register them."
        )
    }


class ContactForm(PersonLookupMixin, forms.Form):
    """An interview contact: a person chosen from the search, found by citizen ID or phone,
    or — not in the registry yet — described by what the interview gave (name, year of
    birth, sex, phone, where they live) and registered with the contact."""

    identifier = forms.CharField(
        label=_("Citizen ID or phone"),
        max_length=20,
        required=False,
        help_text=_("Or search by name above and choose the person."),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=120, required=False)
    birth_year = forms.IntegerField(
        label=_("Year of birth"), min_value=1900, max_value=2100, required=False
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)
    cccd = forms.CharField(label=_("Citizen ID (CCCD)"), max_length=20, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    residence_unit = ContactResidenceField(
        label=_("Lives in (commune or village)"),
        queryset=AdminUnit.objects.none(),
        required=False,
    )
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    exposure_type = forms.ChoiceField(label=_("Exposure"), choices=ExposureType.choices)
    exposure_start = DateTimeField(label=_("From"), required=False, widget=DateTimeInput())
    exposure_end = DateTimeField(label=_("Until"), required=False, widget=DateTimeInput())
    within_2m = forms.ChoiceField(label=_("Within 2 m"), choices=TRISTATE, required=False)
    masked = forms.ChoiceField(label=_("Both wearing masks"), choices=TRISTATE, required=False)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)
    confirm = forms.BooleanField(
        label=_("Confirm as F1 now (creates the tracing task)"), required=False, initial=True
    )

    not_found_message = _(
        "Nobody in the registry has this citizen ID or phone. To register the person, fill "
        "in their name, year of birth, sex and where they live below."
    )
    missing_message = _(
        "Choose the person from the search, give their citizen ID or phone number, or "
        "describe the person below if they are not in the registry."
    )
    NEW_PERSON_FIELDS = ("full_name", "birth_year", "sex", "cccd", "phone", "residence_unit")

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["residence_unit"]
        field.queryset = residence_units(actor, action="add")

    def describes_new_person(self) -> bool:
        return any(self.data.get(name) for name in self.NEW_PERSON_FIELDS)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        data["person_obj"] = data["new_person"] = None
        if self.describes_new_person() and not _as_uuid(self.data.get("person")):
            # Found or registered by the action (identify_person), which checks every part;
            # without a citizen ID it matches on the phone, name and year of birth.
            identifier = search_q(data.get("identifier") or "")
            if not data.get("cccd") and identifier.kind != "cccd":
                if not data.get("full_name"):
                    self.add_error("full_name", _("Enter the full name."))
                if not data.get("birth_year"):
                    self.add_error("birth_year", _("Enter the year of birth."))
                if not data.get("phone") and identifier.kind != "phone":
                    self.add_error("phone", _("Enter the phone number or the citizen ID."))
                if self.errors:
                    return data
            data["new_person"] = NewContactPerson(
                full_name=data.get("full_name") or "",
                birth_year=data.get("birth_year"),
                sex=data.get("sex") or "",
                cccd=data.get("cccd") or (identifier.value if identifier.kind == "cccd" else ""),
                phone=data.get("phone") or (identifier.value if identifier.kind == "phone" else ""),
                residence_unit=data.get("residence_unit"),
                address=data.get("address") or "",
            )
        else:
            try:
                data["person_obj"] = self.lookup_person(data.get("identifier", ""))
            except ValidationError as exc:
                self.add_error("identifier", exc)
        start, end = data.get("exposure_start"), data.get("exposure_end")
        if start and end and end < start:
            self.add_error("exposure_end", _("The end is before the start."))
        data["within_2m"] = tristate(data.get("within_2m", ""))
        data["masked"] = tristate(data.get("masked", ""))
        return data


class ConfirmTopForm(forms.Form):
    """Confirm the N strongest proposals the official sees: the page sends the persons it
    showed, in their order, so that a proposal decided meanwhile by somebody else is not
    replaced by the next one down the list."""

    n = forms.IntegerField(label=_("How many"), min_value=1, max_value=500)
    shown = forms.CharField(widget=forms.HiddenInput, max_length=40_000)

    def clean_shown(self) -> list[uuid.UUID]:
        ids: list[uuid.UUID] = []
        for part in self.cleaned_data["shown"].split(","):
            value = _as_uuid(part.strip())
            if value is None:
                raise ValidationError(_("The list of proposals is damaged; reload the page."))
            if value not in ids:
                ids.append(value)
        return ids

    def chosen(self) -> list[uuid.UUID]:
        return self.cleaned_data["shown"][: self.cleaned_data["n"]]


class TaskStepForm(forms.Form):
    step = forms.ChoiceField(
        label=_("Step"),
        choices=[
            ("notified", _("Notified")),
            ("quarantined", _("Quarantined")),
            ("sampled", _("Sampled")),
        ],
    )
    at = DateTimeField(
        label=_("When"), required=False, widget=DateTimeInput(), help_text=_("Empty: now.")
    )
    quarantine_place = forms.CharField(
        label=_("Quarantine place"),
        max_length=200,
        required=False,
        help_text=_("At home, or the name of the facility."),
    )
    lab_reference = forms.CharField(label=_("Sample reference"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class ClusterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    unit = UnitChoiceField(label=_("Unit"), queryset=AdminUnit.objects.none())
    containment_zone = forms.CharField(
        label=_("Containment zone"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Streets, villages or buildings under containment."),
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["unit"]
        field.queryset = writable_units(actor, "cases.change_cluster", AdminUnit.Level.VILLAGE)


_CASE_NUMBER = re.compile(r"^(?:bn)?\s*([0-9]{1,9})$", re.IGNORECASE)


class ClusterCaseForm(forms.Form):
    """A confirmed case an official adds to a cluster, by its number ("BN12" or "12")."""

    prefix = "add"
    case = forms.CharField(label=_("Case number"), max_length=20, help_text=_("For example BN12."))
    note = forms.CharField(label=_("Why it belongs to the cluster"), max_length=255, required=False)

    def clean_case(self) -> int:
        match = _CASE_NUMBER.match(self.cleaned_data["case"].strip())
        if match is None:
            raise ValidationError(_("Enter a case number, for example BN12."))
        return int(match.group(1))


class RuleSetForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=200)
    valid_from = DateTimeField(label=_("In force from"), widget=DateTimeInput())
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=255, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    parameters = forms.CharField(
        label=_("Parameters (JSON)"),
        widget=forms.Textarea(attrs={"rows": 18, "class": "mono"}),
        help_text=_("Start from the version in force; every key is checked."),
    )

    def clean_parameters(self) -> dict[str, Any]:
        text = self.cleaned_data["parameters"]
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                _("This is not valid JSON (line %(line)s): %(msg)s"),
                params={"line": exc.lineno, "msg": exc.msg},
            ) from exc
        rules = TracingRules.from_parameters(self.data.get("code") or "new", value)
        return rules.as_parameters()
