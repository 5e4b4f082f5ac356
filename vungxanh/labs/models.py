"""Testing and laboratories: laboratories with daily capacity, sampling sites, samples (RT-PCR
and rapid antigen), pools, PCR runs (plates), the result log, re-sampling tasks and the
versioned testing rule set (pool size, single-testing reasons, priorities, targets).

Lineage is structural: a pool lists its member samples (:class:`PoolMember`, one pool per
sample); a positive pool gives each member a :class:`SamplingTask` (for the commune where the
person lives) whose ``sample`` is the individual re-test; the re-test carries its own result.

Throughput (``vungxanh bench pooling``, PERFORMANCE.md): tens of thousands of samples are
pooled and resulted at once, so a sample row is written as few times as possible and none of
the columns those steps change (status, result, times) is indexed: PostgreSQL then updates the
rows in place (HOT, with free space left in each page, migration 0001) instead of rewriting
every index. Pooling inserts narrow membership rows; worklists look at the samples collected
within the rule set's validity of a swab.

Who sees what: officials see samples collected in or of persons living in their units;
laboratory technicians see the samples, pools and runs of their own laboratory (the facility
of their assignment), never by area.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.core.models import PublicIdModel
from vungxanh.core.scoping import VIEW, RestrictedQuerySet, Scope, collapse_paths, path_prefix_q
from vungxanh.geo.models import AdminUnit, Facility, visible_units_q

if TYPE_CHECKING:
    from collections.abc import Iterable


def area_roots(scope: Scope, perm: str, action: str) -> tuple[str, ...]:
    """Unit roots of the grants that are *not* tied to a facility. A laboratory technician's
    assignment names a unit too, but their records are those of their laboratory only."""
    roots: list[str] = []
    for grant in scope.grants:
        if grant.facility_id is not None or not grant.allows(perm):
            continue
        root = grant.read_path if action == VIEW else grant.write_path
        if root:
            roots.append(root)
    return collapse_paths(roots)


def units_under(paths: Iterable[str]) -> models.QuerySet[AdminUnit]:
    return AdminUnit.objects.filter(path_prefix_q("path", paths))


class Reason(models.TextChoices):
    F1 = "f1", _("Close contact (F1)")
    SYMPTOMATIC = "symptomatic", _("Symptoms")
    RETEST = "retest", _("Individual re-test after a pool")
    CONFIRMATION = "confirmation", _("PCR after a positive rapid test")
    QUARANTINE_DAY = "quarantine_day", _("Quarantine day-N test")
    ENTRY = "entry", _("Entry into the province")
    WORKER_SCREENING = "worker_screening", _("Periodic worker screening")
    SCREENING = "screening", _("Community screening")


class TestKind(models.TextChoices):
    __test__ = False  # not a pytest test class
    PCR = "pcr", _("RT-PCR")
    RAPID = "rapid_antigen", _("Rapid antigen test")


class Result(models.TextChoices):
    PENDING = "pending", _("Pending")
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    INVALID = "invalid", _("Invalid")


# --- rule set ---------------------------------------------------------------------------------


class TestingRuleSetQuerySet(RestrictedQuerySet["TestingRuleSet"]):
    def scope_q(self, scope: Scope, action: str) -> Q | None:
        perm = self.perm(action)
        paths = scope.paths(perm, action)
        if not paths:
            return None
        # Everyone reads the national default and the rules of their units and those above;
        # changing them needs the unit in write scope.
        if action == VIEW:
            units = AdminUnit.objects.filter(visible_units_q(paths)).values("pk")
            return Q(unit__isnull=True) | Q(unit__in=units)
        return Q(unit__in=AdminUnit.objects.filter(path_prefix_q("path", paths)).values("pk"))

    def in_force(self, at: datetime.datetime) -> TestingRuleSetQuerySet:
        return self.filter(Q(valid_from__lte=at), Q(valid_to__isnull=True) | Q(valid_to__gt=at))


class TestingRuleSet(PublicIdModel):
    """The testing rules officials change, as data with an effective time: the maximum pool
    size, which reasons are tested singly (never pooled), the order of priority, the time a
    commune has to re-sample a pool's members, how often an invalid result is re-run, the
    province's daily capacity targets and the planner's assay defaults. A rule set of a unit
    applies to everything under it; a more specific unit's rule set overrides the province's,
    which overrides the national default (no unit); among those in force the latest
    ``valid_from`` wins."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.ForeignKey(
        AdminUnit,
        verbose_name=_("applies to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the national default, everywhere."),
    )
    valid_from = models.DateTimeField(_("in force from"))
    valid_to = models.DateTimeField(_("in force until"), null=True, blank=True)
    source = models.CharField(_("legal basis"), max_length=255, blank=True)
    max_pool_size = models.PositiveSmallIntegerField(
        _("maximum pool size"), validators=[MinValueValidator(2), MaxValueValidator(50)]
    )
    single_test_reasons = models.JSONField(
        _("reasons tested singly (never pooled)"), default=list, blank=True
    )
    priority_order = models.JSONField(_("priority of reasons (first is tested first)"))
    sample_validity_hours = models.PositiveSmallIntegerField(
        _("hours a swab stays fit for RT-PCR"),
        validators=[MinValueValidator(6), MaxValueValidator(720)],
    )
    retest_due_hours = models.PositiveSmallIntegerField(
        _("hours to re-sample a pool's members"), validators=[MinValueValidator(1)]
    )
    max_reruns = models.PositiveSmallIntegerField(
        _("re-runs of an invalid result before re-sampling"),
        validators=[MaxValueValidator(5)],
    )
    province_single_target = models.PositiveIntegerField(
        _("province target: single samples per day")
    )
    province_pooled_target = models.PositiveIntegerField(
        _("province target: pooled samples per day")
    )
    assay_sensitivity = models.DecimalField(
        _("assay sensitivity"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(0.5), MaxValueValidator(1)],
    )
    assay_specificity = models.DecimalField(
        _("assay specificity"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(0.5), MaxValueValidator(1)],
    )
    positivity_window_days = models.PositiveSmallIntegerField(
        _("days of recent positivity for the planner"),
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )

    objects = TestingRuleSetQuerySet.as_manager()
    __test__ = False  # not a pytest test class

    class Meta:
        verbose_name = _("testing rule set")
        verbose_name_plural = _("testing rule sets")
        ordering = ["unit__path", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "valid_from"], name="labs_testingruleset_unique_start"
            ),
            models.UniqueConstraint(
                fields=["valid_from"],
                condition=Q(unit__isnull=True),
                name="labs_testingruleset_unique_default_start",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="labs_testingruleset_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(max_pool_size__gte=2) & Q(max_pool_size__lte=50),
                name="labs_testingruleset_pool_size_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def priority_of(self, reason: str) -> int:
        order = list(self.priority_order or [])
        return order.index(reason) if reason in order else len(order)

    def is_single(self, reason: str) -> bool:
        return reason in (self.single_test_reasons or [])


# --- laboratories and sites ---------------------------------------------------------------------


class LaboratoryQuerySet(RestrictedQuerySet["Laboratory"]):
    def scope_q(self, scope: Scope, action: str) -> Q | None:
        perm = self.perm(action)
        roots = area_roots(scope, perm, action)
        facility_ids = scope.facility_ids(perm, action)
        if not roots and not facility_ids:
            return None
        q = Q(facility_id__in=facility_ids)
        if roots:
            # Laboratories in my area and those serving it from above (the provincial CDC).
            units_q = visible_units_q(roots) if action == VIEW else path_prefix_q("path", roots)
            q |= Q(facility__unit__in=AdminUnit.objects.filter(units_q).values("pk"))
        return q

    def active(self) -> LaboratoryQuerySet:
        return self.filter(is_active=True, facility__is_active=True)


class Laboratory(PublicIdModel):
    """What the testing capability knows about a facility of kind *laboratory*: its daily
    capacity for single and pooled RT-PCR samples and its plate layout."""

    facility = models.OneToOneField(
        Facility,
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="laboratory",
        limit_choices_to={"kind": Facility.Kind.LABORATORY},
    )
    single_capacity = models.PositiveIntegerField(_("single samples per day"), default=0)
    pooled_capacity = models.PositiveIntegerField(_("pooled samples per day"), default=0)
    plate_wells = models.PositiveSmallIntegerField(
        _("wells per plate"), default=96, validators=[MinValueValidator(8)]
    )
    control_wells = models.PositiveSmallIntegerField(
        _("control wells per plate"), default=2, validators=[MaxValueValidator(16)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = LaboratoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("laboratory")
        verbose_name_plural = _("laboratories")
        ordering = ["facility__unit__path", "facility__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(control_wells__lt=models.F("plate_wells")),
                name="labs_laboratory_controls_fit_plate",
            ),
        ]

    def __str__(self) -> str:
        return self.facility.name

    @property
    def name(self) -> str:
        return self.facility.name

    @property
    def wells_for_samples(self) -> int:
        return self.plate_wells - self.control_wells


class SamplingSiteQuerySet(RestrictedQuerySet["SamplingSite"]):
    def scope_q(self, scope: Scope, action: str) -> Q | None:
        perm = self.perm(action)
        roots = area_roots(scope, perm, action)
        if not roots:
            return None
        units_q = visible_units_q(roots) if action == VIEW else path_prefix_q("path", roots)
        return Q(unit__in=AdminUnit.objects.filter(units_q).values("pk"))

    def active(self) -> SamplingSiteQuerySet:
        return self.filter(is_active=True)


class SamplingSite(PublicIdModel):
    """Where samples are taken: a commune health station, a mobile team, a checkpoint, a
    workplace, a quarantine facility."""

    class Kind(models.TextChoices):
        HEALTH_STATION = "health_station", _("Commune health station")
        MOBILE_TEAM = "mobile_team", _("Mobile sampling team")
        CHECKPOINT = "checkpoint", _("Checkpoint")
        WORKPLACE = "workplace", _("Workplace")
        QUARANTINE = "quarantine", _("Quarantine facility")
        HOSPITAL = "hospital", _("Hospital")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    unit = models.ForeignKey(
        AdminUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sampling_sites",
    )
    default_lab = models.ForeignKey(
        Laboratory,
        verbose_name=_("sends samples to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sites",
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = SamplingSiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("sampling site")
        verbose_name_plural = _("sampling sites")
        ordering = ["unit__path", "name"]

    def __str__(self) -> str:
        return self.name


# --- samples, pools, runs -------------------------------------------------------------------


class LabRecordQuerySet(RestrictedQuerySet[Any]):
    """Records of a laboratory (pools, runs): the technicians of that laboratory, and
    officials whose area holds the laboratory."""

    lab_field = "lab"

    def scope_q(self, scope: Scope, action: str) -> Q | None:
        perm = self.perm(action)
        roots = area_roots(scope, perm, action)
        facility_ids = scope.facility_ids(perm, action)
        if not roots and not facility_ids:
            return None
        q = Q(**{f"{self.lab_field}__facility_id__in": facility_ids})
        if roots:
            q |= Q(**{f"{self.lab_field}__facility__unit__in": units_under(roots).values("pk")})
        return q


class SampleQuerySet(RestrictedQuerySet["Sample"]):
    def scope_q(self, scope: Scope, action: str) -> Q | None:
        perm = self.perm(action)
        roots = area_roots(scope, perm, action)
        facility_ids = scope.facility_ids(perm, action)
        if not roots and not facility_ids:
            return None
        q = Q(lab__facility_id__in=facility_ids)
        if roots:
            # Collected in my area, or of a person living in it.
            units = units_under(roots).values("pk")
            q |= Q(unit__in=units) | Q(home_unit__in=units)
        return q

    def pcr(self) -> SampleQuerySet:
        return self.filter(test_kind=TestKind.PCR)

    def rapid(self) -> SampleQuerySet:
        return self.filter(test_kind=TestKind.RAPID)

    def awaiting_result(self) -> SampleQuerySet:
        return self.filter(result=Result.PENDING).exclude(
            status__in=[Sample.Status.RETEST, Sample.Status.REJECTED]
        )

    def overdue(self, now: datetime.datetime | None = None) -> SampleQuerySet:
        """Still without a result although collected before today (local time)."""
        return self.awaiting_result().filter(collected_at__lt=start_of_day(now))

    def poolable(self) -> SampleQuerySet:
        """Screening RT-PCR samples at the laboratory, in no pool yet."""
        return self.filter(
            test_kind=TestKind.PCR,
            status=Sample.Status.RECEIVED,
            single_only=False,
            membership__isnull=True,
        )

    def fresh(self, hours: int, now: datetime.datetime | None = None) -> SampleQuerySet:
        """Collected within ``hours`` (the rule set's validity of a swab): what a worklist
        can still test. Bounds the worklist queries to recent rows."""
        return self.filter(
            collected_at__gte=(now or timezone.now()) - datetime.timedelta(hours=hours)
        )

    def pooled(self) -> SampleQuerySet:
        return self.filter(membership__isnull=False)

    def worklist_order(self) -> SampleQuerySet:
        return self.order_by("priority", "collected_at", "pk")


def start_of_day(now: datetime.datetime | None = None) -> datetime.datetime:
    local = timezone.localtime(now or timezone.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


class Sample(PublicIdModel):
    """One specimen from one person: an RT-PCR swab sent to a laboratory, or a rapid antigen
    test whose result is recorded where it was taken."""

    class Status(models.TextChoices):
        COLLECTED = "collected", _("Collected")
        RECEIVED = "received", _("At the laboratory")
        POOLED = "pooled", _("In a pool")  # shown, not stored: a received sample in a pool
        RESULTED = "resulted", _("Result available")
        RETEST = "retest", _("Individual re-test requested")
        REJECTED = "rejected", _("Rejected by the laboratory")

    class PerformedBy(models.TextChoices):
        STAFF = "staff", _("Health staff")
        SUPERVISED_SELF = "supervised_self", _("Self-test supervised by health staff")

    code = models.CharField(_("code"), max_length=16)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="lab_samples",
    )
    test_kind = models.CharField(_("test"), max_length=16, choices=TestKind)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason)
    quarantine_day = models.PositiveSmallIntegerField(
        _("quarantine day"), null=True, blank=True, validators=[MaxValueValidator(60)]
    )
    priority = models.PositiveSmallIntegerField(_("priority"), default=99)
    single_only = models.BooleanField(_("test singly (never pooled)"), default=False)
    is_f1 = models.BooleanField(_("under tracing as F1"), default=False)
    pool_group = models.CharField(
        _("keep together with"),
        max_length=120,
        blank=True,
        help_text=_("Household, quarantine room or workplace group kept in one pool."),
    )
    collected_at = models.DateTimeField(_("collected at"), db_index=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collected by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    site = models.ForeignKey(
        SamplingSite,
        verbose_name=_("sampling site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="samples",
        db_index=False,
    )
    unit = models.ForeignKey(
        AdminUnit,
        verbose_name=_("collected in"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # (unit, collected_at) below
    )
    home_unit = models.ForeignKey(
        AdminUnit,
        verbose_name=_("person lives in"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # (home_unit, collected_at) below
    )
    lab = models.ForeignKey(
        Laboratory,
        verbose_name=_("laboratory"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="samples",
        db_index=False,  # (lab, collected_at) below
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.COLLECTED)
    result = models.CharField(_("result"), max_length=16, choices=Result, default=Result.PENDING)
    ct_value = models.DecimalField(_("Ct"), max_digits=4, decimal_places=1, null=True, blank=True)
    resulted_at = models.DateTimeField(_("result at"), null=True, blank=True)
    turnaround = models.DurationField(_("turnaround"), null=True, blank=True)
    performed_by = models.CharField(
        _("performed by"), max_length=20, choices=PerformedBy, blank=True
    )
    run = models.ForeignKey(
        "Run",
        verbose_name=_("run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="samples",
    )
    well = models.CharField(_("well"), max_length=4, blank=True)
    attempts = models.PositiveSmallIntegerField(_("invalid runs"), default=0)
    rejection_reason = models.CharField(_("rejection reason"), max_length=200, blank=True)
    case_ref = models.UUIDField(_("case"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    is_synthetic = models.BooleanField(_("synthetic"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = SampleQuerySet.as_manager()

    class Meta:
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        ordering = ["priority", "collected_at"]
        # Nothing the pooling and result steps change is indexed (see the module docstring).
        indexes = [
            models.Index(fields=["lab", "collected_at"], name="labs_sample_lab_idx"),
            models.Index(fields=["unit", "collected_at"], name="labs_sample_unit_idx"),
            models.Index(fields=["home_unit", "collected_at"], name="labs_sample_home_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="labs_sample_unique_code"),
            models.CheckConstraint(
                condition=Q(ct_value__isnull=True) | Q(result="positive"),
                name="labs_sample_ct_only_when_positive",
            ),
            models.CheckConstraint(
                condition=Q(result="pending") | Q(resulted_at__isnull=False),
                name="labs_sample_result_has_time",
            ),
            models.CheckConstraint(
                condition=Q(ct_value__isnull=True) | (Q(ct_value__gt=0) & Q(ct_value__lte=50)),
                name="labs_sample_ct_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="pooled"), name="labs_sample_pooled_is_not_stored"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_overdue(self) -> bool:
        return (
            self.result == Result.PENDING
            and self.status not in {self.Status.RETEST, self.Status.REJECTED}
            and self.collected_at < start_of_day()
        )

    @property
    def pool(self) -> Pool | None:
        """The pool this sample was tested in (lineage)."""
        try:
            return self.membership.pool
        except PoolMember.DoesNotExist:
            return None

    @property
    def pool_group_label(self) -> str:
        """What the sample is kept together with, for people ("household:12" → "hộ 12")."""
        kind, _sep, key = self.pool_group.partition(":")
        if kind == "household" and key:
            return str(_("household %(id)s") % {"id": key})
        return self.pool_group

    @property
    def display_status(self) -> str:
        if self.status == self.Status.RECEIVED and self.pool is not None:
            return str(self.Status.POOLED.label)
        return str(self.get_status_display())

    @property
    def same_day(self) -> bool | None:
        if self.resulted_at is None:
            return None
        return timezone.localdate(self.resulted_at) == timezone.localdate(self.collected_at)


class PoolQuerySet(RestrictedQuerySet["Pool"]):
    def scope_q(self, scope: Scope, action: str) -> Q | None:
        perm = self.perm(action)
        roots = area_roots(scope, perm, action)
        facility_ids = scope.facility_ids(perm, action)
        if not roots and not facility_ids:
            return None
        q = Q(lab__facility_id__in=facility_ids)
        if roots:
            # Officials see a pool through the samples of their area it holds.
            units = units_under(roots).values("pk")
            members = PoolMember.objects.filter(
                Q(sample__unit__in=units) | Q(sample__home_unit__in=units)
            )
            q |= Q(pk__in=members.values("pool_id"))
        return q

    def awaiting_result(self) -> PoolQuerySet:
        return self.filter(status__in=[Pool.Status.READY, Pool.Status.ON_RUN])


class Pool(PublicIdModel):
    """Samples of several persons tested in one RT-PCR reaction."""

    class Status(models.TextChoices):
        READY = "ready", _("Ready for a run")
        ON_RUN = "on_run", _("On a run")
        RESULTED = "resulted", _("Result available")

    code = models.CharField(_("code"), max_length=16)
    lab = models.ForeignKey(
        Laboratory,
        verbose_name=_("laboratory"),
        on_delete=models.PROTECT,
        related_name="pools",
        db_index=False,  # (lab, status) below
    )
    rule_set = models.ForeignKey(
        TestingRuleSet,
        verbose_name=_("rule set"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    size = models.PositiveSmallIntegerField(_("samples"))
    members: models.ManyToManyField[Sample, PoolMember] = models.ManyToManyField(
        Sample, through="PoolMember", related_name="pools", verbose_name=_("samples")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.READY)
    result = models.CharField(_("result"), max_length=16, choices=Result, default=Result.PENDING)
    ct_value = models.DecimalField(_("Ct"), max_digits=4, decimal_places=1, null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("invalid runs"), default=0)
    run = models.ForeignKey(
        "Run",
        verbose_name=_("run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pools",
    )
    well = models.CharField(_("well"), max_length=4, blank=True)
    created_at = models.DateTimeField(_("built at"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("built by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    resulted_at = models.DateTimeField(_("result at"), null=True, blank=True)
    is_synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = PoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("pool")
        verbose_name_plural = _("pools")
        ordering = ["-created_at", "code"]
        indexes = [models.Index(fields=["lab", "status"], name="labs_pool_lab_status_idx")]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="labs_pool_unique_code"),
            models.CheckConstraint(condition=Q(size__gte=1), name="labs_pool_not_empty"),
            models.CheckConstraint(
                condition=Q(ct_value__isnull=True) | Q(result="positive"),
                name="labs_pool_ct_only_when_positive",
            ),
            models.CheckConstraint(
                condition=Q(status="resulted") | Q(result="pending"),
                name="labs_pool_result_only_when_resulted",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class PoolMember(models.Model):
    """A sample in a pool: pool → member samples, the lineage DOMAIN.md §4 asks for. A sample
    is pooled at most once (an invalid pool is re-run as it is, never rebuilt)."""

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="memberships")
    sample = models.OneToOneField(Sample, on_delete=models.PROTECT, related_name="membership")

    class Meta:
        verbose_name = _("pool member")
        verbose_name_plural = _("pool members")

    def __str__(self) -> str:
        return f"{self.pool_id}: {self.sample_id}"


class RunQuerySet(LabRecordQuerySet):
    pass


class Run(PublicIdModel):
    """One RT-PCR run on one plate: the worklist of pools and single samples it holds."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    code = models.CharField(_("code"), max_length=16, unique=True)
    lab = models.ForeignKey(
        Laboratory, verbose_name=_("laboratory"), on_delete=models.PROTECT, related_name="runs"
    )
    wells = models.PositiveSmallIntegerField(_("wells"))
    control_wells = models.PositiveSmallIntegerField(_("control wells"))
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        verbose_name = _("run")
        verbose_name_plural = _("runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.code


class ResultRecord(models.Model):
    """Every result entered for a pool or a single sample (one PCR reaction or one rapid
    test), including invalid ones that were re-run: the result history of the laboratory."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by hand")
        IMPORT = "import", _("Imported from the machine export")
        RAPID = "rapid", _("Rapid test where taken")

    lab = models.ForeignKey(
        Laboratory,
        verbose_name=_("laboratory"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # (lab, entered_at) below
    )
    pool = models.ForeignKey(
        Pool, null=True, blank=True, on_delete=models.PROTECT, related_name="results"
    )
    sample = models.ForeignKey(
        Sample, null=True, blank=True, on_delete=models.PROTECT, related_name="results"
    )
    run = models.ForeignKey(
        Run, null=True, blank=True, on_delete=models.SET_NULL, related_name="results"
    )
    members = models.PositiveSmallIntegerField(_("samples covered"), default=1)
    result = models.CharField(_("result"), max_length=16, choices=Result)
    ct_value = models.DecimalField(_("Ct"), max_digits=4, decimal_places=1, null=True, blank=True)
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    source = models.CharField(_("source"), max_length=8, choices=Source)
    job_ref = models.CharField(_("import job"), max_length=36, blank=True)

    class Meta:
        verbose_name = _("result entry")
        verbose_name_plural = _("result entries")
        ordering = ["entered_at", "pk"]
        indexes = [models.Index(fields=["lab", "entered_at"], name="labs_result_lab_time_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(pool__isnull=True, sample__isnull=False)
                | Q(pool__isnull=False, sample__isnull=True),
                name="labs_resultrecord_pool_xor_sample",
            ),
            models.CheckConstraint(
                condition=~Q(result="pending"), name="labs_resultrecord_not_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pool or self.sample}: {self.result}"


class ResultCorrection(models.Model):
    """A result entered wrongly and corrected afterwards: who, when, why, the result before
    and after, and what followed (re-sampling tasks cancelled or created, members' results,
    a case discarded or confirmed). The result history (:class:`ResultRecord`) keeps what
    was entered; this says why the current result differs."""

    lab = models.ForeignKey(
        Laboratory,
        verbose_name=_("laboratory"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pool = models.ForeignKey(
        Pool, null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    sample = models.ForeignKey(
        Sample, null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    result_before = models.CharField(_("result before"), max_length=16, choices=Result)
    ct_before = models.DecimalField(
        _("Ct before"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    result_after = models.CharField(_("corrected result"), max_length=16, choices=Result)
    ct_after = models.DecimalField(
        _("corrected Ct"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    reason = models.CharField(_("why"), max_length=255)
    corrected_at = models.DateTimeField(_("corrected at"), default=timezone.now)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("corrected by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    consequences = models.JSONField(_("what followed"), default=dict, blank=True)
    case_ref = models.UUIDField(_("case concerned"), null=True, blank=True)

    class Meta:
        verbose_name = _("result correction")
        verbose_name_plural = _("result corrections")
        ordering = ["corrected_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pool__isnull=True, sample__isnull=False)
                | Q(pool__isnull=False, sample__isnull=True),
                name="labs_resultcorrection_pool_xor_sample",
            ),
            models.CheckConstraint(
                condition=~Q(result_after="pending"),
                name="labs_resultcorrection_not_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pool or self.sample}: {self.result_before} → {self.result_after}"


class SamplingTaskQuerySet(RestrictedQuerySet["SamplingTask"]):
    def scope_q(self, scope: Scope, action: str) -> Q | None:
        perm = self.perm(action)
        roots = area_roots(scope, perm, action)
        facility_ids = scope.facility_ids(perm, action)
        if not roots and not facility_ids:
            return None
        q = Q(lab__facility_id__in=facility_ids)
        if roots:
            q |= Q(unit__in=units_under(roots).values("pk"))
        return q

    def open(self) -> SamplingTaskQuerySet:
        return self.filter(status=SamplingTask.Status.OPEN)

    def overdue(self, now: datetime.datetime | None = None) -> SamplingTaskQuerySet:
        return self.open().filter(due_at__lt=now or timezone.now())


class SamplingTask(PublicIdModel):
    """A person to be sampled again, individually, by the commune where they live: every
    member of a positive (or repeatedly invalid) pool, a sample the laboratory rejected, or
    a suspected case after a positive rapid test. Tracked until the new sample's result; when
    the new sample itself is rejected or stays invalid, the task is closed as *sampled again*
    and the task created for that sample carries the person on (the chain shows on the pages
    of both)."""

    class Kind(models.TextChoices):
        POOL_POSITIVE = "pool_positive", _("Member of a positive pool")
        POOL_INVALID = "pool_invalid", _("Member of a pool that stayed invalid")
        SAMPLE_INVALID = "sample_invalid", _("Sample that stayed invalid")
        SAMPLE_REJECTED = "sample_rejected", _("Sample rejected by the laboratory")
        RAPID_CONFIRMATION = "rapid_confirmation", _("PCR after a positive rapid test")

    class Status(models.TextChoices):
        OPEN = "open", _("To sample")
        SAMPLED = "sampled", _("Sampled, waiting for the result")
        RESULTED = "resulted", _("Result available")
        # The new sample was rejected or stayed invalid: a task of its own follows the person.
        RESAMPLED = "resampled", _("Sample unusable, sampled again")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="lab_sampling_tasks",
    )
    unit = models.ForeignKey(
        AdminUnit,
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # (unit, status, due_at) below
    )
    lab = models.ForeignKey(
        Laboratory,
        verbose_name=_("laboratory"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sampling_tasks",
    )
    origin_sample = models.ForeignKey(
        Sample,
        verbose_name=_("earlier sample"),
        on_delete=models.PROTECT,
        related_name="sampling_tasks",
        db_index=False,  # (origin_sample, kind) below
    )
    pool = models.ForeignKey(
        Pool,
        verbose_name=_("pool"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sampling_tasks",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    due_at = models.DateTimeField(_("due"))
    sample = models.OneToOneField(
        Sample,
        verbose_name=_("new sample"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fulfils",
    )
    sampled_at = models.DateTimeField(_("sampled at"), null=True, blank=True)
    resulted_at = models.DateTimeField(_("result at"), null=True, blank=True)
    closed_reason = models.CharField(_("reason for closing"), max_length=200, blank=True)

    objects = SamplingTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("sampling task")
        verbose_name_plural = _("sampling tasks")
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["unit", "status", "due_at"], name="labs_task_board_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["origin_sample", "kind"], name="labs_samplingtask_once_per_origin"
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(status="cancelled") | Q(sample__isnull=False),
                name="labs_samplingtask_sampled_has_sample",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.origin_sample.code}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_at < timezone.now()


class CodeSequence(models.Model):
    """Counters behind the printed codes of samples, pools and runs (allocated in blocks
    under a row lock, so concurrent collections never share a code)."""

    name = models.CharField(max_length=16, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("code sequence")
        verbose_name_plural = _("code sequences")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
