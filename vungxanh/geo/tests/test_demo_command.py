"""`vungxanh demo --size small` — what `make run` runs on a fresh machine — at any hour: the
generator places its history ("this morning", "yesterday afternoon") relative to the clock,
and run early in the morning it must not schedule anything in the future."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from vungxanh.accounts.models import User
from vungxanh.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("hour", [1, 13])
def test_the_small_demo_runs_at_any_hour_and_twice(world, monkeypatch, hour):
    real_now = timezone.now
    local = timezone.localtime(real_now())
    clock = local.replace(hour=hour, minute=30, second=0, microsecond=0)
    if clock > local:
        clock -= datetime.timedelta(days=1)
    offset = real_now() - clock
    monkeypatch.setattr(timezone, "now", lambda: real_now() - offset)

    out = io.StringIO()
    call_command("demo", "--size", "small", "--seed", "7", "--if-empty", stdout=out)
    text = out.getvalue()
    assert "admin.tinh" in text
    assert "Labs: " in text
    assert "screening samples yesterday" in text
    assert Person.objects.filter(is_synthetic=True).count() >= 19_000
    assert User.objects.filter(username="tyt.hakhanh").exists()
    people = Person.objects.count()
    again = io.StringIO()
    call_command("demo", "--size", "small", "--seed", "7", "--if-empty", stdout=again)
    assert Person.objects.count() == people  # `make run` a second time adds nobody
    assert "exists" in again.getvalue()
