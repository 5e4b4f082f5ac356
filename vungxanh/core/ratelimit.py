"""Rate limits for the public pages, shared by every app server through Django's cache (the
database cache ``vungxanh_cache``).

A window of ``limit`` requests is a set of slots ``key:window:0 … key:window:limit-1``; a
request is admitted when it claims a free slot with ``cache.add``, which inserts a row and
fails when another process already holds it. So two processes can never admit more than
``limit`` requests in a window, even at the same instant (a plain counter read-then-written
could). A hint of the next free slot keeps the usual case to one or two queries.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from vungxanh.core.middleware import client_ip


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    window: int  # seconds


def _key(limit: Limit, who: str, window: int) -> str:
    digest = hashlib.blake2b(who.encode(), digest_size=12).hexdigest()
    return f"vx:rl:{limit.name}:{digest}:{window}"


def hit(limit: Limit, who: str, now: float | None = None) -> bool:
    """Claim one request for ``who``; ``False`` when the limit is reached."""
    window = int((now if now is not None else time.time()) // limit.window)
    base = _key(limit, who, window)
    hint_key = f"{base}:next"
    start = min(int(cache.get(hint_key, 0) or 0), limit.limit)
    for slot in range(start, limit.limit):
        if cache.add(f"{base}:{slot}", 1, timeout=limit.window + 60):
            cache.set(hint_key, slot + 1, timeout=limit.window + 60)
            return True
    return False


def remaining(limit: Limit, who: str, now: float | None = None) -> int:
    window = int((now if now is not None else time.time()) // limit.window)
    base = _key(limit, who, window)
    used = sum(1 for slot in range(limit.limit) if cache.get(f"{base}:{slot}") is not None)
    return limit.limit - used


# --- the public pages: one device (a cookie) and one network address ---------------------------

#: A random id the public pages give each browser, so that limits count a phone, not the
#: network address a whole factory or a mobile operator's NAT shares.
DEVICE_COOKIE = "vx_device"


def device_id(request: HttpRequest) -> str:
    """The device cookie's value when it is one we could have set, else ""."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    if 20 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum():
        return value
    return ""


def with_device_cookie(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """``response``, giving the browser a device cookie if it has none yet."""
    if not device_id(request):
        response.set_cookie(
            DEVICE_COOKIE,
            secrets.token_urlsafe(24),
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def admitted(request: HttpRequest, *, device: Limit, address: Limit) -> bool:
    """Claim one request of ``device`` for this browser (its address when it has no device
    cookie) and one of ``address`` for its network address; ``False`` when either is used up."""
    ip = client_ip(request) or "unknown"
    return hit(device, device_id(request) or f"ip:{ip}") and hit(address, ip)
