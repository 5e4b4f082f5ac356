import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from vungxanh.accounts import actions
from vungxanh.accounts.models import ApiToken, User
from vungxanh.core.models import AuditEvent
from vungxanh.core.scoping import OutOfScope


def test_province_admin_creates_a_user_in_the_browser(client_as, world):
    client = client_as("province_admin")
    page = client.get("/accounts/users/new/").content.decode()
    assert "Người dùng mới" in page
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "tyt.hakhanh2",
            "full_name": "Nguyễn Thị Lan",
            "role": "commune_officer",
            "unit": world.commune_a.pk,
        },
    )
    page = response.content.decode()
    assert "Đã tạo người dùng" in page
    user = User.objects.get(username="tyt.hakhanh2")
    assignment = user.assignments.get()
    assert assignment.unit == world.commune_a
    assert assignment.write_unit == world.commune_a  # defaults to the read scope
    event = AuditEvent.objects.get(verb="create_user", target_id=str(user.public_id))
    assert event.actor_label == "province_admin"
    assert event.actor_id == world.user("province_admin").pk


def test_role_must_match_the_level_of_the_unit(client_as, world):
    response = client_as("province_admin").post(
        "/accounts/users/new/",
        {
            "username": "wrong.level",
            "full_name": "X",
            "role": "district_officer",
            "unit": world.commune_a.pk,
        },
    )
    assert "được phân công ở đơn vị cấp: Huyện" in response.content.decode()
    assert not User.objects.filter(username="wrong.level").exists()


def test_lab_role_needs_a_laboratory(world):
    with pytest.raises(ValidationError) as err:
        actions.validate_assignment(
            role="lab_technician", unit=world.province, write_unit=world.province, facility=None
        )
    assert "facility" in err.value.message_dict
    with pytest.raises(ValidationError):
        actions.validate_assignment(
            role="lab_technician",
            unit=world.province,
            write_unit=world.province,
            facility=world.facility("T-CL-P"),
        )


def test_write_scope_must_lie_inside_read_scope(world):
    with pytest.raises(ValidationError) as err:
        actions.validate_assignment(
            role="district_officer",
            unit=world.district_a,
            write_unit=world.commune_b,
            facility=None,
        )
    assert "write_unit" in err.value.message_dict


def test_district_officer_cannot_manage_users(client_as, world):
    client = client_as("district_a")
    assert client.get("/accounts/users/").status_code == 404
    assert client.get("/accounts/users/new/").status_code == 404
    with pytest.raises(OutOfScope):
        actions.create_user(
            actor=world.user("district_a"),
            username="sneaky",
            role="commune_officer",
            unit=world.commune_a,
            write_unit=world.commune_a,
        )


def test_admin_adds_and_ends_assignments_and_resets_password(client_as, world):
    client = client_as("province_admin")
    user = world.user("commune_a")
    response = client.post(
        f"/accounts/users/{user.public_id}/assignments/",
        {"role": "viewer", "unit": world.district_a.pk, "read_only": "1"},
        follow=True,
    )
    assert "Đã thêm phân công." in response.content.decode()
    viewer_assignment = user.assignments.get(role="viewer")
    assert viewer_assignment.write_unit is None
    response = client.post(f"/accounts/assignments/{viewer_assignment.public_id}/end/", follow=True)
    assert "Đã kết thúc phân công." in response.content.decode()
    response = client.post(f"/accounts/users/{user.public_id}/password/")
    assert "Đặt lại mật khẩu" in response.content.decode()
    password = response.context["password"]
    assert User.objects.get(pk=user.pk).check_password(password)


def test_create_user_command_prints_a_working_token(world, capsys, client):
    call_command(
        "create_user", "api.halong", "--role", "district_officer", "--unit", "193", "--token"
    )
    out = capsys.readouterr().out
    token = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("token:"))
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "api.halong"
    assert body["assignments"][0]["unit"] == "193"


def test_a_viewer_is_created_without_a_write_scope_by_default(world, capsys, api_as):
    call_command("create_user", "xem.cmd", "--role", "viewer", "--unit", "22")
    assert "user xem.cmd created" in capsys.readouterr().out
    assignment = User.objects.get(username="xem.cmd").assignments.get()
    assert (assignment.role, assignment.write_unit) == ("viewer", None)
    created = api_as("province_admin").post(
        "/api/v1/users/",
        {"username": "xem.api", "full_name": "Xem", "role": "viewer", "unit": "22"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert User.objects.get(username="xem.api").assignments.get().write_unit is None


def test_revoked_or_wrong_tokens_are_refused(world, client):
    user = world.user("district_a")
    token, raw = actions.issue_token(actor=user, user=user, name="t")
    assert client.get("/api/v1/units/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    actions.revoke_token(actor=user, token=token)
    assert client.get("/api/v1/units/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert client.get("/api/v1/units/", HTTP_AUTHORIZATION="Bearer vx_nothing").status_code == 401
    assert not ApiToken.objects.filter(key_hash=raw).exists()  # only a hash is stored


def test_profile_creates_a_token_shown_once(client_as, world):
    client = client_as("district_a")
    response = client.post(
        "/accounts/me/", {"form": "token", "name": "laptop", "expires_in_days": "30"}
    )
    page = response.content.decode()
    assert "chỉ hiện một lần" in page
    assert "vx_" in page
    assert (
        "vx_"
        not in client.get("/accounts/me/").content.decode().split("<table")[1].split("</table>")[0]
    )


def test_users_api_lists_users_of_the_admins_province(api_as, world):
    body = api_as("province_admin").get("/api/v1/users/?role=district_officer").json()
    names = {u["username"] for u in body["results"]}
    assert {"district_a", "district_b"} <= names
    assert api_as("district_a").get("/api/v1/users/").json()["count"] == 0


def test_users_api_creates_a_user_with_clear_errors(api_as, world):
    api = api_as("province_admin")
    bad = api.post(
        "/api/v1/users/",
        {"username": "X Y", "full_name": "", "role": "nope", "unit": "1"},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()) >= {"username", "full_name", "role", "unit"}
    ok = api.post(
        "/api/v1/users/",
        {"username": "api.created", "full_name": "API", "role": "commune_officer", "unit": "06709"},
        format="json",
    )
    assert ok.status_code == 201, ok.json()
    assert ok.json()["initial_password"]
    assert ok.json()["assignments"][0]["unit"] == "06709"


def test_commune_officer_gives_a_venue_owner_an_account_in_their_commune_only(world):
    officer = world.user("commune_a")
    user, _password = actions.create_user(
        actor=officer,
        username="quan.pho.hakhanh",
        full_name="Chủ quán phở",
        role="venue_staff",
        unit=world.commune_a,
        write_unit=world.commune_a,
    )
    assert user.assignments.get().role == "venue_staff"
    with pytest.raises(OutOfScope):
        actions.create_user(
            actor=officer,
            username="quan.kalong",
            full_name="X",
            role="venue_staff",
            unit=world.commune_b,
            write_unit=world.commune_b,
        )
    with pytest.raises(OutOfScope):  # and no other role
        actions.create_user(
            actor=officer,
            username="fake.officer",
            full_name="X",
            role="commune_officer",
            unit=world.commune_a,
            write_unit=world.commune_a,
        )


def test_venue_staff_role_reads_no_records_of_the_area(world):
    from vungxanh.accounts.roles import ROLE_SPECS

    perms = ROLE_SPECS["venue_staff"].perms
    assert "venues.own_*" in perms
    assert not any(p.startswith(("people.", "cases.", "declarations.")) for p in perms)
