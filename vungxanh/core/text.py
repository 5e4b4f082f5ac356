"""Free text as stored: one line, no control or format characters (zero-width space, BOM,
soft hyphen, the C0 controls a pasted text or a hostile form can carry). Such characters
mean nothing to a reader and break what the text goes into later (spreadsheets refuse them)."""

from __future__ import annotations

import unicodedata
from typing import Any

_INVISIBLE = frozenset(("Cc", "Cf"))


def printable_words(text: str) -> list[str]:
    """Whitespace-separated words without control and format characters."""
    words = (
        "".join(ch for ch in word if unicodedata.category(ch) not in _INVISIBLE)
        for word in text.split()
    )
    return [word for word in words if word]


def one_line(text: str | None, limit: int | None = None) -> str:
    """``text`` on one line, single-spaced, without invisible characters, cut at ``limit``."""
    line = " ".join(printable_words(text or ""))
    return line[:limit] if limit is not None else line


def sheet_cell(value: Any) -> Any:
    """A value a spreadsheet accepts: text loses the control characters XLSX forbids (text
    stored before they were cleaned on input, or from a source that does not clean)."""
    if isinstance(value, str):
        return "".join(ch for ch in value if ch in "\t\n\r" or unicodedata.category(ch) != "Cc")
    return value
