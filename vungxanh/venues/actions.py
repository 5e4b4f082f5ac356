"""Every write to venues, their members, the check-in rules and check-ins. Views, the API,
imports, tasks and commands call these; each re-checks scope inside its transaction and
writes the audit log (one event per action: a batch of 500 check-ins is one event; the
check-in rows themselves carry who recorded them, how and when)."""

from __future__ import annotations

import contextlib
import datetime
import secrets
import uuid as uuid_module
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vungxanh.core import audit, ratelimit
from vungxanh.core.scoping import OutOfScope, require, require_unit, scope_of
from vungxanh.geo.models import AdminUnit
from vungxanh.people.identity import IdentityError, parse_cccd_qr
from vungxanh.people.models import Person
from vungxanh.venues import residents, rules
from vungxanh.venues.models import (
    LONGEST_STAY_LIMIT_MINUTES,
    MAX_VENUE_CAPACITY,
    OWN_SCAN,
    VENUE_CODE_RE,
    CheckIn,
    CheckInPurge,
    CheckInRuleSet,
    Venue,
    VenueDailyCount,
    VenueKind,
    VenueMember,
)
from vungxanh.venues.signing import QrError, parse_person_qr, verify_venue

MAX_BATCH = 500
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed by hand
CODE_LENGTH = 8

VENUE_FIELDS = (
    "code",
    "name",
    "kind",
    "unit",
    "address",
    "route",
    "latitude",
    "longitude",
    "capacity",
    "is_indoor",
    "default_stay_minutes",
    "status",
    "owner_kind",
    "owner_name",
    "owner_phone",
    "owner_email",
    "qr_key_version",
)
EDITABLE_FIELDS = frozenset(VENUE_FIELDS) - {"code", "status", "qr_key_version"}


# --- venues ----------------------------------------------------------------------------------


def new_venue_code() -> str:
    """A short random code (8 characters from 32: about 10¹² codes), unused so far."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not Venue.objects.filter(code=code).exists():
            return code


def _check_venue_unit(unit: AdminUnit) -> None:
    if unit.level not in (AdminUnit.Level.COMMUNE, AdminUnit.Level.VILLAGE):
        raise ValidationError({"unit": _("A venue lies in a commune or a village.")})


def _check_venue_fields(values: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    if not str(values.get("name") or "").strip():
        errors["name"] = _("Give the venue a name.")
    if values.get("kind") not in VenueKind.values:
        errors["kind"] = _("Choose the kind of venue.")
    stay = values.get("default_stay_minutes")
    max_minutes = int(rules.in_force().max_stay.total_seconds() // 60)
    if stay is not None and not 1 <= int(stay) <= max_minutes:
        errors["default_stay_minutes"] = _(
            "The default stay must be between 1 and %(max)d minutes."
        ) % {"max": max_minutes}
    capacity = values.get("capacity")
    if capacity is not None and not 1 <= int(capacity) <= MAX_VENUE_CAPACITY:
        errors["capacity"] = _("The capacity must be between 1 and %(max)s people.") % {
            "max": f"{MAX_VENUE_CAPACITY:,}".replace(",", ".")
        }
    if errors:
        raise ValidationError(errors)


def _commune_of(unit: AdminUnit) -> AdminUnit:
    if unit.level == AdminUnit.Level.VILLAGE and unit.parent is not None:
        return unit.parent
    return unit


@transaction.atomic
def register_venue(
    *,
    actor: Any,
    unit: AdminUnit,
    name: str,
    kind: str,
    code: str = "",
    is_synthetic: bool = False,
    **details: Any,
) -> Venue:
    """An official registers a venue in their area; it is active at once."""
    require_unit(actor, "venues.add_venue", unit.path)
    _check_venue_unit(unit)
    unknown = set(details) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"unknown venue fields {sorted(unknown)}")
    values = {"name": name.strip(), "kind": kind, **details}
    _check_venue_fields(values)
    code = (code or "").strip().upper() or new_venue_code()
    if not VENUE_CODE_RE.fullmatch(code):
        raise ValidationError({"code": _("A code has 3 to 16 letters, digits or dashes.")})
    if Venue.objects.filter(code=code).exists():
        raise ValidationError({"code": _("The code %(code)s is taken.") % {"code": code}})
    now = timezone.now()
    venue = Venue.objects.create(
        unit=unit,
        code=code,
        status=Venue.Status.ACTIVE,
        registered_by=actor if getattr(actor, "pk", None) else None,
        approved_by=actor if getattr(actor, "pk", None) else None,
        approved_at=now,
        is_synthetic=is_synthetic,
        **values,
    )
    audit.record(
        actor=actor,
        verb="register_venue",
        target=venue,
        unit_path=unit.path,
        changes=audit.diff({}, audit.snapshot(venue, VENUE_FIELDS)),
    )
    return venue


@transaction.atomic
def submit_venue(*, actor: Any, unit: AdminUnit, name: str, kind: str, **details: Any) -> Venue:
    """An owner asks to register a venue (from the public form, or logged in as venue
    staff). It waits for the commune's approval; a logged-in owner becomes its owner."""
    _check_venue_unit(unit)
    if not AdminUnit.objects.current().filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("This unit no longer exists.")})
    unknown = set(details) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"unknown venue fields {sorted(unknown)}")
    values = {"name": name.strip(), "kind": kind, **details}
    _check_venue_fields(values)
    user = actor if getattr(actor, "pk", None) else None
    venue = Venue.objects.create(
        unit=unit,
        code=new_venue_code(),
        status=Venue.Status.PENDING,
        registered_by=user,
        **values,
    )
    if user is not None and scope_of(user).has_perm("venues.own_venue"):
        VenueMember.objects.create(venue=venue, user=user, is_owner=True)
    audit.record(
        actor=actor,
        verb="submit_venue",
        target=venue,
        unit_path=unit.path,
        changes=audit.diff({}, audit.snapshot(venue, VENUE_FIELDS)),
    )
    return venue


def _require_official(actor: Any, venue: Venue, perm: str = "venues.change_venue") -> None:
    """Approving, closing and editing are for officials of the venue's area, not owners."""
    require_unit(actor, perm, venue.unit.path, "change")


@transaction.atomic
def approve_venue(
    *,
    actor: Any,
    venue: Venue,
    owner_username: str = "",
    owner_password: str | None = None,
) -> tuple[Venue, Any, str | None]:
    """The commune approves a registration: the venue becomes active, and when the owner
    has no account yet and a username is given, a venue-staff account is created for them
    (its initial password is returned once). Returns (venue, owner user or None, password)."""
    from vungxanh.accounts.actions import create_user

    venue = Venue.objects.select_for_update().select_related("unit").get(pk=venue.pk)
    _require_official(actor, venue)
    if venue.status != Venue.Status.PENDING:
        raise ValidationError(_("Only a venue waiting for approval can be approved."))
    before = audit.snapshot(venue, VENUE_FIELDS)
    venue.status = Venue.Status.ACTIVE
    venue.approved_by = actor if getattr(actor, "pk", None) else None
    venue.approved_at = timezone.now()
    venue.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    owner = None
    password = None
    owner_member = venue.members.filter(is_owner=True, is_active=True).select_related("user")
    existing = owner_member.first()
    if existing is not None:
        owner = existing.user
    elif owner_username.strip():
        commune = _commune_of(venue.unit)
        owner, password = create_user(
            actor=actor,
            username=owner_username.strip(),
            role="venue_staff",
            unit=commune,
            write_unit=commune,
            full_name=venue.owner_name,
            email=venue.owner_email,
            phone=venue.owner_phone,
            organisation=venue.name,
            password=owner_password,
        )
        VenueMember.objects.create(venue=venue, user=owner, is_owner=True)
    audit.record(
        actor=actor,
        verb="approve_venue",
        target=venue,
        unit_path=venue.unit.path,
        changes=audit.diff(before, audit.snapshot(venue, VENUE_FIELDS)),
        extra={"owner": owner.get_username() if owner is not None else None},
    )
    return venue, owner, password


@transaction.atomic
def set_venue_status(*, actor: Any, venue: Venue, status: str, reason: str = "") -> Venue:
    """Close a venue (or refuse a registration), or reopen it."""
    venue = Venue.objects.select_for_update().select_related("unit").get(pk=venue.pk)
    _require_official(actor, venue)
    if status not in (Venue.Status.ACTIVE, Venue.Status.INACTIVE):
        raise ValidationError(_("A venue can be set active or inactive."))
    before = audit.snapshot(venue, VENUE_FIELDS)
    venue.status = status
    venue.save(update_fields=["status", "updated_at"])
    changes = audit.diff(before, audit.snapshot(venue, VENUE_FIELDS))
    if changes:
        audit.record(
            actor=actor,
            verb="set_venue_status",
            target=venue,
            unit_path=venue.unit.path,
            changes=changes,
            extra={"reason": reason} if reason else None,
        )
    return venue


@transaction.atomic
def update_venue(*, actor: Any, venue: Venue, **fields: Any) -> Venue:
    venue = Venue.objects.select_for_update().select_related("unit").get(pk=venue.pk)
    _require_official(actor, venue)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"cannot update {sorted(unknown)}")
    if "unit" in fields:
        _check_venue_unit(fields["unit"])
        require_unit(actor, "venues.change_venue", fields["unit"].path, "change")
    before = audit.snapshot(venue, VENUE_FIELDS)
    for name, value in fields.items():
        setattr(venue, name, value)
    _check_venue_fields({f: getattr(venue, f) for f in ("name", "kind", "default_stay_minutes")})
    venue.save()
    changes = audit.diff(before, audit.snapshot(venue, VENUE_FIELDS))
    if changes:
        audit.record(
            actor=actor,
            verb="update_venue",
            target=venue,
            unit_path=venue.unit.path,
            changes=changes,
        )
    return venue


@transaction.atomic
def reissue_qr(*, actor: Any, venue: Venue) -> Venue:
    """Revoke the venue's QR code and issue a new one: old posters stop working."""
    venue = Venue.objects.select_for_update().select_related("unit").get(pk=venue.pk)
    require(actor, venue, "change")  # officials of the area, or the venue's owner
    before = audit.snapshot(venue, ["qr_key_version"])
    venue.qr_key_version += 1
    venue.save(update_fields=["qr_key_version", "updated_at"])
    audit.record(
        actor=actor,
        verb="reissue_qr",
        target=venue,
        unit_path=venue.unit.path,
        changes=audit.diff(before, audit.snapshot(venue, ["qr_key_version"])),
    )
    return venue


@transaction.atomic
def add_venue_staff(
    *,
    actor: Any,
    venue: Venue,
    username: str,
    full_name: str,
    phone: str = "",
    is_owner: bool = False,
    password: str | None = None,
) -> tuple[Any, str]:
    """An official gives a venue a staff (or owner) account that can scan visitors."""
    from vungxanh.accounts.actions import create_user

    venue = Venue.objects.select_for_update().select_related("unit").get(pk=venue.pk)
    _require_official(actor, venue)
    commune = _commune_of(venue.unit)
    user, raw_password = create_user(
        actor=actor,
        username=username,
        role="venue_staff",
        unit=commune,
        write_unit=commune,
        full_name=full_name,
        phone=phone,
        organisation=venue.name,
        password=password,
    )
    VenueMember.objects.create(venue=venue, user=user, is_owner=is_owner)
    audit.record(
        actor=actor,
        verb="add_venue_staff",
        target=venue,
        unit_path=venue.unit.path,
        extra={"user": user.get_username(), "owner": is_owner},
    )
    return user, raw_password


@transaction.atomic
def add_venue_member(*, actor: Any, venue: Venue, user: Any, is_owner: bool = False) -> VenueMember:
    """Tie an existing venue-staff account to one more venue."""
    venue = Venue.objects.select_for_update().select_related("unit").get(pk=venue.pk)
    _require_official(actor, venue)
    if not scope_of(user).has_perm("venues.own_venue"):
        raise ValidationError(_("Only venue-staff accounts can be members of a venue."))
    member, created = VenueMember.objects.get_or_create(
        venue=venue, user=user, defaults={"is_owner": is_owner}
    )
    if not created and (not member.is_active or member.is_owner != is_owner):
        member.is_active = True
        member.is_owner = is_owner
        member.save(update_fields=["is_active", "is_owner"])
    audit.record(
        actor=actor,
        verb="add_venue_member",
        target=venue,
        unit_path=venue.unit.path,
        extra={"user": user.get_username(), "owner": is_owner},
    )
    return member


# --- check-in rules ----------------------------------------------------------------------------


@transaction.atomic
def create_rule_set(
    *,
    actor: Any,
    name: str,
    valid_from: datetime.datetime,
    max_stay_minutes: int,
    retention_days: int,
    clock_skew_minutes: int = rules.DEFAULT_CLOCK_SKEW_MINUTES,
    default_stays: Mapping[str, int] | None = None,
    decision: str = "",
) -> CheckInRuleSet:
    """A new version of the check-in rules (province level), in force from ``valid_from``."""
    province = AdminUnit.objects.filter(level=AdminUnit.Level.PROVINCE).order_by("path").first()
    require_unit(actor, "venues.add_checkinruleset", province.path if province else "/", "add")
    errors: dict[str, str] = {}
    if valid_from < timezone.now() - datetime.timedelta(minutes=1):
        errors["valid_from"] = _("A new rule set cannot take effect in the past.")
    if not 1 <= max_stay_minutes <= LONGEST_STAY_LIMIT_MINUTES:
        errors["max_stay_minutes"] = _(
            "The longest stay must be between 1 and %(max)d minutes (8 hours)."
        ) % {"max": LONGEST_STAY_LIMIT_MINUTES}
    if not 1 <= retention_days <= 366:
        errors["retention_days"] = _("Keep check-ins between 1 and 366 days.")
    stays = {k: int(v) for k, v in (default_stays or {}).items()}
    bad = [
        k for k, v in stays.items() if k not in VenueKind.values or not 1 <= v <= max_stay_minutes
    ]
    if bad:
        errors["default_stays"] = _(
            "Each default stay needs a known venue kind and at most the longest stay: %(kinds)s."
        ) % {"kinds": ", ".join(sorted(bad))}
    if CheckInRuleSet.objects.filter(name=name).exists():
        errors["name"] = _("A rule set with this name exists.")
    if errors:
        raise ValidationError(errors)
    ruleset = CheckInRuleSet.objects.create(
        name=name,
        valid_from=valid_from,
        max_stay_minutes=max_stay_minutes,
        retention_days=retention_days,
        clock_skew_minutes=clock_skew_minutes,
        default_stays=stays or dict(rules.DEFAULT_STAYS),
        decision=decision,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor=actor,
        verb="create_checkin_rules",
        target=ruleset,
        unit_path=province.path if province else "",
        extra={
            "valid_from": valid_from,
            "max_stay_minutes": max_stay_minutes,
            "retention_days": retention_days,
        },
    )
    transaction.on_commit(rules.clear_cache)
    return ruleset


# --- check-ins: shared rules -----------------------------------------------------------------

REASONS = {
    "invalid": gettext_lazy("The item is not a valid check-in."),
    "unknown_venue": gettext_lazy("Unknown venue code %(code)s."),
    "inactive_venue": gettext_lazy(
        "The venue %(code)s does not accept check-ins (waiting for approval or closed)."
    ),
    "unknown_person": gettext_lazy("The person could not be identified."),
    "future": gettext_lazy(
        "The time %(time)s is in the future (more than %(skew)d minutes ahead of the server clock)."
    ),
    "too_old": gettext_lazy(
        "The check-in time %(time)s is older than the %(days)d-day retention window."
    ),
    "checkout_before_checkin": gettext_lazy(
        "The check-out %(check_out)s is before the check-in %(check_in)s."
    ),
    "stay_too_long": gettext_lazy(
        "A stay of %(minutes)d minutes is longer than the maximum of %(max)d minutes."
    ),
    "conflict": gettext_lazy(
        "Another check-in was already recorded with this uuid (different venue, person or time)."
    ),
}


class CheckInRefused(ValidationError):
    """A check-in we will not store; ``reason`` is a stable code, the message is for people."""

    def __init__(self, reason: str, message: str | None = None, **params: Any) -> None:
        text = message if message is not None else str(REASONS[reason]) % params
        super().__init__(text, code=reason)
        self.reason = reason
        self.text = text


def _local(value: datetime.datetime) -> str:
    """``dd/mm/yyyy hh:mm`` in local time, for messages. Total: a moment at the edge of the
    calendar (year 1 or 9999) that local time cannot represent is shown in its own offset."""
    with contextlib.suppress(OverflowError, ValueError):
        value = timezone.localtime(value)
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d} {value.hour:02d}:{value.minute:02d}"


def plan_times(
    venue: Venue | VenueFacts,
    check_in: datetime.datetime,
    check_out: datetime.datetime | None,
    now: datetime.datetime,
) -> tuple[datetime.datetime, bool]:
    """Check the times of a check-in against the rules; return the check-out to store and
    whether it is automatic. Raises :class:`CheckInRefused`."""
    current = rules.in_force(now)
    if check_in > now + current.clock_skew:
        raise CheckInRefused(
            "future",
            time=_local(check_in),
            skew=int(current.clock_skew.total_seconds() // 60),
        )
    if check_in < now - current.retention:
        raise CheckInRefused("too_old", time=_local(check_in), days=current.retention_days)
    at_checkin = rules.in_force(check_in)
    if check_out is None:
        stay = at_checkin.default_stay(venue.kind, venue.default_stay_minutes)
        return check_in + stay, True
    if check_out < check_in:
        raise CheckInRefused(
            "checkout_before_checkin", check_out=_local(check_out), check_in=_local(check_in)
        )
    if check_out > now + current.clock_skew:
        raise CheckInRefused(
            "future", time=_local(check_out), skew=int(current.clock_skew.total_seconds() // 60)
        )
    if check_out - check_in > at_checkin.max_stay:
        raise CheckInRefused(
            "stay_too_long",
            minutes=int((check_out - check_in).total_seconds() // 60),
            max=int(at_checkin.max_stay.total_seconds() // 60),
        )
    return check_out, False


def may_record_at(actor: Any, venue: Venue, member_venue_ids: Iterable[int] | None = None) -> bool:
    """Officials with write scope over the venue's unit, or venue staff of that venue."""
    scope = scope_of(actor)
    if scope.covers("venues.add_checkin", "add", venue.unit.path):
        return True
    if not scope.has_perm(OWN_SCAN) or scope.user_id is None:
        return False
    if member_venue_ids is not None:
        return venue.pk in set(member_venue_ids)
    return VenueMember.objects.filter(
        venue_id=venue.pk, user_id=scope.user_id, is_active=True
    ).exists()


def _rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run one of the upload path's own statements on Django's connection (inside the
    caller's transaction) and return its rows. On PostgreSQL the statement is bound on the
    server and prepared once per connection, so that the thousand-a-second path skips
    parsing and planning (Django's own cursor binds on the client and never prepares).
    Behind a transaction-pooling proxy, PgBouncer needs max_prepared_statements set.
    These statements do not appear in ``connection.queries`` (DEBUG) or
    CaptureQueriesContext: they bypass Django's cursor wrapper."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    # The PostgreSQL statements use %b placeholders and read binary results: psycopg then
    # sends arrays of timestamps and UUIDs without formatting and quoting every element
    # (a 500-row insert: 15 µs less Python per check-in).
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    # Django turns automatic preparing off (prepare_threshold None), which also ignores an
    # explicit prepare=True; allow it for this statement only (Django's own cursors bind on
    # the client and never prepare, whatever the threshold).
    threshold, raw.prepare_threshold = raw.prepare_threshold, 2**31 - 1
    try:
        with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
            cursor.execute(sql, params, prepare=True, binary=True)
            return cursor.fetchall()
    finally:
        raw.prepare_threshold = threshold


@dataclass(frozen=True, slots=True)
class VenueFacts:
    """What a check-in upload needs of its venue (no more is read on that path)."""

    pk: int
    code: str
    status: str
    kind: str
    default_stay_minutes: int | None
    unit_path: str


@dataclass
class UploadLookup:
    venues: dict[str, VenueFacts] = field(default_factory=dict)  # by code
    persons: dict[uuid_module.UUID, int] = field(default_factory=dict)  # current, by public id
    member_venue_ids: set[int] = field(default_factory=set)  # venues the uploader works for


def lookup_for_upload(
    *,
    codes: Iterable[str],
    person_ids: Iterable[uuid_module.UUID] = (),
    member_user_id: int | None = None,
) -> UploadLookup:
    """Everything an upload checks, read in one query whatever the batch size: the venues
    it names (with their unit path), the current (not merged) persons whose personal QR
    was scanned, and which of those venues ``member_user_id`` actively works for. Raw SQL
    because this runs once per check-in request at a thousand requests a second; the
    tests compare it with the ORM."""
    # A code with a NUL character names no venue (and PostgreSQL refuses NUL in text).
    codes = [code for code in set(codes) if "\x00" not in code]
    person_ids = list(set(person_ids))
    found = UploadLookup()
    if not codes and not person_ids:
        return found
    pg = connection.vendor == "postgresql"
    uuid_field = Person._meta.get_field("public_id")
    venue_t = Venue._meta.db_table
    unit_t = AdminUnit._meta.db_table
    person_t = Person._meta.db_table
    member_t = VenueMember._meta.db_table

    def any_of(column: str, values: list[Any], cast: str) -> tuple[str, list[Any]]:
        # One value (a single check-in) is compared as a scalar: PostgreSQL then reuses
        # one generic plan of the prepared statement instead of planning every time.
        if len(values) == 1:
            return (f"{column} = %b::{cast}" if pg else f"{column} = %s"), values
        if pg:
            return f"{column} = ANY(%b::{cast}[])", [values]
        return f"{column} IN ({', '.join(['%s'] * len(values))})", values

    null_uuid = "NULL::uuid" if pg else "NULL"
    ph = "%b" if pg else "%s"  # see _rows
    parts: list[str] = []
    params: list[Any] = []
    if codes:
        where, args = any_of("v.code", codes, "varchar")
        # The unit path as a scalar subquery, not a join: the prepared (generic) plan of a
        # join hash-joined every unit; this one probes the unit's primary key per venue.
        parts.append(
            "SELECT 1, v.id, v.code, v.status, v.kind, v.default_stay_minutes, "  # noqa: S608
            f"(SELECT u.path FROM {unit_t} u WHERE u.id = v.unit_id), {null_uuid} "
            f"FROM {venue_t} v WHERE {where}"
        )
        params += args
        if member_user_id is not None:
            where, args = any_of("v.code", codes, "varchar")
            parts.append(
                "SELECT 3, m.venue_id, NULL, NULL, NULL, NULL, NULL, "  # noqa: S608
                f"{null_uuid} FROM {member_t} m INNER JOIN {venue_t} v ON v.id = m.venue_id "
                f"WHERE m.user_id = {ph} AND m.is_active = {ph} AND {where}"
            )
            params += [member_user_id, True, *args]
    if person_ids:
        prepared = (
            person_ids if pg else [uuid_field.get_db_prep_value(v, connection) for v in person_ids]
        )
        where, args = any_of("p.public_id", prepared, "uuid")
        parts.append(
            f"SELECT 2, p.id, NULL, NULL, NULL, NULL, NULL, p.public_id FROM {person_t} p "  # noqa: S608
            f"WHERE {where} AND p.merged_into_id IS NULL"
        )
        params += args
    for kind, pk, code, status, venue_kind, stay, path, public_id in _rows(
        " UNION ALL ".join(parts), params
    ):
        if kind == 1:
            found.venues[code] = VenueFacts(pk, code, status, venue_kind, stay, path)
        elif kind == 2:
            if not isinstance(public_id, uuid_module.UUID):
                public_id = uuid_field.to_python(public_id)
            found.persons[public_id] = pk
        else:
            found.member_venue_ids.add(pk)
    return found


@dataclass
class Row:
    venue_id: int
    person_id: int
    check_in: datetime.datetime
    check_out: datetime.datetime
    automatic: bool
    source: str
    uuid: uuid_module.UUID
    recorded_by_id: int | None
    created_at: datetime.datetime


_COLUMNS = (
    "venue_id, person_id, check_in, check_out, checkout_is_automatic, source, uuid, "
    "recorded_by_id, created_at"
)


def insert_rows(rows: Sequence[Row]) -> set[uuid_module.UUID]:
    """Insert check-ins, skipping any whose uuid is already stored (a retry, or the same
    upload racing in another request). Returns the uuids actually inserted. The one place
    with raw SQL for check-ins: ``INSERT … ON CONFLICT (uuid) DO NOTHING RETURNING``, with
    unnest() arrays on PostgreSQL (one statement of 9 parameters whatever the batch size)."""
    if not rows:
        return set()
    uuid_field = CheckIn._meta.get_field("uuid")
    if connection.vendor == "postgresql" and len(rows) == 1:
        # Scalars for one row: a prepared statement with one generic plan (see _rows).
        r = rows[0]
        returned = _rows(
            f"INSERT INTO venues_checkin ({_COLUMNS}) VALUES (%b::bigint, %b::bigint, "  # noqa: S608
            "%b::timestamptz, %b::timestamptz, %b::boolean, %b::varchar, %b::uuid, "
            "%b::bigint, %b::timestamptz) ON CONFLICT (uuid) DO NOTHING RETURNING uuid",
            [
                r.venue_id,
                r.person_id,
                r.check_in,
                r.check_out,
                r.automatic,
                r.source,
                r.uuid,
                r.recorded_by_id,
                r.created_at,
            ],
        )
    elif connection.vendor == "postgresql":
        returned = _rows(
            f"INSERT INTO venues_checkin ({_COLUMNS}) "  # noqa: S608 - constant columns
            "SELECT * FROM unnest(%b::bigint[], %b::bigint[], %b::timestamptz[], "
            "%b::timestamptz[], %b::boolean[], %b::varchar[], %b::uuid[], %b::bigint[], "
            "%b::timestamptz[]) ON CONFLICT (uuid) DO NOTHING RETURNING uuid",
            [
                [r.venue_id for r in rows],
                [r.person_id for r in rows],
                [r.check_in for r in rows],
                [r.check_out for r in rows],
                [r.automatic for r in rows],
                [r.source for r in rows],
                [r.uuid for r in rows],
                [r.recorded_by_id for r in rows],
                [r.created_at for r in rows],
            ],
        )
    else:
        dt_field = CheckIn._meta.get_field("check_in")
        params: list[Any] = []
        for r in rows:
            params += [
                r.venue_id,
                r.person_id,
                dt_field.get_db_prep_value(r.check_in, connection),
                dt_field.get_db_prep_value(r.check_out, connection),
                r.automatic,
                r.source,
                uuid_field.get_db_prep_value(r.uuid, connection),
                r.recorded_by_id,
                dt_field.get_db_prep_value(r.created_at, connection),
            ]
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
        returned = _rows(
            f"INSERT INTO venues_checkin ({_COLUMNS}) VALUES {values} "  # noqa: S608
            "ON CONFLICT (uuid) DO NOTHING RETURNING uuid",
            params,
        )
    return {
        value if isinstance(value, uuid_module.UUID) else uuid_field.to_python(value)
        for (value,) in returned
    }


def _common_path(paths: Iterable[str]) -> str:
    parts_list = [p.strip("/").split("/") for p in paths if p]
    if not parts_list:
        return ""
    common: list[str] = []
    for group in zip(*parts_list, strict=False):
        if len(set(group)) != 1:
            break
        common.append(group[0])
    return "/" + "/".join(common) + "/" if common else ""


# --- check-ins: one person, from the resident page or a staff scan -----------------------------


@dataclass(frozen=True)
class CheckInOutcome:
    checkin: CheckIn
    created: bool  # False: a retry, or the person was already inside this venue
    closed_previous: CheckIn | None = None


def _open_visit(person: Person, now: datetime.datetime) -> CheckIn | None:
    return (
        CheckIn.objects.filter(
            person=person, check_in__gte=now - rules.max_stay(), check_out__gt=now
        )
        .select_related("venue")
        .order_by("-check_in")
        .first()
    )


@transaction.atomic
def check_in(
    *,
    actor: Any,
    venue: Venue,
    person: Person,
    source: str,
    venue_token: str = "",
    client_uuid: uuid_module.UUID | None = None,
    now: datetime.datetime | None = None,
) -> CheckInOutcome:
    """Check a person in now. Residents check themselves in (``actor`` None, source
    resident_scan) with the token of the venue's QR code they scanned (``venue_token``, the
    last part of ``/q/<code>/<token>/``), verified here: without a genuine token of the
    venue's current QR the check-in is refused (``venue_qr``). Staff and officials check
    visitors in at venues they may record for. Retrying with the same ``client_uuid`` and
    tapping twice at the same venue never make a second row; checking in elsewhere ends the
    open visit."""
    now = now or timezone.now()
    venue = Venue.objects.select_related("unit").get(pk=venue.pk)
    if source == CheckIn.Source.RESIDENT_SCAN:
        if actor is not None and getattr(actor, "pk", None) is not None:
            raise ValueError("a resident checks themselves in: actor must be None")
        try:
            scanned = verify_venue(venue.code, venue_token, require_active=False)
        except QrError as exc:
            raise CheckInRefused("venue_qr", exc.message) from exc
        if scanned.pk != venue.pk:
            raise CheckInRefused("venue_qr", QrError("tampered").message)
    elif not may_record_at(actor, venue):
        raise OutOfScope()
    if venue.status != Venue.Status.ACTIVE:
        raise CheckInRefused("inactive_venue", code=venue.code)
    client_uuid = client_uuid or uuid_module.uuid4()
    existing = CheckIn.objects.filter(uuid=client_uuid).select_related("venue").first()
    if existing is not None:
        if existing.person_id != person.pk or existing.venue_id != venue.pk:
            raise CheckInRefused("conflict")
        return CheckInOutcome(existing, created=False)
    # One visit at a time: lock the person's row so that two taps cannot both open a visit.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    open_visit = _open_visit(person, now)
    if open_visit is not None and open_visit.venue_id == venue.pk:
        return CheckInOutcome(open_visit, created=False)
    closed = None
    if open_visit is not None:
        open_visit.check_out = max(open_visit.check_in, now)
        open_visit.save(update_fields=["check_out"])
        closed = open_visit
    check_out, automatic = plan_times(venue, now, None, now)
    recorder = actor if getattr(actor, "pk", None) else None
    insert_rows(
        [
            Row(
                venue_id=venue.pk,
                person_id=person.pk,
                check_in=now,
                check_out=check_out,
                automatic=automatic,
                source=source,
                uuid=client_uuid,
                recorded_by_id=recorder.pk if recorder else None,
                created_at=now,
            )
        ]
    )
    checkin = CheckIn.objects.select_related("venue").get(uuid=client_uuid)
    if checkin.person_id != person.pk or checkin.venue_id != venue.pk:
        raise CheckInRefused("conflict")
    audit.record(
        actor=actor,
        verb="check_in",
        target=checkin,
        target_label=venue.name,
        unit_path=venue.unit.path,
        extra={
            "source": source,
            "venue": venue.code,
            "closed_previous": closed.pk if closed else None,
        },
    )
    return CheckInOutcome(checkin, created=True, closed_previous=closed)


@transaction.atomic
def check_out(
    *,
    actor: Any,
    checkin: CheckIn,
    person: Person | None = None,
    now: datetime.datetime | None = None,
) -> CheckIn:
    """End a visit now (never before it began, never beyond the longest stay). A visit whose
    automatic check-out has already come is over: checking out later changes nothing (it
    must not stretch the visit, and with it the exposure windows of tracing). Residents
    pass the person remembered on their device; staff need the right to record there."""
    now = now or timezone.now()
    checkin = CheckIn.objects.select_for_update().select_related("venue__unit").get(pk=checkin.pk)
    if person is not None:
        if checkin.person_id != person.pk:
            raise OutOfScope()
    elif not may_record_at(actor, checkin.venue):
        raise OutOfScope()
    if not checkin.checkout_is_automatic:
        return checkin  # already checked out by hand: pressing again changes nothing
    if checkin.check_out <= now:
        return checkin  # the automatic check-out has passed: the visit ended then
    before = audit.snapshot(checkin, ["check_out", "checkout_is_automatic"])
    limit = checkin.check_in + rules.in_force(checkin.check_in).max_stay
    checkin.check_out = max(checkin.check_in, min(now, limit))
    checkin.checkout_is_automatic = False
    checkin.save(update_fields=["check_out", "checkout_is_automatic"])
    audit.record(
        actor=actor,
        verb="check_out",
        target=checkin,
        target_label=checkin.venue.name,
        unit_path=checkin.venue.unit.path,
        changes=audit.diff(before, audit.snapshot(checkin, ["check_out", "checkout_is_automatic"])),
    )
    return checkin


#: How many merges a personal QR follows (a merge of a merged record is unusual).
MAX_MERGE_HOPS = 5


def current_person(public_id: uuid_module.UUID) -> Person | None:
    """The current record of the person with ``public_id``: itself, or the record it was
    merged into (a personal QR shown from an older record keeps working after a merge)."""
    person = Person.objects.filter(public_id=public_id).first()
    hops = 0
    while person is not None and person.merged_into_id is not None and hops < MAX_MERGE_HOPS:
        person = Person.objects.filter(pk=person.merged_into_id).first()
        hops += 1
    if person is None or person.merged_into_id is not None:
        return None
    return person


#: Chip ID card QRs whose name or date of birth disagree with the record of their number
#: (``card_mismatch``), per user and hour, on the staff scan page and the upload API
#: together. Past this many the user's ID card scans are refused until the hour is over
#: (``card_limit``): staff must not find out, by trying, the name behind a number.
CARD_MISMATCHES = ratelimit.Limit("venues-card-mismatch", 20, 3600)


class CardScans:
    """What is left of one user's :data:`CARD_MISMATCHES` allowance (read once, then
    counted down as mismatches are recorded). Actors without a user (the system) have no
    limit."""

    def __init__(self, actor: Any) -> None:
        user_id = scope_of(actor).user_id
        self.who = f"user:{user_id}" if user_id is not None else ""
        self.left: int | None = None

    def check(self) -> None:
        """Raise ``card_limit`` when the user may scan no more ID cards this hour."""
        if not self.who:
            return
        if self.left is None:
            self.left = ratelimit.remaining(CARD_MISMATCHES, self.who)
        if self.left <= 0:
            raise ValidationError(
                _(
                    "Too many ID card QR codes that do not match their records were scanned "
                    "from your account in the last hour, so ID card scans are paused for up "
                    "to an hour. Scan the visitor's personal QR code, or ask them to scan the "
                    "venue's QR code."
                ),
                code="card_limit",
            )

    def mismatch(self) -> None:
        """Count one ID card that did not agree with the record of its number."""
        if not self.who:
            return
        ratelimit.hit(CARD_MISMATCHES, self.who)
        left = CARD_MISMATCHES.limit if self.left is None else self.left
        self.left = max(0, left - 1)


def person_from_scan(
    *, actor: Any, text: str, venue: Venue, cards: CardScans | None = None
) -> tuple[Person, str]:
    """The person a scanned QR names (a personal QR, or a chip ID card QR, which creates
    the person when unknown) and the check-in source it means. Raises ValidationError;
    an ID card QR is refused at once (``card_limit``) when the actor has scanned too many
    that did not match (``cards``: :class:`CardScans`; callers record the mismatches)."""
    try:
        personal = parse_person_qr(text)
    except QrError as exc:
        raise ValidationError(exc.message, code="bad_qr") from exc
    if personal is not None:
        person = current_person(personal.public_id)
        if person is None:
            raise ValidationError(
                _("This personal QR code belongs to no current record."), code="unknown_person"
            )
        return person, CheckIn.Source.STAFF_SCAN
    if "|" not in text:
        raise ValidationError(
            _("This is neither a personal QR code nor the QR code of a chip ID card."),
            code="bad_qr",
        )
    (cards or CardScans(actor)).check()
    try:
        card = parse_cccd_qr(text)
    except IdentityError as exc:
        raise ValidationError(str(exc), code="bad_qr") from exc
    person, _created = residents.identify_from_cccd_qr(
        actor=actor,
        qr=card,
        province=_province_of(venue),
        venue_unit=venue.unit,
        source="cccd_qr",
    )
    return person, CheckIn.Source.CCCD_QR


def check_in_scanned(
    *,
    actor: Any,
    venue: Venue,
    text: str,
    client_uuid: uuid_module.UUID | None = None,
    now: datetime.datetime | None = None,
) -> CheckInOutcome:
    """Venue staff scanned a visitor's personal QR or chip ID card QR. The identification
    and the check-in are one transaction; an ID card that does not match the record of its
    number is counted against the user (:data:`CARD_MISMATCHES`) after that transaction
    was rolled back, so that the count stays."""
    cards = CardScans(actor)
    try:
        return _check_in_scanned(
            actor=actor, venue=venue, text=text, cards=cards, client_uuid=client_uuid, now=now
        )
    except ValidationError as exc:
        if getattr(exc, "code", None) == "card_mismatch":
            cards.mismatch()
        raise


@transaction.atomic
def _check_in_scanned(
    *,
    actor: Any,
    venue: Venue,
    text: str,
    cards: CardScans,
    client_uuid: uuid_module.UUID | None,
    now: datetime.datetime | None,
) -> CheckInOutcome:
    venue = Venue.objects.select_related("unit").get(pk=venue.pk)
    if not may_record_at(actor, venue):
        raise OutOfScope()
    person, source = person_from_scan(actor=actor, text=text, venue=venue, cards=cards)
    return check_in(
        actor=actor, venue=venue, person=person, source=source, client_uuid=client_uuid, now=now
    )


# --- check-ins: uploads through the API ----------------------------------------------------------


@dataclass
class ItemResult:
    index: int
    uuid: str | None
    status: str  # created, duplicate, checked_out, refused
    reason: str = ""
    message: str = ""
    check_out: datetime.datetime | None = None
    automatic: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "uuid": self.uuid, "status": self.status}
        if self.status == "refused":
            out["reason"] = self.reason
            out["message"] = self.message
        else:
            out["check_out"] = self.check_out.isoformat() if self.check_out else None
            out["checkout_is_automatic"] = self.automatic
        return out


@dataclass
class _Plan:
    index: int
    uuid: uuid_module.UUID
    venue_code: str
    check_in: datetime.datetime
    check_out: datetime.datetime | None
    person_id: uuid_module.UUID | None = None
    qr: str = ""
    person_pk: int | None = None
    row: Row | None = None
    source: str = CheckIn.Source.API
    errors: list[str] = field(default_factory=list)


#: Check-in and check-out times outside these years are refused as invalid.
YEARS = (2000, 2100)


def _parse_time(value: Any, name: str) -> datetime.datetime:
    if not isinstance(value, str) or not value.strip():
        raise CheckInRefused(
            "invalid",
            _("%(field)s must be a date-time such as 2021-10-20T08:30:00+07:00.") % {"field": name},
        )
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise CheckInRefused(
            "invalid",
            _("%(field)s “%(value)s” is not a date-time such as 2021-10-20T08:30:00+07:00.")
            % {"field": name, "value": value[:40]},
        )
    if not YEARS[0] <= parsed.year <= YEARS[1]:
        # Dates at the edge of the calendar (0001-01-01, 9999-12-31) cannot even be moved to
        # local time; no device clock that is set at all is that far off.
        raise CheckInRefused(
            "invalid",
            _("%(field)s “%(value)s” is not between the years %(first)d and %(last)d.")
            % {"field": name, "value": value[:40], "first": YEARS[0], "last": YEARS[1]},
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)  # local time of the deployment (Asia/Ho_Chi_Minh)
    return parsed


def _parse_item(index: int, raw: Any) -> _Plan:
    if not isinstance(raw, Mapping):
        raise CheckInRefused("invalid", _("Each item must be an object."))
    try:
        client_uuid = uuid_module.UUID(str(raw.get("uuid") or ""))
    except ValueError:
        raise CheckInRefused(
            "invalid", _("uuid is required: a UUID made by the device for this check-in.")
        ) from None
    code = raw.get("venue")
    if not isinstance(code, str) or not code.strip():
        raise CheckInRefused("invalid", _("venue is required: the venue's code."))
    person_value = raw.get("person")
    qr = raw.get("qr")
    person_id = None
    if person_value:
        try:
            person_id = uuid_module.UUID(str(person_value))
        except ValueError:
            raise CheckInRefused("invalid", _("person must be the id of a person.")) from None
    if person_id is None and not (isinstance(qr, str) and qr.strip()):
        raise CheckInRefused(
            "invalid",
            _("Name the person: person (their id) or qr (a personal or ID card QR text)."),
        )
    check_in_at = _parse_time(raw.get("check_in"), "check_in")
    check_out_raw = raw.get("check_out")
    check_out_at = _parse_time(check_out_raw, "check_out") if check_out_raw else None
    return _Plan(
        index=index,
        uuid=client_uuid,
        venue_code=code.strip().upper(),
        check_in=check_in_at,
        check_out=check_out_at,
        person_id=person_id,
        qr=qr.strip() if isinstance(qr, str) else "",
    )


def _refused(index: int, raw: Any, exc: ValidationError) -> ItemResult:
    reason = getattr(exc, "reason", None) or getattr(exc, "code", None) or "invalid"
    text = getattr(exc, "text", None) or " ".join(exc.messages)
    value = raw.get("uuid") if isinstance(raw, Mapping) else None
    return ItemResult(index, str(value) if value else None, "refused", reason, text)


@transaction.atomic
def record_checkins(
    *, actor: Any, items: Sequence[Any], now: datetime.datetime | None = None
) -> list[ItemResult]:
    """Store check-ins uploaded by a device (one or a batch of up to 500), each with the
    device's own uuid. Each item gets a status: created, duplicate (already stored: a
    retry), checked_out (a stored visit got its check-out), or refused with a reason.
    Refusals do not stop the other items; retries never store anything twice."""
    if len(items) > MAX_BATCH:
        raise ValidationError(
            _("At most %(max)d check-ins per request; split the upload.") % {"max": MAX_BATCH}
        )
    now = now or timezone.now()
    results: dict[int, ItemResult] = {}
    plans: list[_Plan] = []
    seen: dict[uuid_module.UUID, int] = {}
    for index, raw in enumerate(items):
        try:
            plan = _parse_item(index, raw)
        except CheckInRefused as exc:
            results[index] = _refused(index, raw, exc)
            continue
        if plan.uuid in seen:
            first = seen[plan.uuid]
            results[index] = ItemResult(index, str(plan.uuid), "duplicate")
            results[index].reason = f"same uuid as item {first}"
            continue
        seen[plan.uuid] = index
        plans.append(plan)

    # Personal QRs are verified (HMAC) before anything is read.
    personal: dict[int, uuid_module.UUID] = {}
    for plan in plans:
        if plan.qr:
            try:
                parsed = parse_person_qr(plan.qr)
            except QrError as exc:
                results[plan.index] = ItemResult(
                    plan.index, str(plan.uuid), "refused", "bad_qr", exc.message
                )
                continue
            if parsed is not None:
                personal[plan.index] = parsed.public_id
    scope = scope_of(actor)
    may_scan = scope.user_id is not None and scope.has_perm(OWN_SCAN)
    found = lookup_for_upload(
        codes={p.venue_code for p in plans if p.index not in results},
        person_ids=personal.values(),
        member_user_id=scope.user_id if may_scan else None,
    )
    wanted_ids = {p.person_id for p in plans if p.person_id}
    by_id: dict[uuid_module.UUID, int] = (
        dict(
            Person.objects.restrict(actor, "view")
            .filter(public_id__in=wanted_ids)
            .values_list("public_id", "pk")
        )
        if wanted_ids
        else {}
    )
    allowed: dict[str, bool] = {}  # venue code -> may the uploader record there
    full_venues: dict[int, Venue] = {}  # loaded only for chip ID card QRs
    cards = CardScans(actor)
    recorder_id = getattr(actor, "pk", None)
    venue_paths: set[str] = set()
    for plan in plans:
        if plan.index in results:
            continue
        try:
            venue = found.venues.get(plan.venue_code)
            if venue is not None and venue.code not in allowed:
                allowed[venue.code] = scope.covers(
                    "venues.add_checkin", "add", venue.unit_path
                ) or (may_scan and venue.pk in found.member_venue_ids)
            if venue is None or not allowed[venue.code]:
                raise CheckInRefused("unknown_venue", code=plan.venue_code)
            if venue.status != Venue.Status.ACTIVE:
                raise CheckInRefused("inactive_venue", code=plan.venue_code)
            if plan.person_id is not None:
                plan.person_pk = by_id.get(plan.person_id)
            elif plan.index in personal:
                plan.person_pk = found.persons.get(personal[plan.index])
                if plan.person_pk is None:  # unknown, or merged into another record
                    merged = current_person(personal[plan.index])
                    plan.person_pk = merged.pk if merged is not None else None
                plan.source = CheckIn.Source.STAFF_SCAN
            else:
                if venue.pk not in full_venues:
                    full_venues[venue.pk] = Venue.objects.select_related("unit").get(pk=venue.pk)
                person, plan.source = person_from_scan(
                    actor=actor, text=plan.qr, venue=full_venues[venue.pk], cards=cards
                )
                plan.person_pk = person.pk
            if plan.person_pk is None:
                raise CheckInRefused("unknown_person")
            check_out_at, automatic = plan_times(venue, plan.check_in, plan.check_out, now)
        except ValidationError as exc:
            if getattr(exc, "code", None) == "card_mismatch":
                cards.mismatch()  # stays: this transaction commits, refusals included
            results[plan.index] = _refused(plan.index, {"uuid": str(plan.uuid)}, exc)
            continue
        plan.row = Row(
            venue_id=venue.pk,
            person_id=plan.person_pk,
            check_in=plan.check_in,
            check_out=check_out_at,
            automatic=automatic,
            source=plan.source,
            uuid=plan.uuid,
            recorded_by_id=recorder_id,
            created_at=now,
        )
        venue_paths.add(venue.unit_path)

    ready = [p for p in plans if p.row is not None and p.index not in results]
    inserted = insert_rows([p.row for p in ready if p.row is not None])
    leftovers = [p for p in ready if p.uuid not in inserted]
    stored = (
        {c.uuid: c for c in CheckIn.objects.filter(uuid__in=[p.uuid for p in leftovers])}
        if leftovers
        else {}
    )
    counts = {"created": 0, "duplicate": 0, "checked_out": 0, "refused": 0}
    for plan in ready:
        row = plan.row
        assert row is not None
        if plan.uuid in inserted:
            results[plan.index] = ItemResult(
                plan.index,
                str(plan.uuid),
                "created",
                check_out=row.check_out,
                automatic=row.automatic,
            )
            continue
        existing = stored.get(plan.uuid)
        if existing is None or (
            existing.venue_id != row.venue_id
            or existing.person_id != row.person_id
            or existing.check_in != row.check_in
        ):
            results[plan.index] = _refused(
                plan.index, {"uuid": str(plan.uuid)}, CheckInRefused("conflict")
            )
            continue
        if existing.checkout_is_automatic and not row.automatic:
            updated = CheckIn.objects.filter(pk=existing.pk, checkout_is_automatic=True).update(
                check_out=row.check_out, checkout_is_automatic=False
            )
            if updated:
                results[plan.index] = ItemResult(
                    plan.index,
                    str(plan.uuid),
                    "checked_out",
                    check_out=row.check_out,
                    automatic=False,
                )
                continue
            existing.refresh_from_db(fields=["check_out", "checkout_is_automatic"])
        results[plan.index] = ItemResult(
            plan.index,
            str(plan.uuid),
            "duplicate",
            check_out=existing.check_out,
            automatic=existing.checkout_is_automatic,
        )
    ordered = [results[i] for i in range(len(items))]
    for r in ordered:
        counts[r.status] = counts.get(r.status, 0) + 1
    audit.record(
        actor=actor,
        verb="record_checkins",
        unit_path=_common_path(venue_paths),
        target_label=_("%(n)d check-ins uploaded") % {"n": len(items)},
        extra={**counts, "items": len(items)},
    )
    return ordered


def _province_of(venue: Venue) -> AdminUnit:
    root = "/" + venue.unit.path.strip("/").split("/")[0] + "/"
    return AdminUnit.objects.get(path=root)


# --- retention -----------------------------------------------------------------------------------


@transaction.atomic
def _delete_batch(cutoff: datetime.datetime, batch_size: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM venues_checkin WHERE id IN "
            "(SELECT id FROM venues_checkin WHERE check_in < %s LIMIT %s)",
            [CheckIn._meta.get_field("check_in").get_db_prep_value(cutoff, connection), batch_size],
        )
        return int(cursor.rowcount)


def purge_checkins(
    *, actor: Any, now: datetime.datetime | None = None, batch_size: int = 200_000
) -> int:
    """Delete every check-in older than the retention window of the rule set in force.
    Deletes in batches, each its own transaction (a purge after a long pause must not hold
    one huge transaction), then records the run (:class:`CheckInPurge`, shown on the
    activity page) and one audit event. Returns the number deleted."""
    if not scope_of(actor).unrestricted:
        raise OutOfScope()  # the scheduled job and operators' command (SYSTEM) only
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    cutoff = rules.retention_cutoff(now)
    deleted = 0
    while True:
        n = _delete_batch(cutoff, batch_size)
        deleted += n
        if n < batch_size:
            break
    with transaction.atomic():
        run = CheckInPurge.objects.create(
            cutoff=cutoff, deleted=deleted, retention_days=rules.in_force(now).retention_days
        )
        audit.record(
            actor=actor,
            verb="purge_checkins",
            target_label=_("check-ins before %(cutoff)s") % {"cutoff": _local(cutoff)},
            extra={"cutoff": cutoff, "deleted": deleted, "retention_days": run.retention_days},
        )
    return deleted


# --- daily counts (derived data) -------------------------------------------------------------


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    end = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    )
    return start, end


@transaction.atomic
def refresh_daily_counts(*, actor: Any, days: Iterable[datetime.date]) -> int:
    """Recount the check-ins of each venue for each local ``day`` (replacing the day's
    rows). Derived aggregates without personal data, recomputed from scratch: the scheduled
    refresh is not written to the audit log. Returns the number of (venue, day) rows."""
    if not scope_of(actor).unrestricted:
        raise OutOfScope()
    dt = CheckIn._meta.get_field("check_in")
    day_field = VenueDailyCount._meta.get_field("day")
    now = timezone.now()
    written = 0
    with connection.cursor() as cursor:
        for day in sorted(set(days)):
            start, end = _day_bounds(day)
            day_value = day_field.get_db_prep_value(day, connection)
            cursor.execute("DELETE FROM venues_venuedailycount WHERE day = %s", [day_value])
            cursor.execute(
                "INSERT INTO venues_venuedailycount (venue_id, day, checkins, refreshed_at) "
                "SELECT venue_id, %s, COUNT(*), %s FROM venues_checkin "
                "WHERE check_in >= %s AND check_in < %s GROUP BY venue_id",
                [
                    day_value,
                    dt.get_db_prep_value(now, connection),
                    dt.get_db_prep_value(start, connection),
                    dt.get_db_prep_value(end, connection),
                ],
            )
            written += max(0, int(cursor.rowcount))
    return written
