"""API settings referenced from REST_FRAMEWORK (kept apart from the viewsets so that DRF can
import them while it is itself being imported)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import parsers, status
from rest_framework.exceptions import ParseError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus business-rule errors raised by actions answered as 400 with the
    same messages the web pages show."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail: Any = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


#: Deepest nesting of lists and objects an API body may have (ours need three or four).
MAX_JSON_DEPTH = 32


def check_json(data: Any) -> None:
    """Refuse what no client should send and the database refuses: NUL characters and lone
    surrogates (``"\\ud800"``) in any string or key, and nesting deeper than
    :data:`MAX_JSON_DEPTH`. Raises :class:`ParseError` (400) with a message saying which."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise ParseError(_("The JSON body is nested too deeply."))
            if isinstance(value, dict):
                for key, item in value.items():
                    _check_text(key)
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise ParseError(_("The JSON body contains a NUL character, which is not allowed."))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ParseError(
            _("The JSON body contains an invalid character (a lone UTF-16 surrogate).")
        ) from None


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser plus :func:`check_json`; a body nested beyond what Python's parser
    can follow is a 400 too, not a server error."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply.")) from None
        check_json(data)
        return data
