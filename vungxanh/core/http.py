"""Typed requests for views that require a logged-in user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

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
