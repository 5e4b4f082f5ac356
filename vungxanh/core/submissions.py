"""One submission per form. A page form that creates something carries a one-time key (the
hidden field ``submission``, see :class:`OnceFormMixin`). The first POST with a key does the
work and remembers where it led; the same key again — a double click, a reload of the
answer, a retry over a slow connection — is sent there instead of doing the work twice.

The keys live in Django's cache (the database cache shared by every app server), claimed
with ``cache.add``, which only one request can win, as the rate limits do. A request that
finds its key claimed by another one still at work waits a moment for its answer.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from django import forms
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _

FIELD = "submission"
#: How long a key is remembered: a day covers every reload and retry.
TIMEOUT = 24 * 3600
#: How long a claim without an answer holds (a request that died must not block its key).
CLAIM_TIMEOUT = 60
_PENDING = "…"


class OnceFormMixin(forms.Form):
    """Adds the hidden one-time key to a form (a fresh one each time the form is shown
    empty; a refused form sent back keeps its key, since nothing was done)."""

    submission = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault(FIELD, uuid.uuid4())


class Submission:
    """The one-time key of a POST, for one kind of form (``what``) and one user."""

    def __init__(self, request: HttpRequest, what: str) -> None:
        self.request = request
        raw = request.POST.get(FIELD, "") if request.method == "POST" else ""
        self.key_value: uuid.UUID | None = None
        try:
            key = uuid.UUID(raw)
        except (ValueError, TypeError, AttributeError):
            self.key: str | None = None
        else:
            self.key_value = key
            user = getattr(request, "user", None)
            who = getattr(user, "pk", None) or "anonymous"
            self.key = f"vx:once:{what}:{who}:{key}"
        self.claimed = False

    def repeat(self, wait: float = 5.0) -> HttpResponse | None:
        """Call before validating the form. ``None``: this request does the work (and now
        owns the key: call :meth:`done` or :meth:`release`). Otherwise the answer of the
        first request with the same key: a redirect to where it led."""
        if self.key is None:
            return None
        deadline = time.monotonic() + wait
        while True:
            if cache.add(self.key, _PENDING, timeout=CLAIM_TIMEOUT):
                self.claimed = True
                return None
            url = cache.get(self.key)
            if url not in (None, _PENDING):
                return HttpResponseRedirect(url)
            if time.monotonic() >= deadline:
                # The first request is still at work (or died): do not do it twice.
                return render(
                    self.request,
                    "core/message.html",
                    {
                        "title": _("Already being saved"),
                        "message": _(
                            "This form was sent twice and the first one is still being "
                            "saved. Wait a moment, then open the list to check."
                        ),
                    },
                    status=409,
                )
            time.sleep(0.1)

    def done(self, url: str) -> HttpResponseRedirect:
        """The work is done: remember where it led, and go there."""
        if self.key is not None and self.claimed:
            cache.set(self.key, url, timeout=TIMEOUT)
        return HttpResponseRedirect(url)

    def release(self) -> None:
        """The work was refused (bad input): the same key may be sent again once fixed."""
        if self.key is not None and self.claimed:
            cache.delete(self.key)
            self.claimed = False
