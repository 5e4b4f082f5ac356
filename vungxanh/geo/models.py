"""Administrative units (province → district → commune → village) and the health-system
facilities placed in them (health stations, hospitals, laboratories, quarantine facilities,
checkpoints). Units merge and split: each unit has validity dates and records what it
became (:class:`UnitSuccession`), so the 2021 three-level and the post-2025 two-level
structures can live side by side."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vungxanh.core.models import PublicIdModel
from vungxanh.core.scoping import RestrictedQuerySet, Scope, path_prefix_q

if TYPE_CHECKING:
    from collections.abc import Iterable


#: Largest population a unit may be given (Vietnam has about 100 million people).
MAX_POPULATION = 150_000_000
#: A unit code becomes a segment of the materialized path: letters, digits, "-", "_", ".".
VILLAGE_CODE_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9._-]+$",
    _("A code may contain only letters, digits, “-”, “_” and “.”."),
)


def ancestor_paths(path: str) -> list[str]:
    """'/22/193/06649/' → ['/22/', '/22/193/', '/22/193/06649/']."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def visible_units_q(roots: Iterable[str], field: str = "path") -> Q:
    """Units inside any root, and the ancestors of each root (a commune officer sees the
    names of their district and province, not their neighbours)."""
    roots = list(roots)
    ancestors = {a for r in roots for a in ancestor_paths(r)}
    return path_prefix_q(field, roots) | Q(**{f"{field}__in": sorted(ancestors)})


class AdminUnitQuerySet(RestrictedQuerySet["AdminUnit"]):
    def scope_q(self, scope: Scope, action: str) -> Q | None:
        paths = scope.paths(self.perm(action), action)
        if not paths:
            return None
        if action == "view":
            return visible_units_q(paths)
        return path_prefix_q("path", paths)

    def current(self, on: datetime.date | None = None) -> AdminUnitQuerySet:
        day = on or datetime.date.today()
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )

    def under(self, path: str) -> AdminUnitQuerySet:
        return self.filter(path__startswith=path)

    def provinces(self) -> AdminUnitQuerySet:
        return self.filter(level=AdminUnit.Level.PROVINCE)

    def districts(self) -> AdminUnitQuerySet:
        return self.filter(level=AdminUnit.Level.DISTRICT)

    def communes(self) -> AdminUnitQuerySet:
        return self.filter(level=AdminUnit.Level.COMMUNE)

    def villages(self) -> AdminUnitQuerySet:
        return self.filter(level=AdminUnit.Level.VILLAGE)


class AdminUnit(PublicIdModel):
    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        DISTRICT = 2, _("District")
        COMMUNE = 3, _("Commune")
        VILLAGE = 4, _("Village")

    class Kind(models.TextChoices):
        PROVINCE = "tinh", _("Province")
        CENTRAL_CITY = "thanh_pho_tw", _("Centrally governed city")
        CITY = "thanh_pho", _("City")
        TOWN = "thi_xa", _("Town")
        RURAL_DISTRICT = "huyen", _("Rural district")
        URBAN_DISTRICT = "quan", _("Urban district")
        WARD = "phuong", _("Ward")
        COMMUNE = "xa", _("Commune")
        TOWNSHIP = "thi_tran", _("Township")
        SPECIAL_ZONE = "dac_khu", _("Special zone")
        VILLAGE = "thon", _("Village")
        HAMLET = "ban", _("Hamlet")
        QUARTER = "khu", _("Quarter")
        RESIDENTIAL_GROUP = "to_dan_pho", _("Residential group")

    class Structure(models.TextChoices):
        Y2021 = "2021", _("Three levels (2021)")
        Y2025 = "2025", _("Two levels (from 1 July 2025)")

    code = models.CharField(_("code"), max_length=20, help_text=_("GSO code; villages: local."))
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, unique=True)
    structure = models.CharField(
        _("structure"), max_length=8, choices=Structure, default=Structure.Y2021
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_source = models.CharField(_("population source"), max_length=200, blank=True)
    population_year = models.PositiveSmallIntegerField(_("population year"), null=True, blank=True)
    population_is_estimate = models.BooleanField(_("population is an estimate"), default=False)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_synthetic = models.BooleanField(
        _("synthetic"), default=False, help_text=_("Generated for the demo, not official.")
    )
    successors: models.ManyToManyField[AdminUnit, UnitSuccession] = models.ManyToManyField(
        "self",
        through="UnitSuccession",
        symmetrical=False,
        related_name="predecessors",
        verbose_name=_("became"),
        blank=True,
    )

    objects = AdminUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "code"],
                condition=Q(valid_to__isnull=True),
                name="geo_adminunit_unique_current_code",
            ),
            models.CheckConstraint(
                condition=Q(path__startswith="/") & Q(path__endswith="/"),
                name="geo_adminunit_path_slashes",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="geo_adminunit_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True, level=1) | Q(parent__isnull=False, level__gt=1),
                name="geo_adminunit_parent_by_level",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def ancestors(self) -> AdminUnitQuerySet:
        return AdminUnit.objects.filter(path__in=ancestor_paths(self.path)[:-1]).order_by("path")

    def descendants(self) -> AdminUnitQuerySet:
        return AdminUnit.objects.filter(path__startswith=self.path).exclude(pk=self.pk)

    @property
    def full_name(self) -> str:
        """'Phường Hà Khánh, Thành phố Hạ Long, Tỉnh Quảng Ninh'."""
        names = [self.name, *(a.name for a in self.ancestors().order_by("-path"))]
        return ", ".join(names)

    def is_current(self, on: datetime.date | None = None) -> bool:
        day = on or datetime.date.today()
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or self.valid_to >= day
        )


class UnitSuccession(models.Model):
    """What a unit became: merges (many → one), splits (one → many), renames."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("Merged into")
        SPLIT = "split", _("Split into")
        RENAME = "rename", _("Renamed to")
        RESTRUCTURE = "restructure", _("Restructured into")

    predecessor = models.ForeignKey(
        AdminUnit, on_delete=models.CASCADE, related_name="succession_to"
    )
    successor = models.ForeignKey(
        AdminUnit, on_delete=models.CASCADE, related_name="succession_from"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.RESTRUCTURE)
    effective_on = models.DateField(_("effective on"))
    is_default = models.BooleanField(
        _("main successor"),
        default=True,
        help_text=_("For a split, the successor that takes records without a finer address."),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("unit succession")
        verbose_name_plural = _("unit successions")
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="geo_unitsuccession_unique_pair"
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=models.F("successor")),
                name="geo_unitsuccession_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


class FacilityQuerySet(RestrictedQuerySet["Facility"]):
    def scope_q(self, scope: Scope, action: str) -> Q | None:
        perm = self.perm(action)
        paths = scope.paths(perm, action)
        facility_ids = scope.facility_ids(perm, action)
        if not paths and not facility_ids:
            return None
        q = Q(pk__in=facility_ids)
        if paths:
            # Facilities in my area and those serving it from above (the provincial lab).
            units_q = visible_units_q(paths) if action == "view" else path_prefix_q("path", paths)
            q |= Q(unit__in=AdminUnit.objects.filter(units_q).values("pk"))
        return q

    def active(self) -> FacilityQuerySet:
        return self.filter(is_active=True)

    def of_kind(self, *kinds: str) -> FacilityQuerySet:
        return self.filter(kind__in=kinds)


class Facility(PublicIdModel):
    """A place of the health and control system. Domain apps attach their details
    (a laboratory's capacity, a facility's rooms and beds, a checkpoint's shifts)."""

    class Kind(models.TextChoices):
        HEALTH_STATION = "health_station", _("Commune health station")
        MEDICAL_CENTRE = "medical_centre", _("District medical centre")
        HOSPITAL = "hospital", _("Hospital")
        LABORATORY = "laboratory", _("Laboratory")
        QUARANTINE = "quarantine", _("Centralised quarantine facility")
        TREATMENT = "treatment", _("COVID-19 treatment facility")
        MOBILE_STATION = "mobile_station", _("Mobile health station")
        CHECKPOINT = "checkpoint", _("Checkpoint")
        VACCINATION_SITE = "vaccination_site", _("Vaccination site")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    unit = models.ForeignKey(
        AdminUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="facilities"
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = FacilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["unit__path", "name"]
        indexes = [models.Index(fields=["kind", "unit"], name="geo_facility_kind_unit_idx")]

    def __str__(self) -> str:
        return self.name
