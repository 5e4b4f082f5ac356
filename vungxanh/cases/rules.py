"""The tracing rules as data: windows, the contact definition, deadlines, cluster closing.

A :class:`~vungxanh.cases.models.RuleSet` row holds one version's parameters (JSON) with the
moment it takes effect; :class:`TracingRules` is the validated, typed view the code reads.
The code evaluates whatever rule set is in force; it does not carry one. The two versions
shipped (:data:`DEFAULT_RULE_SETS`) are loaded by migration 0002:

* ``qn-2021-3638``: Quảng Ninh 2021 under Decision 3638/QĐ-BYT (30/7/2021): only a positive
  RT-PCR confirms a case; landmarks 3–21 days before onset (Directive of the Provincial
  Standing Committee, Feb 2021), the infectious window from 2 days before onset or sample;
* ``qn-2021-12-29``: the definitions of 29/12/2021: an F1 with a positive rapid test, a
  suspected case with a positive rapid test and an epidemiological link, and two positive
  rapid tests within 8 hours with a link also confirm (DOMAIN.md §2.2).
"""

from __future__ import annotations

import datetime
import math
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

CONTACT_RULES = ("overlap", "pc_covid")


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_midnight(day: datetime.date) -> datetime.datetime:
    """00:00 of ``day`` in Asia/Ho_Chi_Minh (days of the rules are local days)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=local_zone())


@dataclass(frozen=True)
class TracingRules:
    """Parameters of one rule set version. Field defaults are the Quảng Ninh 2021 values;
    a rule set's JSON overrides any of them."""

    code: str = "default"
    #: Landmarks: check-ins and interview places from this many days before the anchor
    #: (onset, or the positive sample date when asymptomatic) until isolation.
    landmark_days_before: int = 21
    #: Backward tracing looks for sources from ``landmark_days_before`` to this many days
    #: before the anchor ("3~21 ngày trước khi khởi phát").
    source_days_min: int = 3
    #: Infectious window: from this many days before the anchor until isolation.
    infectious_days_before: int = 2
    #: "overlap": intervals overlap for at least the minimum of the venue kind;
    #: "pc_covid": check-ins within ± ``pc_covid_minutes`` of each other (PC-Covid alerts).
    contact_rule: str = "overlap"
    pc_covid_minutes: int = 60
    #: Minimum minutes of overlap by venue kind ("default" for the others).
    min_overlap_minutes: dict[str, int] = field(
        default_factory=lambda: {"default": 15, "restaurant": 5, "vehicle": 5}
    )
    #: Ranking: minutes together × indoor weight × weight of the venue kind.
    indoor_weight: float = 2.0
    kind_weights: dict[str, float] = field(
        default_factory=lambda: {
            "default": 1.0,
            "restaurant": 1.5,
            "vehicle": 1.5,
            "event": 1.3,
            "religious": 1.3,
            "office": 1.2,
            "factory": 1.2,
            "school": 1.2,
            "market": 0.8,
            "tourist_site": 0.7,
        }
    )
    #: Interview contacts: masked contact within 2 m counts from this many minutes.
    masked_min_minutes: int = 15
    #: Tracing task deadlines, from the moment an F1 is confirmed.
    notify_due_hours: int = 2
    sample_due_hours: int = 24
    #: How long a confirmed F1 stays "under monitoring" after the last exposure.
    f1_monitoring_days: int = 14
    #: A cluster may close after this many days without a new case.
    cluster_quiet_days: int = 28
    #: Proposals shown per "show more"; F2 proposals at most.
    proposal_page_size: int = 25
    f2_cap: int = 50
    #: Bases that confirm a case under this rule set (others register a suspected case).
    confirming_bases: tuple[str, ...] = ("pcr_positive",)
    #: Two positive rapid tests confirm when the second is within this many hours.
    rapid_pair_hours: int = 8
    #: An epidemiological link: a contact of a confirmed case within this many days, or
    #: living in the unit of an open cluster.
    epi_link_days: int = 14

    # --- derived ------------------------------------------------------------------------

    def min_overlap(self, kind: str) -> int:
        return int(self.min_overlap_minutes.get(kind, self.min_overlap_minutes.get("default", 0)))

    def kind_weight(self, kind: str) -> float:
        return float(self.kind_weights.get(kind, self.kind_weights.get("default", 1.0)))

    def confirms(self, basis: str) -> bool:
        return basis in self.confirming_bases

    def landmark_window(
        self, anchor: datetime.date, isolated_at: datetime.datetime | None, now: datetime.datetime
    ) -> tuple[datetime.datetime, datetime.datetime]:
        start = local_midnight(anchor - datetime.timedelta(days=self.landmark_days_before))
        return start, max(start, isolated_at or now)

    def infectious_window(
        self, anchor: datetime.date, isolated_at: datetime.datetime | None, now: datetime.datetime
    ) -> tuple[datetime.datetime, datetime.datetime]:
        start = local_midnight(anchor - datetime.timedelta(days=self.infectious_days_before))
        return start, max(start, isolated_at or now)

    def source_window(self, anchor: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
        """Days ``landmark_days_before`` … ``source_days_min`` before the anchor, whole days."""
        start = local_midnight(anchor - datetime.timedelta(days=self.landmark_days_before))
        end = local_midnight(anchor - datetime.timedelta(days=self.source_days_min - 1))
        return start, max(start, end)

    def as_parameters(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("code")
        data["confirming_bases"] = list(self.confirming_bases)
        return data

    # --- parsing ------------------------------------------------------------------------

    @classmethod
    def from_parameters(cls, code: str, parameters: dict[str, Any]) -> TracingRules:
        """Validate a rule set's parameters; unknown keys and bad values are refused with a
        message naming the key."""
        if not isinstance(parameters, dict):
            raise ValidationError(_("The parameters must be a JSON object."))
        known = {f.name: f for f in fields(cls) if f.name != "code"}
        errors: list[str] = []
        values: dict[str, Any] = {}
        for key, value in parameters.items():
            if key not in known:
                errors.append(_("Unknown parameter “%(key)s”.") % {"key": key})
                continue
            try:
                values[key] = _coerce(key, value)
            except (TypeError, ValueError, OverflowError):
                errors.append(_("Parameter “%(key)s” has an invalid value.") % {"key": key})
        if errors:
            raise ValidationError(errors)
        rules = cls(code=code, **values)
        rules.check()
        return rules

    def check(self) -> None:
        from vungxanh.cases.models import Basis

        errors = []
        if self.contact_rule not in CONTACT_RULES:
            errors.append(
                _("The contact rule must be one of: %(rules)s.")
                % {"rules": ", ".join(CONTACT_RULES)}
            )
        if not 1 <= self.source_days_min <= self.landmark_days_before <= 60:
            errors.append(_("The look-back must satisfy 1 ≤ source days ≤ landmark days ≤ 60."))
        if not 0 <= self.infectious_days_before <= 14:
            errors.append(_("The infectious window starts 0 to 14 days before the anchor."))
        if not 0 < self.notify_due_hours <= self.sample_due_hours <= 24 * 7:
            errors.append(_("Deadlines must satisfy 0 < notify ≤ sample ≤ 168 hours."))
        if not 1 <= self.proposal_page_size <= 200 or not 1 <= self.f2_cap <= 500:
            errors.append(_("Page size must be 1–200 and the F2 cap 1–500."))
        if any(m < 0 or m > 24 * 60 for m in self.min_overlap_minutes.values()) or not (
            0 <= self.masked_min_minutes <= 24 * 60
        ):
            errors.append(_("Minimum overlaps are between 0 and 1440 minutes."))
        weights = [*self.kind_weights.values(), self.indoor_weight]
        if any(not math.isfinite(w) or not 0 < w <= 1000 for w in weights):
            errors.append(_("Weights must be positive numbers up to 1000."))
        if not 1 <= self.pc_covid_minutes <= 240:
            errors.append(_("The PC-Covid window is 1 to 240 minutes."))
        days = (self.cluster_quiet_days, self.f1_monitoring_days, self.epi_link_days)
        if any(not 1 <= d <= 365 for d in days):
            errors.append(_("Day counts must be between 1 and 365."))
        if not 1 <= self.rapid_pair_hours <= 72:
            errors.append(_("The interval between two rapid tests is 1 to 72 hours."))
        valid = set(Basis.values)
        bad = [b for b in self.confirming_bases if b not in valid]
        if bad or not self.confirming_bases:
            errors.append(
                _("Confirming bases must be chosen from: %(bases)s.") % {"bases": ", ".join(valid)}
            )
        if errors:
            raise ValidationError(errors)


def _number(value: Any) -> float:
    """A finite number (JSON ``1e400``, ``Infinity`` and ``NaN`` are refused)."""
    if isinstance(value, bool):
        raise TypeError
    number = float(value)
    if not math.isfinite(number):
        raise ValueError
    return number


def _whole(value: Any) -> int:
    number = _number(value)
    if number != int(number):
        raise ValueError
    return int(number)


def _coerce(key: str, value: Any) -> Any:
    """The typed value of one parameter; TypeError, ValueError or OverflowError for a value
    that does not fit (the caller names the key)."""
    if key in {"contact_rule"}:
        return str(value)
    if key in {"indoor_weight"}:
        return _number(value)
    if key == "min_overlap_minutes":
        return {str(k): _whole(v) for k, v in dict(value).items()}
    if key == "kind_weights":
        return {str(k): _number(v) for k, v in dict(value).items()}
    if key == "confirming_bases":
        if isinstance(value, str):
            raise TypeError
        return tuple(str(v) for v in value)
    return _whole(value)


_ICT = ZoneInfo("Asia/Ho_Chi_Minh")

#: The shipped versions (loaded by migration 0002; officials add later versions).
DEFAULT_RULE_SETS: list[dict[str, Any]] = [
    {
        "code": "qn-2021-3638",
        "name": "Quảng Ninh 2021 – QĐ 3638/QĐ-BYT",
        "valid_from": datetime.datetime(2021, 7, 30, 0, 0, tzinfo=_ICT),
        "valid_to": datetime.datetime(2021, 12, 29, 0, 0, tzinfo=_ICT),
        "legal_basis": "QĐ 3638/QĐ-BYT (30/7/2021); Chỉ thị BTV Tỉnh ủy Quảng Ninh (2/2021)",
        "note": "Mốc dịch tễ 3–21 ngày trước khởi phát; F1 từ 2 ngày trước khởi phát/lấy mẫu.",
        "parameters": TracingRules(confirming_bases=("pcr_positive",)).as_parameters(),
    },
    {
        "code": "qn-2021-12-29",
        "name": "Định nghĩa ca bệnh từ 29/12/2021",
        "valid_from": datetime.datetime(2021, 12, 29, 0, 0, tzinfo=_ICT),
        "valid_to": None,
        "legal_basis": "Hướng dẫn của Bộ Y tế điều chỉnh định nghĩa ca bệnh, F1 (29/12/2021)",
        "note": "F1 có test nhanh dương tính; ca nghi ngờ có test nhanh dương tính và yếu tố "
        "dịch tễ; 2 test nhanh dương tính trong 8 giờ có yếu tố dịch tễ.",
        "parameters": TracingRules(
            confirming_bases=(
                "pcr_positive",
                "f1_rapid_positive",
                "suspected_rapid_positive_with_link",
                "two_rapid_positive_with_link",
            ),
        ).as_parameters(),
    },
]


def load_default_rule_sets(model: Any = None) -> int:
    """Create the shipped versions that are missing (idempotent). ``model`` is the
    historical model inside a migration."""
    if model is None:
        from vungxanh.cases.models import RuleSet

        model = RuleSet
    created = 0
    for spec in DEFAULT_RULE_SETS:
        _obj, was_created = model.objects.get_or_create(
            code=spec["code"], defaults={k: v for k, v in spec.items() if k != "code"}
        )
        created += was_created
    clear_cache()
    return created


# --- lookup (parsed parameters cached per process) ------------------------------------


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.parsed: dict[tuple[int, str], TracingRules] = {}

    def clear(self) -> None:
        with self.lock:
            self.parsed.clear()


_cache = _Cache()


def clear_cache() -> None:
    _cache.clear()


def rules_of(rule_set: Any) -> TracingRules:
    """The parsed parameters of a stored rule set (parameters of a saved version never
    change: a change is a new version)."""
    key = (rule_set.pk, rule_set.code)
    with _cache.lock:
        found = _cache.parsed.get(key)
    if found is None:
        found = TracingRules.from_parameters(rule_set.code, rule_set.parameters)
        with _cache.lock:
            _cache.parsed[key] = found
    return found


def rule_set_in_force(at: datetime.datetime | None = None) -> Any:
    """The RuleSet row in force at ``at`` (default now), or ``None``."""
    from vungxanh.cases.models import RuleSet

    return RuleSet.objects.in_force(at or timezone.now())


def require_rule_set(at: datetime.datetime | None = None) -> Any:
    found = rule_set_in_force(at)
    if found is None:
        moment = timezone.localtime(at or timezone.now())
        raise ValidationError(
            _("No tracing rule set is in force on %(date)s. Ask the province to publish one.")
            % {"date": moment.strftime("%d/%m/%Y %H:%M")}
        )
    return found
