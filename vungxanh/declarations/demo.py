"""Demo data of declarations: two weeks of declarations by a sample of the synthetic
population (whole-population, domestic movement, at venues and checkpoints, by residents
and by door-to-door teams), the follow-ups they raise, people under monitoring with their
diaries, and a few residents who declared with a mistyped name (likely duplicates to review).

Bulk rows for volume; a handful through the real actions so that the audit log and the
duplicate finder see them too. Everything is marked synthetic."""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from vungxanh.declarations import actions
from vungxanh.declarations.defaults import load_default_forms
from vungxanh.declarations.models import (
    Channel,
    Declaration,
    DiaryEntry,
    FollowUp,
    FormDefinition,
    FormKind,
    Monitoring,
)
from vungxanh.declarations.questions import flags_of
from vungxanh.people.duplicates import commune_of
from vungxanh.people.models import Person

#: Declarations per 1,000 residents over the two weeks.
RATE = 40
DAYS = 14
ORIGINS = (
    ("01", 30),
    ("31", 25),
    ("30", 10),
    ("79", 8),
    ("24", 6),
    ("34", 5),
    ("20", 5),
    ("48", 3),
    ("75", 2),
    ("74", 2),
)
SYMPTOMS = ("fever", "cough", "sore_throat", "fatigue", "dyspnoea", "taste_smell")
PLACES = (
    "CHOT-193",
    "CHOT-196",
    "CHOT-205",
    "CHOT-206",
    "CHO-HAKHANH",
    "SIEUTHI-BAICHAY",
    "UBND-HONGGAI",
)
#: Mistypings that survive the removal of diacritics ("Thùy" typed "Thùi", "Nhung" "Nhug").
TYPOS = {"i": "y", "y": "i", "n": "m", "g": "", "h": "", "u": "o"}


def _weighted(rng: random.Random, table: Sequence[tuple[str, int]]) -> str:
    total = sum(w for _v, w in table)
    roll = rng.random() * total
    for value, weight in table:
        roll -= weight
        if roll < 0:
            return value
    return table[-1][0]


def _answers(rng: random.Random, kind: str, day: datetime.date) -> dict[str, Any]:
    unwell = rng.random() < 0.02
    answers: dict[str, Any] = {
        "symptoms": rng.sample(SYMPTOMS, rng.randint(1, 3)) if unwell else ["none"],
        "contact_case": "yes" if rng.random() < 0.004 else "no",
    }
    if kind != FormKind.PLACE:
        visited = ["22"]
        if rng.random() < 0.12:
            visited.append(_weighted(rng, ORIGINS))
        answers.update(
            visited_provinces=sorted(set(visited)),
            contact_abroad="yes" if rng.random() < 0.001 else "no",
            contact_symptomatic="yes" if rng.random() < 0.006 else "no",
        )
    if kind != FormKind.DOMESTIC:
        answers["risk_area"] = "yes" if rng.random() < 0.004 else "no"
    if rng.random() < 0.35:
        base = 37.8 if unwell and rng.random() < 0.5 else 36.6
        answers["temperature"] = round(rng.gauss(base, 0.25), 1)
    if kind == FormKind.DOMESTIC:
        origin = _weighted(rng, ORIGINS)
        means = rng.choice(("car", "bus", "bus", "motorbike", "plane", "train"))
        departure = day - datetime.timedelta(days=rng.randint(0, 1))
        answers.update(
            means=means,
            vehicle_number=f"VN{rng.randint(100, 999)}" if means == "plane" else _plate(rng),
            departure_date=departure.isoformat(),
            arrival_date=day.isoformat(),
            origin_province=origin,
            destination_province="22",
        )
        answers["visited_provinces"] = sorted({"22", origin})
    return answers


def _plate(rng: random.Random) -> str:
    prefix = rng.choice(("14", "29", "30", "15", "34"))
    return f"{prefix}A-{rng.randint(100, 999)}.{rng.randint(10, 99)}"


def _sample_persons(rng: random.Random, province_path: str, n: int) -> list[Person]:
    bounds = Person.objects.filter(is_synthetic=True).aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return []
    ids = {rng.randint(bounds["lo"], bounds["hi"]) for _ in range(int(n * 1.1) + 10)}
    persons = list(
        Person.objects.filter(
            id__in=ids, merged_into__isnull=True, residence_unit__path__startswith=province_path
        ).select_related("residence_unit")
    )
    rng.shuffle(persons)
    return persons[:n]


def _declarations(
    ctx: Any, rng: random.Random, forms: dict[str, FormDefinition]
) -> list[Declaration]:
    now = timezone.now()
    today = timezone.localdate()
    n = max(200, ctx.people * RATE // 1000)
    persons = _sample_persons(rng, ctx.province.path, n)
    out = []
    for person in persons:
        age = today.year - person.birth_year
        if age < 6:
            continue
        kind = rng.choices((FormKind.POPULATION, FormKind.DOMESTIC, FormKind.PLACE), (70, 12, 18))[
            0
        ]
        days_ago = rng.randint(0, DAYS - 1)
        minutes = rng.randint(6 * 60, 22 * 60)
        local = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        at = local - datetime.timedelta(days=days_ago) + datetime.timedelta(minutes=minutes)
        at = min(at, now)
        form = forms[kind]
        answers = _answers(rng, kind, timezone.localtime(at).date())
        channel = rng.choices((Channel.PUBLIC, Channel.DOOR_TO_DOOR, Channel.STAFF), (60, 35, 5))[0]
        if kind != FormKind.POPULATION:
            channel = Channel.PUBLIC
        out.append(
            Declaration(
                form=form,
                kind=kind,
                person=person,
                unit=person.residence_unit,
                address=person.residence_address,
                submitted_at=at,
                channel=channel,
                answers=answers,
                flags=flags_of(form.questions, answers),
                place_code=rng.choice(PLACES) if kind == FormKind.PLACE else "",
                is_synthetic=True,
            )
        )
    Declaration.objects.bulk_create(out, batch_size=5000)
    return out


def _follow_ups(rng: random.Random, declarations: list[Declaration]) -> list[FollowUp]:
    items: dict[tuple[int, str], FollowUp] = {}
    now = timezone.now()
    for d in sorted(declarations, key=lambda d: d.submitted_at):
        for flag in d.flags:
            key = (d.person_id, flag)
            item = items.get(key)
            if item is None:
                commune = commune_of(d.unit) or d.unit
                age = now - d.submitted_at
                roll = rng.random()
                status = FollowUp.Status.OPEN
                if age > datetime.timedelta(days=2):
                    status = (
                        FollowUp.Status.DONE
                        if roll < 0.6
                        else FollowUp.Status.DISMISSED
                        if roll < 0.75
                        else FollowUp.Status.IN_PROGRESS
                    )
                elif roll < 0.3:
                    status = FollowUp.Status.IN_PROGRESS
                items[key] = FollowUp(
                    person_id=d.person_id,
                    unit=commune,
                    reason=flag,
                    status=status,
                    declaration=d,
                    first_seen=d.submitted_at,
                    last_seen=d.submitted_at,
                    resolved_at=d.submitted_at + datetime.timedelta(hours=rng.randint(2, 30))
                    if status in (FollowUp.Status.DONE, FollowUp.Status.DISMISSED)
                    else None,
                    note="Đã gọi điện, hướng dẫn tự theo dõi tại nhà"
                    if status == FollowUp.Status.DONE
                    else "",
                    is_synthetic=True,
                )
            else:
                item.signals += 1
                item.last_seen = d.submitted_at
                item.declaration = d
    FollowUp.objects.bulk_create(list(items.values()), batch_size=5000)
    return list(items.values())


def _monitorings(
    rng: random.Random, follow_ups: list[FollowUp], diary: FormDefinition
) -> tuple[int, int]:
    today = timezone.localdate()
    chosen: dict[int, FollowUp] = {}
    for item in follow_ups:
        if item.reason in (FollowUp.Reason.HIGH_RISK_AREA, FollowUp.Reason.CONTACT):
            chosen.setdefault(item.person_id, item)
    monitorings = []
    for person_id, item in chosen.items():
        start = timezone.localtime(item.first_seen).date()
        end = start + datetime.timedelta(days=13)
        monitorings.append(
            Monitoring(
                person_id=person_id,
                unit=item.unit,
                reason=Monitoring.Reason.CONTACT
                if item.reason == FollowUp.Reason.CONTACT
                else Monitoring.Reason.ARRIVAL,
                starts_on=start,
                ends_on=end,
                status=Monitoring.Status.ACTIVE if end >= today else Monitoring.Status.ENDED,
                is_synthetic=True,
            )
        )
    Monitoring.objects.bulk_create(monitorings, batch_size=2000)
    entries = []
    for m in Monitoring.objects.filter(is_synthetic=True, status=Monitoring.Status.ACTIVE):
        day = m.starts_on
        while day <= min(today, m.ends_on):
            if rng.random() < 0.85:
                temperature = round(
                    rng.gauss(36.6, 0.25) if rng.random() > 0.01 else rng.gauss(38.0, 0.3), 1
                )
                answers: dict[str, Any] = {"temperature": temperature, "symptoms": ["none"]}
                entries.append(
                    DiaryEntry(
                        monitoring=m,
                        person_id=m.person_id,
                        day=day,
                        form=diary,
                        answers=answers,
                        temperature=Decimal(str(temperature)),
                        flags=flags_of(diary.questions, answers),
                        recorded_at=timezone.make_aware(
                            datetime.datetime.combine(day, datetime.time(7, 30))
                        ),
                        is_synthetic=True,
                    )
                )
            day += datetime.timedelta(days=1)
    DiaryEntry.objects.bulk_create(entries, batch_size=5000)
    pending = set(
        FollowUp.objects.filter(
            reason=FollowUp.Reason.FEVER, status__in=FollowUp.PENDING
        ).values_list("person_id", flat=True)
    )
    fevers = []
    for entry in entries:
        if (
            entry.flags
            and entry.person_id not in pending
            and entry.day >= today - datetime.timedelta(days=2)
        ):
            pending.add(entry.person_id)
            fevers.append(
                FollowUp(
                    person_id=entry.person_id,
                    unit=entry.monitoring.unit,
                    reason=FollowUp.Reason.FEVER,
                    diary_entry=entry,
                    first_seen=entry.recorded_at,
                    last_seen=entry.recorded_at,
                    is_synthetic=True,
                )
            )
    FollowUp.objects.bulk_create(fevers)
    return len(monitorings), len(entries)


def _typo(rng: random.Random, name: str) -> str:
    words = name.split()
    i = rng.randrange(1, len(words))
    word = words[i]
    j = rng.randrange(len(word))
    replacement = TYPOS.get(word[j].lower(), word[j])
    words[i] = word[:j] + replacement + word[j + 1 :]
    return " ".join(words)


def _self_declared(ctx: Any, rng: random.Random, forms: dict[str, FormDefinition]) -> int:
    """Residents who declare on the public page without their citizen ID and with a typo in
    their name: the registry cannot match them and creates self-declared persons, which the
    duplicate finder then pairs with the registered ones."""
    count = 0
    for person in _sample_persons(rng, ctx.province.path, 40):
        if not person.phone or person.residence_unit.level != 4:
            continue
        other_phone = f"+8498{rng.randint(1_000_000, 9_999_999)}"
        actions.submit_declaration(
            actor=None,
            kind=FormKind.POPULATION,
            answers={
                "risk_area": "no",
                "contact_case": "no",
                "contact_abroad": "no",
                "contact_symptomatic": "no",
                "symptoms": ["none"],
            },
            channel=Channel.PUBLIC,
            identity={
                "phone": other_phone,
                "full_name": _typo(rng, person.full_name),
                "birth_year": person.birth_year,
                "sex": person.sex,
            },
            unit=person.residence_unit,
            address=person.residence_address,
        )
        count += 1
    Person.objects.filter(is_self_declared=True, created_by__isnull=True).update(is_synthetic=True)
    return count


def run(ctx: Any) -> list[str]:
    created = load_default_forms(FormDefinition)
    if ctx.if_empty and Declaration.objects.exists():
        return ["declarations: declarations already present"]
    if Declaration.objects.filter(is_synthetic=True).exists():
        return ["declarations: synthetic declarations already present; not generating more"]
    if not Person.objects.filter(is_synthetic=True).exists():
        return ["declarations: no synthetic population to declare"]
    started = time.perf_counter()
    rng = random.Random(ctx.seed * 31 + 7)
    forms = {kind: actions.form_in_force(kind) for kind in FormKind.values}
    with transaction.atomic():
        declarations = _declarations(ctx, rng, forms)
        follow_ups = _follow_ups(rng, declarations)
        monitorings, entries = _monitorings(rng, follow_ups, forms[FormKind.DIARY])
        typos = _self_declared(ctx, rng, forms)
    pending = sum(1 for f in follow_ups if f.status in FollowUp.PENDING)
    return [
        f"declarations: {len(forms)} forms in force ({created} loaded); {len(declarations):,} "
        f"declarations over {DAYS} days; {len(follow_ups):,} follow-ups ({pending:,} pending); "
        f"{monitorings:,} people under monitoring with {entries:,} diary entries; {typos} "
        f"self-declared residents with mistyped names ({time.perf_counter() - started:.0f} s)"
    ]
