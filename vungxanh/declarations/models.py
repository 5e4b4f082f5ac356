"""Health declarations (whole-population, domestic movement, at a venue or checkpoint), the
personal health diary of people under monitoring, and the follow-up queue of the commune
health stations. The questions of every kind are versioned :class:`FormDefinition` data."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.core.models import PublicIdModel
from vungxanh.core.scoping import RestrictedQuerySet, Scope
from vungxanh.geo.models import AdminUnit, Facility


class FormKind(models.TextChoices):
    POPULATION = "population", _("Whole-population declaration")
    DOMESTIC = "domestic", _("Domestic movement declaration")
    PLACE = "place", _("Declaration at a venue or checkpoint")
    DIARY = "diary", _("Daily health diary")


class FormDefinitionQuerySet(RestrictedQuerySet["FormDefinition"]):
    def scope_q(self, scope: Scope, action: str) -> Q | None:
        # Province-wide rule data: everybody who works with declarations reads it; only
        # officials with a province-level write scope publish new versions (see actions).
        if not scope.paths(self.perm(action), action):
            return None
        return Q()

    def in_force(self, kind: str, at: Any = None) -> FormDefinition | None:
        """The version of ``kind`` in force at ``at`` (now by default)."""
        at = at or timezone.now()
        return (
            self.filter(kind=kind, valid_from__lte=at).order_by("-valid_from", "-version").first()
        )


class FormDefinition(PublicIdModel):
    """One version of the questions of a kind of declaration, in force from ``valid_from``
    until the next version's. Never edited once published: officials publish a new one."""

    kind = models.CharField(_("kind"), max_length=16, choices=FormKind)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    questions = models.JSONField(_("questions"))
    valid_from = models.DateTimeField(_("in force from"))
    note = models.CharField(
        _("note"), max_length=255, blank=True, help_text=_("Basis, e.g. a decision number.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )

    objects = FormDefinitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("declaration form")
        verbose_name_plural = _("declaration forms")
        ordering = ["kind", "-valid_from", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"], name="declarations_formdefinition_unique_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    @property
    def flagging_questions(self) -> list[dict[str, Any]]:
        return [q for q in self.questions if q.get("flag")]


class Channel(models.TextChoices):
    PUBLIC = "public", _("Resident, on the public page")
    DOOR_TO_DOOR = "door_to_door", _("Community team, door to door")
    STAFF = "staff", _("Official")
    API = "api", _("Another system (API)")


class DeclarationQuerySet(RestrictedQuerySet["Declaration"]):
    scope_units = ("unit",)

    def flagged(self) -> DeclarationQuerySet:
        return self.exclude(flags=[])


class Declaration(PublicIdModel):
    """A person's answers to one version of a declaration form."""

    form = models.ForeignKey(
        FormDefinition, verbose_name=_("form"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=FormKind)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="declarations",
    )
    unit = models.ForeignKey(
        AdminUnit,
        verbose_name=_("where the person lives or stays"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    submitted_at = models.DateTimeField(_("declared at"), default=timezone.now, db_index=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel, default=Channel.PUBLIC)
    answers = models.JSONField(_("answers"), default=dict)
    flags = models.JSONField(_("needs follow-up for"), default=list, blank=True)
    place_code = models.CharField(
        _("venue or checkpoint code"), max_length=64, blank=True, db_index=True
    )
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("checkpoint"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    token = models.UUIDField(
        _("submission token"),
        null=True,
        blank=True,
        unique=True,
        help_text=_("One per displayed form: a second submission of it is the same declaration."),
    )
    is_synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = DeclarationQuerySet.as_manager()

    class Meta:
        verbose_name = _("health declaration")
        verbose_name_plural = _("health declarations")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "submitted_at"], name="declarations_decl_unit_idx"),
            models.Index(fields=["person", "submitted_at"], name="declarations_decl_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {timezone.localtime(self.submitted_at):%d/%m/%Y %H:%M}"


class MonitoringQuerySet(RestrictedQuerySet["Monitoring"]):
    scope_units = ("unit",)

    def active(self, on: Any = None) -> MonitoringQuerySet:
        day = on or timezone.localdate()
        return self.filter(status=Monitoring.Status.ACTIVE, starts_on__lte=day, ends_on__gte=day)


class Monitoring(PublicIdModel):
    """A person under health monitoring for a period: they (or a community team) keep a
    daily health diary. The resident opens their diary with a secret link."""

    class Reason(models.TextChoices):
        ARRIVAL = "arrival", _("Arrived from a high-risk area")
        CONTACT = "contact", _("Contact of a case (F1/F2), home monitoring")
        POST_QUARANTINE = "post_quarantine", _("After quarantine or isolation")
        SYMPTOMS = "symptoms", _("Symptoms reported")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Under monitoring")
        ENDED = "ended", _("Ended")

    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="monitorings",
    )
    unit = models.ForeignKey(
        AdminUnit, verbose_name=_("monitored by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.ACTIVE)
    note = models.CharField(_("note"), max_length=255, blank=True)
    access_token = models.CharField(
        _("diary link key"),
        max_length=43,
        unique=True,
        default=secrets.token_urlsafe,
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("continued in"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Ended because two records of the person were merged: their diary goes on in "
            "this monitoring, and this one's link opens it."
        ),
    )
    is_synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = MonitoringQuerySet.as_manager()

    class Meta:
        verbose_name = _("health monitoring")
        verbose_name_plural = _("health monitorings")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="active"),
                name="declarations_monitoring_one_active_per_person",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="declarations_monitoring_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.starts_on:%d/%m} – {self.ends_on:%d/%m/%Y}"

    def covers(self, day: Any) -> bool:
        return self.starts_on <= day <= self.ends_on


class DiaryEntryQuerySet(RestrictedQuerySet["DiaryEntry"]):
    scope_units = ("monitoring__unit",)


class DiaryEntry(PublicIdModel):
    """One day of a person's health diary: answers to the diary form (temperature,
    symptoms, contacts) in force that day."""

    monitoring = models.ForeignKey(
        Monitoring, verbose_name=_("monitoring"), on_delete=models.CASCADE, related_name="entries"
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="diary_entries",
    )
    day = models.DateField(_("day"))
    form = models.ForeignKey(
        FormDefinition, verbose_name=_("form"), on_delete=models.PROTECT, related_name="+"
    )
    answers = models.JSONField(_("answers"), default=dict)
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    flags = models.JSONField(_("needs follow-up for"), default=list, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    is_synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = DiaryEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("diary entry")
        verbose_name_plural = _("diary entries")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["monitoring", "day"], name="declarations_diaryentry_one_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y}"


class FollowUpQuerySet(RestrictedQuerySet["FollowUp"]):
    scope_units = ("unit",)

    def pending(self) -> FollowUpQuerySet:
        return self.filter(status__in=FollowUp.PENDING)


class FollowUp(PublicIdModel):
    """Something a commune health station must act on: a declared symptom, a stay in a
    high-risk area, a contact with a case, a fever in the diary. One pending item per person
    and reason; a repeated signal updates it."""

    class Reason(models.TextChoices):
        SYMPTOMS = "symptoms", _("Symptoms")
        FEVER = "fever", _("Fever")
        HIGH_RISK_AREA = "high_risk_area", _("Was in a high-risk area")
        CONTACT = "contact", _("Contact with a suspected or confirmed case")

    class Status(models.TextChoices):
        OPEN = "open", _("New")
        IN_PROGRESS = "in_progress", _("Being handled")
        DONE = "done", _("Done")
        DISMISSED = "dismissed", _("No action needed")

    PENDING = (Status.OPEN, Status.IN_PROGRESS)

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        AdminUnit, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.OPEN)
    declaration = models.ForeignKey(
        Declaration,
        verbose_name=_("latest declaration"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    diary_entry = models.ForeignKey(
        DiaryEntry,
        verbose_name=_("latest diary entry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signals = models.PositiveIntegerField(_("signals"), default=1)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    note = models.TextField(_("note"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    is_synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-last_seen", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "reason"],
                condition=Q(status__in=["open", "in_progress"]),
                name="declarations_followup_one_pending_per_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status", "last_seen"], name="declarations_fu_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.person}"

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING
