"""The public list of published landmarks ("people who were at … between … and …, contact
the health station"), as a page and as JSON. Never names or numbers a case."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_control

from vungxanh.cases.models import Landmark
from vungxanh.core.scoping import public_view
from vungxanh.geo.models import AdminUnit, Facility, ancestor_paths

PUBLIC_LIMIT = 500


def _published(request: HttpRequest) -> tuple[list[dict[str, Any]], list[AdminUnit], str]:
    landmarks = (
        Landmark.objects.published()
        .filter(case__classification="confirmed")
        .select_related("venue", "unit", "venue__unit")
        .order_by("-start", "pk")
    )
    district = (request.GET.get("huyen") or "").strip()
    if district:
        unit = AdminUnit.objects.current().filter(code=district, level=2).first()
        landmarks = landmarks.filter(unit__path__startswith=unit.path) if unit else landmarks.none()
    rows = list(landmarks[:PUBLIC_LIMIT])
    units = {lm.unit_id or (lm.venue.unit_id if lm.venue else None) for lm in rows}
    unit_objs = AdminUnit.objects.in_bulk([u for u in units if u])
    paths = {a for u in unit_objs.values() for a in ancestor_paths(u.path)}
    above = list(AdminUnit.objects.filter(path__in=paths).values_list("path", "name", "pk"))
    names = {path: name for path, name, _pk in above}
    unit_at = {path: pk for path, _name, pk in above}
    # The health station of the place: the unit's own, else the one of the unit above
    # it (a village's commune).
    by_unit: dict[int, Facility] = {}
    for facility in Facility.objects.filter(
        kind=Facility.Kind.HEALTH_STATION, is_active=True, unit_id__in=list(unit_at.values())
    ).order_by("pk"):
        by_unit.setdefault(facility.unit_id, facility)
    stations: dict[int, Facility] = {}
    for unit_obj in unit_objs.values():
        for path in reversed(ancestor_paths(unit_obj.path)):
            found = by_unit.get(unit_at.get(path, 0))
            if found is not None:
                stations[unit_obj.pk] = found
                break
    out = []
    for lm in rows:
        unit_id = lm.unit_id or (lm.venue.unit_id if lm.venue else None)
        unit = unit_objs.get(unit_id) if unit_id else None
        area = (
            ", ".join(names[p] for p in reversed(ancestor_paths(unit.path)[1:]) if p in names)
            if unit
            else ""
        )
        station = stations.get(unit_id) if unit_id else None
        out.append(
            {
                "id": str(lm.public_id),
                "place": lm.place_label,
                "address": lm.address,
                "area": area,
                "vehicle": lm.vehicle,
                "route": lm.route,
                "start": timezone.localtime(lm.start),
                "end": timezone.localtime(lm.end),
                "message": lm.public_note,
                "health_station": station.name if station else "",
                "health_station_address": station.address if station else "",
                "published_at": timezone.localtime(lm.published_at) if lm.published_at else None,
            }
        )
    districts = list(AdminUnit.objects.current().filter(level=2).order_by("code"))
    return out, districts, district


@public_view
def landmark_public_list(request: HttpRequest) -> HttpResponse:
    rows, districts, chosen = _published(request)
    return render(
        request,
        "cases/public_landmarks.html",
        {"rows": rows, "districts": districts, "chosen": chosen},
    )


@public_view
@cache_control(max_age=60, public=True)
def landmark_public_json(request: HttpRequest) -> JsonResponse:
    rows, _districts, _chosen = _published(request)
    for row in rows:
        for key in ("start", "end", "published_at"):
            if row[key] is not None:
                row[key] = row[key].isoformat()
    return JsonResponse(
        {"count": len(rows), "landmarks": rows}, json_dumps_params={"ensure_ascii": False}
    )
