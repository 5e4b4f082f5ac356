import json
import os
import subprocess
import sys


def test_healthz_reports_database_and_version(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["version"]
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    """A real server process configuration pointing at a closed port, no mocks."""
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere",
        "DJANGO_SETTINGS_MODULE": "vungxanh.settings",
        "VUNGXANH_VAR_DIR": str(tmp_path),
    }
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(json.dumps({'code': r.status_code, 'body': r.json()}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["code"] == 503
    assert result["body"]["status"] == "error"
    assert result["body"]["database"] == "unreachable"
    assert "OperationalError" in result["body"]["reason"]


def test_api_routes_answer_without_trailing_slash(api_as, world):
    """Devices post to /api/v1/<resource> with or without the slash; no redirect loses a body."""
    api = api_as("district_a")
    assert api.get("/api/v1/units").status_code == 200
    assert api.get("/api/v1/units/").status_code == 200


def test_the_installation_check_names_what_is_missing(settings, tmp_path):
    from vungxanh.core.checks import check_installation

    assert check_installation() == []  # this checkout: npm ci and compilemessages were run
    settings.STATICFILES_DIRS = [p for p in settings.STATICFILES_DIRS if not isinstance(p, tuple)]
    settings.PDF_FONT_DIR = tmp_path
    settings.LOCALE_PATHS = [tmp_path]
    (tmp_path / "vi" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "vi" / "LC_MESSAGES" / "django.po").write_text("")
    found = {w.id: w.msg for w in check_installation()}
    assert set(found) == {"vungxanh.W001", "vungxanh.W002", "vungxanh.W003"}
    assert "htmx" in found["vungxanh.W001"]
    assert str(tmp_path) in found["vungxanh.W003"]


def test_healthz_answers_head_for_load_balancers(client, db):
    response = client.head("/healthz")
    assert response.status_code == 200
    assert client.post("/healthz").status_code == 405
