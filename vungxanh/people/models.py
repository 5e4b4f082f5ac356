"""The population registry: persons keyed by citizen ID where known, households, and the
bookkeeping of duplicates (likely pairs to review, pairs decided "not the same person")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.core.models import PublicIdModel, TimeStampedModel
from vungxanh.core.scoping import RestrictedQuerySet, Scope
from vungxanh.geo.models import AdminUnit

if TYPE_CHECKING:
    import datetime


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Comorbidity(models.TextChoices):
    HYPERTENSION = "hypertension", _("Hypertension")
    DIABETES = "diabetes", _("Diabetes")
    CARDIOVASCULAR = "cardiovascular", _("Cardiovascular disease")
    COPD = "copd", _("Chronic obstructive pulmonary disease")
    ASTHMA = "asthma", _("Asthma")
    CHRONIC_KIDNEY = "chronic_kidney", _("Chronic kidney disease")
    CANCER = "cancer", _("Cancer")
    OBESITY = "obesity", _("Obesity")
    LIVER = "liver", _("Chronic liver disease")
    IMMUNODEFICIENCY = "immunodeficiency", _("Immunodeficiency")
    OTHER = "other", _("Other chronic disease")


class PriorityGroup(models.TextChoices):
    """Vaccination priority groups of Resolution 21/NQ-CP (26/2/2021)."""

    FRONTLINE = "frontline", _("Front line: health and anti-epidemic workers, army, police")
    BORDER = "border", _("Diplomats, customs, immigration")
    ESSENTIAL = "essential", _("Essential services")
    TEACHER_OFFICIAL = "teacher_official", _("Teachers and public-facing officials")
    CHRONIC_ELDERLY = "chronic_elderly", _("Chronic disease or over 65")
    OUTBREAK_AREA = "outbreak_area", _("Living in an outbreak area")
    POOR_SOCIAL = "poor_social", _("Poor and social-policy beneficiaries")
    SENT_ABROAD = "sent_abroad", _("Sent abroad by the state")
    OTHER = "other", _("Other groups decided by the Ministry of Health")


class Relation(models.TextChoices):
    """Relation of a member to the head of their household."""

    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other relative or lodger")


class HouseholdQuerySet(RestrictedQuerySet["Household"]):
    scope_units = ("unit",)


class Household(PublicIdModel, TimeStampedModel):
    """People living together at one address ("hộ gia đình")."""

    unit = models.ForeignKey(
        AdminUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="households"
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    head = models.ForeignKey(
        "Person",
        verbose_name=_("head of household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [models.Index(fields=["unit", "address"], name="people_household_unit_idx")]

    def __str__(self) -> str:
        return self.address or str(self.public_id)


class PersonQuerySet(RestrictedQuerySet["Person"]):
    # A person belongs to where they live permanently and where they stay temporarily.
    scope_units = ("residence_unit", "temporary_unit")

    def current(self) -> PersonQuerySet:
        """Persons not merged into another record."""
        return self.filter(merged_into__isnull=True)

    def living_in(self, unit: AdminUnit) -> PersonQuerySet:
        """Persons whose permanent or temporary residence is ``unit`` or inside it."""
        units = AdminUnit.objects.filter(path__startswith=unit.path).values("pk")
        return self.filter(Q(residence_unit__in=units) | Q(temporary_unit__in=units))

    def search(self, text: str) -> PersonQuerySet:
        """One search box: citizen ID, old ID, phone, or a name with or without diacritics
        (see :mod:`vungxanh.people.search`)."""
        from vungxanh.people.search import search_q

        q = search_q(text)
        return self.filter(q.condition) if q.condition is not None else self.none()


class Person(PublicIdModel, TimeStampedModel):
    cccd = models.CharField(
        _("citizen ID (CCCD)"), max_length=12, null=True, blank=True, db_index=True
    )
    cmnd = models.CharField(_("old ID card (CMND)"), max_length=12, blank=True, db_index=True)
    passport = models.CharField(_("passport"), max_length=20, blank=True)
    full_name = models.CharField(_("full name"), max_length=150)
    name_folded = models.CharField(
        _("name without diacritics"), max_length=150, db_index=True, editable=False
    )
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"))
    sex = models.CharField(_("sex"), max_length=8, choices=Sex)
    nationality = models.CharField(_("nationality"), max_length=2, default="VN")
    phone = models.CharField(_("phone"), max_length=16, blank=True, db_index=True)
    other_phone = models.CharField(_("other phone"), max_length=16, blank=True, db_index=True)
    residence_unit = models.ForeignKey(
        AdminUnit,
        verbose_name=_("permanent residence"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    residence_address = models.CharField(_("address"), max_length=255, blank=True)
    temporary_unit = models.ForeignKey(
        AdminUnit,
        verbose_name=_("temporary residence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    temporary_address = models.CharField(_("temporary address"), max_length=255, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    workplace = models.CharField(_("workplace"), max_length=200, blank=True)
    comorbidities = models.JSONField(_("comorbidities"), default=list, blank=True)
    pregnancy_week = models.PositiveSmallIntegerField(_("pregnancy week"), null=True, blank=True)
    priority_groups = models.JSONField(_("priority groups"), default=list, blank=True)
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    relation_to_head = models.CharField(
        _("relation to the head"), max_length=20, blank=True, choices=Relation
    )
    is_self_declared = models.BooleanField(
        _("self-declared"),
        default=False,
        help_text=_("Created from a resident's own declaration; not yet verified."),
    )
    is_synthetic = models.BooleanField(_("synthetic"), default=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        constraints = [
            models.UniqueConstraint(
                fields=["cccd"],
                condition=Q(cccd__isnull=False, merged_into__isnull=True),
                name="people_person_unique_current_cccd",
            ),
            models.CheckConstraint(
                condition=Q(pregnancy_week__isnull=True) | Q(pregnancy_week__lte=45),
                name="people_person_pregnancy_week_range",
            ),
            models.CheckConstraint(
                condition=Q(birth_year__gte=1900) & Q(birth_year__lte=2100),
                name="people_person_birth_year_range",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")),
                name="people_person_not_merged_into_self",
            ),
        ]
        indexes = [
            models.Index(fields=["name_folded", "birth_year"], name="people_person_name_year_idx"),
            models.Index(fields=["residence_unit", "name_folded"], name="people_person_unit_idx"),
            models.Index(fields=["household", "id"], name="people_person_household_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.birth_year})"

    def set_name(self, value: str) -> None:
        """Store the name in NFC with Vietnamese capitalisation, and its folded form for
        diacritic-insensitive search. Every writer of ``full_name`` goes through here."""
        from vungxanh.people.identity import fold_name, normalize_name

        self.full_name = normalize_name(value)
        self.name_folded = fold_name(self.full_name)

    def age_on(self, day: datetime.date) -> int:
        if self.birth_date is None:
            return day.year - self.birth_year
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def unit_path(self) -> str:
        """The path the audit log files this person under (their permanent residence)."""
        return self.residence_unit.path

    @property
    def birth_display(self) -> str:
        return self.birth_date.strftime("%d/%m/%Y") if self.birth_date else str(self.birth_year)

    def comorbidity_labels(self) -> list[str]:
        labels = dict(Comorbidity.choices)
        return [str(labels.get(code, code)) for code in self.comorbidities]

    def priority_group_labels(self) -> list[str]:
        labels = dict(PriorityGroup.choices)
        return [str(labels.get(code, code)) for code in self.priority_groups]


class PairQuerySet(RestrictedQuerySet[Any]):
    """A pair of persons is visible when both persons are."""

    def scope_q(self, scope: Scope, action: str) -> Q | None:
        paths = scope.paths("people.view_person" if action == "view" else self.perm(action), action)
        if not paths:
            return None
        persons = Person.objects.all().units_q(PersonQuerySet.scope_units, paths)
        visible = Person.objects.filter(persons).values("pk")
        return Q(person_a__in=visible) & Q(person_b__in=visible)


class DuplicateCandidate(PublicIdModel):
    """Two current persons who may be the same human being, waiting for a review."""

    class Reason(models.TextChoices):
        PHONE_NAME_YEAR = "phone_name_year", _("Same phone, name and year of birth")
        NAME_YEAR_COMMUNE = "name_year_commune", _("Same name and year of birth in one commune")
        SIMILAR_NAME = "similar_name", _("Similar name, same year of birth in one commune")
        PHONE_SIMILAR_NAME = "phone_similar_name", _("Same phone and year of birth, similar name")

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        MERGED = "merged", _("Merged")
        NOT_DUPLICATE = "not_duplicate", _("Not the same person")

    person_a = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    person_b = models.ForeignKey(
        Person, verbose_name=_("other person"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=24, choices=Reason)
    score = models.FloatField(_("similarity"), default=1.0)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.OPEN)
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
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

    objects = PairQuerySet.as_manager()

    class Meta:
        verbose_name = _("likely duplicate")
        verbose_name_plural = _("likely duplicates")
        ordering = ["-score", "-found_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person_a", "person_b"], name="people_duplicatecandidate_unique_pair"
            ),
            models.CheckConstraint(
                condition=Q(person_a__lt=models.F("person_b")),
                name="people_duplicatecandidate_ordered_pair",
            ),
        ]
        indexes = [models.Index(fields=["status", "found_at"], name="people_dupcand_status_idx")]

    def __str__(self) -> str:
        return f"{self.person_a} ~ {self.person_b}"


class NotDuplicate(models.Model):
    """A reviewer decided that two persons are different people; the pair is never offered
    again (not by the review queue, not by the exact-match offer)."""

    person_a = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    person_b = models.ForeignKey(
        Person, verbose_name=_("other person"), on_delete=models.CASCADE, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    objects = PairQuerySet.as_manager()

    class Meta:
        verbose_name = _("not the same person")
        verbose_name_plural = _("not the same person")
        constraints = [
            models.UniqueConstraint(
                fields=["person_a", "person_b"], name="people_notduplicate_unique_pair"
            ),
            models.CheckConstraint(
                condition=Q(person_a__lt=models.F("person_b")),
                name="people_notduplicate_ordered_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_a} ≠ {self.person_b}"
