"""The API's JSON parser (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``): DRF's, refusing what
no client should send. A module of its own: DRF imports it while ``rest_framework.views`` is
being imported, so it must not import anything that imports the views."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

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
