"""Clusters ("ổ dịch") and their cases."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.cases.models.cases import Case, CaseQuerySet
from vungxanh.core.models import PublicIdModel
from vungxanh.core.scoping import RestrictedQuerySet, Scope
from vungxanh.geo.models import AdminUnit


class ClusterQuerySet(RestrictedQuerySet["Cluster"]):
    """A cluster belongs to its unit; it is also visible (not changeable) to the areas of
    its cases, so that a case's district can open the cluster its case joined (the pages
    show them only the cases of their area)."""

    scope_units = ("unit",)

    def scope_q(self, scope: Scope, action: str) -> Q | None:
        paths = scope.paths(self.perm(action), action)
        if not paths:
            return None
        q = self.units_q(self.scope_units, paths)
        if action == "view":
            cases = Case.objects.filter(Case.objects.units_q(CaseQuerySet.scope_units, paths))
            members = ClusterMember.objects.filter(
                case__in=cases.values("pk"), removed_by_case__isnull=True
            )
            q |= Q(pk__in=members.values("cluster_id"))
        return q

    def open(self) -> ClusterQuerySet:
        return self.filter(status__in=[Cluster.Status.PROPOSED, Cluster.Status.ACTIVE])


class Cluster(PublicIdModel):
    """An outbreak cluster ("ổ dịch"): cases linked by a shared landmark at overlapping
    times or as contacts. Proposed automatically, named and bounded by officials, closed
    after the rule set's number of days without a new case."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")
        DISMISSED = "dismissed", _("Dismissed")

    name = models.CharField(_("name"), max_length=200)
    unit = models.ForeignKey(
        AdminUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    containment_zone = models.TextField(
        _("containment zone"),
        blank=True,
        help_text=_("Streets, villages or buildings under containment."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PROPOSED)
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    last_case_date = models.DateField(_("latest case"), null=True, blank=True)
    closed_by_case = models.ForeignKey(
        Case,
        verbose_name=_("dismissed because of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status_before_close = models.CharField(max_length=16, blank=True)

    objects = ClusterQuerySet.as_manager()

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        ordering = ["-proposed_at"]
        indexes = [models.Index(fields=["unit", "status"], name="cases_cluster_unit_idx")]

    def __str__(self) -> str:
        return self.name


class ClusterMember(models.Model):
    class Link(models.TextChoices):
        LANDMARK = "landmark", _("Same place at overlapping times")
        CONTACT = "contact", _("Contact of another case")
        MANUAL = "manual", _("Added by an official")

    cluster = models.ForeignKey(
        Cluster, verbose_name=_("cluster"), on_delete=models.CASCADE, related_name="members"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="cluster_members"
    )
    link = models.CharField(_("link"), max_length=16, choices=Link)
    linked_case = models.ForeignKey(
        Case,
        verbose_name=_("linked to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    venue = models.ForeignKey(
        "venues.Venue",
        verbose_name=_("venue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    removed_by_case = models.ForeignKey(
        Case,
        verbose_name=_("removed because of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("cluster member")
        verbose_name_plural = _("cluster members")
        constraints = [
            models.UniqueConstraint(fields=["cluster", "case"], name="cases_clustermember_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.cluster_id}: {self.case_id}"
