"""Vietnamese identity rules: citizen IDs (CCCD/CMND), mobile phones, names, ID-card QR, births.

Pure functions without database access. Every rejection is an :class:`IdentityError` whose
``code`` is stable (for tests, APIs and imports) and whose ``message`` is translatable and says
which part of the input is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_lazy as _

from vungxanh.core.text import printable_words

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# --- Data tables -----------------------------------------------------------------------------

#: Mobile prefixes (first three digits of the 10-digit national number) after the 2018
#: conversion of 11-digit numbers, by network operator.
MOBILE_PREFIXES: dict[str, tuple[str, ...]] = {
    "Viettel": ("086", "096", "097", "098", "032", "033", "034", "035", "036", "037", "038", "039"),
    "Vinaphone": ("088", "091", "094", "081", "082", "083", "084", "085"),
    "MobiFone": ("089", "090", "093", "070", "076", "077", "078", "079"),
    "Vietnamobile": ("092", "056", "058"),
    "Gmobile": ("099", "059"),
    "Itelecom": ("087",),
    "Reddi": ("055",),
}

#: Retired 11-digit mobile prefixes and the 3-digit prefix that replaced each in 2018.
OBSOLETE_MOBILE_PREFIXES: dict[str, str] = {
    **{f"016{d}": f"03{d}" for d in "23456789"},
    "0120": "070",
    "0121": "079",
    "0122": "077",
    "0126": "076",
    "0128": "078",
    "0123": "083",
    "0124": "084",
    "0125": "085",
    "0127": "081",
    "0129": "082",
    "0186": "056",
    "0188": "058",
    "0199": "059",
}

CARRIER_BY_PREFIX: dict[str, str] = {
    prefix: carrier for carrier, prefixes in MOBILE_PREFIXES.items() for prefix in prefixes
}

#: Digit 4 of a CCCD encodes century and sex: 2 * centuries since 1900, plus 1 for women.
CCCD_FIRST_YEAR = 1900
CCCD_LAST_YEAR = 2399
#: GSO province codes run 001-096; all of 001-099 is accepted because people whose birth was
#: registered abroad carry special codes.
CCCD_PROVINCE_RANGE = range(1, 100)

MALE = "male"
FEMALE = "female"
SEXES = (MALE, FEMALE)
SEX_LABELS: dict[str, StrOrPromise] = {MALE: _("male"), FEMALE: _("female")}

QR_SEXES: dict[str, str] = {"nam": MALE, "nu": FEMALE}
QR_FIELD_COUNT = 7


# --- Errors ----------------------------------------------------------------------------------


class IdentityError(ValueError):
    """An identity value is wrong; ``code`` is stable, ``message % params`` is for people."""

    def __init__(
        self, code: str, message: StrOrPromise, params: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.params: dict[str, object] = dict(params or {})

    def __str__(self) -> str:
        try:
            return str(self.message) % self.params
        except ImproperlyConfigured:  # rendering needs settings; stay printable without them
            return repr(self)

    def __repr__(self) -> str:
        try:
            params = repr(self.params)
        except ImproperlyConfigured:  # lazy labels among the params
            params = repr(sorted(self.params))
        return f"IdentityError({self.code!r}, {params})"

    def as_validation_error(self) -> ValidationError:
        """The same problem as a Django ``ValidationError`` for forms and serializers."""
        return ValidationError(self.message, code=self.code, params=self.params)


# --- Citizen identity card (CCCD) and old identity card (CMND) -------------------------------


@dataclass(frozen=True, slots=True)
class CccdInfo:
    """What the digits of a 12-digit citizen ID say about its holder."""

    number: str
    province_code: str
    sex: str
    birth_year: int


_DIGITS = re.compile(r"[0-9]+")
_NON_DIGIT = re.compile(r"[^0-9]")
_WHITESPACE = re.compile(r"\s+")


def _strip_spaces(value: str) -> str:
    """Without whitespace, full-width digits made ASCII."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", value))


def _cccd_structure(value: str) -> tuple[str, list[IdentityError]]:
    """The spaceless number and its structural problems (digits, length, province)."""
    number = _strip_spaces(value)
    if _NON_DIGIT.search(number):
        error = IdentityError(
            "cccd_digits",
            _(
                "The citizen ID (CCCD) may contain only digits, but “%(value)s” has other "
                "characters."
            ),
            {"value": value.strip()},
        )
        return number, [error]
    if len(number) != 12:
        if len(number) == 9:
            message = _(
                "The citizen ID (CCCD) must have 12 digits, not %(count)s; a 9-digit number is "
                "an old identity card (CMND)."
            )
        else:
            message = _("The citizen ID (CCCD) must have 12 digits, not %(count)s.")
        return number, [IdentityError("cccd_length", message, {"count": len(number)})]
    if int(number[:3]) not in CCCD_PROVINCE_RANGE:
        error = IdentityError(
            "cccd_province",
            _(
                "The first 3 digits of the citizen ID (%(digits)s) must be the code of the "
                "province of birth registration, from 001 to 099."
            ),
            {"digits": number[:3]},
        )
        return number, [error]
    return number, []


def _decode(number: str) -> CccdInfo:
    digit = int(number[3])
    return CccdInfo(
        number=number,
        province_code=number[:3],
        sex=FEMALE if digit % 2 else MALE,
        birth_year=CCCD_FIRST_YEAR + 100 * (digit // 2) + int(number[4:6]),
    )


def parse_cccd(value: str) -> CccdInfo:
    """Decode a 12-digit citizen ID (spaces allowed); raise :class:`IdentityError`."""
    number, errors = _cccd_structure(value)
    if errors:
        raise errors[0]
    return _decode(number)


def check_cccd(value: str, *, birth_year: int | None, sex: str | None) -> list[IdentityError]:
    """Every problem of a citizen ID, including contradictions with the recorded person.

    The 4th digit must agree with the sex and the century of ``birth_year``, and digits 5-6
    with its last two digits. An empty list means the number is consistent.
    """
    if sex is not None and sex not in SEXES:
        raise ValueError(f"sex must be one of {SEXES}, not {sex!r}")
    number, errors = _cccd_structure(value)
    if any(error.code != "cccd_province" for error in errors):
        return errors  # not 12 digits: nothing more can be read
    info = _decode(number)
    digit = number[3]
    if sex is not None and info.sex != sex:
        errors.append(
            IdentityError(
                "cccd_sex_mismatch",
                _(
                    "The 4th digit of the citizen ID (%(digit)s) means %(sex)s, but the person "
                    "is recorded as %(other)s."
                ),
                {"digit": digit, "sex": SEX_LABELS[info.sex], "other": SEX_LABELS[sex]},
            )
        )
    if birth_year is not None:
        start = info.birth_year - info.birth_year % 100
        if not start <= birth_year <= start + 99:
            errors.append(
                IdentityError(
                    "cccd_century_mismatch",
                    _(
                        "The 4th digit of the citizen ID (%(digit)s) means born between "
                        "%(start)s and %(end)s, but the birth year is %(year)s."
                    ),
                    {"digit": digit, "start": start, "end": start + 99, "year": birth_year},
                )
            )
        if int(number[4:6]) != birth_year % 100:
            errors.append(
                IdentityError(
                    "cccd_year_mismatch",
                    _(
                        "Digits 5-6 of the citizen ID (%(digits)s) must be the last two digits "
                        "of the birth year, but the birth year is %(year)s."
                    ),
                    {"digits": number[4:6], "year": birth_year},
                )
            )
    return errors


def make_cccd(province_code: str, birth_year: int, sex: str, serial: int) -> str:
    """Build a well-formed citizen ID (for synthetic data): province, century+sex, year, serial."""
    if not (_DIGITS.fullmatch(province_code) and len(province_code) <= 3):
        raise ValueError(f"province_code must be 1-3 digits, not {province_code!r}")
    if int(province_code) not in CCCD_PROVINCE_RANGE:
        raise ValueError(f"province_code out of range: {province_code!r}")
    if not CCCD_FIRST_YEAR <= birth_year <= CCCD_LAST_YEAR:
        raise ValueError(f"birth_year out of range: {birth_year}")
    if sex not in SEXES:
        raise ValueError(f"sex must be one of {SEXES}, not {sex!r}")
    if not 0 <= serial < 1_000_000:
        raise ValueError(f"serial must have at most 6 digits: {serial}")
    century = (birth_year - CCCD_FIRST_YEAR) // 100
    digit = 2 * century + (1 if sex == FEMALE else 0)
    return f"{int(province_code):03d}{digit}{birth_year % 100:02d}{serial:06d}"


def check_cmnd(value: str) -> list[IdentityError]:
    """Problems of an old identity card number (CMND): 9 digits, or 12 for 2012-2016 cards."""
    number = _strip_spaces(value)
    if _NON_DIGIT.search(number):
        return [
            IdentityError(
                "cmnd_digits",
                _(
                    "The old identity card number (CMND) may contain only digits, but "
                    "“%(value)s” has other characters."
                ),
                {"value": value.strip()},
            )
        ]
    if len(number) not in (9, 12):
        return [
            IdentityError(
                "cmnd_length",
                _("The old identity card number (CMND) must have 9 or 12 digits, not %(count)s."),
                {"count": len(number)},
            )
        ]
    if not number.strip("0"):
        message = _("The old identity card number (CMND) cannot be all zeros.")
        return [IdentityError("cmnd_zero", message)]
    return []


# --- Mobile phones ---------------------------------------------------------------------------

_PHONE_SEPARATORS = re.compile(r"[\s.()\-]+")


def _phone_format_error(value: str) -> IdentityError:
    return IdentityError(
        "phone_format",
        _(
            "“%(value)s” is not a Vietnamese mobile number: enter 10 digits starting with 0, "
            "or the number starting with +84."
        ),
        {"value": value.strip()},
    )


def normalize_phone(value: str) -> str:
    """Return a Vietnamese mobile number in E.164 form (``+84912345678``).

    Accepts national (``0912 345 678``, ``(091) 234-5678``), international (``+84…``, ``84…``,
    ``0084…``) input and a 9-digit number whose leading zero a spreadsheet dropped. Rejects
    landlines, retired 11-digit mobile numbers (naming the new number) and unknown prefixes.
    """
    text = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
    if text.startswith("+840"):  # "+84 (0) 912 …"
        national = text[3:]
    elif text.startswith("+84"):
        national = "0" + text[3:]
    elif text.startswith("0084"):
        national = "0" + text[4:]
    elif text.startswith("84") and len(text) in (11, 12):
        national = "0" + text[2:]
    elif len(text) == 9 and not text.startswith("0"):
        national = "0" + text
    else:
        national = text
    if not _DIGITS.fullmatch(national) or not national.startswith("0"):
        raise _phone_format_error(value)
    if national.startswith("02") and len(national) == 11:
        raise IdentityError(
            "phone_landline",
            _("%(number)s is a landline number (area code %(area)s); enter a mobile number."),
            {"number": national, "area": national[:4]},
        )
    if national[:4] in OBSOLETE_MOBILE_PREFIXES and len(national) == 11:
        new = OBSOLETE_MOBILE_PREFIXES[national[:4]] + national[4:]
        raise IdentityError(
            "phone_obsolete",
            _(
                "%(number)s is an old 11-digit mobile number: since 2018 prefix %(old)s has "
                "been %(prefix)s, so the number is now %(new)s."
            ),
            {"number": national, "old": national[:4], "prefix": new[:3], "new": new},
        )
    if len(national) != 10:
        raise _phone_format_error(value)
    if national[:3] not in CARRIER_BY_PREFIX:
        raise IdentityError(
            "phone_prefix",
            _(
                "%(number)s starts with %(prefix)s, which is not the prefix of any Vietnamese "
                "mobile network."
            ),
            {"number": national, "prefix": national[:3]},
        )
    return "+84" + national[1:]


def display_phone(value: str) -> str:
    """A mobile number as people write it: ``0912 345 678``."""
    national = "0" + normalize_phone(value)[3:]
    return f"{national[:4]} {national[4:7]} {national[7:]}"


def phone_carrier(value: str) -> str:
    """The network operator that owns the number's prefix (e.g. ``"Viettel"``)."""
    return CARRIER_BY_PREFIX["0" + normalize_phone(value)[3:5]]


# --- Names -----------------------------------------------------------------------------------

_NAME_PART_BREAKS = re.compile("([-'\u2019])")


def _capitalize(word: str) -> str:
    parts = _NAME_PART_BREAKS.split(word)
    return "".join(part[:1].upper() + part[1:].lower() for part in parts)


def normalize_name(value: str) -> str:
    """A person's name in NFC, single-spaced, each word capitalised: ``Nguyễn Văn An``."""
    words = printable_words(unicodedata.normalize("NFC", value))
    return unicodedata.normalize("NFC", " ".join(_capitalize(word) for word in words))


#: Letters without a Unicode decomposition to fold by hand (Ð is a common mistype of Đ).
_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "Ð": "d", "ð": "d"})


def fold_name(value: str) -> str:
    """Lowercase without diacritics (đ → d) and single-spaced, for search and duplicates."""
    decomposed = unicodedata.normalize("NFKD", value)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(printable_words(bare.translate(_FOLD_EXTRA).casefold()))


# --- Chip ID card QR -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CccdQr:
    """The content of the QR code printed on chip citizen ID cards."""

    cccd: str
    cmnd: str | None
    full_name: str
    birth_date: date
    sex: str
    address: str
    issued_on: date


_QR_DATE = re.compile(r"[0-9]{8}")


def _qr_date(value: str, field: StrOrPromise) -> date:
    error = IdentityError(
        "qr_date",
        _("The %(field)s in the ID card QR code (“%(value)s”) is not a valid ddmmyyyy date."),
        {"field": field, "value": value},
    )
    if not _QR_DATE.fullmatch(value):
        raise error
    try:
        return date(int(value[4:]), int(value[2:4]), int(value[:2]))
    except ValueError:
        raise error from None


def parse_cccd_qr(text: str) -> CccdQr:
    """Parse ``CCCD|CMND|Name|ddmmyyyy|Sex|Address|ddmmyyyy`` from a chip ID card QR.

    Surrounding whitespace, a byte-order mark and trailing ``|`` are tolerated. The CCCD must
    agree with the QR's own date of birth and sex.
    """
    cleaned = unicodedata.normalize("NFC", text.replace("\ufeff", "")).strip().rstrip("|")
    fields = [field.strip() for field in cleaned.split("|")]
    if len(fields) != QR_FIELD_COUNT:
        raise IdentityError(
            "qr_fields",
            _(
                "The ID card QR code must have %(expected)s fields separated by “|”, but it "
                "has %(count)s."
            ),
            {"expected": QR_FIELD_COUNT, "count": len(fields)},
        )
    cccd_value, cmnd_value, name_value, birth_value, sex_value, address, issued_value = fields
    info = parse_cccd(cccd_value)
    cmnd = _strip_spaces(cmnd_value) or None
    if cmnd is not None:
        cmnd_errors = check_cmnd(cmnd)
        if cmnd_errors:
            raise cmnd_errors[0]
    full_name = normalize_name(name_value)
    if not full_name:
        raise IdentityError("qr_name", _("The ID card QR code has no name."))
    birth_date = _qr_date(birth_value, _("date of birth"))
    sex = QR_SEXES.get(fold_name(sex_value))
    if sex is None:
        raise IdentityError(
            "qr_sex",
            _("The sex in the ID card QR code (“%(value)s”) must be “Nam” or “Nữ”."),
            {"value": sex_value},
        )
    issued_on = _qr_date(issued_value, _("date of issue"))
    mismatches = check_cccd(info.number, birth_year=birth_date.year, sex=sex)
    if mismatches:
        raise mismatches[0]
    return CccdQr(
        cccd=info.number,
        cmnd=cmnd,
        full_name=full_name,
        birth_date=birth_date,
        sex=sex,
        address=" ".join(address.split()),
        issued_on=issued_on,
    )


# --- Dates of birth --------------------------------------------------------------------------

_BIRTH_DMY = re.compile(r"([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})")
_BIRTH_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_BIRTH_YEAR = re.compile(r"[0-9]{4}")
FIRST_BIRTH_YEAR = 1900


def parse_birth(value: str, *, today: date | None = None) -> tuple[date | None, int]:
    """Parse a date of birth that may be a year only: ``(date or None, year)``.

    Accepts ``dd/mm/yyyy`` (also with ``-`` or ``.``), ``yyyy-mm-dd`` and ``yyyy``. ``today``
    defaults to the system date; Django callers pass ``timezone.localdate()``.
    """
    text = value.strip()
    today = today or date.today()
    birth: date | None = None
    if match := _BIRTH_DMY.fullmatch(text):
        day, month, year = (int(group) for group in match.groups())
    elif match := _BIRTH_ISO.fullmatch(text):
        year, month, day = (int(group) for group in match.groups())
    elif _BIRTH_YEAR.fullmatch(text):
        year, month, day = int(text), 0, 0
    else:
        raise IdentityError(
            "birth_format",
            _(
                "Enter the date of birth as dd/mm/yyyy, yyyy-mm-dd or only the year (yyyy); "
                "“%(value)s” is none of these."
            ),
            {"value": text},
        )
    if month:
        try:
            birth = date(year, month, day)
        except ValueError:
            raise IdentityError(
                "birth_invalid",
                _("“%(value)s” is not a real calendar date."),
                {"value": text},
            ) from None
    if year < FIRST_BIRTH_YEAR:
        raise IdentityError(
            "birth_too_early",
            _("The birth year %(year)s is before %(first)s."),
            {"year": year, "first": FIRST_BIRTH_YEAR},
        )
    if (birth or date(year, 1, 1)) > today:
        raise IdentityError(
            "birth_future", _("The date of birth %(value)s is in the future."), {"value": text}
        )
    return birth, year
