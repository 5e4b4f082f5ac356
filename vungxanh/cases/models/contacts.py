"""Contacts (F1, F2) and the tracing tasks of the communes."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.cases.models.cases import Case, CaseQuerySet, ExposureType
from vungxanh.core.models import PublicIdModel
from vungxanh.core.scoping import RestrictedQuerySet, Scope
from vungxanh.geo.models import AdminUnit

_USER = settings.AUTH_USER_MODEL


class ContactQuerySet(RestrictedQuerySet["Contact"]):
    """Visible to the case's units, and to the commune where the contact lives for a
    confirmed F1 with a tracing task (the task needs the exposure). Proposals, dismissed
    contacts and F2 of another area's case are not theirs to see."""

    def scope_q(self, scope: Scope, action: str) -> Q | None:
        paths = scope.paths(self.perm(action), action)
        if not paths:
            return None
        cases = Case.objects.filter(Case.objects.units_q(CaseQuerySet.scope_units, paths))
        traced_here = self.units_q(("unit",), paths) & Q(
            degree=Contact.Degree.F1, status=Contact.Status.CONFIRMED, task__isnull=False
        )
        return Q(case__in=cases.values("pk")) | traced_here

    def f1(self) -> ContactQuerySet:
        return self.filter(degree=Contact.Degree.F1)

    def f2(self) -> ContactQuerySet:
        return self.filter(degree=Contact.Degree.F2)

    def confirmed(self) -> ContactQuerySet:
        return self.filter(status=Contact.Status.CONFIRMED)


class Contact(PublicIdModel):
    """A person exposed to a case: F1 (directly) or F2 (through an F1 of the case).
    Proposals from check-ins are computed on the fly and stored only once decided;
    household, workplace and interview contacts are stored when entered."""

    class Degree(models.IntegerChoices):
        F1 = 1, "F1"
        F2 = 2, "F2"

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")
        CLOSED = "closed", _("Closed: the case was discarded")

    class Origin(models.TextChoices):
        CHECKIN = "checkin", _("Check-in overlap")
        HOUSEHOLD = "household", _("Household register")
        INTERVIEW = "interview", _("Interview")
        REGRADED = "regraded", _("Re-graded from F2")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="contacts"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    degree = models.PositiveSmallIntegerField(_("degree"), choices=Degree, default=Degree.F1)
    via = models.ForeignKey(
        "self",
        verbose_name=_("through F1"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="f2_contacts",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PROPOSED)
    origin = models.CharField(_("origin"), max_length=16, choices=Origin)
    exposure_type = models.CharField(_("exposure"), max_length=16, choices=ExposureType)
    exposure_start = models.DateTimeField(_("exposure from"), null=True, blank=True)
    exposure_end = models.DateTimeField(_("exposure until"), null=True, blank=True)
    overlap_minutes = models.PositiveIntegerField(_("minutes together"), null=True, blank=True)
    venue = models.ForeignKey(
        "venues.Venue",
        verbose_name=_("venue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_indoor = models.BooleanField(_("indoor"), null=True, blank=True)
    within_2m = models.BooleanField(_("within 2 m"), null=True, blank=True)
    masked = models.BooleanField(_("wearing masks"), null=True, blank=True)
    strength = models.FloatField(_("strength"), default=0)
    exposures = models.JSONField(_("exposures"), default=list, blank=True)
    unit = models.ForeignKey(
        AdminUnit,
        verbose_name=_("commune of residence"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    task = models.ForeignKey(
        "TracingTask",
        verbose_name=_("tracing task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    became_case = models.ForeignKey(
        Case,
        verbose_name=_("became a case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    regraded_from = models.ForeignKey(
        "self",
        verbose_name=_("re-graded from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="regraded_to",
    )
    closed_by = models.ForeignKey(
        Case,
        verbose_name=_("closed by discarding"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status_before_close = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        _USER,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-strength", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "person", "degree"], name="cases_contact_unique_per_case"
            ),
            models.CheckConstraint(
                condition=Q(degree=1, via__isnull=True) | Q(degree=2, via__isnull=False),
                name="cases_contact_f2_has_via",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "status"], name="cases_contact_person_idx"),
            models.Index(fields=["case", "status", "degree"], name="cases_contact_case_idx"),
        ]

    def __str__(self) -> str:
        return f"F{self.degree} {self.person_id} ← {self.case_id}"


class TracingTaskQuerySet(RestrictedQuerySet["TracingTask"]):
    """A task is the work of the commune where the contact lives; the case's responsible
    unit follows it. Only the commune (and those above it) record progress."""

    def scope_q(self, scope: Scope, action: str) -> Q | None:
        paths = scope.paths(self.perm(action), action)
        if not paths:
            return None
        q = self.units_q(("unit",), paths)
        if action == "view":
            q |= self.units_q(("case__responsible_unit",), paths)
        return q

    def open(self) -> TracingTaskQuerySet:
        return self.filter(status=TracingTask.Status.OPEN)

    def overdue(self, at: datetime.datetime | None = None) -> TracingTaskQuerySet:
        now = at or timezone.now()
        return self.open().filter(
            Q(notified_at__isnull=True, notify_due_at__lt=now)
            | Q(sampled_at__isnull=True, due_at__lt=now)
        )


class TracingTask(PublicIdModel):
    """Notify, quarantine and sample one confirmed F1: the work of the commune where they
    live, with deadlines from the rule set."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        BECAME_CASE = "became_case", _("Became a case")
        CANCELLED = "cancelled", _("Cancelled")

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        AdminUnit, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("source case"), on_delete=models.PROTECT, related_name="tasks"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    notify_due_at = models.DateTimeField(_("notify by"))
    due_at = models.DateTimeField(_("sample by"))
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    quarantined_at = models.DateTimeField(_("quarantined at"), null=True, blank=True)
    quarantine_place = models.CharField(_("quarantine place"), max_length=200, blank=True)
    sampled_at = models.DateTimeField(_("sampled at"), null=True, blank=True)
    lab_reference = models.CharField(_("laboratory reference"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by_case = models.ForeignKey(
        Case,
        verbose_name=_("closed because of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status_before_close = models.CharField(max_length=16, blank=True)
    repointed_from = models.ForeignKey(
        Case,
        verbose_name=_("source case before it was discarded"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "The task moved to another case of the same F1 when this one was discarded; "
            "reinstating the case moves it back."
        ),
    )

    objects = TracingTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("tracing task")
        verbose_name_plural = _("tracing tasks")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="open"), name="cases_task_one_open_per_person"
            ),
            models.CheckConstraint(
                condition=Q(notify_due_at__lte=models.F("due_at")),
                name="cases_task_notify_before_due",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status", "due_at"], name="cases_task_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} ({self.get_status_display()})"

    def is_overdue(self, at: datetime.datetime | None = None) -> bool:
        if self.status != self.Status.OPEN:
            return False
        now = at or timezone.now()
        return (self.notified_at is None and self.notify_due_at < now) or (
            self.sampled_at is None and self.due_at < now
        )

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    @property
    def hours_to_notified(self) -> float | None:
        if self.notified_at is None or self.case.confirmed_at is None:
            return None
        return (self.notified_at - self.case.confirmed_at).total_seconds() / 3600

    @property
    def hours_to_sampled(self) -> float | None:
        if self.sampled_at is None or self.case.confirmed_at is None:
            return None
        return (self.sampled_at - self.case.confirmed_at).total_seconds() / 3600
