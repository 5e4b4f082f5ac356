"""The forms shipped with the application: version 1 of each kind, in force from 1 January
2021 (migration 0002), and later shipped versions with their own ``valid_from`` (version 2
of the domestic-movement form, from 13 October 2021: the destination province, and the
arrival not before the departure; migration 0003). The demo loads any that are missing.
Officials publish further versions from the forms page. A shipped version is never edited
in place: a change is a new version appended to the file, with a migration that loads it."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "forms_2021.json"


def default_forms() -> dict[str, Any]:
    """The shipped forms, each a complete definition. A later version may be written in the
    file as a change of an earlier one of its kind (``based_on``: that version; ``change``:
    question key → fields replaced; ``insert_after``: question key → new questions, whose
    ``choices_from`` names a question whose choices they share); it is expanded here, so
    what is stored, and what any later reader sees, is the whole form."""
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    shipped: dict[tuple[str, int], dict[str, Any]] = {}
    forms = []
    for spec in data["forms"]:
        if "based_on" in spec:
            spec = _derive(shipped[(spec["kind"], spec["based_on"])], spec)
        shipped[(spec["kind"], spec["version"])] = spec
        forms.append(spec)
    data["forms"] = forms
    return data


def _derive(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """``base`` with the changes of ``change`` (see :func:`default_forms`)."""
    by_key = {q["key"]: q for q in base["questions"]}
    unknown = (set(change.get("change", {})) | set(change.get("insert_after", {}))) - set(by_key)
    if unknown:
        raise ValueError(f"{change['kind']} v{change['version']}: no question {sorted(unknown)}")
    questions = []
    for question in base["questions"]:
        questions.append({**question, **change.get("change", {}).get(question["key"], {})})
        for new in change.get("insert_after", {}).get(question["key"], []):
            new = dict(new)
            if "choices_from" in new:
                new["choices"] = by_key[new.pop("choices_from")]["choices"]
            questions.append(new)
    derived = {k: v for k, v in base.items() if k != "valid_from"}
    derived.update({k: v for k, v in change.items() if k not in DERIVATION_KEYS})
    derived["questions"] = questions
    return derived


DERIVATION_KEYS = {"based_on", "change", "insert_after"}


def load_default_forms(model: Any) -> int:
    """Create the shipped versions that are missing; returns how many were created.
    ``model`` is FormDefinition (or its historical version inside a migration)."""
    data = default_forms()
    default_from = data["valid_from"]
    created = 0
    for spec in data["forms"]:
        valid_from = datetime.datetime.fromisoformat(spec.get("valid_from", default_from))
        _obj, made = model.objects.get_or_create(
            kind=spec["kind"],
            version=spec["version"],
            defaults={
                "title": spec["title"],
                "intro": spec.get("intro", ""),
                "note": spec.get("note", ""),
                "questions": spec["questions"],
                "valid_from": valid_from,
            },
        )
        created += made
    return created
