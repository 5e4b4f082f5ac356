"""Writing the audit log. Actions call :func:`record` explicitly inside their transaction;
reading a person's record calls :func:`record_view`; every export calls :func:`record`
with the verb ``export``."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from vungxanh.core import context
from vungxanh.core.models import AuditEvent


def _text(value: str) -> str:
    # PostgreSQL text and jsonb refuse NUL; the log keeps a visible mark in its place.
    return value.replace("\x00", "\ufffd")


def _jsonable(value: Any) -> Any:
    if isinstance(value, str):
        return _text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        public_id = getattr(value, "public_id", None)
        return str(public_id) if public_id else value.pk
    if isinstance(value, Mapping):
        return {_text(str(k)): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return _text(str(value))


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Values of ``fields`` of ``obj`` (foreign keys as their raw id), for a before/after."""
    out: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        out[name] = _jsonable(getattr(obj, attname))
    return out


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"before": …, "after": …}} for the fields whose value changed."""
    changes: dict[str, dict[str, Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = _jsonable(before.get(key)), _jsonable(after.get(key))
        if old != new:
            changes[key] = {"before": old, "after": new}
    return changes


def target_type(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def record(
    *,
    actor: Any,
    verb: str,
    target: models.Model | None = None,
    unit_path: str = "",
    changes: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
    target_label: str | None = None,
) -> AuditEvent:
    """Append one audit event. ``actor`` is a user, :data:`~vungxanh.core.scoping.SYSTEM`,
    or ``None`` for an anonymous member of the public (a declaration, a check-in)."""
    ctx = context.current()
    is_user = isinstance(actor, models.Model)
    event = AuditEvent(
        actor=actor if is_user else None,
        actor_label=actor.get_username() if actor is not None else "anonymous",
        verb=verb,
        unit_path=_text(unit_path),
        request_id=ctx.request_id if ctx else "",
        ip=ctx.ip if ctx else None,
        changes=_jsonable(dict(changes or {})),
        extra=_jsonable(dict(extra or {})),
    )
    if target is not None:
        event.target_type = target_type(target)
        event.target_id = str(getattr(target, "public_id", None) or target.pk)
        label = target_label if target_label is not None else str(target)
        event.target_label = _text(label)[:255]
    elif target_label:
        event.target_label = _text(target_label)[:255]
    event.save(force_insert=True)
    return event


def record_view(*, actor: Any, target: models.Model, unit_path: str = "") -> AuditEvent:
    """A read of a person's record (or any record whose reading must be accountable)."""
    return record(actor=actor, verb="view", target=target, unit_path=unit_path)


def events_for(target: models.Model) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        target_type=target_type(target),
        target_id=str(getattr(target, "public_id", None) or target.pk),
    )
