"""Resident-facing pages (no login): the health declaration and the personal diary.

Mobile first and light (no script needed). Every POST is CSRF-protected, limited per device
and per network address, and idempotent: the form carries a token, and submitting the same
form twice records one declaration.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from vungxanh.core.http import add_errors, csrf_rejection
from vungxanh.core.ratelimit import admitted, with_device_cookie
from vungxanh.core.scoping import public_view
from vungxanh.declarations import actions, ratelimit
from vungxanh.declarations.forms import PUBLIC_SLUGS, SLUG_OF, AnswersForm, PublicDeclarationForm
from vungxanh.declarations.models import Channel, Declaration, FollowUp, FormKind, Monitoring
from vungxanh.declarations.questions import flags_of
from vungxanh.people.identity import normalize_name

RECEIPT_KEY = "declarations_receipt"
#: How many merges a diary link follows (a merge of a merged record is unusual).
MAX_MERGE_HOPS = 5
STALE_FORM = _(
    "This page was open for too long, or your browser's cookies were cleared, so it was not "
    "sent. Your answers are still here: check them and send again."
)


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(request, "declarations/public/too_many.html", status=429)
    response["Retry-After"] = "3600"
    return response


def mask_name(name: str) -> str:
    """ "Nguyễn Văn An" → "Nguyễn V. A." (enough to recognise oneself on a receipt)."""
    words = name.split()
    if len(words) <= 1:
        return name
    return " ".join([words[0], *(f"{w[0]}." for w in words[1:])])


@public_view
@never_cache
def declare_home(request: HttpRequest) -> HttpResponse:
    place = request.GET.get("ma", "").strip()[:64]
    if place:
        return redirect(
            f"{reverse('declare:declare', args=['dia-diem'])}?{urlencode({'ma': place})}"
        )
    return with_device_cookie(
        request, render(request, "declarations/public/home.html", {"slugs": SLUG_OF})
    )


def _stale(request: HttpRequest, form: Any) -> bool:
    """A form sent with a stale CSRF token (cookies cleared, the page open for days) is not
    recorded, but shown again as filled in, with a fresh token and a word of explanation:
    the resident loses nothing they typed."""
    if csrf_rejection(request) is None:
        return False
    form.is_valid()
    form.add_error(None, STALE_FORM)
    return True


@public_view
@never_cache
@csrf_exempt  # checked in the view (_stale): a stale token must not lose the resident's answers
@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest, slug: str) -> HttpResponse:
    kind = PUBLIC_SLUGS.get(slug)
    if kind is None:
        return render(request, "404.html", status=404)
    definition = actions.form_in_force(kind)
    place_code = request.GET.get("ma", "").strip()[:64]
    status = 200
    if request.method == "POST":
        form = PublicDeclarationForm(request.POST, definition=definition)
        token = request.POST.get("token", "")
        if _stale(request, form):
            status = 403
        elif (
            form.is_valid()
            and (
                done := Declaration.objects.filter(token=token).first() if _is_uuid(token) else None
            )
            is not None
        ):  # the same form sent twice: one declaration
            return _receipt_redirect(request, done, form)
        elif not admitted(request, device=ratelimit.DEVICE, address=ratelimit.ADDRESS):
            return _too_many(request)
        elif form.is_valid():
            try:
                declaration, _created = actions.submit_declaration(
                    actor=None,
                    kind=kind,
                    answers=form.answers(),
                    channel=Channel.PUBLIC,
                    identity=form.identity(),
                    unit=form.cleaned_data["unit"],
                    address=form.cleaned_data.get("address", ""),
                    token=form.cleaned_data["token"],
                    place_code=form.cleaned_data.get("place_code", ""),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return _receipt_redirect(request, declaration, form)
    else:
        form = PublicDeclarationForm(definition=definition, initial={"place_code": place_code})
    response = render(
        request,
        "declarations/public/declare.html",
        {
            "form": form,
            "definition": definition,
            "place_code": place_code or form["place_code"].value(),
        },
        status=status,
    )
    return with_device_cookie(request, response)


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except (ValueError, TypeError):
        return False
    return True


def _add_errors(form: Any, exc: ValidationError) -> None:
    names = {"birth_year": "birth", "birth_date": "birth", "residence_unit": "unit"}
    add_errors(form, exc, aliases=names, prefix="q_")


def _receipt_redirect(
    request: HttpRequest, declaration: Declaration, form: PublicDeclarationForm
) -> HttpResponse:
    """Show the receipt of what this resident sent: their name (shortened), the form, the
    follow-ups their answers raise, and the declaration's time and reference. Nothing is
    read back from the declaration's person or answers: a form sent again with a token
    already used (a double click, or somebody else's token) shows only what it carried."""
    definition = form.definition
    request.session[RECEIPT_KEY] = {
        "id": str(declaration.public_id),
        "at": declaration.submitted_at.isoformat(),
        "name": mask_name(normalize_name(form.cleaned_data["full_name"])),
        "kind": definition.kind,
        "flags": flags_of(definition.questions, form.answers()),
    }
    return redirect("declare:done")


@public_view
@never_cache
def declare_done(request: HttpRequest) -> HttpResponse:
    receipt = request.session.get(RECEIPT_KEY)
    if not isinstance(receipt, dict) or receipt.get("kind") not in FormKind.values:
        return redirect("declare:home")
    reasons = dict(FollowUp.Reason.choices)
    return render(
        request,
        "declarations/public/done.html",
        {
            "name": receipt.get("name", ""),
            "flags": [reasons.get(f, f) for f in receipt.get("flags", [])],
            "kind": FormKind(receipt["kind"]).label,
            "at": parse_datetime(receipt.get("at") or ""),
            "reference": str(receipt.get("id", ""))[:8].upper(),
        },
    )


@public_view
@never_cache
@csrf_exempt  # checked in the view (_stale), as for the declaration
@require_http_methods(["GET", "POST"])
def diary(request: HttpRequest, token: str) -> HttpResponse:
    """A person under monitoring records their day through their secret link. The link of a
    monitoring folded into another when two records of the person were merged opens that
    one (the person keeps the link they were given)."""
    monitoring = get_object_or_404(
        Monitoring.objects.select_related("person", "unit"), access_token=token
    )
    hops = 0
    while monitoring.merged_into_id is not None and hops < MAX_MERGE_HOPS:
        monitoring = Monitoring.objects.select_related("person", "unit").get(
            pk=monitoring.merged_into_id
        )
        hops += 1
    definition = actions.form_in_force(FormKind.DIARY)
    today = timezone.localdate()
    entry = monitoring.entries.filter(day=today).first()
    form = AnswersForm(request.POST or None, definition=definition, initial=_initial(entry))
    saved = False
    status = 200
    if request.method == "POST":
        if _stale(request, form):
            status = 403
        elif not admitted(request, device=ratelimit.DIARY, address=ratelimit.ADDRESS):
            return _too_many(request)
        elif form.is_valid():
            try:
                entry, _created = actions.record_diary_entry(
                    actor=None, monitoring=monitoring, answers=form.answers(), day=today
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                saved = True
    open_ = monitoring.status == Monitoring.Status.ACTIVE and monitoring.covers(today)
    return render(
        request,
        "declarations/public/diary.html",
        {
            "monitoring": monitoring,
            "name": mask_name(monitoring.person.full_name),
            "form": form,
            "entry": entry,
            "saved": saved,
            "open": open_,
            "entries": monitoring.entries.order_by("-day")[:14],
        },
        status=status,
    )


def _initial(entry: Any) -> dict[str, Any]:
    if entry is None:
        return {}
    return {f"q_{key}": value for key, value in entry.answers.items()}
