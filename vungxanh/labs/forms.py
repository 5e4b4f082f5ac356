"""Input of the testing pages and of the results import (one form per row, NetBox style)."""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.core.scoping import path_prefix_q, scope_of
from vungxanh.geo.forms import UploadForm
from vungxanh.geo.models import AdminUnit, Facility
from vungxanh.labs import codes
from vungxanh.labs.actions import check_ct
from vungxanh.labs.models import (
    Laboratory,
    Pool,
    Reason,
    Result,
    Sample,
    SamplingSite,
    TestingRuleSet,
    TestKind,
    area_roots,
)
from vungxanh.people.identity import IdentityError, fold_name, normalize_phone, parse_cccd_qr
from vungxanh.people.models import Person
from vungxanh.venues.signing import QrError, parse_person_qr

__all__ = ["UploadForm"]

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
#: Times the pages accept (the year 1 or 9999 cannot even be converted between zones).
FIRST_YEAR, LAST_YEAR = 2000, 2100


class DateTimeField(forms.DateTimeField):
    def clean(self, value: Any) -> Any:
        out = super().clean(value)
        if out is not None and not FIRST_YEAR <= out.year <= LAST_YEAR:
            raise ValidationError(
                _("Enter a date between %(first)s and %(last)s."),
                params={"first": FIRST_YEAR, "last": LAST_YEAR},
            )
        return out


def collection_units(actor: Any) -> QuerySet[AdminUnit]:
    """Communes where the actor may record samples."""
    paths = scope_of(actor).paths("labs.add_sample", "add")
    units = AdminUnit.objects.current().filter(level=AdminUnit.Level.COMMUNE)
    if scope_of(actor).unrestricted:
        return units.order_by("path")
    return units.filter(path_prefix_q("path", paths)).order_by("path")


def find_person(actor: Any, text: str) -> Person:
    """A person the actor may see, by registry id, citizen ID or mobile number."""
    value = text.strip()
    visible = Person.objects.restrict(actor, "view").current()
    try:
        found = list(visible.filter(public_id=uuid.UUID(value))[:1])
    except ValueError:
        digits = re.sub(r"\D", "", value)
        if len(digits) == 12 and digits == value.replace(" ", ""):
            found = list(visible.filter(cccd=digits)[:2])
        else:
            try:
                phone = normalize_phone(value)
            except IdentityError as exc:
                raise ValidationError(
                    _("Enter the person's citizen ID (12 digits), mobile number or registry id.")
                ) from exc
            found = list(visible.filter(phone=phone)[:2])
            if len(found) > 1:
                raise ValidationError(
                    _("Several persons share this mobile number; use the citizen ID.")
                ) from None
    if not found:
        raise ValidationError(
            _("Nobody you may see in the registry matches %(value)s; register the person first."),
            params={"value": value},
        )
    return found[0]


class CollectionPlaceForm(forms.Form):
    """Where samples are taken (a sampling site, or the commune) and the laboratory they go
    to, among those the collector may use; the collection time, not in the future. Shared
    by the one-sample form and the screening session."""

    site = forms.ModelChoiceField(
        label=_("Sampling site"), queryset=SamplingSite.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(
        label=_("Commune where the sample is taken"),
        queryset=AdminUnit.objects.none(),
        required=False,
        help_text=_("Needed when no sampling site is chosen."),
    )
    lab = forms.ModelChoiceField(
        label=_("Send to laboratory"), queryset=Laboratory.objects.none(), required=False
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        units = collection_units(actor)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["site"].queryset = (  # type: ignore[attr-defined]
            SamplingSite.objects.restrict(actor, "view")
            .active()
            .filter(unit__in=units)
            .select_related("unit")
        )
        self.fields["lab"].queryset = (  # type: ignore[attr-defined]
            Laboratory.objects.restrict(actor, "view").active().select_related("facility")
        )

    def collected_at_or_now(self) -> datetime.datetime:
        value = self.cleaned_data.get("collected_at") or timezone.now()
        if value > timezone.now() + datetime.timedelta(minutes=5):
            raise ValidationError(_("The collection time is in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("site") and not data.get("unit") and "unit" not in self.errors:
            self.add_error("unit", _("Choose a sampling site or the commune."))
        return data


class SampleForm(CollectionPlaceForm):
    field_order = ["person", "test_kind", "reason", "quarantine_day", "site", "unit", "lab"]

    person = forms.CharField(
        label=_("Person"),
        max_length=64,
        help_text=_("Citizen ID (12 digits), mobile number or registry id."),
    )
    test_kind = forms.ChoiceField(label=_("Test"), choices=TestKind.choices)
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[c for c in Reason.choices if c[0] not in {Reason.RETEST, Reason.CONFIRMATION}],
    )
    quarantine_day = forms.IntegerField(
        label=_("Day of quarantine"), min_value=1, max_value=60, required=False
    )
    collected_at = DateTimeField(label=_("Collected at"), widget=DATETIME_WIDGET, required=False)
    single_only = forms.BooleanField(label=_("Test singly (never pool)"), required=False)
    pool_group = forms.CharField(
        label=_("Keep together with (quarantine room, workplace group)"),
        max_length=100,
        required=False,
        help_text=_("Samples with the same text go into one pool; by default, the household."),
    )
    rapid_result = forms.ChoiceField(
        label=_("Rapid test result"),
        choices=[("", "—"), *[c for c in Result.choices if c[0] != Result.PENDING]],
        required=False,
    )
    performed_by = forms.ChoiceField(
        label=_("Rapid test performed by"),
        choices=[("", "—"), *Sample.PerformedBy.choices],
        required=False,
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args: Any, actor: Any, fixed_person: Person | None = None, **kwargs: Any):
        super().__init__(*args, actor=actor, **kwargs)
        self.fixed_person = fixed_person
        if fixed_person is not None:
            for name in ("person", "test_kind", "reason", "rapid_result", "performed_by"):
                del self.fields[name]
            for name in ("quarantine_day", "single_only"):
                del self.fields[name]

    def clean_person(self) -> Person:
        return find_person(self.actor, self.cleaned_data["person"])

    def clean_collected_at(self) -> datetime.datetime:
        return self.collected_at_or_now()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.fixed_person is None:
            kind = data.get("test_kind")
            if kind == TestKind.RAPID:
                if not data.get("rapid_result"):
                    self.add_error("rapid_result", _("Record the rapid test's result."))
                if not data.get("performed_by"):
                    self.add_error("performed_by", _("Say who performed the rapid test."))
            elif data.get("rapid_result"):
                self.add_error("rapid_result", _("An RT-PCR result is entered by the laboratory."))
            if data.get("reason") == Reason.QUARANTINE_DAY and not data.get("quarantine_day"):
                self.add_error("quarantine_day", _("Give the day of quarantine of this test."))
        return data


#: A screening session records at most this many samples at once.
SCREENING_MAX_LINES = 1_000
SCREENING_REASONS = (Reason.SCREENING, Reason.WORKER_SCREENING, Reason.ENTRY)


def _line_key(text: str) -> tuple[str, Any]:
    """What one line of a screening list names: ("id", UUID), ("cccd", "0220…"), ("phone",
    "+849…"); raises ValidationError with what is wrong. Accepts the resident's personal QR
    (``VXP1.…``), the chip ID card's QR (``CCCD|CMND|Name|…``), a registry id, a citizen ID
    and a mobile number."""
    try:
        personal = parse_person_qr(text)
    except QrError as exc:
        raise ValidationError(_("The personal QR code is not valid.")) from exc
    if personal is not None:
        return "id", personal.public_id
    if "|" in text:
        try:
            return "cccd", parse_cccd_qr(text).cccd
        except IdentityError as exc:
            raise exc.as_validation_error() from None
    try:
        return "id", uuid.UUID(text)
    except ValueError:
        pass
    compact = re.sub(r"[\s.\-]", "", text)
    if compact.isdigit() and len(compact) == 12:
        return "cccd", compact
    try:
        return "phone", normalize_phone(text)
    except IdentityError:
        raise ValidationError(
            _("Not a citizen ID (12 digits), mobile number, registry id or QR code.")
        ) from None


def resolve_people(actor: Any, text: str) -> tuple[list[Person], list[str]]:
    """The persons a screening list names (one per line), in order, and one message per
    line that is wrong (nobody, several persons, twice in the list, not an identifier).
    Looked up among the persons the actor may see, three queries for the whole list."""
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1)]
    lines = [(n, line) for n, line in lines if line]
    errors: list[str] = []
    if len(lines) > SCREENING_MAX_LINES:
        return [], [
            _("A session records at most %(max)d people at once; split the list.")
            % {"max": SCREENING_MAX_LINES}
        ]
    keys: list[tuple[int, str, tuple[str, Any]]] = []
    for n, line in lines:
        shown = line if len(line) <= 40 else line[:37] + "…"
        try:
            keys.append((n, shown, _line_key(line)))
        except ValidationError as exc:
            errors.append(
                _("Line %(n)d (%(text)s): %(error)s")
                % {
                    "n": n,
                    "text": shown,
                    "error": " ".join(exc.messages),
                }
            )
    visible = Person.objects.restrict(actor, "view").current()
    wanted: dict[str, set[Any]] = {"id": set(), "cccd": set(), "phone": set()}
    for _n, _shown, (kind, value) in keys:
        wanted[kind].add(value)
    found: dict[tuple[str, Any], list[Person]] = {}
    for kind, field in (("id", "public_id"), ("cccd", "cccd"), ("phone", "phone")):
        if wanted[kind]:
            for person in visible.filter(**{f"{field}__in": wanted[kind]}).order_by("pk"):
                found.setdefault((kind, getattr(person, field)), []).append(person)
    persons: list[Person] = []
    first_line: dict[int, int] = {}
    for n, shown, key in keys:
        matches = found.get(key, [])
        problem = ""
        if not matches:
            problem = str(_("nobody you may see in the registry; register the person first."))
        elif len(matches) > 1:
            problem = str(_("several persons share this mobile number; use the citizen ID."))
        elif matches[0].pk in first_line:
            problem = str(
                _("the same person as line %(line)d.") % {"line": first_line[matches[0].pk]}
            )
        if problem:
            errors.append(
                _("Line %(n)d (%(text)s): %(error)s") % {"n": n, "text": shown, "error": problem}
            )
            continue
        first_line[matches[0].pk] = n
        persons.append(matches[0])
    if not lines:
        errors.append(str(_("Scan or type at least one person.")))
    return persons, errors


class ScreeningForm(CollectionPlaceForm):
    """A sampling team's session: where, when, why, and the list of people (scanned or
    typed, one per line). Nothing is recorded unless every line names one person."""

    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[c for c in Reason.choices if c[0] in SCREENING_REASONS],
        initial=Reason.SCREENING,
    )
    collected_at = DateTimeField(
        label=_("Collected at"),
        widget=DATETIME_WIDGET,
        required=False,
        help_text=_("Empty: now."),
    )
    pool_group = forms.CharField(
        label=_("Keep together with (workplace group, quarantine room)"),
        max_length=100,
        required=False,
        help_text=_("Empty: each person's household."),
    )
    people = forms.CharField(
        label=_("People"),
        widget=forms.Textarea(
            attrs={"rows": 12, "autofocus": True, "autocomplete": "off", "spellcheck": "false"}
        ),
        max_length=200_000,
        help_text=_(
            "One person per line: scan the personal QR or the chip ID card's QR, or type the "
            "citizen ID, mobile number or registry id."
        ),
    )
    batch_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def clean_collected_at(self) -> datetime.datetime:
        value = self.collected_at_or_now()
        if value < timezone.now() - datetime.timedelta(days=3):
            raise ValidationError(
                _("A session is recorded within three days of the sampling; this is older.")
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "people" in data:
            persons, errors = resolve_people(self.actor, data["people"])
            data["persons"] = persons
            for error in errors:
                self.add_error("people", error)
        return data


class ReceiveForm(forms.Form):
    codes = forms.CharField(
        label=_("Sample codes"),
        widget=forms.Textarea(attrs={"rows": 6, "autofocus": True, "autocomplete": "off"}),
        help_text=_("Scan or type the codes, one per line."),
    )

    def code_list(self) -> list[str]:
        return [c for c in re.split(r"[\s,;]+", self.cleaned_data["codes"]) if c]


class PoolBuildForm(forms.Form):
    size = forms.IntegerField(label=_("Samples per pool"), min_value=2, max_value=50)
    limit = forms.IntegerField(
        label=_("Pool at most this many samples"),
        min_value=2,
        max_value=200_000,
        required=False,
        help_text=_("Empty: every waiting screening sample."),
    )

    def __init__(self, *args: Any, rules: TestingRuleSet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules = rules
        self.fields["size"] = forms.IntegerField(
            label=_("Samples per pool"),
            min_value=2,
            max_value=rules.max_pool_size,
            initial=rules.max_pool_size,
            help_text=_("At most %(max)d under the rules in force.") % {"max": rules.max_pool_size},
        )


def parse_ct(value: Any) -> Decimal | None:
    text = str(value or "").strip().replace(",", ".")
    if text.lower() in {"", "-", "—", "undetermined", "n/a", "na", "no ct", "không"}:
        return None
    try:
        ct = Decimal(text)
        if not ct.is_finite():  # "NaN", "Infinity": no Ct, and NaN breaks comparisons
            raise InvalidOperation
        return ct.quantize(Decimal("0.1"))
    except InvalidOperation as exc:
        raise ValidationError(_("%(value)s is not a Ct value."), params={"value": value}) from exc


class ResultForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), choices=[c for c in Result.choices if c[0] != Result.PENDING]
    )
    ct = forms.CharField(label=_("Ct"), max_length=8, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["ct"] = check_ct(data.get("result", ""), parse_ct(data.get("ct")))
        except ValidationError as exc:
            self.add_error("ct", exc)
        return data


# The words machine exports and technicians use for results, normalised.
RESULT_WORDS = {
    Result.NEGATIVE: {
        "negative",
        "neg",
        "-",
        "âm tính",
        "am tinh",
        "âm",
        "am",
        "not detected",
        "nd",
        "không phát hiện",
        "khong phat hien",
    },
    Result.POSITIVE: {
        "positive",
        "pos",
        "+",
        "dương tính",
        "duong tinh",
        "dương",
        "duong",
        "detected",
        "phát hiện",
        "phat hien",
    },
    Result.INVALID: {
        "invalid",
        "inv",
        "inconclusive",
        "không xác định",
        "khong xac dinh",
        "không hợp lệ",
        "khong hop le",
        "lỗi",
        "loi",
        "error",
    },
}
_RESULT_LOOKUP = {word: result for result, words in RESULT_WORDS.items() for word in words}

# Column names of common machine exports, normalised by core.tabular. ``kind``: what the
# well holds in exports that say it (QuantStudio "Task", Bio-Rad "Content").
COLUMN_ALIASES = {
    "code": ("code", "sample", "sample_name", "sample_id", "barcode", "ma_mau", "mã_mẫu", "mẫu"),
    "result": ("result", "call", "ket_qua", "kết_quả", "interpretation"),
    "ct": ("ct", "cq", "ct_value", "cт"),
    "well": ("well", "position", "giếng", "gieng"),
    "kind": ("task", "content", "sample_type"),
}

#: Names a machine export gives its control wells (folded: lowercase, no diacritics, letters
#: and digits only), optionally numbered: NTC, NTC1, PC-2, "Positive control", "Chứng âm".
_CONTROL_NAME = re.compile(
    r"(ntc|nc|pc|ptc|neg|pos|negctrl|posctrl|negcontrol|poscontrol|negativecontrol|"
    r"positivecontrol|notemplatecontrol|ctrl|control|blank|std|standard|chungam|chungduong|"
    r"mauchung|chung)\d*"
)


def _folded(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold_name(value))


def control_row(row: Mapping[str, str]) -> str | None:
    """What a row of a machine export that holds no tube is: the control's name (or the
    well's) for a control well or an empty well, else None. A valid sample or pool code is
    always a tube, whatever the row says."""
    data = canonical_row(row)
    code = " ".join((data.get("code") or "").split())
    if code:
        try:
            codes.validate(code)
        except codes.CodeError:
            pass
        else:
            return None
    kind = _folded(data.get("kind") or "")
    named = _folded(code)
    if (named and _CONTROL_NAME.fullmatch(named)) or (kind and _CONTROL_NAME.fullmatch(kind)):
        return code or data.get("kind") or ""
    if not code and not (data.get("result") or "").strip():
        return data.get("well") or "—"  # an empty well
    return None


class ControlRowForm(forms.Form):
    """A control or empty well of a machine export: nothing to check, skipped on import."""

    def __init__(self, name: str) -> None:
        super().__init__({})
        self.name = name

    def clean(self) -> dict[str, Any]:
        return {"control": self.name}


def canonical_row(row: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in row:
                out[name] = row[alias]
                break
    return out


def missing_columns(header: set[str]) -> list[str]:
    return [
        name
        for name in ("code", "result")
        if not any(alias in header for alias in COLUMN_ALIASES[name])
    ]


class ResultRowForm(forms.Form):
    """One row of a machine export: the code of a pool or a single sample, the result, the
    Ct. ``targets`` maps the codes of the laboratory's pools and samples to the objects;
    ``seen`` collects codes already in the file; ``pooled`` holds the ids of samples that
    were tested in a pool."""

    code = forms.CharField(label=_("Code"), max_length=32)
    result = forms.CharField(label=_("Result"), max_length=40)
    ct = forms.CharField(label=_("Ct"), max_length=12, required=False)
    well = forms.CharField(label=_("Well"), max_length=8, required=False)

    def __init__(
        self,
        row: Mapping[str, str],
        *,
        targets: Mapping[str, Pool | Sample],
        seen: set[str],
        pooled: set[int] | frozenset[int] = frozenset(),
        run_id: int | None = None,
    ) -> None:
        super().__init__(canonical_row(row))
        self.targets = targets
        self.seen = seen
        self.pooled = pooled
        self.run_id = run_id

    def clean_code(self) -> str:
        raw = self.cleaned_data["code"]
        try:
            code = codes.validate(raw)
        except codes.CodeError as exc:
            raise ValidationError(str(exc)) from exc
        if code in self.seen:
            raise ValidationError(
                _("%(code)s appears more than once in the file."), params={"code": code}
            )
        self.seen.add(code)
        target = self.targets.get(code)
        if target is None:
            raise ValidationError(
                _("%(code)s is not a pool or sample of this laboratory."), params={"code": code}
            )
        if isinstance(target, Pool):
            if target.status not in {Pool.Status.READY, Pool.Status.ON_RUN}:
                raise ValidationError(_("%(code)s already has a result."), params={"code": code})
        elif target.pk in self.pooled:
            raise ValidationError(
                _("%(code)s was tested in a pool; the file must give the pool's result."),
                params={"code": code},
            )
        elif target.status != Sample.Status.RECEIVED:
            raise ValidationError(_("%(code)s is not waiting for a result."), params={"code": code})
        if self.run_id is not None and target.run_id != self.run_id:
            raise ValidationError(_("%(code)s is not on this run."), params={"code": code})
        return code

    def clean_result(self) -> str:
        word = " ".join(self.cleaned_data["result"].lower().split())
        result = _RESULT_LOOKUP.get(word)
        if result is None:
            raise ValidationError(
                _("Unknown result “%(value)s”: use negative, positive or invalid."),
                params={"value": self.cleaned_data["result"]},
            )
        return result

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            ct = parse_ct(data.get("ct"))
            if "result" in data:
                data["ct"] = check_ct(data["result"], ct)
        except ValidationError as exc:
            self.add_error("ct", exc)
        if "code" in data:
            data["target"] = self.targets[data["code"]]
        return data


class LaboratoryForm(forms.ModelForm[Laboratory]):
    class Meta:
        model = Laboratory
        fields = ["single_capacity", "pooled_capacity", "plate_wells", "control_wells", "is_active"]


class LaboratoryRegisterForm(LaboratoryForm):
    facility = forms.ModelChoiceField(
        label=_("Laboratory facility"), queryset=Facility.objects.none()
    )

    class Meta(LaboratoryForm.Meta):
        fields = ["facility", "single_capacity", "pooled_capacity", "plate_wells", "control_wells"]

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        paths = scope_of(actor).paths("labs.add_laboratory", "add")
        qs = Facility.objects.of_kind(Facility.Kind.LABORATORY).filter(laboratory__isnull=True)
        if not scope_of(actor).unrestricted:
            qs = qs.filter(Q(pk__in=[]) | path_prefix_q("unit__path", paths))
        self.fields["facility"].queryset = qs.select_related("unit")  # type: ignore[attr-defined]


class SamplingSiteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=SamplingSite.Kind.choices)
    unit = forms.ModelChoiceField(label=_("Commune"), queryset=AdminUnit.objects.none())
    default_lab = forms.ModelChoiceField(
        label=_("Sends samples to"), queryset=Laboratory.objects.none(), required=False
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        paths = area_roots(scope_of(actor), "labs.add_samplingsite", "add")
        units = AdminUnit.objects.current().filter(level=AdminUnit.Level.COMMUNE)
        if not scope_of(actor).unrestricted:
            units = units.filter(path_prefix_q("path", paths))
        self.fields["unit"].queryset = units.order_by("path")  # type: ignore[attr-defined]
        self.fields["default_lab"].queryset = (  # type: ignore[attr-defined]
            Laboratory.objects.restrict(actor, "view").active().select_related("facility")
        )


def reason_lines(value: str) -> list[str]:
    return [line.strip() for line in re.split(r"[\n,;]+", value) if line.strip()]


class RuleSetForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=200)
    unit = forms.ModelChoiceField(label=_("Applies to"), queryset=AdminUnit.objects.none())
    valid_from = DateTimeField(label=_("In force from"), widget=DATETIME_WIDGET)
    source = forms.CharField(label=_("Legal basis"), max_length=255, required=False)
    max_pool_size = forms.IntegerField(label=_("Maximum pool size"), min_value=2, max_value=50)
    single_test_reasons = forms.MultipleChoiceField(
        label=_("Reasons tested singly (never pooled)"),
        choices=Reason.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    priority_order = forms.CharField(
        label=_("Priority of reasons, first tested first (one code per line)"),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    sample_validity_hours = forms.IntegerField(
        label=_("Hours a swab stays fit for RT-PCR"), min_value=6, max_value=720
    )
    retest_due_hours = forms.IntegerField(
        label=_("Hours to re-sample a pool's members"), min_value=1, max_value=168
    )
    max_reruns = forms.IntegerField(
        label=_("Re-runs of an invalid result before re-sampling"), min_value=0, max_value=5
    )
    province_single_target = forms.IntegerField(
        label=_("Province target: single samples per day"), min_value=0
    )
    province_pooled_target = forms.IntegerField(
        label=_("Province target: pooled samples per day"), min_value=0
    )
    assay_sensitivity = forms.DecimalField(
        label=_("Assay sensitivity"), min_value=Decimal("0.5"), max_value=1, decimal_places=4
    )
    assay_specificity = forms.DecimalField(
        label=_("Assay specificity"), min_value=Decimal("0.5"), max_value=1, decimal_places=4
    )
    positivity_window_days = forms.IntegerField(
        label=_("Days of recent positivity for the planner"), min_value=1, max_value=60
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        paths = area_roots(scope_of(actor), "labs.add_testingruleset", "add")
        units = AdminUnit.objects.current().filter(level__lte=AdminUnit.Level.DISTRICT)
        if not scope_of(actor).unrestricted:
            units = units.filter(path_prefix_q("path", paths))
        self.fields["unit"].queryset = units.order_by("path")  # type: ignore[attr-defined]

    def clean_priority_order(self) -> list[str]:
        order = reason_lines(self.cleaned_data["priority_order"])
        unknown = [r for r in order if r not in Reason.values]
        if unknown:
            raise ValidationError(
                _("Unknown reason codes: %(codes)s. Use: %(known)s."),
                params={"codes": ", ".join(unknown), "known": ", ".join(Reason.values)},
            )
        return order

    @staticmethod
    def initial_from(rules: TestingRuleSet) -> dict[str, Any]:
        return {
            "name": rules.name,
            "source": rules.source,
            "max_pool_size": rules.max_pool_size,
            "single_test_reasons": rules.single_test_reasons,
            "priority_order": "\n".join(rules.priority_order),
            "sample_validity_hours": rules.sample_validity_hours,
            "retest_due_hours": rules.retest_due_hours,
            "max_reruns": rules.max_reruns,
            "province_single_target": rules.province_single_target,
            "province_pooled_target": rules.province_pooled_target,
            "assay_sensitivity": rules.assay_sensitivity,
            "assay_specificity": rules.assay_specificity,
            "positivity_window_days": rules.positivity_window_days,
            "valid_from": timezone.localtime().replace(second=0, microsecond=0)
            + datetime.timedelta(hours=1),
        }


class PlannerForm(forms.Form):
    """Percentages as people say them (1 %, 95 %); the planner works with fractions."""

    prevalence = forms.DecimalField(
        label=_("Estimated prevalence (%)"),
        min_value=0,
        max_value=Decimal("99.99"),
        decimal_places=3,
        required=False,
        help_text=_("Empty: the recent positivity of your samples."),
    )
    sensitivity = forms.DecimalField(
        label=_("Assay sensitivity (%)"),
        min_value=50,
        max_value=100,
        decimal_places=2,
        required=False,
    )
    specificity = forms.DecimalField(
        label=_("Assay specificity (%)"),
        min_value=50,
        max_value=100,
        decimal_places=2,
        required=False,
    )
    samples = forms.IntegerField(
        label=_("Samples to test"), min_value=1, max_value=10_000_000, required=False
    )


class CorrectionForm(forms.Form):
    """Correct a result entered wrongly: the right result, its Ct, why; ``expected`` is the
    result the page showed (a correction made meanwhile by somebody else is not overwritten)."""

    result = forms.ChoiceField(
        label=_("Correct result"),
        choices=[
            (Result.NEGATIVE, Result.NEGATIVE.label),
            (Result.POSITIVE, Result.POSITIVE.label),
        ],
    )
    ct = forms.CharField(label=_("Ct"), max_length=8, required=False)
    reason = forms.CharField(
        label=_("Why is the result corrected?"),
        max_length=255,
        help_text=_("E.g. wells B3 and B4 swapped when the results were entered."),
    )
    expected = forms.ChoiceField(choices=Result.choices, widget=forms.HiddenInput, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["ct"] = check_ct(data.get("result", ""), parse_ct(data.get("ct")))
        except ValidationError as exc:
            self.add_error("ct", exc)
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
