"""Calls into the tracing capability (``vungxanh.cases``), which sits below labs.

The contract (agreed with cases): ``cases.actions.confirm_case``,
``cases.actions.handle_positive_rapid_test``, ``cases.actions.record_contact_sampled`` and
``cases.services.is_under_tracing_as_f1`` (and its bulk form ``f1_person_ids``), and, when a
result that confirmed a case is corrected, ``cases.actions.discard_case`` (and
``reinstate_case`` when the correction itself is corrected back). They are looked up when
called, so that the
laboratory works (and says so in the log) in a deployment where tracing is not installed;
``available()`` tells the tests which integration they can check.

The actor is the person who entered the result or took the sample when they hold
``labs.report_positive`` (laboratory roles, ``labs.*``), which cases accepts for a person
living anywhere. An official of a commune who took a sample or a rapid test of somebody living
elsewhere has no authority over that person's case or tracing task: the consequence is then
recorded by the system actor (the sample itself is audited as theirs).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from vungxanh.core.scoping import SYSTEM, scope_of

if TYPE_CHECKING:
    from vungxanh.labs.models import Sample

logger = logging.getLogger(__name__)

# How the tracing capability says where a case was found, by the reason of the sample; other
# reasons leave it to cases (among F1 under monitoring, else community). An individual re-test
# or a confirming PCR counts with the reason of the sample it follows (``origin_reason``).
CASE_SOURCES = {"entry": "imported", "quarantine_day": "in_quarantine"}

#: Reasons that say only that the sample follows an earlier one (a pool member's re-test, the
#: PCR after a positive rapid test): where the person was found is that sample's reason.
FOLLOW_UP_REASONS = frozenset({"retest", "confirmation"})

CONTRACT = {
    "confirm_case": ("vungxanh.cases.actions", "confirm_case"),
    "handle_positive_rapid_test": ("vungxanh.cases.actions", "handle_positive_rapid_test"),
    "record_contact_sampled": ("vungxanh.cases.actions", "record_contact_sampled"),
    "is_under_tracing_as_f1": ("vungxanh.cases.services", "is_under_tracing_as_f1"),
    "f1_person_ids": ("vungxanh.cases.services", "f1_person_ids"),
    "discard_case": ("vungxanh.cases.actions", "discard_case"),
    "reinstate_case": ("vungxanh.cases.actions", "reinstate_case"),
}


def _function(name: str) -> Callable[..., Any] | None:
    module_name, attr = CONTRACT[name]
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None
        raise
    fn = getattr(module, attr, None)
    return fn if callable(fn) else None


def available(name: str) -> bool:
    return _function(name) is not None


def is_f1(person: Any, at: datetime.datetime) -> bool:
    fn = _function("is_under_tracing_as_f1")
    return bool(fn(person, at)) if fn else False


def f1_ids(person_ids: Iterable[int], at: datetime.datetime) -> set[int]:
    """Which of these persons are under tracing as F1: one query for a whole batch."""
    ids = list(person_ids)
    fn = _function("f1_person_ids")
    if fn is not None:
        return set(fn(ids, at))
    one = _function("is_under_tracing_as_f1")
    return {pk for pk in ids if one(pk, at)} if one else set()


REPORT_PERM = "labs.report_positive"


def _case_actor(actor: Any) -> Any:
    return actor if scope_of(actor).has_perm(REPORT_PERM) else SYSTEM


def contact_sampled(sample: Sample, actor: Any) -> None:
    fn = _function("record_contact_sampled")
    if fn is None:
        return
    fn(
        actor=_case_actor(actor),
        person=sample.person,
        sampled_at=sample.collected_at,
        lab_reference=str(sample.public_id),
    )


def confirm_positive_pcr(sample: Sample, actor: Any) -> Any:
    """The case for a positive individual RT-PCR result (or None without tracing)."""
    fn = _function("confirm_case")
    if fn is None:
        logger.warning("positive PCR %s: cases.actions.confirm_case is not available", sample)
        return None
    kwargs: dict[str, Any] = {
        "actor": _case_actor(actor),
        "person": sample.person,
        "basis": "pcr_positive",
        "sample_date": timezone.localdate(sample.collected_at),
        "lab_reference": str(sample.public_id),
    }
    source = CASE_SOURCES.get(origin_reason(sample))
    if source:
        kwargs["source"] = source
    return fn(**kwargs)


def origin_reason(sample: Sample) -> str:
    """Why the person was first sampled: the reason of ``sample``, or for a re-test or a
    confirming PCR that of the sample its task followed (a pooled entry test re-tested after
    its pool was positive, a rejected re-test sampled again: the chain is followed back)."""
    current, seen = sample, set()
    while current.reason in FOLLOW_UP_REASONS and current.pk not in seen:
        seen.add(current.pk)
        try:
            task = current.fulfils
        except ObjectDoesNotExist:
            break
        current = task.origin_sample
    return current.reason


def handle_positive_rapid(sample: Sample, actor: Any) -> Any:
    """Apply the case rules to a positive rapid test. Rapid results recorded here are taken
    by health staff or under their supervision (``Sample.PerformedBy``)."""
    fn = _function("handle_positive_rapid_test")
    if fn is None:
        logger.warning("positive rapid test %s: cases is not available", sample)
        return None
    return fn(
        actor=_case_actor(actor),
        person=sample.person,
        taken_at=sample.collected_at,
        supervised=bool(sample.performed_by),
        lab_reference=str(sample.public_id),
    )


def needs_pcr(case: Any) -> bool:
    """Does the case returned for a positive rapid test still need a confirming PCR?"""
    if case is None:
        return True  # without tracing, every positive rapid test is confirmed by PCR
    for attr in ("needs_pcr", "pcr_needed", "needs_pcr_sample"):
        value = getattr(case, attr, None)
        if value is not None:
            return bool(value() if callable(value) else value)
    classification = str(getattr(case, "classification", "") or getattr(case, "status", ""))
    return classification == "suspected"


def case_for(user: Any, case_ref: Any) -> tuple[str, str] | None:
    """(label, URL) of the case confirmed from a sample, if ``user`` may see it."""
    if not case_ref:
        return None
    try:
        models = import_module("vungxanh.cases.models")
    except ModuleNotFoundError:
        return None
    case = models.Case.objects.restrict(user, "view").filter(public_id=case_ref).first()
    if case is None:
        return None
    try:
        url = reverse("cases:case-detail", kwargs={"public_id": case.public_id})
    except NoReverseMatch:
        url = ""
    return str(case), url


def case_public_id(case: Any) -> Any:
    return getattr(case, "public_id", None)


def _cases_models() -> Any:
    try:
        return import_module("vungxanh.cases.models")
    except ModuleNotFoundError:
        return None


def _case_writer(actor: Any, case: Any) -> Any:
    """The actor of a case decision taken because of a laboratory correction: the user when
    they may change the case, else the system actor (the correction is audited as theirs)."""
    manager: Any = type(case)._default_manager
    return actor if manager.restrict(actor, "change").filter(pk=case.pk).exists() else SYSTEM


#: What became of the case when a positive result was corrected to negative.
KEPT_OTHER_POSITIVE = "kept_other_positive"
KEPT_OTHER_BASIS = "kept_other_basis"
ALREADY_DISCARDED = "already_discarded"
DISCARDED = "discarded"
REINSTATED = "reinstated"


def case_of_sample(sample: Sample) -> Any:
    models = _cases_models()
    if models is None or not sample.case_ref:
        return None
    return models.Case.objects.filter(public_id=sample.case_ref).first()


def reassess_case(sample: Sample, actor: Any, reason: str) -> dict[str, Any]:
    """The positive result of ``sample`` was corrected to negative. When that result is what
    confirmed the person's case (the case's laboratory reference) and no other positive
    result of the person supports it, the case is discarded through the tracing capability
    with the reason (its contacts, tasks and published landmarks close; the case team can
    reinstate it). Otherwise the case stays and the answer says why."""
    case = case_of_sample(sample)
    if case is None:
        return {}
    found: dict[str, Any] = {"case": str(case.public_id), "case_label": str(case)}
    other = (
        type(sample)
        .objects.filter(case_ref=sample.case_ref, result="positive")
        .exclude(pk=sample.pk)
        .first()
    )
    if case.is_discarded:
        found["outcome"] = ALREADY_DISCARDED
    elif other is not None:
        found.update(outcome=KEPT_OTHER_POSITIVE, other=other.code)
    elif case.lab_reference != str(sample.public_id):
        found["outcome"] = KEPT_OTHER_BASIS
    else:
        discard = _function("discard_case")
        if discard is None:
            return {}
        discard(actor=_case_writer(actor, case), case=case, reason=reason)
        found["outcome"] = DISCARDED
    return found


def restore_case(sample: Sample, actor: Any) -> dict[str, Any]:
    """A negative correction of ``sample`` is itself corrected back to positive: the case
    that correction discarded is reinstated (or, if that cannot be, the positive result
    confirms a case as any new positive does)."""
    case = case_of_sample(sample)
    reinstate = _function("reinstate_case")
    if case is not None and case.is_discarded and reinstate is not None:
        from django.core.exceptions import ValidationError

        try:
            reinstate(actor=_case_writer(actor, case), case=case)
        except ValidationError:
            pass
        else:
            return {"case": str(case.public_id), "case_label": str(case), "outcome": REINSTATED}
    confirmed = confirm_positive_pcr(sample, actor)
    ref = case_public_id(confirmed)
    if not ref:
        return {}
    return {"case": str(ref), "case_label": str(confirmed), "outcome": "confirmed"}
