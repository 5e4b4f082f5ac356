"""Questions as data: the schema of a form definition's questions, the Django form built
from them, and the follow-up flags that answers raise.

A question is a JSON object::

    {"key": "symptoms", "type": "multi", "required": false,
     "label": {"vi": "Trong 14 ngày qua …", "en": "In the last 14 days …"},
     "choices": [{"value": "fever", "label": {"vi": "Sốt", "en": "Fever"}}, …],
     "flag": "symptoms", "flag_values": ["fever", "cough", …]}

Types: ``yes_no``, ``choice``, ``multi``, ``text``, ``date``, ``number``, ``temperature``.
A question with ``flag`` raises that follow-up reason when its answer is "yes"
(``yes_no``), one of ``flag_values`` (``choice``/``multi``), or at least ``flag_min``
(``number``/``temperature``). A ``date`` question may name an earlier date question it
must not precede (``"not_before": "departure_date"``). Officials change questions, choices,
flagged values and these rules by publishing a new version of the form with an effective
time; the code only evaluates them.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext as _

TYPES = ("yes_no", "choice", "multi", "text", "date", "number", "temperature")
FLAGS = ("symptoms", "fever", "high_risk_area", "contact")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_QUESTIONS = 60
YES, NO = "yes", "no"


class QuestionError(ValueError):
    """A form definition's questions do not follow the schema."""


def text_of(value: Any, language: str | None = None) -> str:
    """The text of a ``{"vi": …, "en": …}`` label in the current language (Vietnamese as
    the fallback), or a plain string."""
    if isinstance(value, Mapping):
        language = (language or get_language() or "vi")[:2]
        return str(value.get(language) or value.get("vi") or next(iter(value.values()), ""))
    return str(value or "")


def _label_ok(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return isinstance(value, Mapping) and bool(str(value.get("vi", "")).strip())


def validate_questions(questions: Any) -> list[dict[str, Any]]:
    """Check a list of questions; raise :class:`QuestionError` saying which question and
    what is wrong (officials edit these)."""
    if not isinstance(questions, list) or not questions:
        raise QuestionError(_("The questions must be a non-empty list."))
    if len(questions) > MAX_QUESTIONS:
        raise QuestionError(_("At most %(n)d questions.") % {"n": MAX_QUESTIONS})
    seen: set[str] = set()
    for number, q in enumerate(questions, start=1):
        where = _("Question %(n)d") % {"n": number}
        if not isinstance(q, Mapping):
            raise QuestionError(_("%(where)s is not an object.") % {"where": where})
        key = q.get("key")
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise QuestionError(
                _("%(where)s: the key must be lowercase letters, digits and _.") % {"where": where}
            )
        if key in seen:
            raise QuestionError(
                _("%(where)s: the key %(key)s is used twice.") % {"where": where, "key": key}
            )
        seen.add(key)
        where = f"{where} ({key})"
        if q.get("type") not in TYPES:
            raise QuestionError(
                _("%(where)s: the type must be one of %(types)s.")
                % {"where": where, "types": ", ".join(TYPES)}
            )
        if not _label_ok(q.get("label")):
            raise QuestionError(_("%(where)s has no Vietnamese label.") % {"where": where})
        if q["type"] in ("choice", "multi"):
            choices = q.get("choices")
            if not isinstance(choices, list) or not choices:
                raise QuestionError(_("%(where)s needs choices.") % {"where": where})
            values = [c.get("value") if isinstance(c, Mapping) else None for c in choices]
            if any(not isinstance(v, str) or not v for v in values) or len(set(values)) != len(
                values
            ):
                raise QuestionError(
                    _("%(where)s: every choice needs a distinct value.") % {"where": where}
                )
            if any(not _label_ok(c.get("label")) for c in choices):
                raise QuestionError(
                    _("%(where)s: every choice needs a Vietnamese label.") % {"where": where}
                )
            flagged = q.get("flag_values")
            if flagged is not None and (
                not isinstance(flagged, list) or any(not isinstance(v, str) for v in flagged)
            ):
                raise QuestionError(
                    _("%(where)s: flag_values must be a list of the choices' values (text).")
                    % {"where": where}
                )
            unknown = set(flagged or []) - set(values)
            if unknown:
                raise QuestionError(
                    _("%(where)s: flagged values %(values)s are not among the choices.")
                    % {"where": where, "values": ", ".join(sorted(unknown))}
                )
        flag = q.get("flag")
        if flag is not None and flag not in FLAGS:
            raise QuestionError(
                _("%(where)s: the flag must be one of %(flags)s.")
                % {"where": where, "flags": ", ".join(FLAGS)}
            )
        if flag and q["type"] in ("number", "temperature"):
            try:
                Decimal(str(q.get("flag_min")))
            except (InvalidOperation, ValueError):
                raise QuestionError(
                    _("%(where)s: a flagged number needs flag_min.") % {"where": where}
                ) from None
        if flag and q["type"] in ("choice", "multi") and not q.get("flag_values"):
            raise QuestionError(
                _("%(where)s: say which values raise the flag (flag_values).") % {"where": where}
            )
        if flag and q["type"] in ("text", "date"):
            raise QuestionError(
                _("%(where)s: only yes/no, choice and number questions can raise a flag.")
                % {"where": where}
            )
        earlier = q.get("not_before")
        if earlier is not None:
            dates = [
                p["key"]
                for p in questions[: number - 1]
                if isinstance(p, Mapping) and p.get("type") == "date"
            ]
            if q["type"] != "date" or earlier not in dates:
                raise QuestionError(
                    _(
                        "%(where)s: not_before names an earlier date question, and only a "
                        "date question can have it."
                    )
                    % {"where": where}
                )
    return [dict(q) for q in questions]


def choices_of(q: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(c["value"], text_of(c["label"])) for c in q.get("choices", [])]


def form_field(q: Mapping[str, Any]) -> forms.Field:
    """The Django form field that asks question ``q``."""
    kind = q["type"]
    common: dict[str, Any] = {
        "label": text_of(q["label"]),
        "required": bool(q.get("required")),
        "help_text": text_of(q.get("help", "")),
    }
    if kind == "yes_no":
        return forms.ChoiceField(
            choices=[(YES, _("Yes")), (NO, _("No"))], widget=forms.RadioSelect, **common
        )
    if kind == "choice":
        choices = choices_of(q)
        widget = forms.RadioSelect if len(choices) <= 6 else forms.Select
        if widget is forms.Select:
            choices = [("", "—"), *choices]
        return forms.ChoiceField(choices=choices, widget=widget, **common)
    if kind == "multi":
        options = choices_of(q)
        many: type[forms.Widget] = (
            forms.CheckboxSelectMultiple if len(options) <= 12 else forms.SelectMultiple
        )
        return forms.MultipleChoiceField(choices=options, widget=many, **common)
    if kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == "temperature":
        return forms.DecimalField(
            min_value=Decimal("34.0"),
            max_value=Decimal("43.0"),
            decimal_places=1,
            widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
            **common,
        )
    if kind == "number":
        return forms.DecimalField(max_digits=10, decimal_places=2, **common)
    return forms.CharField(max_length=300, **common)


def build_fields(questions: Sequence[Mapping[str, Any]]) -> dict[str, forms.Field]:
    return {f"q_{q['key']}": form_field(q) for q in questions}


def answers_from(
    questions: Sequence[Mapping[str, Any]], cleaned: Mapping[str, Any]
) -> dict[str, Any]:
    """JSON-storable answers keyed by question key (empty answers left out)."""
    out: dict[str, Any] = {}
    for q in questions:
        value = cleaned.get(f"q_{q['key']}")
        if value in (None, "", []):
            continue
        if isinstance(value, Decimal):
            value = float(value)
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        elif isinstance(value, (list, tuple)):
            value = list(value)
        out[q["key"]] = value
    return out


def _json_type_error(kind: str, value: Any) -> str | None:
    """What is wrong with the JSON type of an answer to a question of type ``kind``
    (``None``: nothing). The form fields expect text, lists of text or numbers; anything
    else must be refused here, not crash inside them (a date field strips its input)."""
    if kind == "yes_no":
        ok = isinstance(value, str | bool)
        message = _('Answer "yes" or "no" (or true or false).')
    elif kind == "multi":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        message = _("Give a list of the chosen values (text).")
    elif kind in ("number", "temperature"):
        ok = isinstance(value, int | float | str) and not isinstance(value, bool)
        message = _("Give a number.")
    elif kind == "date":
        ok = isinstance(value, str)
        message = _("Give the date as text, e.g. 2021-10-20.")
    elif kind == "choice":
        ok = isinstance(value, str)
        message = _("Give one of the choices' values (text).")
    else:
        ok = isinstance(value, str)
        message = _("Give the answer as text.")
    return None if ok else message


def order_errors(
    questions: Sequence[Mapping[str, Any]], values: Mapping[str, Any]
) -> dict[str, str]:
    """Messages for date answers earlier than the date their question must not precede
    (``not_before``, e.g. arrival before departure), keyed by question key. ``values``
    maps question keys to cleaned answers (``datetime.date``)."""
    labels = {q["key"]: text_of(q["label"]) for q in questions}
    errors = {}
    for q in questions:
        earlier = q.get("not_before")
        value, limit = values.get(q["key"]), values.get(earlier) if earlier else None
        if isinstance(value, datetime.date) and isinstance(limit, datetime.date) and value < limit:
            errors[q["key"]] = _("%(this)s cannot be before %(that)s (%(day)s).") % {
                "this": labels[q["key"]],
                "that": labels.get(earlier, earlier),
                "day": limit.strftime("%d/%m/%Y"),
            }
    return errors


def check_answers(
    questions: Sequence[Mapping[str, Any]], answers: Mapping[str, Any]
) -> dict[str, Any]:
    """Validate answers given as JSON (API, door-to-door screen) with the same fields."""
    from django.core.exceptions import ValidationError

    data = {}
    errors: dict[str, list[str]] = {}
    for q in questions:
        value = answers.get(q["key"])
        if value is None:
            continue
        problem = _json_type_error(q["type"], value)
        if problem is not None:
            errors[q["key"]] = [problem]
            continue
        if q["type"] == "yes_no" and isinstance(value, bool):
            value = YES if value else NO
        data[f"q_{q['key']}"] = value
    unknown = set(answers) - {q["key"] for q in questions}
    form = forms.Form(data)
    form.fields = build_fields(questions)
    if errors:  # a refused answer counts as not given: don't ask for it twice
        for key in errors:
            form.fields[f"q_{key}"].required = False
    valid = form.is_valid()
    errors |= {k.removeprefix("q_"): [str(m) for m in v] for k, v in form.errors.items()}
    if valid:
        cleaned = {q["key"]: form.cleaned_data.get(f"q_{q['key']}") for q in questions}
        errors |= {k: [m] for k, m in order_errors(questions, cleaned).items()}
    for key in sorted(unknown):
        errors[key] = [_("There is no such question in this form.")]
    if errors:
        raise ValidationError(errors)
    return answers_from(questions, form.cleaned_data)


def flags_of(questions: Iterable[Mapping[str, Any]], answers: Mapping[str, Any]) -> list[str]:
    """The follow-up reasons the answers raise, in a stable order."""
    raised: set[str] = set()
    for q in questions:
        flag = q.get("flag")
        if not flag or q["key"] not in answers:
            continue
        value = answers[q["key"]]
        kind = q["type"]
        if (
            (kind == "yes_no" and value == YES)
            or (kind == "choice" and value in (q.get("flag_values") or []))
            or (kind == "multi" and set(value) & set(q.get("flag_values") or []))
        ):
            raised.add(flag)
        elif kind in ("number", "temperature"):
            try:
                if Decimal(str(value)) >= Decimal(str(q.get("flag_min"))):
                    raised.add(flag)
            except (InvalidOperation, ValueError):
                continue
    return [flag for flag in FLAGS if flag in raised]


def describe(
    questions: Sequence[Mapping[str, Any]], answers: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """(question, answer) texts for showing a declaration to people."""
    out = []
    for q in questions:
        if q["key"] not in answers:
            continue
        value = answers[q["key"]]
        labels = dict(choices_of(q))
        if q["type"] == "yes_no":
            shown = _("Yes") if value == YES else _("No")
        elif q["type"] == "multi":
            shown = ", ".join(labels.get(v, v) for v in value)
        elif q["type"] == "choice":
            shown = labels.get(value, value)
        else:
            shown = str(value)
        out.append((text_of(q["label"]), shown))
    return out
