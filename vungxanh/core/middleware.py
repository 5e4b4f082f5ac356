"""Request id and client address for every request (both reach the audit log and logs),
private caching of scoped pages, and guards on input no person types."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext as _

from vungxanh.core import context

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    # Behind the production reverse proxy REMOTE_ADDR is set by gunicorn's forwarded-allow-ips.
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else context.new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        with context.bound(context.RequestContext(request_id=request_id, ip=client_ip(request))):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class PrivateCacheMiddleware:
    """Vary every authenticated page on the session cookie and forbid shared caching:
    scoped pages must never be served from a cache to somebody else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" in response:
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "private, no-store"
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        ctx = context.current()
        record.request_id = ctx.request_id if ctx else "-"
        return True


# --- input no person types ---------------------------------------------------------------------

log = logging.getLogger("vungxanh.input")


class MalformedInput(SuspiciousOperation):
    """A request carrying what no keyboard produces (a NUL character): answered 400 with a
    message that says so (see :func:`vungxanh.core.views.error_400`)."""


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    for data in (request.GET, request.POST if request.method == "POST" else None):
        if data is None:
            continue
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return True
    return False


class InputSafetyMiddleware:
    """Two guards on what users send, in front of every view.

    * A NUL character in the address, the query string or a form field is refused with 400
      before any view runs: nobody types one, and PostgreSQL refuses it in text, so every view
      would otherwise need its own check.
    * A value the database refuses (``DataError``: a number out of the column's range) or a
      date Python cannot represent (``OverflowError``) that escaped a view's own checks is
      answered 400 "nothing was saved" (the action's transaction has rolled back) and logged
      as an error with the request id, so that the missing check gets fixed. The test suite
      turns this net off (``INPUT_SAFETY_NET``) so that the robustness tests see such gaps.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            raise MalformedInput(
                _("The request contains a NUL character, which is not allowed. Nothing was saved.")
            )
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not getattr(settings, "INPUT_SAFETY_NET", True):
            return None
        if not isinstance(exception, DataError | OverflowError):
            return None
        log.error(
            "input refused by the safety net on %s %s: %r",
            request.method,
            request.path,
            exception,
            exc_info=exception,
        )
        from vungxanh.core.views import error_400

        return error_400(
            request,
            MalformedInput(
                _("A value is outside the range this system accepts. Nothing was saved.")
            ),
        )


class LanguageMiddleware(LocaleMiddleware):
    """Vietnamese unless the user chose English with the language switch (its cookie): the
    browser's Accept-Language is not consulted, so an official's laptop set up in English
    still opens the Vietnamese screens the province works in."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        try:
            language = get_supported_language_variant(chosen) if chosen else ""
        except LookupError:
            language = ""
        translation.activate(language or settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
