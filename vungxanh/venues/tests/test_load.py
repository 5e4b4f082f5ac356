"""The load generator of ``vungxanh bench checkin-http`` (wrk and its Lua script) against a
real gunicorn: every request stores a fresh check-in, the figures add up, and the run's
rows are found by their uuid tag and deleted. PostgreSQL only (the server runs in its own
processes), and only where Debian's wrk is installed. Also: ``load-checkins`` (which
TRUNCATEs the check-ins) refuses a table that holds any unless told to replace them."""

import pytest
from django.conf import settings
from django.db import connection

from vungxanh.venues import loadtest
from vungxanh.venues.models import CheckIn
from vungxanh.venues.tests.factories import make_checkin, make_person, make_venue

pytestmark = pytest.mark.django_db(transaction=True)
PORT = 8112


def test_wrk_phases_store_what_they_report_and_clean_up(world, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the server process needs a database it can reach (PostgreSQL)")
    if loadtest.wrk_path() is None:
        pytest.skip("wrk is not installed (Debian: apt-get install wrk)")
    for n in range(5):
        make_venue(world.commune_a, name=f"Quán {n}")
    for n in range(20):
        make_person(world.commune_a, f"Người Tải Thử {n}", birth_year=1960 + n)
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    monkeypatch.setenv("DATABASE_URL", f"postgres://{db['USER']}{password}@{host}/{db['NAME']}")
    monkeypatch.setenv("SECRET_KEY", settings.SECRET_KEY)
    fx = loadtest.prepare(n_venues=5, n_persons=20)
    server = loadtest.Server(PORT, workers=1, worker_class="gthread", threads=2)
    server.start()
    try:
        pgid = server.process.pid if server.process else None
        single = loadtest.run_wrk(
            port=PORT, fx=fx, batch=1, seconds=1, connections=2, server_pgid=pgid
        )
        batched = loadtest.run_wrk(
            port=PORT, fx=fx, batch=20, seconds=1, connections=1, server_pgid=pgid
        )
    finally:
        server.stop()
        loadtest.finish(fx)
    assert single.errors == 0, single.error_samples
    assert batched.errors == 0, batched.error_samples
    assert single.items == single.requests > 0
    assert batched.items == 20 * batched.requests > 0
    assert single.p50_ms is not None
    assert single.p99_ms is not None
    assert 0 < single.p50_ms <= single.p99_ms
    assert single.cpu.server > 0
    assert single.cpu.wall > 0
    stored = CheckIn.objects.count()
    # wrk stops at its deadline with requests in flight: stored, not counted
    in_flight = 2 * 1 + 1 * 20
    assert single.items + batched.items <= stored <= single.items + batched.items + in_flight
    assert all(str(u).endswith(fx.tag) for u in CheckIn.objects.values_list("uuid", flat=True))
    assert loadtest.cleanup(fx) == stored
    assert CheckIn.objects.count() == 0


def test_load_checkins_refuses_to_truncate_stored_check_ins(world):
    from django.core.management import call_command

    stored = make_checkin(make_venue(world.commune_a), make_person(world.commune_a))
    with pytest.raises(SystemExit) as info:
        call_command("bench", "load-checkins", "--days", "3")
    message = str(info.value)
    assert "venues_checkin already holds check-ins" in message
    assert "vungxanh bench load-checkins --days 3 --option replace=1" in message
    assert CheckIn.objects.filter(pk=stored.pk).exists()
    if connection.vendor != "postgresql":  # past the guard: stops at the next check, not run
        with pytest.raises(SystemExit, match="needs PostgreSQL"):
            call_command("bench", "load-checkins", "--days", "3", "--option", "replace=1")
        assert CheckIn.objects.filter(pk=stored.pk).exists()
