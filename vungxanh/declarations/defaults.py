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
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


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
