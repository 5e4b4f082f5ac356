"""Venues with signed QR codes, the people who run them, the check-in rule sets and the
check-ins themselves (shaped for contact tracing: see PERFORMANCE.md §5.5)."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any, Self

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.core.models import PublicIdModel, TimeStampedModel
from vungxanh.core.scoping import RestrictedQuerySet, Scope, path_prefix_q, scope_of
from vungxanh.geo.models import AdminUnit

OWN_VENUE = "venues.own_venue"  # venue staff: their own venues (posters, counts, QR)
OWN_SCAN = "venues.own_scan"  # venue staff: check visitors in at their own venues
VENUE_STAFF_ROLE = "venue_staff"
#: The longest stay a rule set may allow: "an automatic check-out after the venue kind's
#: default stay, never more than 8 hours" (the requirement, not a rule officials change).
LONGEST_STAY_LIMIT_MINUTES = 8 * 60
#: The largest venue a form accepts (a stadium, an industrial zone); the column is 32-bit.
MAX_VENUE_CAPACITY = 1_000_000
#: What a venue code can hold: generated codes use 32 unambiguous characters, imported ones
#: letters, digits and dashes (stored upper-case). Anything else names no venue.
VENUE_CODE_RE = re.compile(r"[A-Z0-9-]{3,16}")


class VenueKind(models.TextChoices):
    MARKET = "market", _("Market")
    SUPERMARKET = "supermarket", _("Supermarket or shopping centre")
    RESTAURANT = "restaurant", _("Restaurant, café or eatery")
    OFFICE = "office", _("Office or agency")
    SCHOOL = "school", _("School")
    FACTORY = "factory", _("Factory or industrial zone")
    CONSTRUCTION = "construction", _("Construction site")
    HOSPITAL = "hospital", _("Hospital or clinic")
    HOTEL = "hotel", _("Hotel or guest house")
    TOURIST_SITE = "tourist_site", _("Tourist site")
    VEHICLE = "vehicle", _("Passenger vehicle")
    EVENT = "event", _("Event")
    RELIGIOUS = "religious", _("Religious site")
    OTHER = "other", _("Other")


class CheckInRuleSetQuerySet(models.QuerySet["CheckInRuleSet"]):
    def in_force(self, at: datetime.datetime | None = None) -> CheckInRuleSet | None:
        moment = at or timezone.now()
        return self.filter(valid_from__lte=moment).order_by("-valid_from", "-pk").first()


class CheckInRuleSet(models.Model):
    """The check-in rules officials may change, versioned by the moment they take effect:
    the longest stay, how long check-ins are kept, the tolerated clock skew of devices and
    the default stay of each kind of venue (used for the automatic check-out)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    valid_from = models.DateTimeField(_("in force from"))
    max_stay_minutes = models.PositiveIntegerField(
        _("longest stay (minutes)"),
        default=LONGEST_STAY_LIMIT_MINUTES,
        validators=[MinValueValidator(1), MaxValueValidator(LONGEST_STAY_LIMIT_MINUTES)],
    )
    retention_days = models.PositiveSmallIntegerField(_("keep check-ins for (days)"), default=28)
    clock_skew_minutes = models.PositiveSmallIntegerField(
        _("tolerated clock skew (minutes)"), default=5
    )
    default_stays = models.JSONField(
        _("default stay by kind (minutes)"),
        default=dict,
        help_text=_("Minutes of the automatic check-out for each kind of venue."),
    )
    decision = models.CharField(_("decision"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = CheckInRuleSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in rule set")
        verbose_name_plural = _("check-in rule sets")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_stay_minutes__gte=1)
                & Q(max_stay_minutes__lte=LONGEST_STAY_LIMIT_MINUTES),
                name="venues_checkinruleset_max_stay_range",
            ),
            models.CheckConstraint(
                condition=Q(retention_days__gte=1) & Q(retention_days__lte=366),
                name="venues_checkinruleset_retention_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def default_stay_minutes(self, kind: str) -> int:
        value = self.default_stays.get(kind) or self.default_stays.get(VenueKind.OTHER) or 60
        return min(int(value), self.max_stay_minutes)


class VenueQuerySet(RestrictedQuerySet["Venue"]):
    """Officials see venues in their units. Venue staff (``venues.own_*``) see the venues
    they are members of; owners may also change them."""

    scope_units = ("unit",)

    def restrict(self, user: Any, action: str = "view") -> Self:
        scope = scope_of(user)
        if scope.unrestricted:
            return self.all()
        q: Q | None = None
        if scope.has_perm(self.perm(action)):
            q = self.scope_q(scope, action)
        # Membership grants access only through the venue-staff role (officials' "venues.*"
        # also matches "venues.own_venue", but they work by area, not by membership).
        if scope.user_id is not None and VENUE_STAFF_ROLE in scope.roles:
            members = VenueMember.objects.filter(user_id=scope.user_id, is_active=True)
            if action != "view":
                members = members.filter(is_owner=True)
            member_q = Q(pk__in=members.values("venue_id"))
            q = member_q if q is None else q | member_q
        if q is None:
            return self.none()
        return self.filter(q)

    def active(self) -> Self:
        return self.filter(status=Venue.Status.ACTIVE)

    def pending(self) -> Self:
        return self.filter(status=Venue.Status.PENDING)


class Venue(PublicIdModel, TimeStampedModel):
    """A place people check in to: a shop, an office, a bus, an event. Its QR code is the
    URL of its public check-in page signed over its code and QR key version."""

    Kind = VenueKind

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")

    class OwnerKind(models.TextChoices):
        BUSINESS = "business", _("Business or organisation")
        PERSON = "person", _("Individual")

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=VenueKind, default=VenueKind.OTHER)
    unit = models.ForeignKey(
        AdminUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="venues"
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    route = models.CharField(
        _("route"), max_length=200, blank=True, help_text=_("For passenger vehicles.")
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    capacity = models.PositiveIntegerField(
        _("capacity (people)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_VENUE_CAPACITY)],
    )
    is_indoor = models.BooleanField(_("indoor"), default=True)
    default_stay_minutes = models.PositiveIntegerField(
        _("default stay (minutes)"),
        null=True,
        blank=True,
        help_text=_("Leave empty to use the default of the venue kind."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PENDING)
    owner_kind = models.CharField(
        _("owner type"), max_length=16, choices=OwnerKind, default=OwnerKind.BUSINESS
    )
    owner_name = models.CharField(_("owner"), max_length=200, blank=True)
    owner_phone = models.CharField(_("owner's phone"), max_length=16, blank=True)
    owner_email = models.EmailField(_("owner's e-mail"), blank=True)
    qr_key_version = models.PositiveIntegerField(_("QR key version"), default=1)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    is_synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = VenueQuerySet.as_manager()

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["unit", "status"], name="venues_venue_unit_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(qr_key_version__gte=1), name="venues_venue_qr_key_version_positive"
            ),
            models.CheckConstraint(
                condition=Q(default_stay_minutes__isnull=True) | Q(default_stay_minutes__gte=1),
                name="venues_venue_default_stay_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class VenueMember(models.Model):
    """A venue-staff account that works for a venue; owners manage it, staff scan visitors."""

    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="venue_memberships",
    )
    is_owner = models.BooleanField(_("owner"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("venue member")
        verbose_name_plural = _("venue members")
        constraints = [
            models.UniqueConstraint(fields=["venue", "user"], name="venues_venuemember_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.venue}"


class CheckInQuerySet(RestrictedQuerySet["CheckIn"]):
    """Check-ins are personal data: officials see those at venues in their units."""

    def scope_q(self, scope: Scope, action: str) -> Q | None:
        paths = scope.paths(self.perm(action), action)
        if not paths:
            return None
        units = AdminUnit.objects.filter(path_prefix_q("path", paths)).values("pk")
        return Q(venue__in=Venue.objects.filter(unit__in=units).values("pk"))

    def between(self, start: datetime.datetime, end: datetime.datetime) -> Self:
        return self.filter(check_in__gte=start, check_in__lt=end)


class CheckIn(models.Model):
    """One visit of one person to one venue. ``check_out`` is never empty: an explicit
    check-out, or the automatic one (check-in + the venue's default stay, at most the
    longest stay of the rule set). The columns ``id, venue_id, person_id, check_in,
    check_out`` are the contract of the tracing queries."""

    class Source(models.TextChoices):
        RESIDENT_SCAN = "resident_scan", _("Resident scanned the venue QR")
        STAFF_SCAN = "staff_scan", _("Staff scanned the personal QR")
        CCCD_QR = "cccd_qr", _("Staff scanned the ID card QR")
        API = "api", _("Uploaded through the API")

    id = models.BigAutoField(primary_key=True)
    venue = models.ForeignKey(
        Venue,
        verbose_name=_("venue"),
        on_delete=models.PROTECT,
        related_name="checkins",
        db_index=False,  # covered by venues_ci_venue_time_idx
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="checkins",
        db_index=False,  # covered by venues_ci_person_time_idx
    )
    check_in = models.DateTimeField(_("check-in"))
    check_out = models.DateTimeField(_("check-out"))
    checkout_is_automatic = models.BooleanField(_("automatic check-out"), default=True)
    source = models.CharField(_("source"), max_length=16, choices=Source)
    uuid = models.UUIDField(_("client id"), default=uuid.uuid4, unique=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    objects = CheckInQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        db_table = "venues_checkin"
        ordering = ["-check_in"]
        indexes = [
            # On PostgreSQL migration 0002 rebuilds these two as covering btrees,
            # (venue_id, check_in) INCLUDE (check_out, person_id) and (person_id, check_in)
            # INCLUDE (venue_id, check_out), so that the F1 probe reads only the index
            # (PERFORMANCE.md §5.3); other databases keep them plain.
            models.Index(fields=["venue", "check_in"], name="venues_ci_venue_time_idx"),
            models.Index(fields=["person", "check_in"], name="venues_ci_person_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(check_out__gte=models.F("check_in")),
                name="venues_checkin_checkout_after_checkin",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.venue_id} {self.check_in:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        """Still inside: the automatic check-out has not come yet."""
        return self.checkout_is_automatic and self.check_out > timezone.now()


class VenueDailyCountQuerySet(RestrictedQuerySet["VenueDailyCount"]):
    def scope_q(self, scope: Scope, action: str) -> Q | None:
        paths = scope.paths(self.perm(action), action)
        if not paths:
            return None
        units = AdminUnit.objects.filter(path_prefix_q("path", paths)).values("pk")
        return Q(venue__in=Venue.objects.filter(unit__in=units).values("pk"))


class VenueDailyCount(models.Model):
    """Check-ins per venue per local day, derived from the check-ins by
    ``actions.refresh_daily_counts`` (no personal data; the activity pages read it instead of
    aggregating millions of check-ins on every view)."""

    venue = models.ForeignKey(
        Venue,
        verbose_name=_("venue"),
        on_delete=models.CASCADE,
        related_name="daily_counts",
        db_index=False,  # the unique (venue, day) constraint covers it
    )
    day = models.DateField(_("day"))
    checkins = models.PositiveIntegerField(_("check-ins"))
    refreshed_at = models.DateTimeField(_("counted at"))

    objects = VenueDailyCountQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily check-in count")
        verbose_name_plural = _("daily check-in counts")
        constraints = [
            models.UniqueConstraint(fields=["venue", "day"], name="venues_venuedailycount_unique"),
        ]
        indexes = [models.Index(fields=["day", "venue"], name="venues_dailycount_day_idx")]

    def __str__(self) -> str:
        return f"{self.venue_id} {self.day}: {self.checkins}"


class CheckInPurge(models.Model):
    """One completed run of the retention purge (``actions.purge_checkins``): when it
    finished, the cut-off it applied and how many check-ins it deleted. Officials of the
    province see the last run on the activity page, with a warning when it is overdue (the
    purge is scheduled outside the application, see ``venues.tasks``). No personal data."""

    finished_at = models.DateTimeField(_("finished at"), default=timezone.now, db_index=True)
    cutoff = models.DateTimeField(_("deleted check-ins before"))
    deleted = models.PositiveBigIntegerField(_("check-ins deleted"))
    retention_days = models.PositiveSmallIntegerField(_("retention (days)"))

    class Meta:
        verbose_name = _("check-in purge")
        verbose_name_plural = _("check-in purges")
        ordering = ["-finished_at"]
        get_latest_by = "finished_at"

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M}: {self.deleted}"
