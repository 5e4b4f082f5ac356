"""The forms shipped with the application (version 1 of each kind, in force from 1 January
2021): loaded by migration 0002 and, if missing, by the demo. Officials publish later
versions from the forms page; these files are never edited in place."""

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
    valid_from = datetime.datetime.fromisoformat(data["valid_from"])
    created = 0
    for spec in data["forms"]:
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
