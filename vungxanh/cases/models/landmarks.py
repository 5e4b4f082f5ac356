"""Epidemiological landmarks ("mốc dịch tễ")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.cases.models.cases import Case, CaseQuerySet
from vungxanh.core.models import PublicIdModel
from vungxanh.core.scoping import RestrictedQuerySet, Scope
from vungxanh.geo.models import AdminUnit

_USER = settings.AUTH_USER_MODEL


class LandmarkQuerySet(RestrictedQuerySet["Landmark"]):
    def scope_q(self, scope: Scope, action: str) -> Q | None:
        paths = scope.paths(self.perm(action), action)
        if not paths:
            return None
        cases = Case.objects.filter(Case.objects.units_q(CaseQuerySet.scope_units, paths))
        return Q(case__in=cases.values("pk"))

    def published(self) -> LandmarkQuerySet:
        return self.filter(is_published=True)


class Landmark(PublicIdModel):
    """A place, event and time a case was at ("mốc dịch tễ"): from a check-in, or told in
    the interview (a venue or a free-text place, a vehicle or a route)."""

    class Origin(models.TextChoices):
        CHECKIN = "checkin", _("Check-in")
        INTERVIEW = "interview", _("Interview")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="landmarks"
    )
    origin = models.CharField(_("origin"), max_length=16, choices=Origin)
    checkin_id = models.BigIntegerField(_("check-in"), null=True, blank=True)
    venue = models.ForeignKey(
        "venues.Venue",
        verbose_name=_("venue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    unit = models.ForeignKey(
        AdminUnit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    vehicle = models.CharField(
        _("vehicle"), max_length=120, blank=True, help_text=_("Kind and number plate or flight.")
    )
    route = models.CharField(_("route"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    co_present = models.PositiveIntegerField(
        _("people there at the same time"), null=True, blank=True
    )
    reported_people = models.PositiveIntegerField(
        _("people there (reported)"), null=True, blank=True
    )
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        _USER,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    public_note = models.CharField(_("public message"), max_length=255, blank=True)
    withdrawn_by_discard = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        _USER,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )

    objects = LandmarkQuerySet.as_manager()

    class Meta:
        verbose_name = _("epidemiological landmark")
        verbose_name_plural = _("epidemiological landmarks")
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="cases_landmark_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(venue__isnull=False) | ~Q(place=""),
                name="cases_landmark_has_place",
            ),
            models.UniqueConstraint(
                fields=["case", "checkin_id"],
                condition=Q(checkin_id__isnull=False),
                name="cases_landmark_unique_checkin",
            ),
        ]
        indexes = [
            models.Index(fields=["is_published", "start"], name="cases_landmark_pub_idx"),
            models.Index(fields=["venue", "start"], name="cases_landmark_venue_idx"),
        ]

    def __str__(self) -> str:
        return self.place_label

    @property
    def place_label(self) -> str:
        if self.venue_id is not None and self.venue is not None:
            return self.venue.name
        return self.place
