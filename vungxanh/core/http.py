"""Typed requests for views that require a logged-in user."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware

if TYPE_CHECKING:
    from vungxanh.accounts.models import User


class AuthedHttpRequest(HttpRequest):
    user: User
    request_id: str


class PublicHttpRequest(HttpRequest):
    request_id: str


def flash_errors(request: HttpRequest, errors: Any) -> None:
    """Show a form's errors or a ValidationError's messages as page messages (for POST
    endpoints that redirect back to the page they came from)."""
    from django.contrib import messages

    if hasattr(errors, "errors") and hasattr(errors, "is_bound"):  # a bound form
        texts = [str(e) for field_errors in errors.errors.values() for e in field_errors]
    else:
        texts = [str(m) for m in getattr(errors, "messages", [errors])]
    for text in texts:
        messages.error(request, text)


def add_errors(
    form: Any,
    exc: ValidationError,
    *,
    aliases: Mapping[str, str] | None = None,
    prefix: str = "",
) -> None:
    """An action's refusal shown on the form that was sent: each message at its field
    (the field's name in the form: ``aliases`` maps an action's names to the form's,
    ``prefix`` is tried too, e.g. ``q_`` for questions), the others above the form. Never
    fails on a name the form does not have (Django's ``add_error`` would)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    names = aliases or {}
    for field, errors in exc.error_dict.items():
        candidates = (names.get(field, field), field, prefix + field)
        name = next((n for n in candidates if n in form.fields), None)
        for error in errors:
            form.add_error(name, error)


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request: HttpRequest, reason: str) -> Any:
        return reason


def _csrf_checked(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    return HttpResponse()


def csrf_rejection(request: HttpRequest) -> str | None:
    """Run Django's CSRF check inside a view marked ``@csrf_exempt``: ``None`` when the
    request passes, else the reason. For public forms that must not lose what a resident
    typed when their token went stale (cookies cleared, the page left open for days): the
    view shows the form again, filled in, with a fresh token, instead of a bare 403 page."""
    result = _CsrfCheck(lambda r: HttpResponse()).process_view(request, _csrf_checked, (), {})
    return None if result is None else str(result)
