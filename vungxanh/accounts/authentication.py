"""API authentication: ``Authorization: Bearer vx_…`` with a hashed, revocable token.

Every request's token is hashed and checked. To keep a device that posts check-ins every
few milliseconds from paying two queries per request (the token and the user's
assignments), each process remembers for :data:`CACHE_SECONDS` (default 5 s; setting
``API_TOKEN_CACHE_SECONDS``, 0 turns it off) what a token hash resolved to: the user and
the scope built from their assignments. Consequences, on purpose and bounded:

* revoking a token, deactivating a user or changing their assignments takes effect at once
  in the process that made the change (saving or deleting an ``ApiToken``, ``User`` or
  ``Assignment`` empties the cache, again when the transaction commits), and in every other
  process within ``CACHE_SECONDS``;
* an expired token is refused at its expiry (the expiry is checked on every request);
* unknown or refused tokens are never remembered, so a new token works at once.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from vungxanh.accounts.models import TOKEN_PREFIX, ApiToken, Assignment, User, hash_token

#: Seconds a process trusts what a token resolved to (override: API_TOKEN_CACHE_SECONDS).
CACHE_SECONDS = 5.0
#: At most this many tokens are remembered per process (then the cache starts afresh).
MAX_ENTRIES = 10_000
LAST_USED_EVERY = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class _Entry:
    token: ApiToken
    user: User
    loaded_at: float  # TokenCache.clock()


class TokenCache:
    """Token hash → (token, user with its scope already built), for a few seconds.

    ``generation`` counts invalidations: a lookup that started before one is not stored,
    so a request racing with a revocation cannot put the old answer back."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self.generation = 0
        self.clock = time.monotonic  # replaced in tests

    @staticmethod
    def ttl() -> float:
        return float(getattr(settings, "API_TOKEN_CACHE_SECONDS", CACHE_SECONDS))

    def get(self, key_hash: str) -> _Entry | None:
        entry = self._entries.get(key_hash)
        if entry is None:
            return None
        if self.clock() - entry.loaded_at >= self.ttl():
            self._entries.pop(key_hash, None)
            return None
        return entry

    def put(self, key_hash: str, token: ApiToken, user: User, generation: int) -> None:
        if self.ttl() <= 0:
            return
        with self._lock:
            if generation != self.generation:
                return  # invalidated while we were reading the database
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key_hash] = _Entry(token, user, self.clock())

    def forget(self, key_hash: str) -> None:
        self._entries.pop(key_hash, None)

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()


token_cache = TokenCache()


def clear_token_cache() -> None:
    """Forget every remembered token in this process (tests; after changing rights)."""
    token_cache.clear()


def _invalidate(**kwargs: Any) -> None:
    # Now (the change is visible to this process's next lookups of the same transaction)
    # and again after commit (a concurrent request may have re-read the old row meanwhile).
    token_cache.clear()
    transaction.on_commit(token_cache.clear, robust=True)


for _model in (ApiToken, User, Assignment):
    post_save.connect(_invalidate, sender=_model, dispatch_uid=f"vx-token-cache-save-{_model}")
    post_delete.connect(_invalidate, sender=_model, dispatch_uid=f"vx-token-cache-del-{_model}")


def _expired(token: ApiToken, now: datetime) -> bool:
    return token.expires_at is not None and token.expires_at <= now


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0] not in {"Bearer", "Token"}:
            return None
        raw = parts[1]
        if not raw.startswith(TOKEN_PREFIX):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        key_hash = hash_token(raw)
        now = timezone.now()
        entry = token_cache.get(key_hash)
        if entry is None:
            generation = token_cache.generation
            token = (
                ApiToken.objects.usable().select_related("user").filter(key_hash=key_hash).first()
            )
            if token is None or not token.user.is_active:
                raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
            user = token.user
            user.scope  # noqa: B018 - built once here, reused while the entry lives
            token_cache.put(key_hash, token, user, generation)
        else:
            token, user = entry.token, entry.user
            if _expired(token, now):
                token_cache.forget(key_hash)
                raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        # Each request gets its own copy of the user (the scope inside is immutable).
        return copy.copy(user), token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Documents the bearer token in the OpenAPI schema."""

    target_class = "vungxanh.accounts.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "vx_…"}
