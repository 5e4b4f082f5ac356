"""Kill the production-style server (gunicorn) while a client uploads check-ins with
retries; every acknowledged check-in must be stored exactly once. PostgreSQL only: the
server runs in its own processes and must see the test database."""

import socket

import pytest
from django.conf import settings
from django.db import connection

from vungxanh.venues import loadtest
from vungxanh.venues.loadtest import run_reliability
from vungxanh.venues.tests.factories import make_person, make_venue

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_acknowledged_check_in_is_stored_exactly_once(world, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the server process needs a database it can reach (PostgreSQL)")
    for n in range(5):
        make_venue(world.commune_a, name=f"Quán {n}")
    for n in range(30):
        make_person(world.commune_a, f"Người Thử Nghiệm {n}", birth_year=1960 + n)
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    monkeypatch.setenv("DATABASE_URL", f"postgres://{db['USER']}{password}@{host}/{db['NAME']}")
    monkeypatch.setenv("SECRET_KEY", settings.SECRET_KEY)
    report = run_reliability(items=400, batch=10, kills=3, workers=2)
    assert report.kills == 3
    # the kills hit the upload: requests failed and were sent again (same uuids)
    assert report.retries >= report.kills
    assert report.sent == 400
    assert report.acknowledged == 400
    assert report.stored == 400
    assert report.stored_acknowledged == 400
    assert report.duplicates == 0
    assert report.ok


def test_the_client_gives_up_when_the_server_never_comes_back(world, monkeypatch):
    """The retry loop is bounded: with no server answering (a restart that failed), the run
    ends with a clear error instead of retrying forever."""
    monkeypatch.setattr(loadtest.Server, "start", lambda self, timeout=30.0: None)
    monkeypatch.setattr(loadtest.Server, "stop", lambda self: None)
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind((loadtest.HOST, 0))
        port = sock.getsockname()[1]
    fx = loadtest.Fixture(
        token="vx_none",
        user_id=0,
        venue_codes=["NOSUCH01"],
        venue_ids=[0],
        person_qrs=["VXP1.x"],
        person_ids=[0],
    )
    with pytest.raises(RuntimeError, match=r"no answer for 1 s after [0-9]+ retries \(0 of 10"):
        run_reliability(
            port=port, items=10, batch=5, kills=1, prepare_fixture=lambda: fx, max_outage_s=1.0
        )
