"""Signed codes: the venue QR (the URL of its public check-in page), the resident's personal
QR, and the cookie that remembers a resident on their phone.

All three use :mod:`django.core.signing` (HMAC-SHA256 keyed by SECRET_KEY, a different salt
for each purpose). The venue signature covers the venue code and its QR key version, so a
forged or edited code is refused and an owner who revokes their QR (version + 1) makes the
old posters useless. Signatures are cut to 128 bits to keep the printed QR small.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from vungxanh.venues.models import VENUE_CODE_RE, Venue

VENUE_SALT = "vungxanh.venues.qr"
PERSON_SALT = "vungxanh.venues.person-qr"
COOKIE_SALT = "vungxanh.venues.resident"
RESIDENT_COOKIE = "vx_resident"
RESIDENT_COOKIE_MAX_AGE = 400 * 24 * 3600  # browsers cap cookies at 400 days
SIGNATURE_CHARS = 22  # 22 base64 characters = 132 bits
PERSON_QR_PREFIX = "VXP1"

_TOKEN_RE = re.compile(r"^([0-9]{1,6})\.([A-Za-z0-9_-]{" + str(SIGNATURE_CHARS) + "})$")
_PERSON_RE = re.compile(
    "^" + PERSON_QR_PREFIX + r"\.([0-9a-f]{32})\.([A-Za-z0-9_-]{" + str(SIGNATURE_CHARS) + "})$"
)


class QrError(Exception):
    """A QR code we refuse. ``code``: unknown, tampered, revoked, pending, inactive."""

    MESSAGES = {
        "unknown": _("This QR code does not belong to any venue registered here."),
        "tampered": _(
            "This QR code is not genuine: its signature does not match. Do not use it, and "
            "tell the venue or the commune health station."
        ),
        "revoked": _(
            "This QR code has been replaced by the venue. Scan the new poster at the entrance."
        ),
        "pending": _(
            "This venue is waiting for approval by the commune; check-in is not open yet."
        ),
        "inactive": _("This venue no longer accepts check-ins."),
    }

    def __init__(self, code: str, venue: Venue | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.venue = venue

    @property
    def message(self) -> str:
        return str(self.MESSAGES[self.code])


@functools.lru_cache(maxsize=16)
def _derived_key(salt: str, secret: str) -> bytes:
    # The key django.core.signing.Signer(salt=salt, algorithm="sha256") derives for every
    # signature (django.utils.crypto.salted_hmac with the key salt ``salt + "signer"``).
    return hashlib.sha256(f"{salt}signer{secret}".encode()).digest()


def _signature(salt: str, value: str) -> str:
    """``signing.Signer(salt=salt, algorithm="sha256").signature(value)`` cut to
    SIGNATURE_CHARS, with the derived key computed once per secret instead of per call
    (check-in uploads verify one personal QR per item)."""
    digest = hmac.digest(_derived_key(salt, settings.SECRET_KEY), value.encode(), "sha256")
    return base64.urlsafe_b64encode(digest)[:SIGNATURE_CHARS].decode()


def venue_token(venue: Venue) -> str:
    """``<key version>.<signature>`` for the venue's current QR."""
    version = venue.qr_key_version
    return f"{version}.{_signature(VENUE_SALT, f'{venue.code}:{version}')}"


def venue_path(venue: Venue) -> str:
    """The path printed in the venue's QR code: ``/q/<code>/<token>/``."""
    return f"/q/{venue.code}/{venue_token(venue)}/"


def verify_venue(code: str, token: str, *, require_active: bool = True) -> Venue:
    """The venue a scanned QR names, or :class:`QrError` saying why not.

    The database is read only for a genuine code, so a forged one never reaches it and
    reveals nothing about which venues exist:

    * ``unknown``: the code holds characters no venue code has (checked before anything
      else), or the signature is genuine but no venue has the code (it was deleted);
    * ``tampered``: the token is malformed or its signature does not match the code, the
      same answer whether or not a venue has that code;
    * ``revoked``: a genuine signature of an older QR key version (the owner reissued);
    * ``pending`` / ``inactive`` (with ``require_active``): the venue does not accept
      check-ins now.
    """
    if not isinstance(code, str) or not VENUE_CODE_RE.fullmatch(code):
        raise QrError("unknown")
    match = _TOKEN_RE.fullmatch(token or "")
    if match is None:
        raise QrError("tampered")
    version, signature = int(match.group(1)), match.group(2)
    expected = _signature(VENUE_SALT, f"{code}:{version}")
    if not constant_time_compare(signature, expected):
        raise QrError("tampered")
    venue = Venue.objects.filter(code=code).first()
    if venue is None:
        raise QrError("unknown")
    if version != venue.qr_key_version:
        raise QrError("revoked", venue)
    if require_active and venue.status == Venue.Status.PENDING:
        raise QrError("pending", venue)
    if require_active and venue.status != Venue.Status.ACTIVE:
        raise QrError("inactive", venue)
    return venue


# --- the resident's personal QR --------------------------------------------------------------


def person_qr_text(public_id: uuid.UUID) -> str:
    """``VXP1.<public id hex>.<signature>``: what the resident's personal QR holds."""
    hex_id = public_id.hex
    return f"{PERSON_QR_PREFIX}.{hex_id}.{_signature(PERSON_SALT, hex_id)}"


@dataclass(frozen=True)
class PersonQr:
    public_id: uuid.UUID


def parse_person_qr(text: str) -> PersonQr | None:
    """The person a personal QR names; ``None`` when the text is not a personal QR at all;
    :class:`QrError` ("tampered") when it looks like one but its signature is wrong."""
    cleaned = (text or "").strip()
    if not cleaned.startswith(PERSON_QR_PREFIX + "."):
        return None
    match = _PERSON_RE.match(cleaned)
    if match is None:
        raise QrError("tampered")
    hex_id, signature = match.groups()
    # Both are ASCII text (checked by the pattern): compared in constant time as they are.
    if not hmac.compare_digest(signature, _signature(PERSON_SALT, hex_id)):
        raise QrError("tampered")
    return PersonQr(uuid.UUID(hex=hex_id))


# --- the cookie that remembers a resident on their device -------------------------------------


def resident_cookie_value(public_id: uuid.UUID) -> str:
    return signing.TimestampSigner(salt=COOKIE_SALT, algorithm="sha256").sign(public_id.hex)


def read_resident_cookie(value: str | None) -> tuple[uuid.UUID, datetime.datetime] | None:
    """The person a device remembers, and since when (the time the cookie was signed)."""
    if not value:
        return None
    try:
        hex_id = signing.TimestampSigner(salt=COOKIE_SALT, algorithm="sha256").unsign(
            value, max_age=RESIDENT_COOKIE_MAX_AGE
        )
        stamp = signing.b62_decode(value.rsplit(signing.Signer().sep, 2)[1])
        return uuid.UUID(hex=hex_id), datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC)
    except (signing.BadSignature, ValueError, IndexError, OverflowError, OSError):
        return None
