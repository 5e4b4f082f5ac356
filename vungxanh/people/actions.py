"""Every write to the population registry: identifying and creating persons, editing them,
households, merging duplicates and remembering "not the same person".

Views, the API, imports, the public declaration page and other apps (venue check-in, case
investigation) all call these. Each runs in one transaction, re-checks the actor's scope and
writes the audit log. ``actor`` is a user, :data:`~vungxanh.core.scoping.SYSTEM` (commands)
or, for :func:`identify_person` only, ``None``: an anonymous resident on a public page.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext as _

from vungxanh.core import audit
from vungxanh.core.scoping import OutOfScope, require, require_unit, scope_of
from vungxanh.core.text import one_line
from vungxanh.geo.models import AdminUnit
from vungxanh.people import duplicates
from vungxanh.people.identity import (
    IdentityError,
    check_cccd,
    check_cmnd,
    fold_name,
    normalize_name,
    normalize_phone,
)
from vungxanh.people.models import (
    Comorbidity,
    DuplicateCandidate,
    Household,
    NotDuplicate,
    Person,
    PriorityGroup,
    Relation,
    Sex,
)

#: Fields an official may edit (``update_person``) and that the audit log snapshots.
PERSON_FIELDS = (
    "cccd",
    "cmnd",
    "passport",
    "full_name",
    "birth_date",
    "birth_year",
    "sex",
    "nationality",
    "phone",
    "other_phone",
    "residence_unit",
    "residence_address",
    "temporary_unit",
    "temporary_address",
    "occupation",
    "workplace",
    "comorbidities",
    "pregnancy_week",
    "priority_groups",
    "household",
    "relation_to_head",
    "is_self_declared",
)
#: Fields a merge copies from the merged record when the kept one has them empty (the
#: household and the relation to its head are taken together, see :func:`merge_persons`).
FILLABLE_FIELDS = (
    "cccd",
    "cmnd",
    "passport",
    "birth_date",
    "phone",
    "other_phone",
    "residence_address",
    "temporary_unit",
    "temporary_address",
    "occupation",
    "workplace",
    "pregnancy_week",
)
#: How alike two folded names must be for a CCCD match to be accepted for a given name.
SAME_NAME_RATIO = 0.75
RESIDENCE_LEVELS = (AdminUnit.Level.COMMUNE, AdminUnit.Level.VILLAGE)
ADD_PERSON = "people.add_person"
CHANGE_PERSON = "people.change_person"


# --- validation ------------------------------------------------------------------------------


@dataclass
class Identity:
    """Cleaned identity input: every value normalised, possibly empty."""

    cccd: str = ""
    cmnd: str = ""
    phone: str = ""
    other_phone: str = ""
    full_name: str = ""
    name_folded: str = ""
    birth_year: int | None = None
    birth_date: datetime.date | None = None
    sex: str = ""


def _digits(value: str) -> str:
    return "".join(value.split())


def clean_identity(
    *,
    cccd: str | None = "",
    cmnd: str = "",
    phone: str = "",
    other_phone: str = "",
    full_name: str = "",
    birth_year: int | None = None,
    birth_date: datetime.date | None = None,
    sex: str = "",
) -> Identity:
    """Normalise identity input and check it against the Vietnamese rules. Raises a
    ``ValidationError`` keyed by field, with messages that say which part is wrong."""
    errors: dict[str, list[ValidationError]] = {}

    def add(field: str, error: IdentityError | ValidationError | str) -> None:
        if isinstance(error, IdentityError):
            error = error.as_validation_error()
        elif isinstance(error, str):
            error = ValidationError(error)
        errors.setdefault(field, []).append(error)

    out = Identity(full_name=normalize_name(full_name or ""))
    out.name_folded = fold_name(out.full_name)
    if sex and sex not in Sex.values:
        add("sex", _("Choose male or female."))
        sex = ""
    out.sex = sex
    today = timezone.localdate()
    if birth_date is not None:
        if birth_date > today:
            add("birth_date", _("The date of birth is in the future."))
        elif birth_date.year < 1900:
            add("birth_date", _("The date of birth is before 1900."))
        elif birth_year is not None and birth_year != birth_date.year:
            add("birth_year", _("The year of birth does not match the date of birth."))
        else:
            out.birth_date = birth_date
            birth_year = birth_date.year
    if birth_year is not None:
        if not 1900 <= birth_year <= today.year:
            add(
                "birth_year",
                _("The year of birth must be between 1900 and %(year)s.") % {"year": today.year},
            )
        else:
            out.birth_year = birth_year
    if cccd and cccd.strip():
        problems = check_cccd(cccd, birth_year=out.birth_year, sex=out.sex or None)
        for problem in problems:
            add("cccd", problem)
        if not problems:
            out.cccd = _digits(cccd)
    if cmnd and cmnd.strip():
        problems = check_cmnd(cmnd)
        for problem in problems:
            add("cmnd", problem)
        if not problems:
            out.cmnd = _digits(cmnd)
    for field, value in (("phone", phone), ("other_phone", other_phone)):
        if value and value.strip():
            try:
                setattr(out, field, normalize_phone(value))
            except IdentityError as exc:
                add(field, exc)
    if errors:
        raise ValidationError(errors)
    return out


def check_residence(unit: AdminUnit | None, field: str = "residence_unit") -> None:
    if unit is None:
        raise ValidationError({field: _("Choose the commune or ward of residence.")})
    if unit.level not in RESIDENCE_LEVELS:
        raise ValidationError(
            {field: _("Choose a commune or ward (and the village if known), not a district.")}
        )
    if not unit.is_current():
        raise ValidationError({field: _("%(unit)s no longer exists.") % {"unit": unit.name}})


def _check_codes(values: Iterable[str], allowed: Iterable[str], field: str) -> list[str]:
    allowed = set(allowed)
    values = list(dict.fromkeys(v for v in values if v))
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationError({field: _("Unknown value: %(v)s.") % {"v": ", ".join(unknown)}})
    return values


# --- locks -----------------------------------------------------------------------------------


def _lock_key(key: str) -> int:
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_identities(keys: Iterable[str]) -> None:
    """Serialise writers of the same identity until the transaction ends, so that two
    simultaneous identical calls cannot both create a person. On PostgreSQL: transaction-
    level advisory locks taken in a fixed order (no deadlock). SQLite serialises writing
    transactions anyway (``BEGIN IMMEDIATE``)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(key)])


def identity_keys(ident: Identity) -> list[str]:
    keys = []
    if ident.cccd:
        keys.append(f"cccd:{ident.cccd}")
    if ident.phone and ident.name_folded and ident.birth_year:
        keys.append(f"pny:{ident.phone}:{ident.name_folded}:{ident.birth_year}")
    return keys


# --- exact matches ---------------------------------------------------------------------------


def exact_matches(ident: Identity, *, exclude: Person | None = None) -> list[tuple[str, Person]]:
    """Current persons that are certainly or almost certainly this identity: the same
    citizen ID, or the same phone, folded name and year of birth. Not scope-restricted:
    callers decide what to reveal."""
    found: list[tuple[str, Person]] = []
    current = Person.objects.current().select_related("residence_unit")
    if exclude is not None:
        current = current.exclude(pk=exclude.pk)
    if ident.cccd:
        found += [("cccd", p) for p in current.filter(cccd=ident.cccd)]
    if ident.phone and ident.name_folded and ident.birth_year:
        same = current.filter(name_folded=ident.name_folded, birth_year=ident.birth_year).filter(
            Q(phone=ident.phone) | Q(other_phone=ident.phone)
        )
        if ident.cccd:  # somebody with another citizen ID is somebody else
            same = same.filter(Q(cccd__isnull=True) | Q(cccd=ident.cccd))
        seen = {p.pk for _kind, p in found}
        found += [("phone_name_year", p) for p in same.order_by("id") if p.pk not in seen]
    return found


def _names_agree(a: str, b: str) -> bool:
    return not a or not b or a == b or SequenceMatcher(None, a, b).ratio() >= SAME_NAME_RATIO


# --- identify and create ---------------------------------------------------------------------


def _actor_user(actor: Any) -> Any:
    return actor if isinstance(actor, models.Model) else None


def require_place(actor: Any, perm: str, residence: AdminUnit, temporary: AdminUnit | None) -> None:
    """A person is registered by the area where they live or where they stay: the actor
    must be able to write in one of the two."""
    scope = scope_of(actor)
    action = perm.split(".", 1)[1].split("_", 1)[0]
    places = [residence, *([temporary] if temporary is not None else [])]
    if not any(scope.covers(perm, action, unit.path) for unit in places):
        raise OutOfScope()


def _creation_scope(actor: Any, unit: AdminUnit) -> None:
    if actor is None:  # an anonymous resident registering themselves
        return
    require_unit(actor, ADD_PERSON, unit.path)


class NobodyFound(ValidationError):
    """Identifying found nobody (in the caller's area, for :func:`identify_person` with
    ``visible_only``) and the details needed to register the person are missing. The
    message dict names the missing fields."""


class RegisteredElsewhere(ValidationError):
    """Registering was refused because the registry has this person outside the caller's
    area. Says so without naming them: the caller asks that area."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "This person is already registered in another area. Ask the commune or ward "
                "where they are registered to record that they live or stay in your area."
            ),
            code="registered_elsewhere",
        )


@transaction.atomic
def identify_person(
    *,
    actor: Any,
    cccd: str | None = "",
    phone: str = "",
    full_name: str = "",
    birth_year: int | None = None,
    birth_date: datetime.date | None = None,
    sex: str = "",
    residence_unit: AdminUnit | None = None,
    address: str = "",
    source: str,
    visible_only: bool = False,
) -> tuple[Person, bool]:
    """The current person with this citizen ID (and a name that agrees with it), or else
    with this phone, name and year of birth; or a new person flagged self-declared.
    Returns ``(person, created)``.

    Creating needs the full name, year of birth, sex and a residence (commune or village);
    a user as actor must have the residence in their write scope, ``None`` is an anonymous
    resident. Blank citizen ID, phone or date of birth of a found person are filled in when
    the actor may change the record (an anonymous resident may: it is their own).
    Concurrent identical calls return the same person (identity locks + the CCCD constraint).

    ``visible_only`` is for callers that show the record found (the registry's identify
    API): only persons the actor may view are found. Somebody registered only outside that
    area is not revealed: without the details to register a person the answer is
    :class:`NobodyFound`, as when nobody matches at all; with them, :class:`RegisteredElsewhere`
    (registering them a second time would make a duplicate). Other callers (declarations,
    check-ins, case interviews) link the person found anywhere and must not show them
    beyond the actor's scope.
    """
    ident = clean_identity(
        cccd=cccd,
        phone=phone,
        full_name=full_name,
        birth_year=birth_year,
        birth_date=birth_date,
        sex=sex,
    )
    keys = identity_keys(ident)
    if not keys:
        raise ValidationError(
            {
                "cccd": _(
                    "Enter the citizen ID (CCCD), or the phone number with the full name and "
                    "year of birth."
                )
            }
        )
    if ident.cccd and not ident.name_folded:
        raise ValidationError(
            {"full_name": _("Enter the full name too: a citizen ID is checked against the name.")}
        )
    lock_identities(keys)
    matches = exact_matches(ident)
    elsewhere = False
    if visible_only and matches:
        visible = set(
            Person.objects.restrict(actor, "view")
            .filter(pk__in=[p.pk for _kind, p in matches])
            .values_list("pk", flat=True)
        )
        by_cccd = [(kind, p) for kind, p in matches if kind == "cccd"]
        # A citizen ID names one person: when it is registered elsewhere, a record in the
        # area with the same phone, name and year is not them.
        decisive = by_cccd or matches
        found = [(kind, p) for kind, p in decisive if p.pk in visible]
        elsewhere = not found
        matches = found
    if matches:
        kind, person = matches[0]
        if kind == "cccd" and not _names_agree(ident.name_folded, person.name_folded):
            raise ValidationError(
                {
                    "cccd": _(
                        "This citizen ID is registered under another name. Check the number "
                        "and the name."
                    )
                }
            )
        _fill_blanks(actor, person, ident, matched_by=kind, source=source)
        return person, False
    missing = {}
    if not ident.full_name:
        missing["full_name"] = _("Enter the full name.")
    if ident.birth_year is None:
        missing["birth_year"] = _("Enter the year of birth.")
    if not ident.sex:
        missing["sex"] = _("Choose male or female.")
    if residence_unit is None:
        missing["residence_unit"] = _("Choose the commune or ward where you live or stay.")
    if missing:
        raise NobodyFound(missing)
    assert residence_unit is not None
    assert ident.birth_year is not None
    check_residence(residence_unit)
    _creation_scope(actor, residence_unit)
    if elsewhere:
        raise RegisteredElsewhere()
    person = Person(
        cccd=ident.cccd or None,
        phone=ident.phone,
        birth_year=ident.birth_year,
        birth_date=ident.birth_date,
        sex=ident.sex,
        residence_unit=residence_unit,
        residence_address=one_line(address, 255),
        is_self_declared=True,
        created_by=_actor_user(actor),
    )
    person.set_name(ident.full_name)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # Only possible without identity locks (another database): the other writer won.
        existing = Person.objects.current().filter(cccd=ident.cccd).first() if ident.cccd else None
        if existing is None:
            raise
        shown = Person.objects.restrict(actor, "view").filter(pk=existing.pk).exists()
        if visible_only and not shown:
            raise RegisteredElsewhere() from None
        return existing, False
    audit.record(
        actor=actor,
        verb="create_person",
        target=person,
        unit_path=residence_unit.path,
        changes=audit.diff({}, audit.snapshot(person, PERSON_FIELDS)),
        extra={"source": source, "self_declared": True},
    )
    duplicates.find_candidates_for(person)
    return person, True


def _fill_blanks(
    actor: Any, person: Person, ident: Identity, *, matched_by: str, source: str
) -> None:
    """Record the identification; fill the found record's blank citizen ID, phone or date
    of birth from what was given, if the actor may change the record."""
    person = Person.objects.select_for_update().select_related("residence_unit").get(pk=person.pk)
    before = audit.snapshot(person, PERSON_FIELDS)
    if actor is None or can_change(actor, person):
        consistent = ident.cccd and not check_cccd(
            ident.cccd, birth_year=person.birth_year, sex=person.sex
        )
        if consistent and not person.cccd:
            person.cccd = ident.cccd
        if ident.phone and not person.phone:
            person.phone = ident.phone
        elif ident.phone and ident.phone != person.phone and not person.other_phone:
            person.other_phone = ident.phone
        if (
            ident.birth_date
            and not person.birth_date
            and ident.birth_date.year == person.birth_year
        ):
            person.birth_date = ident.birth_date
    changes = audit.diff(before, audit.snapshot(person, PERSON_FIELDS))
    if changes:
        person.save(update_fields=[*changes, "updated_at"])
    audit.record(
        actor=actor,
        verb="identify_person",
        target=person,
        unit_path=person.residence_unit.path,
        changes=changes,
        extra={"source": source, "matched_by": matched_by},
    )


class ExactMatch(ValidationError):
    """Creating was refused because the registry already has this person."""

    def __init__(self, message: str, matches: list[tuple[str, Person]]) -> None:
        super().__init__(message, code="exact_match")
        self.matches = matches


@transaction.atomic
def create_person(
    *,
    actor: Any,
    full_name: str,
    sex: str,
    residence_unit: AdminUnit,
    birth_year: int | None = None,
    birth_date: datetime.date | None = None,
    cccd: str | None = "",
    cmnd: str = "",
    passport: str = "",
    phone: str = "",
    other_phone: str = "",
    nationality: str = "VN",
    residence_address: str = "",
    temporary_unit: AdminUnit | None = None,
    temporary_address: str = "",
    occupation: str = "",
    workplace: str = "",
    comorbidities: Iterable[str] = (),
    pregnancy_week: int | None = None,
    priority_groups: Iterable[str] = (),
    household: Household | None = None,
    relation_to_head: str = "",
    is_self_declared: bool = False,
    confirm_new: bool = False,
    source: str = "registry",
) -> Person:
    """Register a person. A citizen ID already registered is refused; a person with the same
    phone, name and year of birth is refused unless ``confirm_new`` (the user has seen the
    match and says it is somebody else)."""
    ident = clean_identity(
        cccd=cccd,
        cmnd=cmnd,
        phone=phone,
        other_phone=other_phone,
        full_name=full_name,
        birth_year=birth_year,
        birth_date=birth_date,
        sex=sex,
    )
    errors: dict[str, str] = {}
    if not ident.full_name:
        errors["full_name"] = _("Enter the full name.")
    if ident.birth_year is None:
        errors["birth_year"] = _("Enter the year of birth or the date of birth.")
    if not ident.sex:
        errors["sex"] = _("Choose male or female.")
    if errors:
        raise ValidationError(errors)
    assert ident.birth_year is not None
    check_residence(residence_unit)
    if temporary_unit is not None:
        check_residence(temporary_unit, "temporary_unit")
    require_place(actor, ADD_PERSON, residence_unit, temporary_unit)
    _check_person_details(ident.sex, ident.birth_year, pregnancy_week)
    if household is not None:
        household = _household_for_update(actor, household)
    lock_identities(identity_keys(ident))
    matches = exact_matches(ident)
    for kind, _match in matches:
        if kind == "cccd":
            raise ExactMatch(
                _("A person with the citizen ID %(cccd)s is already registered.")
                % {"cccd": ident.cccd},
                matches,
            )
    if matches and not confirm_new:
        raise ExactMatch(
            _(
                "A person with this phone number, name and year of birth is already "
                "registered. Open that record, or confirm that this is somebody else."
            ),
            matches,
        )
    person = Person(
        cccd=ident.cccd or None,
        cmnd=ident.cmnd,
        passport=one_line(passport),
        birth_year=ident.birth_year,
        birth_date=ident.birth_date,
        sex=ident.sex,
        nationality=(nationality or "VN").upper()[:2],
        phone=ident.phone,
        other_phone=ident.other_phone,
        residence_unit=residence_unit,
        residence_address=one_line(residence_address, 255),
        temporary_unit=temporary_unit,
        temporary_address=one_line(temporary_address, 255),
        occupation=one_line(occupation, 100),
        workplace=one_line(workplace, 200),
        comorbidities=_check_codes(comorbidities, Comorbidity.values, "comorbidities"),
        pregnancy_week=pregnancy_week,
        priority_groups=_check_codes(priority_groups, PriorityGroup.values, "priority_groups"),
        household=household,
        relation_to_head=_relation(relation_to_head, household),
        is_self_declared=is_self_declared,
        created_by=_actor_user(actor),
    )
    person.set_name(ident.full_name)
    person.save()
    if household is not None and person.relation_to_head == Relation.HEAD:
        _make_head(household, person)
    audit.record(
        actor=actor,
        verb="create_person",
        target=person,
        unit_path=residence_unit.path,
        changes=audit.diff({}, audit.snapshot(person, PERSON_FIELDS)),
        extra={"source": source},
    )
    duplicates.find_candidates_for(person)
    return person


def _check_person_details(sex: str, birth_year: int, pregnancy_week: int | None) -> None:
    if pregnancy_week is None:
        return
    if sex != Sex.FEMALE:
        raise ValidationError({"pregnancy_week": _("Only a woman can be pregnant.")})
    if not 1 <= pregnancy_week <= 45:
        raise ValidationError({"pregnancy_week": _("The pregnancy week must be from 1 to 45.")})
    age = timezone.localdate().year - birth_year
    if not 10 <= age <= 60:
        raise ValidationError(
            {
                "pregnancy_week": _("A pregnancy at the age of %(age)s is not plausible.")
                % {"age": age}
            }
        )


def _relation(relation: str, household: Household | None) -> str:
    if not relation:
        return ""
    if relation not in Relation.values:
        raise ValidationError({"relation_to_head": _("Unknown relation to the head.")})
    if household is None:
        raise ValidationError({"relation_to_head": _("Choose the household first.")})
    return relation


@transaction.atomic
def update_person(*, actor: Any, person: Person, **fields: Any) -> Person:
    """Change some fields of a person (names in :data:`PERSON_FIELDS`). Moving the residence
    needs the new place in the actor's write scope too."""
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"cannot update {sorted(unknown)}")
    person = Person.objects.select_for_update().select_related("residence_unit").get(pk=person.pk)
    require(actor, person, "change")
    if person.merged_into_id:
        raise ValidationError(_("This record was merged into another one; edit that one."))
    before = audit.snapshot(person, PERSON_FIELDS)
    merged = {name: getattr(person, name) for name in PERSON_FIELDS} | fields
    ident = clean_identity(
        cccd=merged["cccd"] or "",
        cmnd=merged["cmnd"] or "",
        phone=merged["phone"] or "",
        other_phone=merged["other_phone"] or "",
        full_name=merged["full_name"] or "",
        birth_year=merged["birth_year"],
        birth_date=merged["birth_date"],
        sex=merged["sex"] or "",
    )
    if not ident.full_name:
        raise ValidationError({"full_name": _("Enter the full name.")})
    if ident.birth_year is None:
        raise ValidationError({"birth_year": _("Enter the year of birth or the date of birth.")})
    if not ident.sex:
        raise ValidationError({"sex": _("Choose male or female.")})
    residence = merged["residence_unit"]
    temporary = merged["temporary_unit"]
    if residence.pk != person.residence_unit_id:
        check_residence(residence)
    if temporary is not None and temporary.pk != person.temporary_unit_id:
        check_residence(temporary, "temporary_unit")
    if residence.pk != person.residence_unit_id or (
        temporary is not None and temporary.pk != person.temporary_unit_id
    ):
        require_place(actor, CHANGE_PERSON, residence, temporary)
    _check_person_details(ident.sex, ident.birth_year, merged["pregnancy_week"])
    household = merged["household"]
    if household is not None and household.pk != person.household_id:
        household = _household_for_update(actor, household)
    lock_identities(identity_keys(ident))
    if ident.cccd and ident.cccd != person.cccd:
        taken = Person.objects.current().filter(cccd=ident.cccd).exclude(pk=person.pk).exists()
        if taken:
            raise ValidationError(
                {
                    "cccd": _("A person with the citizen ID %(cccd)s is already registered.")
                    % {"cccd": ident.cccd}
                }
            )
    person.cccd = ident.cccd or None
    person.cmnd = ident.cmnd
    person.passport = one_line(merged["passport"])
    person.set_name(ident.full_name)
    person.birth_year = ident.birth_year
    person.birth_date = ident.birth_date
    person.sex = ident.sex
    person.nationality = (merged["nationality"] or "VN").upper()[:2]
    person.phone = ident.phone
    person.other_phone = ident.other_phone
    person.residence_unit = residence
    person.residence_address = one_line(merged["residence_address"], 255)
    person.temporary_unit = temporary
    person.temporary_address = one_line(merged["temporary_address"], 255)
    person.occupation = one_line(merged["occupation"], 100)
    person.workplace = one_line(merged["workplace"], 200)
    person.comorbidities = _check_codes(
        merged["comorbidities"] or [], Comorbidity.values, "comorbidities"
    )
    person.pregnancy_week = merged["pregnancy_week"]
    person.priority_groups = _check_codes(
        merged["priority_groups"] or [], PriorityGroup.values, "priority_groups"
    )
    person.household = household
    person.relation_to_head = _relation(merged["relation_to_head"] or "", household)
    person.is_self_declared = bool(merged["is_self_declared"])
    changes = audit.diff(before, audit.snapshot(person, PERSON_FIELDS))
    if not changes:
        return person
    person.save()
    if household is not None and person.relation_to_head == Relation.HEAD:
        _make_head(household, person)
    audit.record(
        actor=actor,
        verb="update_person",
        target=person,
        unit_path=person.residence_unit.path,
        changes=changes,
    )
    if {"full_name", "birth_year", "phone", "residence_unit"} & set(changes):
        duplicates.find_candidates_for(person)
    return person


# --- households ------------------------------------------------------------------------------


def _household_for_update(actor: Any, household: Household) -> Household:
    household = Household.objects.select_for_update().select_related("unit").get(pk=household.pk)
    require(actor, household, "change")
    return household


def _make_head(household: Household, person: Person) -> None:
    """``person`` heads ``household``; the former head becomes an ordinary member."""
    if household.head_id and household.head_id != person.pk:
        Person.objects.filter(pk=household.head_id, household=household).update(
            relation_to_head=Relation.OTHER
        )
    Household.objects.filter(pk=household.pk).update(head=person, updated_at=timezone.now())
    household.head = person


@transaction.atomic
def create_household(
    *, actor: Any, unit: AdminUnit, address: str, head: Person | None = None
) -> Household:
    check_residence(unit, "unit")
    require_unit(actor, "people.add_household", unit.path)
    household = Household.objects.create(unit=unit, address=one_line(address, 255))
    audit.record(
        actor=actor,
        verb="create_household",
        target=household,
        unit_path=unit.path,
        extra={"address": household.address},
    )
    if head is not None:
        add_to_household(actor=actor, household=household, person=head, relation=Relation.HEAD)
        household.refresh_from_db()
    return household


@transaction.atomic
def update_household(*, actor: Any, household: Household, address: str) -> Household:
    household = _household_for_update(actor, household)
    before = {"address": household.address}
    household.address = one_line(address, 255)
    household.save(update_fields=["address", "updated_at"])
    changes = audit.diff(before, {"address": household.address})
    if changes:
        audit.record(
            actor=actor,
            verb="update_household",
            target=household,
            unit_path=household.unit.path,
            changes=changes,
        )
    return household


@transaction.atomic
def add_to_household(*, actor: Any, household: Household, person: Person, relation: str) -> Person:
    """Make ``person`` a member (moving them from another household)."""
    household = _household_for_update(actor, household)
    person = Person.objects.select_for_update().get(pk=person.pk)
    require(actor, person, "change")
    if person.merged_into_id:
        raise ValidationError(_("This record was merged into another one."))
    if relation not in Relation.values:
        raise ValidationError({"relation": _("Unknown relation to the head.")})
    before = audit.snapshot(person, ("household", "relation_to_head"))
    old = None
    if person.household_id and person.household_id != household.pk:
        # Leaving a household changes it too: its area must agree (and it is recorded).
        old = (
            Household.objects.select_for_update().select_related("unit").get(pk=person.household_id)
        )
        if not Household.objects.restrict(actor, "change").filter(pk=old.pk).exists():
            raise ValidationError(
                _(
                    "%(name)s is a member of a household in another area. Ask that area to "
                    "remove them from it first."
                )
                % {"name": person.full_name}
            )
    person.household = household
    person.relation_to_head = relation
    person.save(update_fields=["household", "relation_to_head", "updated_at"])
    if old is not None:
        was_head = old.head_id == person.pk
        if was_head:
            Household.objects.filter(pk=old.pk).update(head=None, updated_at=timezone.now())
        audit.record(
            actor=actor,
            verb="remove_household_member",
            target=old,
            unit_path=old.unit.path,
            changes={"head": {"before": str(person), "after": None}} if was_head else {},
            extra={"person": str(person.public_id), "moved_to": str(household.public_id)},
        )
    if relation == Relation.HEAD:
        _make_head(household, person)
    elif household.head_id == person.pk:
        Household.objects.filter(pk=household.pk).update(head=None)
    audit.record(
        actor=actor,
        verb="add_household_member",
        target=household,
        unit_path=household.unit.path,
        changes={"person": str(person.public_id)}
        | audit.diff(before, audit.snapshot(person, ("household", "relation_to_head"))),
    )
    return person


@transaction.atomic
def remove_from_household(*, actor: Any, household: Household, person: Person) -> Person:
    household = _household_for_update(actor, household)
    person = Person.objects.select_for_update().get(pk=person.pk)
    require(actor, person, "change")
    if person.household_id != household.pk:
        raise ValidationError(_("This person is not a member of this household."))
    person.household = None
    person.relation_to_head = ""
    person.save(update_fields=["household", "relation_to_head", "updated_at"])
    if household.head_id == person.pk:
        Household.objects.filter(pk=household.pk).update(head=None)
    audit.record(
        actor=actor,
        verb="remove_household_member",
        target=household,
        unit_path=household.unit.path,
        extra={"person": str(person.public_id)},
    )
    return person


# --- duplicates ------------------------------------------------------------------------------

#: The function an app's ``actions`` module may define to fold the merged record's
#: one-per-person records into the kept record's before :func:`merge_persons` moves every
#: reference: ``fold_merged_person(*, actor, keep, other) -> dict[str, int]`` (counts for the
#: audit event). Declarations folds pending follow-ups and active monitorings with it.
MERGE_HOOK = "fold_merged_person"


@functools.cache
def merge_hooks() -> tuple[Callable[..., Mapping[str, int]], ...]:
    """The :data:`MERGE_HOOK` of every installed app (in ``INSTALLED_APPS`` order), found
    when first needed: apps that come after people in the dependency order provide them."""
    hooks = []
    for config in apps.get_app_configs():
        if not config.name.startswith("vungxanh.") or config.name == __package__:
            continue
        if not module_has_submodule(config.module, "actions"):
            continue
        hook = getattr(import_module(f"{config.name}.actions"), MERGE_HOOK, None)
        if callable(hook):
            hooks.append(hook)
    return tuple(hooks)


def person_references() -> list[models.ForeignKey[Any, Any]]:
    """Every foreign key (and one-to-one) in every installed app that points at Person,
    hidden ones included, so that references added by later apps are moved by a merge."""
    out: list[models.ForeignKey[Any, Any]] = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields(include_hidden=True):
            if (
                isinstance(field, models.ForeignKey)
                and field.concrete
                and field.remote_field.model is Person
            ):
                out.append(field)
    return out


_PAIR_MODELS = (DuplicateCandidate, NotDuplicate)


def _ordered(a: Person, b: Person) -> tuple[Person, Person]:
    return (a, b) if a.pk < b.pk else (b, a)


def _lock_pair(a: Person, b: Person) -> tuple[Person, Person]:
    if a.pk == b.pk:
        raise ValidationError(_("Choose two different persons."))
    locked = {
        p.pk: p
        for p in Person.objects.select_for_update().filter(pk__in=[a.pk, b.pk]).order_by("pk")
    }
    return locked[a.pk], locked[b.pk]


@transaction.atomic
def merge_persons(*, actor: Any, keep: Person, other: Person) -> Person:
    """``other`` is the same human being as ``keep``: move everything that references
    ``other`` to ``keep``, fill ``keep``'s empty fields from ``other``, and leave ``other``
    as a stub pointing at ``keep`` (its citizen ID freed).

    Records a person may have only once are folded first by the apps that own them
    (:data:`MERGE_HOOK`): two pending follow-ups for one reason, or two active monitorings,
    become one. Households: ``keep`` without a household joins ``other``'s; a household
    ``other`` headed is headed by ``keep`` when ``keep`` belongs to it, and is left without
    a head otherwise (never headed by a non-member). Other one-per-person records (an active
    case, an open tracing task) still refuse the merge until they are settled."""
    keep, other = _lock_pair(keep, other)
    require(actor, keep, "change")
    require(actor, other, "change")
    if keep.merged_into_id or other.merged_into_id:
        raise ValidationError(_("One of these records was already merged."))
    if keep.cccd and other.cccd and keep.cccd != other.cccd:
        raise ValidationError(
            _("The two records have different citizen IDs; they cannot be the same person.")
        )
    a, b = _ordered(keep, other)
    decision = NotDuplicate.objects.filter(person_a=a, person_b=b).first()
    if decision is not None:
        raise ValidationError(
            _("These two were decided not to be the same person on %(day)s.")
            % {"day": timezone.localtime(decision.decided_at).strftime("%d/%m/%Y")}
        )
    before = audit.snapshot(keep, PERSON_FIELDS)
    folded: dict[str, int] = {}
    for hook in merge_hooks():
        folded.update({k: v for k, v in hook(actor=actor, keep=keep, other=other).items() if v})
    headed = list(Household.objects.select_for_update().filter(head=other).order_by("pk"))
    moved: dict[str, int] = {}
    for field in person_references():
        model = field.model
        if model in _PAIR_MODELS or (model is Household and field.name == "head"):
            continue
        try:
            with transaction.atomic():
                count = model._base_manager.filter(**{field.name: other}).update(
                    **{field.name: keep}
                )
        except IntegrityError as exc:
            raise ValidationError(
                _(
                    "Both records have a %(what)s that a person can have only once; settle it "
                    "before merging."
                )
                % {"what": model._meta.verbose_name}
            ) from exc
        if count:
            moved[f"{model._meta.label_lower}.{field.name}"] = count
    other.merged_into = keep
    other.save(update_fields=["merged_into", "updated_at"])  # frees the citizen ID
    other.refresh_from_db()
    for name in FILLABLE_FIELDS:
        if not getattr(keep, name) and getattr(other, name):
            setattr(keep, name, getattr(other, name))
    membership = (keep.household_id, keep.relation_to_head)
    if keep.household_id is None and other.household_id is not None:
        keep.household_id, keep.relation_to_head = other.household_id, other.relation_to_head
    elif keep.household_id == other.household_id and not keep.relation_to_head:
        keep.relation_to_head = other.relation_to_head
    if any(h.pk == keep.household_id for h in headed):
        keep.relation_to_head = Relation.HEAD  # the merged record headed keep's household
    keep.comorbidities = list(dict.fromkeys([*keep.comorbidities, *other.comorbidities]))
    keep.priority_groups = list(dict.fromkeys([*keep.priority_groups, *other.priority_groups]))
    keep.is_self_declared = keep.is_self_declared and other.is_self_declared
    keep.save()
    if (
        keep.household_id is not None
        and keep.relation_to_head == Relation.HEAD
        and (keep.household_id, keep.relation_to_head) != membership
    ):
        _make_head(Household.objects.select_for_update().get(pk=keep.household_id), keep)
    _hand_over_headships(actor, keep, other, headed, moved)
    _carry_pairs(actor, keep, other)
    changes = audit.diff(before, audit.snapshot(keep, PERSON_FIELDS))
    audit.record(
        actor=actor,
        verb="merge_persons",
        target=keep,
        unit_path=keep.residence_unit.path,
        changes=changes,
        extra={
            "merged": str(other.public_id),
            "merged_name": str(other),
            "moved": moved,
            "folded": folded,
        },
    )
    audit.record(
        actor=actor,
        verb="merged_into",
        target=other,
        unit_path=other.residence_unit.path,
        extra={"into": str(keep.public_id)},
    )
    duplicates.find_candidates_for(keep)
    return keep


def _hand_over_headships(
    actor: Any, keep: Person, other: Person, headed: list[Household], moved: dict[str, int]
) -> None:
    """The households ``other`` headed: the one ``keep`` now belongs to is headed by
    ``keep`` (see :func:`merge_persons`); any other is left without a head, recorded, for
    its area to name one. A head is always a member of the household."""
    for household in headed:
        if household.pk == keep.household_id:
            moved["people.household.head"] = moved.get("people.household.head", 0) + 1
            continue
        Household.objects.filter(pk=household.pk).update(head=None, updated_at=timezone.now())
        audit.record(
            actor=actor,
            verb="update_household",
            target=household,
            unit_path=Household.objects.select_related("unit").get(pk=household.pk).unit.path,
            changes={"head": {"before": str(other), "after": None}},
            extra={"merged": str(other.public_id), "into": str(keep.public_id)},
        )


def _carry_pairs(actor: Any, keep: Person, other: Person) -> None:
    """After a merge: the reviewed pair is closed, other open pairs of the merged record are
    dropped (re-found for ``keep``), and "not the same person" decisions carry over."""
    a, b = _ordered(keep, other)
    DuplicateCandidate.objects.filter(person_a=a, person_b=b).update(
        status=DuplicateCandidate.Status.MERGED,
        resolved_at=timezone.now(),
        resolved_by=_actor_user(actor),
    )
    DuplicateCandidate.objects.filter(
        Q(person_a=other) | Q(person_b=other), status=DuplicateCandidate.Status.OPEN
    ).delete()
    for decision in NotDuplicate.objects.filter(Q(person_a=other) | Q(person_b=other)):
        third = decision.person_b if decision.person_a_id == other.pk else decision.person_a
        if third.pk == keep.pk:
            continue
        x, y = _ordered(keep, third)
        NotDuplicate.objects.get_or_create(
            person_a=x,
            person_b=y,
            defaults={"decided_by": decision.decided_by, "note": decision.note},
        )


@transaction.atomic
def mark_not_duplicate(
    *, actor: Any, person_a: Person, person_b: Person, note: str = ""
) -> NotDuplicate:
    """Remember that two persons are different people; the pair is not offered again."""
    person_a, person_b = _lock_pair(person_a, person_b)
    require(actor, person_a, "change")
    require(actor, person_b, "change")
    a, b = _ordered(person_a, person_b)
    decision, created = NotDuplicate.objects.get_or_create(
        person_a=a,
        person_b=b,
        defaults={"decided_by": _actor_user(actor), "note": one_line(note, 255)},
    )
    DuplicateCandidate.objects.filter(person_a=a, person_b=b).update(
        status=DuplicateCandidate.Status.NOT_DUPLICATE,
        resolved_at=timezone.now(),
        resolved_by=_actor_user(actor),
    )
    if created:
        audit.record(
            actor=actor,
            verb="mark_not_duplicate",
            target=a,
            unit_path=a.residence_unit.path,
            extra={"other": str(b.public_id), "other_name": str(b), "note": decision.note},
        )
    return decision


# --- helpers for other apps ------------------------------------------------------------------


def can_change(user: Any, person: Person) -> bool:
    return scope_of(user).covers(CHANGE_PERSON, "change", person.residence_unit.path) or (
        person.temporary_unit is not None
        and scope_of(user).covers(CHANGE_PERSON, "change", person.temporary_unit.path)
    )


def describe_match(kind: str) -> str:
    labels: Mapping[str, str] = {
        "cccd": _("same citizen ID"),
        "phone_name_year": _("same phone, name and year of birth"),
    }
    return labels.get(kind, kind)


__all__ = [
    "ExactMatch",
    "Identity",
    "NobodyFound",
    "OutOfScope",
    "RegisteredElsewhere",
    "add_to_household",
    "clean_identity",
    "create_household",
    "create_person",
    "exact_matches",
    "identify_person",
    "mark_not_duplicate",
    "merge_persons",
    "remove_from_household",
    "update_household",
    "update_person",
]
