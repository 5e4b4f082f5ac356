import pytest
from django.db import DatabaseError, connection, transaction

from vungxanh.core import audit
from vungxanh.core.models import AuditEvent
from vungxanh.geo import actions as geo_actions


def test_actions_write_before_and_after(world):
    admin = world.user("province_admin")
    geo_actions.set_population(
        actor=admin, unit=world.commune_a, population=24_000, source="Niên giám 2020", year=2020
    )
    event = AuditEvent.objects.filter(verb="set_population").latest("id")
    assert event.actor == admin
    assert event.actor_label == "province_admin"
    assert event.target_type == "geo.adminunit"
    assert event.target_id == str(world.commune_a.public_id)
    assert event.unit_path == "/22/193/06649/"
    assert event.changes["population"] == {"before": None, "after": 24000}
    assert event.changes["population_source"]["after"] == "Niên giám 2020"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_audit_table_refuses_update_and_delete(world):
    from vungxanh.core.scoping import SYSTEM

    event = audit.record(actor=SYSTEM, verb="test")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(verb="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).verb == "test"


def test_request_id_reaches_the_audit_log(client, world):
    client.force_login(world.user("province_admin"))
    response = client.post(
        f"/units/{world.commune_a.public_id}/population/",
        {
            "population": "25000",
            "population_source": "Điều tra",
            "population_year": "2021",
        },
        HTTP_X_REQUEST_ID="req-test-0001",
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-test-0001"
    event = AuditEvent.objects.filter(verb="set_population").latest("id")
    assert event.request_id == "req-test-0001"
    assert event.ip == "127.0.0.1"


def test_audit_page_is_for_province_administrators(client, world):
    client.force_login(world.user("district_a"))
    assert client.get("/audit/").status_code == 404
    client.force_login(world.user("province_admin"))
    geo_actions.set_population(
        actor=world.user("province_admin"),
        unit=world.commune_b,
        population=12_345,
        source="Điều tra",
        year=2021,
    )
    page = client.get("/audit/?verb=set_population").content.decode()
    assert "Nhật ký hệ thống" in page
    assert "Phường Ka Long" in page
    assert "12345" in page
    # filters narrow the list
    page = client.get("/audit/?verb=set_population&unit_path=/22/193/").content.decode()
    assert "Phường Ka Long" not in page


def test_bad_filter_values_do_not_break_the_audit_page(client, world):
    client.force_login(world.user("province_admin"))
    response = client.get("/audit/?since=not-a-date&page=zzz")
    assert response.status_code == 200
    assert "Nhập một ngày hợp lệ" in response.content.decode()


def test_failed_logins_of_unknown_names_reach_the_province_administrators(client, world):
    client.post("/accounts/login/", {"username": "ke.do.mat.khau", "password": "x"})
    client.force_login(world.user("province_admin"))
    page = client.get("/audit/?verb=login_failed").content.decode()
    assert "ke.do.mat.khau" in page
    from vungxanh.core.models import AuditEvent

    # nobody else sees events of no unit
    district = world.user("district_a")
    assert not AuditEvent.objects.restrict(district, "view").filter(unit_path="").exists()


def test_audit_pages_name_actions_in_words(client, world):
    geo_actions.set_population(
        actor=world.user("province_admin"),
        unit=world.commune_a,
        population=9,
        source="x",
        year=2021,
    )
    client.force_login(world.user("province_admin"))
    page = client.get("/audit/?verb=set_population").content.decode()
    assert '<span title="set_population">Cập nhật dân số</span>' in page
    assert '<option value="set_population" selected>Cập nhật dân số</option>' in page
    # the action filter offers the actions by name
    page = client.get("/audit/").content.decode()
    assert '<option value="login_failed">Đăng nhập sai</option>' in page
    response = client.get("/audit/?verb=no_such_action")
    assert response.status_code == 200
    assert "Không có sự kiện nào phù hợp." in response.content.decode()


def _written_verbs() -> dict[str, str]:
    """Every verb the code writes to the audit log: ``verb="…"`` keywords, and the second
    argument of the apps' ``*_audit(actor, verb, …)`` helpers ({verb: file})."""
    import ast
    from pathlib import Path

    from vungxanh.cases.actions.contacts import TASK_STEPS

    def constants(node: ast.expr, where: str) -> list[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            return constants(node.body, where) + constants(node.orelse, where)
        if isinstance(node, ast.JoinedStr) and ast.unparse(node) == "f'task_{step}'":
            return [f"task_{step}" for step in TASK_STEPS]
        if isinstance(node, ast.Name) and node.id in {"verb", "value"}:
            return []  # a helper passing its own parameter on; its callers are read
        raise AssertionError(f"{where}: audit verb {ast.unparse(node)} is not a known form")

    root = Path(__file__).resolve().parents[2]
    verbs: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        # (templates: makemessages leaves a moment's ``*.html.py`` copies next to them)
        if {"tests", "migrations", "templates"} & set(path.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            where = f"{path.relative_to(root)}:{node.lineno}"
            found = [kw.value for kw in node.keywords if kw.arg == "verb"]
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name.endswith("_audit") and len(node.args) >= 2:
                found.append(node.args[1])
            for expr in found:
                verbs.update(dict.fromkeys(constants(expr, where), where))
    return verbs


def test_every_audit_verb_the_code_writes_has_a_name():
    from vungxanh.core.verbs import registered_verbs

    written = _written_verbs()
    assert {"confirm_case", "task_sampled", "dismiss_contact", "login", "view"} <= set(written)
    unnamed = {verb: where for verb, where in written.items() if verb not in registered_verbs()}
    assert unnamed == {}, "name these in their app's AppConfig.audit_verbs"
