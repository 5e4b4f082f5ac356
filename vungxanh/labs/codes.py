"""Printed codes of samples, pools and runs: a letter, a Crockford base-32 serial and a check
character, e.g. ``S00012K7``. Short enough for a Code 39 barcode on a tube label.

The check character is a Damm check over GF(32) (``x∘y = 2x + y``), which catches every
single mistyped character and every swap of two neighbouring characters. Serials come from a
counter row locked while a block is taken, so codes are unique without retries.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from vungxanh.labs.models import CodeSequence

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_GF32_POLY = 0b100101  # x^5 + x^2 + 1

PREFIXES = {"sample": "S", "pool": "P", "run": "R"}
DIGITS = 6
LENGTH = DIGITS + 2


class CodeError(ValueError):
    pass


def _times2(value: int) -> int:
    value <<= 1
    return value ^ _GF32_POLY if value & 0b100000 else value


def _fold(text: str) -> int:
    interim = 0
    for char in text:
        interim = _times2(interim) ^ ALPHABET.index(char)
    return interim


def check_char(text: str) -> str:
    return ALPHABET[_times2(_fold(text))]


def encode(number: int, width: int = DIGITS) -> str:
    if number < 0:
        raise ValueError("negative serial")
    out = ""
    while number:
        number, rest = divmod(number, 32)
        out = ALPHABET[rest] + out
    return out.rjust(width, "0")


def make_code(prefix: str, number: int) -> str:
    body = f"{prefix}{encode(number)}"
    return body + check_char(body)


def normalise(raw: str) -> str:
    """Upper case without spaces or dashes; O, I and L read as 0, 1 and 1 (Crockford)."""
    text = "".join(str(raw).split()).upper().replace("-", "")
    if not text:
        return text
    return text[0] + text[1:].translate(_CONFUSABLE)


def validate(code: str, prefix: str | None = None) -> str:
    """The normalised code, or :class:`CodeError` saying what is wrong with it."""
    text = normalise(code)
    if len(text) != LENGTH or text[0] not in PREFIXES.values():
        raise CodeError(_("%(code)s is not a sample or pool code.") % {"code": code})
    if any(c not in ALPHABET for c in text):
        raise CodeError(_("%(code)s contains characters a code never has.") % {"code": code})
    if _fold(text) != 0:
        raise CodeError(
            _("%(code)s has a wrong check character: a character was probably mistyped.")
            % {"code": code}
        )
    if prefix is not None and text[0] != prefix:
        raise CodeError(_("%(code)s is not the right kind of code here.") % {"code": code})
    return text


def allocate(kind: str, count: int = 1) -> list[str]:
    """``count`` new codes of ``kind`` (sample, pool, run), unique across processes."""
    if count <= 0:
        return []
    prefix = PREFIXES[kind]
    with transaction.atomic():
        CodeSequence.objects.get_or_create(name=kind)
        seq = CodeSequence.objects.select_for_update().get(name=kind)
        first = seq.value + 1
        seq.value += count
        seq.save(update_fields=["value"])
    return [make_code(prefix, n) for n in range(first, first + count)]
