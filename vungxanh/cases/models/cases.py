"""Cases (F0), the provincial case numbers and positive rapid tests."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.cases.models.rulesets import RuleSet
from vungxanh.core.models import PublicIdModel
from vungxanh.core.scoping import RestrictedQuerySet
from vungxanh.geo.models import AdminUnit

_USER = settings.AUTH_USER_MODEL


class Basis(models.TextChoices):
    """How a case was established (DOMAIN.md §2.2). Which of them confirm a case is a
    parameter of the rule set in force (``confirming_bases``)."""

    PCR_POSITIVE = "pcr_positive", _("Positive RT-PCR")
    F1_RAPID_POSITIVE = "f1_rapid_positive", _("F1 with a positive rapid test")
    SUSPECTED_RAPID_WITH_LINK = (
        "suspected_rapid_positive_with_link",
        _("Symptoms, positive rapid test and an epidemiological link"),
    )
    TWO_RAPID_WITH_LINK = (
        "two_rapid_positive_with_link",
        _("Two positive rapid tests within the interval, with an epidemiological link"),
    )
    CLINICAL = "clinical", _("Clinical diagnosis with an epidemiological link")
    RAPID_POSITIVE = "rapid_positive", _("One positive rapid test (needs RT-PCR)")
    SYMPTOMS = "symptoms", _("Symptoms only (needs a test)")


class ExposureType(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    WORKPLACE = "workplace", _("Workplace")
    VENUE = "venue", _("Same place at the same time")
    TRANSPORT = "transport", _("Same vehicle")
    CARE = "care", _("Care without full protection")
    OTHER = "other", _("Other close contact")


class CaseCounter(models.Model):
    """The provincial case-number sequence ("BN 123"): one row per province, locked with
    SELECT … FOR UPDATE by the action that hands out the next number."""

    province = models.OneToOneField(
        AdminUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case number sequence")
        verbose_name_plural = _("case number sequences")

    def __str__(self) -> str:
        return f"{self.province_id}: {self.last_number}"


class CaseQuerySet(RestrictedQuerySet["Case"]):
    scope_units = ("responsible_unit", "residence_unit")

    def confirmed(self) -> CaseQuerySet:
        return self.filter(classification=Case.Classification.CONFIRMED)

    def suspected(self) -> CaseQuerySet:
        return self.filter(classification=Case.Classification.SUSPECTED)

    def not_discarded(self) -> CaseQuerySet:
        return self.exclude(classification=Case.Classification.DISCARDED)

    def active(self) -> CaseQuerySet:
        """Suspected or confirmed, not recovered, dead or transferred."""
        return self.not_discarded().filter(status=Case.Status.ACTIVE)


class Case(PublicIdModel):
    class Classification(models.TextChoices):
        SUSPECTED = "suspected", _("Suspected")
        CONFIRMED = "confirmed", _("Confirmed")
        DISCARDED = "discarded", _("Discarded")

    class Source(models.TextChoices):
        IMPORTED = "imported", _("Imported from outside the province")
        COMMUNITY = "community", _("Found in the community")
        IN_QUARANTINE = "in_quarantine", _("Found in quarantine")
        AMONG_F1 = "among_f1", _("Found among F1 under monitoring")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Under treatment or isolation")
        RECOVERED = "recovered", _("Recovered")
        DIED = "died", _("Died")
        TRANSFERRED = "transferred", _("Transferred out of the province")

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="cases"
    )
    number = models.PositiveIntegerField(_("case number"), null=True, blank=True)
    province = models.ForeignKey(
        AdminUnit, verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    classification = models.CharField(
        _("classification"), max_length=16, choices=Classification, default=Classification.SUSPECTED
    )
    basis = models.CharField(_("basis"), max_length=40, choices=Basis)
    sample_date = models.DateField(_("positive sample date"), null=True, blank=True)
    onset_date = models.DateField(
        _("symptom onset"), null=True, blank=True, help_text=_("Empty if asymptomatic.")
    )
    source = models.CharField(_("source"), max_length=16, choices=Source, default=Source.COMMUNITY)
    responsible_unit = models.ForeignKey(
        AdminUnit, verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="+"
    )
    residence_unit = models.ForeignKey(
        AdminUnit, verbose_name=_("residence unit"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.ACTIVE)
    isolated_at = models.DateTimeField(_("isolated at"), null=True, blank=True)
    needs_pcr = models.BooleanField(
        _("needs an RT-PCR sample"),
        default=False,
        help_text=_("A suspected case that only a positive RT-PCR can confirm."),
    )
    rule_set = models.ForeignKey(
        RuleSet, verbose_name=_("rule set"), on_delete=models.PROTECT, related_name="cases"
    )
    lab_reference = models.CharField(_("laboratory reference"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    reported_at = models.DateTimeField(_("registered at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        _USER,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    discarded_at = models.DateTimeField(_("discarded at"), null=True, blank=True)
    discard_reason = models.CharField(_("reason for discarding"), max_length=255, blank=True)
    classification_before_discard = models.CharField(max_length=16, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-reported_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "number"],
                condition=Q(number__isnull=False),
                name="cases_case_unique_number",
            ),
            # One open episode per person: confirm_case is idempotent on top of this.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="active") & ~Q(classification="discarded"),
                name="cases_case_one_active_per_person",
            ),
            models.CheckConstraint(
                condition=~Q(classification="confirmed") | Q(number__isnull=False),
                name="cases_case_confirmed_has_number",
            ),
            models.CheckConstraint(
                condition=Q(sample_date__isnull=False) | Q(onset_date__isnull=False),
                name="cases_case_has_anchor_date",
            ),
        ]
        indexes = [
            models.Index(fields=["responsible_unit", "reported_at"], name="cases_case_resp_idx"),
            models.Index(fields=["residence_unit", "reported_at"], name="cases_case_res_idx"),
            models.Index(fields=["classification", "confirmed_at"], name="cases_case_class_idx"),
        ]

    def __str__(self) -> str:
        if self.number:
            return f"BN{self.number}"
        return str(_("Suspected case %(id)s") % {"id": str(self.public_id)[:8]})

    @property
    def label(self) -> str:
        return str(self)

    @property
    def anchor_date(self) -> datetime.date:
        """Symptom onset, or for an asymptomatic case the positive sample date."""
        anchor = self.onset_date or self.sample_date
        assert anchor is not None  # guaranteed by cases_case_has_anchor_date
        return anchor

    @property
    def is_asymptomatic(self) -> bool:
        return self.onset_date is None

    @property
    def is_confirmed(self) -> bool:
        return self.classification == self.Classification.CONFIRMED

    @property
    def is_discarded(self) -> bool:
        return self.classification == self.Classification.DISCARDED


class PositiveRapidTest(models.Model):
    """A positive rapid antigen test reported for a person (by a laboratory, a health
    station or a supervised self-test): two within the rule set's interval can confirm."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    taken_at = models.DateTimeField(_("taken at"))
    supervised = models.BooleanField(_("done or supervised by health staff"))
    lab_reference = models.CharField(_("laboratory reference"), max_length=100, blank=True)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rapid_tests",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        _USER,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("positive rapid test")
        verbose_name_plural = _("positive rapid tests")
        indexes = [models.Index(fields=["person", "taken_at"], name="cases_rapid_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.taken_at:%Y-%m-%d %H:%M}"
