"""Demo data of tracing: a plausible small outbreak among the synthetic residents, built
from their demo check-ins so that every page has something real to show.

* a cluster at the busiest venue of Hà Khánh (three cases who were there at the same time),
  confirmed and named, with a containment zone and a published landmark;
* a proposed cluster in Móng Cái (two cases at one venue), waiting for a decision;
* a few sporadic cases elsewhere, one suspected case waiting for its RT-PCR;
* for every confirmed case its strongest F1 proposals and household confirmed, with tracing
  tasks in the communes where they live: some notified and sampled, some overdue.

Everything goes through the actions as the system actor; afterwards only the times are moved
back (a case confirmed yesterday afternoon, tasks due since this morning) so that the board
shows realistic delays. Synthetic persons only.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from vungxanh.cases import actions, services
from vungxanh.cases.models import Basis, Case, Cluster, Contact, TracingTask
from vungxanh.cases.rules import load_default_rule_sets, local_midnight
from vungxanh.core.scoping import SYSTEM
from vungxanh.geo.models import AdminUnit
from vungxanh.people.models import Person
from vungxanh.venues.models import CheckIn, Venue

F1_PER_CASE = 6
SPORADIC = {"small": 3, "medium": 6, "province": 12}


def run(ctx: Any) -> list[str]:
    lines = ["", "Cases and tracing:"]
    load_default_rule_sets()
    if Case.objects.exists():
        lines.append(f"  {Case.objects.count()} cases exist; nothing generated")
        return lines
    if not Person.objects.filter(residence_unit__path__startswith=ctx.province.path).exists():
        lines.append("  no residents yet: no outbreak generated")
        return lines
    with transaction.atomic():
        made = _outbreak(ctx)
    lines.extend(f"  {line}" for line in made)
    return lines


def _visitors_together(venue_id: int, limit: int) -> list[CheckIn]:
    """Check-ins of different people at the venue at overlapping times (the busiest hour
    in the demo week, at least two days ago so that it falls in the windows)."""
    cutoff = timezone.now() - datetime.timedelta(days=2)
    rows = list(
        CheckIn.objects.filter(venue_id=venue_id, check_in__lt=cutoff)
        .order_by("-check_in")
        .select_related("person")[:2000]
    )
    best: list[CheckIn] = []
    for i, first in enumerate(rows):
        group = [first]
        seen = {first.person_id}
        for other in rows[i + 1 :]:
            if other.check_in < first.check_in - datetime.timedelta(hours=2):
                break
            if other.person_id in seen:
                continue
            if other.check_in < first.check_out and other.check_out > first.check_in:
                group.append(other)
                seen.add(other.person_id)
            if len(group) == limit:
                return group
        if len(group) > len(best):
            best = group
    return best


def _busiest_venue(unit: AdminUnit | None) -> Venue | None:
    if unit is None:
        return None
    top = (
        CheckIn.objects.filter(venue__unit__path__startswith=unit.path)
        .values("venue_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "venue_id")
        .first()
    )
    return Venue.objects.filter(pk=top["venue_id"]).first() if top else None


def _confirm_from_visit(visit: CheckIn, ctx: Any, offset_days: int) -> Case:
    """The person fell ill a day or two after the visit and was confirmed the day after."""
    onset = timezone.localdate(visit.check_in) + datetime.timedelta(days=offset_days)
    onset = min(onset, timezone.localdate() - datetime.timedelta(days=1))
    confirmed_at = min(
        local_midnight(onset) + datetime.timedelta(days=1, hours=ctx.rng.randint(9, 16)),
        timezone.now() - datetime.timedelta(hours=3),
    )
    case = actions.confirm_case(
        actor=SYSTEM,
        person=visit.person,
        basis=Basis.PCR_POSITIVE,
        onset_date=onset,
        isolated_at=confirmed_at,
        lab_reference=f"DEMO-{visit.pk}",
    )
    Case.objects.filter(pk=case.pk).update(reported_at=confirmed_at, confirmed_at=confirmed_at)
    case.refresh_from_db()
    return case


def _trace(case: Case, ctx: Any) -> tuple[int, int]:
    """Confirm the strongest F1 proposals and the household; move the tasks' times back to
    the confirmation and record realistic progress."""
    confirmed = 0
    for person in actions.household_members(case)[:3]:
        actions.decide_proposal(actor=SYSTEM, case=case, person=person, confirm=True)
        confirmed += 1
    page = services.f1_candidates(case, limit=F1_PER_CASE + 3)
    cases = set(
        Case.objects.filter(person_id__in=[c.person_id for c in page.items]).values_list(
            "person_id", flat=True
        )
    )
    for candidate in [c for c in page.items if c.person_id not in cases][:F1_PER_CASE]:
        person = Person.objects.get(pk=candidate.person_id)
        actions.decide_proposal(actor=SYSTEM, case=case, person=person, confirm=True)
        confirmed += 1
    for candidate in services.f1_candidates(case, limit=1).items:
        person = Person.objects.get(pk=candidate.person_id)
        actions.decide_proposal(
            actor=SYSTEM, case=case, person=person, confirm=False, note="Đã ra về trước"
        )
    base = case.confirmed_at or timezone.now()
    tasks = list(TracingTask.objects.filter(case=case, status=TracingTask.Status.OPEN))
    now = timezone.now()
    done = 0
    for i, task in enumerate(tasks):
        created = base + datetime.timedelta(minutes=20 + 7 * i)
        rules = services.rules_for(case)
        TracingTask.objects.filter(pk=task.pk).update(
            created_at=created,
            notify_due_at=created + datetime.timedelta(hours=rules.notify_due_hours),
            due_at=created + datetime.timedelta(hours=rules.sample_due_hours),
        )
        task.refresh_from_db()
        progress = ctx.rng.random()
        if progress < 0.2:
            continue  # untouched: overdue once its deadline has passed
        notified = min(created + datetime.timedelta(minutes=ctx.rng.randint(30, 150)), now)
        actions.record_task_step(actor=SYSTEM, task=task, step="notified", at=notified)
        if progress < 0.45:
            continue
        actions.record_task_step(
            actor=SYSTEM, task=task, step="quarantined", at=notified, quarantine_place="Tại nhà"
        )
        if progress < 0.6:
            continue
        sampled = min(notified + datetime.timedelta(hours=ctx.rng.randint(2, 20)), now)
        actions.record_task_step(
            actor=SYSTEM, task=task, step="sampled", at=sampled, lab_reference="DEMO-F1"
        )
        done += 1
    return confirmed, done


def _outbreak(ctx: Any) -> list[str]:
    out: list[str] = []
    province = ctx.province
    ha_khanh = (
        AdminUnit.objects.current().filter(code="06649", path__startswith=province.path).first()
    )
    mong_cai = (
        AdminUnit.objects.current().filter(code="194", path__startswith=province.path).first()
    )
    cases: list[Case] = []
    # 1. Hà Khánh: three cases together at the busiest venue.
    venue = _busiest_venue(ha_khanh)
    if venue is not None:
        visits = _visitors_together(venue.pk, 3)
        for offset, visit in zip((1, 2, 2), visits, strict=False):
            cases.append(_confirm_from_visit(visit, ctx, offset))
        cluster = Cluster.objects.filter(members__case__in=cases).distinct().first()
        if cluster is not None and ha_khanh is not None:
            actions.confirm_cluster(
                actor=SYSTEM,
                cluster=cluster,
                name=f"Ổ dịch {venue.name}",
                unit=ha_khanh,
                containment_zone=f"{venue.address or venue.name}: phong tỏa tạm thời 14 ngày",
            )
            out.append(f"cluster “{cluster.name}” with {cluster.members.count()} cases (active)")
        landmark = cases[0].landmarks.filter(venue=venue).first() if cases else None
        if landmark is not None:
            actions.publish_landmark(
                actor=SYSTEM, landmark=landmark, public_note="Khu hàng ăn, tầng 1"
            )
            out.append(f"landmark “{venue.name}” published at /moc-dich-te/")
    # 2. Móng Cái: two cases at one venue, the cluster left as a proposal.
    venue_b = _busiest_venue(mong_cai)
    if venue_b is not None:
        for visit in _visitors_together(venue_b.pk, 2):
            cases.append(_confirm_from_visit(visit, ctx, 1))
        proposed = Cluster.objects.filter(status=Cluster.Status.PROPOSED).count()
        out.append(f"{proposed} cluster(s) proposed, waiting for officials")
    # 3. Sporadic cases elsewhere, and one suspected case.
    with_visits = list(
        CheckIn.objects.filter(check_in__lt=timezone.now() - datetime.timedelta(days=2))
        .exclude(person__cases__isnull=False)
        .values_list("pk", flat=True)[:5000]
    )
    ctx.rng.shuffle(with_visits)
    for pk in with_visits[: SPORADIC.get(ctx.size, 3)]:
        visit = CheckIn.objects.select_related("person").get(pk=pk)
        if Case.objects.filter(person=visit.person).exists():
            continue
        cases.append(_confirm_from_visit(visit, ctx, 2))
    suspect = (
        Person.objects.filter(residence_unit__path__startswith=province.path, cases__isnull=True)
        .order_by("pk")
        .first()
    )
    if suspect is not None:
        actions.register_suspected_case(
            actor=SYSTEM,
            person=suspect,
            basis=Basis.RAPID_POSITIVE,
            sample_date=timezone.localdate(),
            needs_pcr=True,
        )
        out.append("1 suspected case waiting for its RT-PCR")
    confirmed_f1 = finished = 0
    for case in {c.pk: c for c in cases}.values():
        n, done = _trace(case, ctx)
        confirmed_f1 += n
        finished += done
    overdue = TracingTask.objects.overdue().count()
    out.insert(0, f"{Case.objects.confirmed().count()} confirmed cases")
    out.append(
        f"{confirmed_f1} F1 confirmed, {Contact.objects.filter(status='dismissed').count()} "
        f"dismissed; {TracingTask.objects.count()} tracing tasks ({finished} done, "
        f"{overdue} overdue)"
    )
    return out
