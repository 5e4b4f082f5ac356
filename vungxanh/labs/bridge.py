"""Calls into the tracing capability (``vungxanh.cases``), which sits below labs.

The contract (agreed with cases): ``cases.actions.confirm_case``,
``cases.actions.handle_positive_rapid_test``, ``cases.actions.record_contact_sampled`` and
``cases.services.is_under_tracing_as_f1``. They are looked up when called, so that the
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
from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from vungxanh.core.scoping import SYSTEM, scope_of

if TYPE_CHECKING:
    from vungxanh.labs.models import Sample

logger = logging.getLogger(__name__)

# How the tracing capability says where a case was found, by the reason of the sample; other
# reasons leave it to cases (among F1 under monitoring, else community).
CASE_SOURCES = {"entry": "imported", "quarantine_day": "in_quarantine"}

CONTRACT = {
    "confirm_case": ("vungxanh.cases.actions", "confirm_case"),
    "handle_positive_rapid_test": ("vungxanh.cases.actions", "handle_positive_rapid_test"),
    "record_contact_sampled": ("vungxanh.cases.actions", "record_contact_sampled"),
    "is_under_tracing_as_f1": ("vungxanh.cases.services", "is_under_tracing_as_f1"),
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
    source = CASE_SOURCES.get(sample.reason)
    if source:
        kwargs["source"] = source
    return fn(**kwargs)


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
