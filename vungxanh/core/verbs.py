"""What the audit log's verbs mean, in words a user reads.

Each app names the verbs it writes in its ``AppConfig.audit_verbs`` ({verb: lazy label});
pages show :func:`verb_label` instead of the code. A verb no app names shows as its code,
and a test keeps every verb the code writes named."""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.utils.functional import Promise


@cache
def registered_verbs() -> dict[str, Promise]:
    verbs: dict[str, Promise] = {}
    for config in apps.get_app_configs():
        for verb, label in getattr(config, "audit_verbs", {}).items():
            if verb in verbs and str(verbs[verb]) != str(label):
                raise ValueError(f"audit verb {verb!r} is named twice, differently")
            verbs[verb] = label
    return verbs


def verb_label(verb: str) -> str:
    label = registered_verbs().get(verb)
    return str(label) if label is not None else verb


def verb_choices() -> list[tuple[str, str]]:
    """(verb, label) sorted by label in the active language, for a filter's choices."""
    return sorted(
        ((verb, str(label)) for verb, label in registered_verbs().items()), key=lambda c: c[1]
    )
