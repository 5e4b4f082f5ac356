"""The check-in rules in force: longest stay, retention window, clock skew, default stays.

They are versioned data (:class:`~vungxanh.venues.models.CheckInRuleSet`, one row per
version with the moment it takes effect); officials add a version, they never edit code.
The first version (``checkin_2021-10``: 8 hours, 28 days) is created by migration 0002.
Without any row (a database that skipped it) the defaults below apply. The tracing window
(retention) and the longest stay are set only here, in the rule sets, never in Django
settings: a new window is a new rule set version with the moment it takes effect (page
``/venues/rules/``). The longest stay can never exceed 8 hours
(:data:`~vungxanh.venues.models.LONGEST_STAY_LIMIT_MINUTES`).

Other apps import :func:`max_stay` and :func:`retention_days` (contact tracing bounds its
range scans with ``check_in >= f.check_in - max_stay()``). Values are cached per process for
:data:`CACHE_SECONDS`; a new version reaches every worker within that time.
"""

from __future__ import annotations

import datetime
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

DEFAULT_MAX_STAY_MINUTES = 8 * 60
DEFAULT_RETENTION_DAYS = 28
DEFAULT_CLOCK_SKEW_MINUTES = 5
#: Minutes of the automatic check-out by venue kind (seed of the first rule set).
DEFAULT_STAYS: dict[str, int] = {
    "market": 45,
    "supermarket": 45,
    "restaurant": 60,
    "office": 480,
    "school": 420,
    "factory": 480,
    "construction": 480,
    "hospital": 120,
    "hotel": 480,
    "tourist_site": 120,
    "vehicle": 120,
    "event": 180,
    "religious": 60,
    "other": 60,
}
CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class Rules:
    name: str
    valid_from: datetime.datetime | None
    max_stay: datetime.timedelta
    retention: datetime.timedelta
    clock_skew: datetime.timedelta
    default_stays: dict[str, int] = field(default_factory=dict)

    @property
    def retention_days(self) -> int:
        return self.retention.days

    def default_stay(self, kind: str, override_minutes: int | None = None) -> datetime.timedelta:
        """The automatic check-out delay of a venue: its own override, else its kind's
        default, never more than the longest stay."""
        minutes = (
            override_minutes or self.default_stays.get(kind) or self.default_stays.get("other", 60)
        )
        return min(datetime.timedelta(minutes=int(minutes)), self.max_stay)


def _fallback() -> Rules:
    """The rules before any rule set takes effect (migration 0002 seeds the first one, so
    only a database that skipped it, or a moment before its ``valid_from``, uses these)."""
    return Rules(
        name="default",
        valid_from=None,
        max_stay=datetime.timedelta(minutes=DEFAULT_MAX_STAY_MINUTES),
        retention=datetime.timedelta(days=DEFAULT_RETENTION_DAYS),
        clock_skew=datetime.timedelta(minutes=DEFAULT_CLOCK_SKEW_MINUTES),
        default_stays=dict(DEFAULT_STAYS),
    )


def _from_row(row: Any) -> Rules:
    return Rules(
        name=row.name,
        valid_from=row.valid_from,
        max_stay=datetime.timedelta(minutes=row.max_stay_minutes),
        retention=datetime.timedelta(days=row.retention_days),
        clock_skew=datetime.timedelta(minutes=row.clock_skew_minutes),
        default_stays={**DEFAULT_STAYS, **{k: int(v) for k, v in row.default_stays.items()}},
    )


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded_at = -1e9
        self.versions: list[Rules] = []  # newest first

    def versions_now(self) -> list[Rules]:
        if time.monotonic() - self.loaded_at <= CACHE_SECONDS:
            return self.versions  # fresh: no lock (read per check-in, 500 per upload)
        with self.lock:
            if time.monotonic() - self.loaded_at > CACHE_SECONDS:
                from vungxanh.venues.models import CheckInRuleSet

                self.versions = [
                    _from_row(r) for r in CheckInRuleSet.objects.order_by("-valid_from", "-pk")
                ]
                self.loaded_at = time.monotonic()
            return self.versions

    def clear(self) -> None:
        with self.lock:
            self.loaded_at = -1e9


_cache = _Cache()


def clear_cache() -> None:
    """Forget the cached versions (after a new rule set is saved; in tests)."""
    _cache.clear()


def in_force(at: datetime.datetime | None = None) -> Rules:
    """The rule set in force at ``at`` (default: now)."""
    moment = at or timezone.now()
    for rules in _cache.versions_now():
        if rules.valid_from is not None and rules.valid_from <= moment:
            return rules
    return _fallback()


def max_stay() -> datetime.timedelta:
    """The longest stay any stored check-in can have: the largest maximum of every rule
    set version (a safe lower bound for ``check_in`` in overlap queries)."""
    versions = _cache.versions_now()
    if not versions:
        return _fallback().max_stay
    return max(r.max_stay for r in versions)


def retention_days() -> int:
    """Days check-ins are kept (the tracing window) under the rule set in force now."""
    return in_force().retention_days


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Check-ins that started before this moment are past the retention window."""
    moment = now or timezone.now()
    return moment - in_force(moment).retention
