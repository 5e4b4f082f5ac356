"""Residents' pages, without login, light enough for a cheap phone (no JavaScript):

* ``/q/<code>/<token>/`` — the page a venue's QR opens: check in, check out;
* ``/toi/`` — "me": the resident's personal QR, open visit and recent check-ins;
* ``/dang-ky-dia-diem/`` — an owner registers a venue (the commune approves it).

A resident is remembered on their device by a signed, HttpOnly cookie holding only their
record's public id. Identifying oneself (which finds or creates a person, and says when a
citizen ID is registered under another name) and registering a venue are limited per device
and per network address (``core.ratelimit``); the one-tap check-in of a remembered resident
is not."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from vungxanh.core import ratelimit
from vungxanh.core.http import add_errors
from vungxanh.core.scoping import public_view
from vungxanh.geo.models import AdminUnit
from vungxanh.people.actions import identify_person
from vungxanh.people.models import Person
from vungxanh.venues import actions, rules
from vungxanh.venues.forms import ResidentForm, VenueRegistrationForm
from vungxanh.venues.models import CheckIn, Venue
from vungxanh.venues.posters import qr_svg_data_uri
from vungxanh.venues.signing import (
    RESIDENT_COOKIE,
    RESIDENT_COOKIE_MAX_AGE,
    QrError,
    person_qr_text,
    read_resident_cookie,
    resident_cookie_value,
    verify_venue,
)

REFUSAL_STATUS = {"unknown": 404, "tampered": 400, "revoked": 410, "inactive": 410, "pending": 409}

#: Identifications (check-in page and /toi/) and venue registrations, per device (cookie) and
#: per network address. An address is shared by a whole market's or factory's Wi-Fi or a
#: mobile operator's NAT, so its limits are much higher.
IDENTIFY_DEVICE = ratelimit.Limit("venues-identify-device", 10, 3600)
IDENTIFY_ADDRESS = ratelimit.Limit("venues-identify-ip", 300, 3600)
REGISTER_DEVICE = ratelimit.Limit("venues-register-device", 5, 3600)
REGISTER_ADDRESS = ratelimit.Limit("venues-register-ip", 30, 3600)


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(request, "venues/too_many.html", status=429)
    response["Retry-After"] = "3600"
    return response


def remembered_person(request: HttpRequest) -> Person | None:
    """The person this device remembers (following merges), or None."""
    remembered = read_resident_cookie(request.COOKIES.get(RESIDENT_COOKIE))
    if remembered is None:
        return None
    person = Person.objects.filter(public_id=remembered[0]).first()
    hops = 0
    while person is not None and person.merged_into_id is not None and hops < 5:
        person = Person.objects.filter(pk=person.merged_into_id).first()
        hops += 1
    return person


def _remember(response: HttpResponse, person: Person) -> None:
    response.set_cookie(
        RESIDENT_COOKIE,
        resident_cookie_value(person.public_id),
        max_age=RESIDENT_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def _forget(response: HttpResponse) -> None:
    response.delete_cookie(RESIDENT_COOKIE, samesite="Lax")


def _province() -> AdminUnit:
    code = settings.DEFAULT_PROVINCE_CODE
    province = AdminUnit.objects.filter(level=AdminUnit.Level.PROVINCE, code=code).first()
    return province or AdminUnit.objects.filter(level=AdminUnit.Level.PROVINCE).order_by("path")[0]


def _client_uuid(request: HttpRequest) -> uuid.UUID:
    try:
        return uuid.UUID(request.POST.get("uuid", ""))
    except ValueError:
        return uuid.uuid4()


FORM_FIELDS = {
    "cccd": "cccd",
    "phone": "phone",
    "full_name": "full_name",
    "birth_year": "birth_year",
    "sex": "sex",
    "residence_unit": "unit",
}


def resolve_resident(form: ResidentForm) -> Person | None:
    """The person a valid identification form names (the registry finds them, or creates
    them the first time). Adds the registry's errors to the form and returns None."""
    data = form.cleaned_data
    if not data["full_name"]:
        form.add_error("full_name", _("Enter your full name."))
        return None
    try:
        person, _created = identify_person(
            actor=None,
            cccd=data["cccd"] or None,
            phone=data["phone"],
            full_name=data["full_name"],
            birth_year=data["birth_year"],
            birth_date=None,
            sex=data.get("sex") or "",
            residence_unit=data.get("unit"),
            address="",
            source="checkin",
        )
    except ValidationError as exc:
        add_errors(form, exc, aliases=FORM_FIELDS)
        return None
    return person


def _last_visit(person: Person, venue: Venue, now: datetime.datetime) -> CheckIn | None:
    return (
        CheckIn.objects.filter(person=person, venue=venue, check_in__gte=now - rules.max_stay())
        .order_by("-check_in")
        .first()
    )


@public_view
@never_cache
def qr_without_signature(request: HttpRequest, code: str) -> HttpResponse:
    """``/q/<code>/``: a QR code cut short or typed by hand; refuse it clearly."""
    return _refusal(request, QrError("tampered"))


def _refusal(request: HttpRequest, exc: QrError) -> HttpResponse:
    return render(
        request,
        "venues/checkin_refused.html",
        {"reason": exc.code, "message": exc.message, "venue": exc.venue},
        status=REFUSAL_STATUS.get(exc.code, 400),
    )


@public_view
@never_cache
@require_http_methods(["GET", "POST"])
def venue_checkin(request: HttpRequest, code: str, token: str) -> HttpResponse:
    """What a venue's QR code opens: one tap to check in for a remembered resident."""
    try:
        venue = verify_venue(code, token)
    except QrError as exc:
        return _refusal(request, exc)
    person = remembered_person(request)
    form: ResidentForm | None = None
    action = request.POST.get("action", "")
    if request.method == "POST":
        if action == "identify":
            if not ratelimit.admitted(request, device=IDENTIFY_DEVICE, address=IDENTIFY_ADDRESS):
                return _too_many(request)
            form = ResidentForm(request.POST, province=_province())
            if form.is_valid():
                identified = resolve_resident(form)
                if identified is not None:
                    response = redirect(request.path)
                    _check_in(request, venue, token, identified)
                    _remember(response, identified)
                    return response
        elif action == "forget":
            response = redirect(request.path)
            _forget(response)
            return response
        elif person is None:
            messages.error(request, _("Tell us who you are first."))
            return redirect(request.path)
        elif action == "checkin":
            _check_in(request, venue, token, person)
            return redirect(request.path)
        elif action == "checkout":
            checkin = CheckIn.objects.filter(
                uuid=_client_uuid(request), person=person, venue=venue
            ).first()
            if checkin is not None:
                _check_out(request, checkin, person)
            return redirect(request.path)
        else:
            return redirect(request.path)
    now = timezone.now()
    last = _last_visit(person, venue, now) if person is not None else None
    is_inside = last is not None and last.checkout_is_automatic and last.check_out > now
    if person is None and form is None:
        form = ResidentForm(province=_province())
    page = render(
        request,
        "venues/checkin.html",
        {
            "venue": venue,
            "person": person,
            "form": form,
            "last": last,
            "is_inside": is_inside,
            "new_uuid": uuid.uuid4(),
        },
    )
    return ratelimit.with_device_cookie(request, page)


def _check_out(request: HttpRequest, checkin: CheckIn, person: Person) -> None:
    done = actions.check_out(actor=None, checkin=checkin, person=person)
    if done.checkout_is_automatic:  # the automatic check-out had already come
        messages.info(
            request,
            _("This visit had already ended at %(time)s (automatic check-out).")
            % {"time": timezone.localtime(done.check_out).strftime("%H:%M")},
        )
    else:
        messages.success(request, _("You checked out. Thank you!"))


def _check_in(request: HttpRequest, venue: Venue, token: str, person: Person) -> None:
    """Check the resident in with the token of the QR code they scanned (the action
    verifies it again: the page may have been open while the owner replaced the QR)."""
    try:
        outcome = actions.check_in(
            actor=None,
            venue=venue,
            person=person,
            source=CheckIn.Source.RESIDENT_SCAN,
            venue_token=token,
            client_uuid=_client_uuid(request),
        )
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return
    when = timezone.localtime(outcome.checkin.check_in).strftime("%H:%M")
    if outcome.created:
        messages.success(
            request, _("Checked in at %(venue)s at %(time)s.") % {"venue": venue.name, "time": when}
        )
    else:
        messages.info(
            request, _("You are already checked in here (since %(time)s).") % {"time": when}
        )


@public_view
@never_cache
@require_http_methods(["GET", "POST"])
def my_card(request: HttpRequest) -> HttpResponse:
    """The resident's own page: their signed personal QR for venue staff to scan, their
    open visit (with a check-out button) and their check-ins of the last 14 days."""
    person = remembered_person(request)
    form: ResidentForm | None = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "identify":
            if not ratelimit.admitted(request, device=IDENTIFY_DEVICE, address=IDENTIFY_ADDRESS):
                return _too_many(request)
            form = ResidentForm(request.POST, province=_province())
            if form.is_valid():
                identified = resolve_resident(form)
                if identified is not None:
                    response = redirect("checkin:my-card")
                    _remember(response, identified)
                    return response
        elif action == "forget":
            response = redirect("checkin:my-card")
            _forget(response)
            messages.info(request, _("This phone no longer remembers you."))
            return response
        elif action == "checkout" and person is not None:
            checkin = CheckIn.objects.filter(uuid=_client_uuid(request), person=person).first()
            if checkin is not None:
                _check_out(request, checkin, person)
            return redirect("checkin:my-card")
        else:
            return redirect("checkin:my-card")
    context: dict[str, Any] = {"person": person}
    if person is None:
        context["form"] = form or ResidentForm(province=_province())
    else:
        now = timezone.now()
        # Only the visits since this phone remembered them: identifying needs no more than
        # what is printed on an ID card, which must not open anyone's movements to whoever
        # holds a copy of it.
        remembered = read_resident_cookie(request.COOKIES.get(RESIDENT_COOKIE))
        # (a minute's grace: the check-in that came with the identification is theirs).
        known_since = (remembered[1] if remembered else now) - datetime.timedelta(minutes=1)
        since = max(now - datetime.timedelta(days=14), known_since)
        recent = list(
            CheckIn.objects.filter(person=person, check_in__gte=since)
            .select_related("venue")
            .order_by("-check_in")[:50]
        )
        context.update(
            qr_image=qr_svg_data_uri(person_qr_text(person.public_id), scale=8),
            recent=recent,
            open_visit=next(
                (c for c in recent if c.checkout_is_automatic and c.check_out > now), None
            ),
            retention_days=rules.retention_days(),
        )
    return ratelimit.with_device_cookie(request, render(request, "venues/my_card.html", context))


@public_view
@require_http_methods(["GET", "POST"])
def register_venue(request: HttpRequest) -> HttpResponse:
    """An owner asks to register a venue; the commune approves it and gives them an account."""
    form = VenueRegistrationForm(request.POST or None)
    if request.method == "POST" and not ratelimit.admitted(
        request, device=REGISTER_DEVICE, address=REGISTER_ADDRESS
    ):
        return _too_many(request)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("website", None)
        unit, name, kind = data.pop("unit"), data.pop("name"), data.pop("kind")
        actor = request.user if request.user.is_authenticated else None
        try:
            venue = actions.submit_venue(actor=actor, unit=unit, name=name, kind=kind, **data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return render(request, "venues/registration_sent.html", {"venue": venue})
    return ratelimit.with_device_cookie(
        request, render(request, "venues/registration_form.html", {"form": form})
    )
