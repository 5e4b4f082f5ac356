"""Kill the production-style server (gunicorn) while a client uploads check-ins with
retries; every acknowledged check-in must be stored exactly once. PostgreSQL only: the
server runs in its own processes and must see the test database."""

import pytest
from django.conf import settings
from django.db import connection

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
    assert report.sent == 400
    assert report.acknowledged == 400
    assert report.stored == 400
    assert report.stored_acknowledged == 400
    assert report.duplicates == 0
    assert report.ok
