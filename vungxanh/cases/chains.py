"""The transmission chain of a cluster as a graph laid out in time: cases and the venues
they shared are nodes, exposures are edges (a visit: case → venue; a contact who became a
case: case → case). Positions are computed here (x: time, y: lanes) so the browser only
draws (cytoscape, preset layout), which stays smooth with a few hundred nodes."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.urls import reverse
from django.utils import timezone

from vungxanh.cases.models import Case, Cluster, Contact, Landmark
from vungxanh.cases.rules import local_midnight

#: Pixels per day along the time axis, and between lanes.
DAY_PX = 120.0
LANE_PX = 70.0
MAX_CASES = 400
MAX_VENUES = 300


def _lanes(items: list[tuple[float, str]], sign: int, offset: float) -> dict[str, float]:
    """Greedy lanes: each node takes the first lane free at its x."""
    last_x: list[float] = []
    out: dict[str, float] = {}
    for x, key in sorted(items):
        for i, lx in enumerate(last_x):
            if x - lx >= DAY_PX * 0.9:
                last_x[i] = x
                out[key] = sign * (offset + i * LANE_PX)
                break
        else:
            last_x.append(x)
            out[key] = sign * (offset + (len(last_x) - 1) * LANE_PX)
    return out


def chain_graph(cluster: Cluster, visible_case_ids: set[int]) -> dict[str, Any]:
    """The cytoscape elements of a cluster's chain. Cases the viewer may not open are
    drawn without number, date, unit or times: a "?" placed next to what links it (a
    place a visible case visited, or the visible case it was a contact of); places only
    hidden cases visited are left out."""
    cases = list(
        Case.objects.filter(
            cluster_members__cluster=cluster, cluster_members__removed_by_case__isnull=True
        )
        .select_related("responsible_unit")
        .order_by("confirmed_at", "pk")[:MAX_CASES]
    )
    case_ids = {c.pk for c in cases}
    shown = {c.pk for c in cases if c.pk in visible_case_ids}
    by_person = {c.person_id: c for c in cases}
    landmarks = list(
        Landmark.objects.filter(case_id__in=case_ids, venue__isnull=False)
        .select_related("venue")
        .order_by("start")
    )
    cases_at: dict[int, set[int]] = defaultdict(set)
    for lm in landmarks:
        assert lm.venue_id is not None
        cases_at[lm.venue_id].add(lm.case_id)
    shared = {v for v, ids in cases_at.items() if len(ids) >= 2 and ids & shown}
    shared = set(sorted(shared)[:MAX_VENUES])

    anchors = [local_midnight(c.anchor_date) for c in cases if c.pk in shown]
    starts = [lm.start for lm in landmarks if lm.venue_id in shared and lm.case_id in shown]
    t0 = min(anchors + starts) if anchors or starts else timezone.now()

    def x_of(moment: datetime.datetime) -> float:
        return round((moment - t0).total_seconds() / 86400 * DAY_PX, 1)

    venue_first: dict[int, datetime.datetime] = {}
    venue_name: dict[int, str] = {}
    for lm in landmarks:
        if lm.venue_id in shared and lm.case_id in shown and lm.venue is not None:
            venue_first.setdefault(lm.venue_id, lm.start)
            venue_name[lm.venue_id] = lm.venue.name
    venue_x = {f"v{v}": x_of(t) for v, t in venue_first.items()}
    case_x = {f"c{c.pk}": x_of(local_midnight(c.anchor_date)) for c in cases if c.pk in shown}
    contacts = list(
        Contact.objects.filter(case_id__in=case_ids, person_id__in=list(by_person)).exclude(
            status__in=[Contact.Status.DISMISSED, Contact.Status.CLOSED]
        )
    )
    # A hidden case sits by its first visible neighbour (no date of its own is shown).
    for c in cases:
        if c.pk in shown:
            continue
        near = [
            venue_x[f"v{lm.venue_id}"]
            for lm in landmarks
            if lm.case_id == c.pk and lm.venue_id in shared
        ]
        for contact in contacts:
            other = by_person.get(contact.person_id)
            if other is None:
                continue
            pair = {contact.case_id, other.pk}
            if c.pk in pair and len(pair) == 2:
                (neighbour,) = pair - {c.pk}
                if f"c{neighbour}" in case_x:
                    near.append(case_x[f"c{neighbour}"])
        case_x[f"c{c.pk}"] = min(near, default=0.0)
    case_y = _lanes([(x, k) for k, x in case_x.items()], 1, 0.0)
    venue_y = _lanes([(x, k) for k, x in venue_x.items()], -1, 140.0)

    elements: list[dict[str, Any]] = []
    for c in cases:
        key = f"c{c.pk}"
        visible = c.pk in shown
        elements.append(
            {
                "group": "nodes",
                "data": {
                    "id": key,
                    "label": str(c) if visible else "?",
                    "kind": "case",
                    "date": c.anchor_date.strftime("%d/%m") if visible else "",
                    "unit": c.responsible_unit.name if visible else "",
                    "url": reverse("cases:case-detail", args=[c.public_id]) if visible else "",
                },
                "position": {"x": case_x[key], "y": case_y[key]},
                "classes": "case" if visible else "case hidden",
            }
        )
    for venue_id, first in venue_first.items():
        key = f"v{venue_id}"
        elements.append(
            {
                "group": "nodes",
                "data": {
                    "id": key,
                    "label": venue_name[venue_id],
                    "kind": "venue",
                    "date": timezone.localtime(first).strftime("%d/%m %H:%M"),
                },
                "position": {"x": venue_x[key], "y": venue_y[key]},
                "classes": "venue",
            }
        )
    seen: set[tuple[str, str]] = set()
    for lm in landmarks:
        if lm.venue_id not in venue_first:
            continue
        edge = (f"c{lm.case_id}", f"v{lm.venue_id}")
        if edge in seen:
            continue
        seen.add(edge)
        elements.append(
            {
                "group": "edges",
                "data": {
                    "id": f"e{lm.pk}",
                    "source": edge[0],
                    "target": edge[1],
                    "kind": "visit",
                    "label": timezone.localtime(lm.start).strftime("%d/%m %H:%M")
                    if lm.case_id in shown
                    else "",
                },
                "classes": "visit",
            }
        )
    anchor_of = {c.pk: (c.anchor_date, c.confirmed_at or c.reported_at, c.pk) for c in cases}
    for contact in contacts:
        target = by_person.get(contact.person_id)
        if target is None or target.pk == contact.case_id:
            continue
        # One arrow per pair of cases, from the earlier case to the later one (from the
        # case to its contact when one of them is hidden: its dates are not shown).
        if contact.case_id in shown and target.pk in shown:
            earlier, later = sorted((contact.case_id, target.pk), key=anchor_of.__getitem__)
        else:
            earlier, later = contact.case_id, target.pk
        edge = (f"c{earlier}", f"c{later}")
        if edge in seen or edge[::-1] in seen:
            continue
        seen.add(edge)
        elements.append(
            {
                "group": "edges",
                "data": {
                    "id": f"k{contact.pk}",
                    "source": edge[0],
                    "target": edge[1],
                    "kind": "contact",
                    "label": contact.get_exposure_type_display(),
                },
                "classes": "contact",
            }
        )
    return {
        "cluster": {"id": str(cluster.public_id), "name": cluster.name},
        "t0": timezone.localtime(t0).isoformat(),
        "day_px": DAY_PX,
        "cases": len(cases),
        "venues": len(venue_first),
        "elements": elements,
    }
