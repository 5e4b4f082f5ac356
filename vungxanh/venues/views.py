"""Pages of officials (venue lists, registration, approval, activity by unit, posters,
imports, rules) and of venue owners and staff (their venues, daily counts, scanning)."""

from __future__ import annotations

import csv
import datetime
import io
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vungxanh.core import audit
from vungxanh.core.http import AuthedHttpRequest, add_errors, flash_errors
from vungxanh.core.jobs import start_job
from vungxanh.core.pagination import paginate, query_without_page
from vungxanh.core.scoping import OutOfScope, object_view, require_perm, scope_of
from vungxanh.geo.models import AdminUnit
from vungxanh.venues import actions, queries, rules
from vungxanh.venues.filters import VenueFilter
from vungxanh.venues.forms import (
    ApproveForm,
    RuleSetForm,
    ScanForm,
    StaffForm,
    UploadForm,
    VenueForm,
)
from vungxanh.venues.imports import IMPORT_COLUMNS, IMPORT_EXAMPLE
from vungxanh.venues.models import OWN_VENUE, CheckInRuleSet, Venue, VenueMember
from vungxanh.venues.posters import INLINE_LIMIT, posters_pdf, qr_svg_data_uri, venue_url


def _base_url(request: AuthedHttpRequest) -> str:
    """Where residents' phones reach the public pages: ``PUBLIC_BASE_URL`` when the officials
    work on an internal address, else the address this page was asked on."""
    return settings.PUBLIC_BASE_URL or request.build_absolute_uri("/")


def _is_official(request: AuthedHttpRequest, venue: Venue) -> bool:
    return scope_of(request.user).covers("venues.change_venue", "change", venue.unit.path)


def _can_register(request: AuthedHttpRequest) -> bool:
    scope = scope_of(request.user)
    return scope.unrestricted or bool(scope.paths("venues.add_venue", "add"))


@login_required
def venue_list(request: AuthedHttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not scope.has_perm("venues.view_venue"):
        if scope.has_perm(OWN_VENUE):
            return redirect("venues:venue-mine")
        raise OutOfScope()
    visible = Venue.objects.restrict(request.user, "view").select_related("unit__parent")
    filterset = VenueFilter(request.GET, queryset=visible)
    venues = filterset.qs if filterset.is_valid() else visible.none()
    page = paginate(request, venues.order_by("unit__path", "name"), per_page=50)
    return render(
        request,
        "venues/venue_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query_without_page(request),
            "pending": visible.pending().count(),
            "can_add": _can_register(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def venue_create(request: AuthedHttpRequest) -> HttpResponse:
    if not _can_register(request):
        raise OutOfScope()
    form = VenueForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        unit = data.pop("unit")
        name, kind = data.pop("name"), data.pop("kind")
        try:
            venue = actions.register_venue(
                actor=request.user, unit=unit, name=name, kind=kind, **data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Venue %(name)s registered.") % {"name": venue.name})
            return redirect("venues:venue-detail", public_id=venue.public_id)
    return render(request, "venues/venue_form.html", {"form": form, "venue": None})


@login_required
@object_view(Venue)
def venue_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    venue = get_object_or_404(
        Venue.objects.restrict(request.user, "view").select_related(
            "unit__parent", "registered_by", "approved_by"
        ),
        public_id=public_id,
    )
    official = _is_official(request, venue)
    is_owner = VenueMember.objects.filter(
        venue=venue, user=request.user, is_owner=True, is_active=True
    ).exists()
    days = queries.day_range(14)
    counts = queries.daily_counts([venue.pk], days)[venue.pk]
    url = venue_url(venue, _base_url(request))
    return render(
        request,
        "venues/venue_detail.html",
        {
            "venue": venue,
            "official": official,
            "is_owner": is_owner,
            "can_reissue": official or is_owner,
            "can_scan": actions.may_record_at(request.user, venue),
            "qr_url": url,
            "qr_image": qr_svg_data_uri(url) if venue.is_active else "",
            "counts": [(day, counts[day]) for day in days],
            "total": sum(counts.values()),
            "members": venue.members.select_related("user").order_by("-is_owner", "user__username")
            if official or is_owner
            else [],
            "default_stay_minutes": int(
                rules.in_force()
                .default_stay(venue.kind, venue.default_stay_minutes)
                .total_seconds()
                // 60
            ),
            "approve_form": ApproveForm(initial={"owner_username": f"cs.{venue.code.lower()}"}),
            "events": audit.events_for(venue)[:15] if official else [],
        },
    )


@login_required
@object_view(Venue)
@require_http_methods(["GET", "POST"])
def venue_edit(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    venue = get_object_or_404(Venue.objects.restrict(request.user, "change"), public_id=public_id)
    if not _is_official(request, venue):
        raise OutOfScope()
    form = VenueForm(request.POST or None, instance=venue, actor=request.user)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            actions.update_venue(actor=request.user, venue=venue, **fields)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Venue saved."))
            return redirect("venues:venue-detail", public_id=venue.public_id)
    venue.refresh_from_db()
    return render(request, "venues/venue_form.html", {"form": form, "venue": venue})


@login_required
@object_view(Venue)
@require_POST
def venue_approve(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    venue = get_object_or_404(Venue.objects.restrict(request.user, "change"), public_id=public_id)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
        return redirect("venues:venue-detail", public_id=venue.public_id)
    try:
        venue, owner, password = actions.approve_venue(
            actor=request.user, venue=venue, owner_username=form.cleaned_data["owner_username"]
        )
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("venues:venue-detail", public_id=venue.public_id)
    messages.success(request, _("Venue %(name)s approved.") % {"name": venue.name})
    if password is not None:
        return render(
            request,
            "venues/account_created.html",
            {"venue": venue, "new_user": owner, "password": password},
        )
    return redirect("venues:venue-detail", public_id=venue.public_id)


@login_required
@object_view(Venue)
@require_POST
def venue_set_status(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    venue = get_object_or_404(Venue.objects.restrict(request.user, "change"), public_id=public_id)
    status = request.POST.get("status", "")
    try:
        actions.set_venue_status(
            actor=request.user, venue=venue, status=status, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        if status == Venue.Status.ACTIVE:
            messages.success(request, _("The venue accepts check-ins again."))
        else:
            messages.success(request, _("The venue is closed: it no longer accepts check-ins."))
    return redirect("venues:venue-detail", public_id=venue.public_id)


@login_required
@object_view(Venue)
@require_POST
def venue_reissue_qr(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    venue = get_object_or_404(Venue.objects.restrict(request.user, "change"), public_id=public_id)
    actions.reissue_qr(actor=request.user, venue=venue)
    messages.success(
        request,
        _("A new QR code was issued; the old posters no longer work. Print the new poster."),
    )
    return redirect("venues:venue-detail", public_id=venue.public_id)


@login_required
@object_view(Venue)
def venue_poster(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    venue = get_object_or_404(
        Venue.objects.restrict(request.user, "view").select_related("unit"), public_id=public_id
    )
    if not venue.is_active:
        messages.error(request, _("Only an active venue has a poster."))
        return redirect("venues:venue-detail", public_id=venue.public_id)
    data = posters_pdf([venue], _base_url(request))
    audit.record(
        actor=request.user,
        verb="export",
        target=venue,
        unit_path=venue.unit.path,
        extra={"what": "poster", "qr_key_version": venue.qr_key_version},
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="poster-{venue.code}.pdf"'
    return response


@login_required
@object_view(Venue)
@require_http_methods(["GET", "POST"])
def venue_staff_create(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    venue = get_object_or_404(Venue.objects.restrict(request.user, "change"), public_id=public_id)
    if not _is_official(request, venue):
        raise OutOfScope()
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = actions.add_venue_staff(
                actor=request.user,
                venue=venue,
                username=data["username"],
                full_name=data["full_name"],
                phone=data["phone"],
                is_owner=data["is_owner"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return render(
                request,
                "venues/account_created.html",
                {"venue": venue, "new_user": user, "password": password},
            )
    return render(request, "venues/staff_form.html", {"form": form, "venue": venue})


@login_required
@object_view(Venue)
@require_http_methods(["GET", "POST"])
def venue_scan(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    """Venue staff check visitors in by scanning their personal or ID card QR with the
    device camera (jsQR), a hardware scanner that types the text, or by pasting it."""
    venue = get_object_or_404(
        Venue.objects.restrict(request.user, "view").select_related("unit"), public_id=public_id
    )
    if not actions.may_record_at(request.user, venue):
        raise OutOfScope()
    wants_json = "application/json" in request.headers.get("Accept", "")
    form = ScanForm(request.POST or None, initial={"uuid": uuid.uuid4()})
    if request.method == "POST":
        result: dict[str, Any]
        if not form.is_valid():
            result = {"ok": False, "message": _("Scan a QR code first.")}
        else:
            try:
                outcome = actions.check_in_scanned(
                    actor=request.user,
                    venue=venue,
                    text=form.cleaned_data["text"],
                    client_uuid=form.cleaned_data["uuid"],
                )
            except ValidationError as exc:
                code = getattr(exc, "code", None) or "invalid"
                result = {"ok": False, "reason": code, "message": " ".join(exc.messages)}
            else:
                checkin = outcome.checkin
                name = checkin.person.full_name
                when = timezone.localtime(checkin.check_in).strftime("%H:%M")
                result = {
                    "ok": True,
                    "created": outcome.created,
                    "name": name,
                    "time": when,
                    "message": (
                        _("%(name)s checked in at %(time)s.")
                        if outcome.created
                        else _("%(name)s was already checked in (%(time)s).")
                    )
                    % {"name": name, "time": when},
                }
        if wants_json:
            status = 200 if result["ok"] else 429 if result.get("reason") == "card_limit" else 400
            return JsonResponse(result, status=status)
        (messages.success if result["ok"] else messages.error)(request, result["message"])
        return redirect("venues:venue-scan", public_id=venue.public_id)
    today = queries.daily_counts([venue.pk], queries.day_range(1))[venue.pk]
    return render(
        request,
        "venues/venue_scan.html",
        {"venue": venue, "form": form, "today": sum(today.values())},
    )


@login_required
def venue_mine(request: AuthedHttpRequest) -> HttpResponse:
    """The owner's and staff's page: their venues and check-ins per day. The venues are
    read through ``restrict()`` like every other page: a membership counts only while the
    user holds the venue-staff role (an ended role leaves the page empty)."""
    active = VenueMember.objects.filter(user=request.user, is_active=True)
    venues = list(
        Venue.objects.restrict(request.user, "view")
        .filter(pk__in=active.values("venue_id"))
        .select_related("unit")
        .order_by("name", "pk")
    )
    owned = set(
        active.filter(is_owner=True, venue__in=[v.pk for v in venues]).values_list(
            "venue_id", flat=True
        )
    )
    days = queries.day_range(14)
    counts = queries.daily_counts([v.pk for v in venues], days)
    rows = [
        {
            "venue": v,
            "is_owner": v.pk in owned,
            "days": [counts[v.pk][d] for d in days],
            "total": sum(counts[v.pk].values()),
        }
        for v in venues
    ]
    return render(
        request,
        "venues/venue_mine.html",
        {"rows": rows, "days": days, "can_submit": scope_of(request.user).has_perm(OWN_VENUE)},
    )


def _sees_the_province(user: Any) -> bool:
    """An official whose view scope covers a whole province (the purge is province-wide)."""
    province = AdminUnit.objects.filter(level=AdminUnit.Level.PROVINCE).order_by("path").first()
    return province is not None and scope_of(user).covers(
        "venues.view_venue", "view", province.path
    )


@login_required
def activity(request: AuthedHttpRequest) -> HttpResponse:
    """Venues and check-ins by unit: the user's area, one level down per click. Officials
    of the province also see when the retention purge of check-ins last ran (a warning when
    it has not run for more than two days)."""
    require_perm(request.user, "venues.view_venue")
    units = AdminUnit.objects.restrict(request.user, "view")
    roots = scope_of(request.user).paths("venues.view_venue", "view")
    unit = None
    wanted = request.GET.get("unit", "")
    if wanted:
        try:
            unit = units.filter(public_id=uuid.UUID(wanted)).first()
        except ValueError:
            unit = None
    if unit is None or not (
        scope_of(request.user).unrestricted or any(unit.path.startswith(r) for r in roots)
    ):
        root_path = roots[0] if roots else "/"
        unit = units.filter(path=root_path).first() or units.order_by("path").first()
    if unit is None:
        raise OutOfScope()
    children = list(units.filter(parent=unit).current().order_by("code"))
    if unit.level >= AdminUnit.Level.COMMUNE:
        children.append(unit)  # venues attached to the commune itself
    venues = Venue.objects.restrict(request.user, "view")
    today = timezone.localdate()
    _refresh_counts_if_stale(today)
    result = queries.activity_by_unit(venues, unit, children, today)
    rows = result.rows
    return render(
        request,
        "venues/activity.html",
        {
            "unit": unit,
            "rows": rows,
            "totals": {
                "active": sum(r.venues_active for r in rows),
                "pending": sum(r.venues_pending for r in rows),
                "today": sum(r.checkins_today for r in rows),
                "week": sum(r.checkins_week for r in rows),
            },
            "ancestors": units.filter(pk__in=unit.ancestors().values("pk")).order_by("path"),
            "today_is_live": result.today_is_live,
            "refreshed_at": queries.counts_refreshed_at(
                today if not result.today_is_live else today - datetime.timedelta(days=1)
            ),
            "purge": queries.purge_status() if _sees_the_province(request.user) else None,
            "retention_days": rules.retention_days(),
        },
    )


TODAY_REFRESH = ("venues:counts-today", 600)
WEEK_REFRESH = ("venues:counts-week", 3600)


def _refresh_counts_if_stale(today: datetime.date) -> None:
    """Queue a recount of today's counts at most every 10 minutes and of the six days
    before at most once an hour (the task worker does it; the first page view after the
    interval wins the cache key, so concurrent views queue it once)."""
    from vungxanh.venues.tasks import refresh_daily_counts_task

    if cache.add(TODAY_REFRESH[0], "queued", timeout=TODAY_REFRESH[1]):
        refresh_daily_counts_task.enqueue([today.isoformat()])
    if cache.add(WEEK_REFRESH[0], "queued", timeout=WEEK_REFRESH[1]):
        days = [(today - datetime.timedelta(days=n)).isoformat() for n in range(1, 7)]
        refresh_daily_counts_task.enqueue(days)


MAX_POSTERS = 3000


@login_required
@object_view(AdminUnit)
@require_http_methods(["GET", "POST"])
def unit_posters(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    """Every active venue's poster in a unit as one PDF (a background job when large)."""
    require_perm(request.user, "venues.view_venue")
    unit = get_object_or_404(
        AdminUnit.objects.restrict(request.user, "change"), public_id=public_id
    )
    venues = (
        Venue.objects.restrict(request.user, "view")
        .active()
        .filter(unit__path__startswith=unit.path)
        .order_by("unit__path", "name")
    )
    count = venues.count()
    if count > MAX_POSTERS:
        messages.error(
            request,
            _("%(n)d venues are too many for one PDF; print the posters of one commune at a time.")
            % {"n": count},
        )
        return redirect(f"{reverse('venues:activity')}?unit={unit.public_id}")
    if request.method == "POST" and count:
        if count <= INLINE_LIMIT:
            data = posters_pdf(list(venues), _base_url(request))
            audit.record(
                actor=request.user,
                verb="export",
                target=unit,
                unit_path=unit.path,
                extra={"what": "venue posters", "venues": count},
            )
            response = HttpResponse(data, content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="posters-{unit.code}.pdf"'
            return response
        job = start_job(
            actor=request.user,
            kind="vungxanh.venues.imports.print_posters",
            label=_("Posters of %(unit)s") % {"unit": unit.name},
            params={"unit_id": unit.pk, "base_url": _base_url(request)},
            unit_path=unit.path,
        )
        return redirect("core:job-detail", public_id=job.public_id)
    return render(
        request,
        "venues/unit_posters.html",
        {"unit": unit, "count": count, "inline_limit": INLINE_LIMIT},
    )


@login_required
@require_http_methods(["GET", "POST"])
def venue_import(request: AuthedHttpRequest) -> HttpResponse:
    if not _can_register(request):
        raise OutOfScope()
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = start_job(
            actor=request.user,
            kind="vungxanh.venues.imports.import_venues",
            label=_("Import venues: %(name)s") % {"name": upload.name},
            input_name=upload.name,
            input_data=upload.read(),
        )
        return redirect("core:job-detail", public_id=job.public_id)
    return render(request, "venues/venue_import.html", {"form": form, "columns": IMPORT_COLUMNS})


@login_required
def venue_import_template(request: AuthedHttpRequest) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(IMPORT_COLUMNS)
    writer.writerow(IMPORT_EXAMPLE)
    response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="vungxanh-venues-template.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def rule_sets(request: AuthedHttpRequest) -> HttpResponse:
    """The versions of the check-in rules; province officials add new ones."""
    require_perm(request.user, "venues.view_venue")
    province = AdminUnit.objects.filter(level=AdminUnit.Level.PROVINCE).order_by("path").first()
    can_add = province is not None and scope_of(request.user).covers(
        "venues.add_checkinruleset", "add", province.path
    )
    current = rules.in_force()
    initial = {f"stay_{k}": v for k, v in current.default_stays.items()}
    form = RuleSetForm(request.POST or None, initial=initial) if can_add else None
    if request.method == "POST":
        if form is None:
            raise OutOfScope()
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.create_rule_set(
                    actor=request.user,
                    name=data["name"],
                    valid_from=data["valid_from"],
                    max_stay_minutes=data["max_stay_minutes"],
                    retention_days=data["retention_days"],
                    clock_skew_minutes=data["clock_skew_minutes"],
                    default_stays=form.default_stays(),
                    decision=data["decision"],
                )
            except ValidationError as exc:
                add_errors(form, exc, prefix="stay_")
            else:
                messages.success(request, _("Rule set saved."))
                return redirect("venues:ruleset-list")
    return render(
        request,
        "venues/ruleset_list.html",
        {
            "rulesets": CheckInRuleSet.objects.all(),
            "current": current,
            "max_stay_minutes": int(current.max_stay.total_seconds() // 60),
            "skew_minutes": int(current.clock_skew.total_seconds() // 60),
            "form": form,
            "kinds": Venue.Kind.choices,
        },
    )
