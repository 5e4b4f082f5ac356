"""Finding likely duplicates: pairs of current persons that may be one human being.

Rules (each pair stored once as a :class:`~vungxanh.people.models.DuplicateCandidate`):

* the same phone, folded name and year of birth, wherever they live (score 1.0);
* the same folded name and year of birth, living in the same commune (0.9);
* a similar folded name (one typo, a missing middle name), the same year of birth and
  commune (0.9 × similarity);
* a similar folded name, the same phone and year of birth, in different communes
  (0.9 × similarity): somebody who declared themselves where they stay, with a typo.

A shared phone and year of birth alone is not enough: spouses and twins share a phone.

Pairs whose citizen IDs are both known and differ are different people, and so are
namesakes who each have their own phone and their own household; pairs a reviewer marked
"not the same person" are never offered again. New and edited persons are checked
at once (:func:`find_candidates_for`); :func:`scan_duplicates` checks a whole area as a
background job (after an import, or on request).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from vungxanh.geo.models import AdminUnit
from vungxanh.people.models import DuplicateCandidate, NotDuplicate, Person

SIMILAR_RATIO = 0.88
Reason = DuplicateCandidate.Reason


@dataclass(frozen=True, slots=True)
class Row:
    pk: int
    name: str
    year: int
    cccd: str | None
    phones: frozenset[str]
    household: int | None = None


def commune_of(unit: AdminUnit) -> AdminUnit | None:
    if unit.level == AdminUnit.Level.COMMUNE:
        return unit
    if unit.level == AdminUnit.Level.VILLAGE:
        return unit.parent
    return None


def similarity(a: str, b: str) -> float:
    matcher = SequenceMatcher(None, a, b)
    if matcher.real_quick_ratio() < SIMILAR_RATIO or matcher.quick_ratio() < SIMILAR_RATIO:
        return 0.0
    return matcher.ratio()


def compare(x: Row, y: Row, same_commune: bool) -> tuple[str, float] | None:
    """The reason two persons look alike, with a score; ``None`` if they do not."""
    if x.pk == y.pk or x.year != y.year:
        return None
    if x.cccd and y.cccd and x.cccd != y.cccd:
        return None
    if (
        x.phones
        and y.phones
        and not x.phones & y.phones
        and x.household
        and y.household
        and x.household != y.household
    ):
        return None  # namesakes: each fully recorded in a household of their own
    if x.name == y.name:
        if x.phones & y.phones:
            return Reason.PHONE_NAME_YEAR, 1.0
        if same_commune:
            return Reason.NAME_YEAR_COMMUNE, 0.9
        return None
    if same_commune or x.phones & y.phones:
        ratio = similarity(x.name, y.name)
        if ratio >= SIMILAR_RATIO:
            reason = Reason.SIMILAR_NAME if same_commune else Reason.PHONE_SIMILAR_NAME
            return reason, round(0.9 * ratio, 3)
    return None


def _row(p: Any) -> Row:
    phones = frozenset(v for v in (p["phone"], p["other_phone"]) if v)
    return Row(p["pk"], p["name_folded"], p["birth_year"], p["cccd"], phones, p["household_id"])


ROW_FIELDS = ("pk", "name_folded", "birth_year", "cccd", "phone", "other_phone", "household_id")


def _store(pairs: Iterable[tuple[int, int, str, float]]) -> int:
    """Insert new open pairs, skipping pairs already known or decided."""
    wanted: dict[tuple[int, int], tuple[str, float]] = {}
    for a, b, reason, score in pairs:
        key = (min(a, b), max(a, b))
        if key not in wanted or wanted[key][1] < score:
            wanted[key] = (reason, score)
    if not wanted:
        return 0
    ids = {pk for key in wanted for pk in key}
    decided = set(
        NotDuplicate.objects.filter(person_a__in=ids, person_b__in=ids).values_list(
            "person_a_id", "person_b_id"
        )
    )
    known = set(
        DuplicateCandidate.objects.filter(person_a__in=ids, person_b__in=ids).values_list(
            "person_a_id", "person_b_id"
        )
    )
    new = [
        DuplicateCandidate(person_a_id=a, person_b_id=b, reason=reason, score=score)
        for (a, b), (reason, score) in wanted.items()
        if (a, b) not in decided and (a, b) not in known
    ]
    DuplicateCandidate.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    return len(new)


def find_candidates_for(person: Person) -> int:
    """Store the likely duplicates of one (new or edited) person; returns how many."""
    me = _row(
        {
            "pk": person.pk,
            "name_folded": person.name_folded,
            "birth_year": person.birth_year,
            "cccd": person.cccd,
            "phone": person.phone,
            "other_phone": person.other_phone,
            "household_id": person.household_id,
        }
    )
    current = Person.objects.current().exclude(pk=person.pk)
    pairs: list[tuple[int, int, str, float]] = []
    same_name = current.filter(name_folded=person.name_folded, birth_year=person.birth_year)
    commune = commune_of(person.residence_unit)
    commune_units: set[int] = set()
    if commune is not None:
        commune_units = set(
            AdminUnit.objects.filter(path__startswith=commune.path).values_list("pk", flat=True)
        )
    located = (*ROW_FIELDS, "residence_unit_id", "temporary_unit_id")
    candidates = list(same_name.values(*located)[:200])
    if me.phones:  # the same phone anywhere: a similar name in another commune
        candidates += (
            current.filter(
                Q(phone__in=me.phones) | Q(other_phone__in=me.phones),
                birth_year=person.birth_year,
            )
            .exclude(name_folded=person.name_folded)
            .values(*located)[:200]
        )
    for p in candidates:
        in_commune = p["residence_unit_id"] in commune_units or (
            p["temporary_unit_id"] in commune_units
        )
        found = compare(me, _row(p), in_commune)
        if found:
            pairs.append((person.pk, p["pk"], *found))
    if commune_units:
        neighbours = current.filter(
            Q(residence_unit__in=commune_units) | Q(temporary_unit__in=commune_units),
            birth_year=person.birth_year,
        ).exclude(name_folded=person.name_folded)
        first_word = person.name_folded.split(" ", 1)[0]
        for p in neighbours.values(*ROW_FIELDS)[:5000]:
            if not p["name_folded"].startswith(first_word[:1]):
                continue
            found = compare(me, _row(p), True)
            if found:
                pairs.append((person.pk, p["pk"], *found))
    return _store(pairs)


def pairs_in_group(rows: Sequence[Row]) -> list[tuple[int, int, str, float]]:
    """Likely duplicates among persons of one commune."""
    out = []
    by_year: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        by_year[row.year].append(row)
    for group in by_year.values():
        if len(group) < 2:
            continue
        # Names compared only within the same length band keeps this near linear.
        group.sort(key=lambda r: (len(r.name), r.name))
        for i, x in enumerate(group):
            for y in group[i + 1 :]:
                if len(y.name) - len(x.name) > 4:
                    break
                found = compare(x, y, True)
                if found:
                    out.append((x.pk, y.pk, *found))
    return out


#: Phones looked up in one query by the cross-commune pass of :func:`scan_unit`.
PHONE_CHUNK = 500


def pairs_by_phone(rows: Sequence[Row]) -> list[tuple[int, int, str, float]]:
    """Likely duplicates of persons of one commune (``rows``) living in other communes: the
    same phone and year of birth, and the same or a similar name (:func:`compare`)."""
    by_phone: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        for phone in row.phones:
            by_phone[phone].append(row)
    inside = {row.pk for row in rows}
    years = {row.year for row in rows if row.phones}
    phones = list(by_phone)
    out = []
    for start in range(0, len(phones), PHONE_CHUNK):
        chunk = phones[start : start + PHONE_CHUNK]
        others = (
            Person.objects.current()
            .filter(Q(phone__in=chunk) | Q(other_phone__in=chunk), birth_year__in=years)
            .values(*ROW_FIELDS)
        )
        for p in others:
            if p["pk"] in inside:
                continue
            y = _row(p)
            mine = {x.pk: x for phone in y.phones for x in by_phone.get(phone, ())}
            for x in mine.values():
                found = compare(x, y, False)
                if found:
                    out.append((x.pk, y.pk, *found))
    return out


def scan_unit(unit: AdminUnit, progress: Any = None) -> dict[str, int]:
    """Find likely duplicates among the persons living in ``unit``, commune by commune:
    within each commune (:func:`pairs_in_group`), then between its persons and persons of
    any other commune who share a phone (:func:`pairs_by_phone`)."""
    if unit.level in (AdminUnit.Level.COMMUNE, AdminUnit.Level.VILLAGE):
        communes = [commune_of(unit) or unit]
    else:
        communes = list(
            AdminUnit.objects.filter(path__startswith=unit.path, level=AdminUnit.Level.COMMUNE)
        )
    stored = scanned = 0
    seen: set[tuple[int, int]] = set()
    for index, commune in enumerate(communes):
        units = AdminUnit.objects.filter(path__startswith=commune.path).values("pk")
        rows = [
            _row(p)
            for p in Person.objects.current()
            .filter(Q(residence_unit__in=units) | Q(temporary_unit__in=units))
            .values(*ROW_FIELDS)
        ]
        scanned += len(rows)
        pairs = pairs_in_group(rows) + pairs_by_phone(rows)
        seen.update((min(a, b), max(a, b)) for a, b, _reason, _score in pairs)
        stored += _store(pairs)
        if progress is not None:
            progress(index + 1, len(communes))
    return {"communes": len(communes), "persons": scanned, "pairs": len(seen), "new": stored}


def scan_duplicates(job: Any, progress: Any) -> dict[str, Any]:
    """Job handler: scan the unit named in ``job.params["unit"]`` (a public id)."""
    from vungxanh.core.jobs import JobRejected

    unit = AdminUnit.objects.filter(public_id=job.params.get("unit")).first()
    if unit is None:
        raise JobRejected(_("The unit to scan no longer exists."))
    result = scan_unit(unit, progress)
    job.message = (
        _("%(persons)d persons in %(communes)d communes checked; %(new)d new likely duplicates.")
        % result
    )
    return result
