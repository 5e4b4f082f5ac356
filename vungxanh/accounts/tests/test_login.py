from django.test import override_settings

from vungxanh.accounts.models import User
from vungxanh.core.models import AuditEvent
from vungxanh.testing import PASSWORD


def test_login_page_is_in_vietnamese_with_security_headers(client, db):
    response = client.get("/accounts/login/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="vi">' in page
    assert "Đăng nhập vào Vùng Xanh" in page
    assert "Tên đăng nhập" in page
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_login_and_logout(client, world):
    response = client.post(
        "/accounts/login/", {"username": "district_a", "password": PASSWORD}, follow=True
    )
    page = response.content.decode()
    assert "Tổng quan" in page
    assert "Cán bộ cấp huyện" in page
    assert AuditEvent.objects.filter(verb="login", actor__username="district_a").exists()
    response = client.post("/accounts/logout/", follow=True)
    assert "Bạn đã đăng xuất." in response.content.decode()
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_with_a_clear_message(client, world):
    response = client.post("/accounts/login/", {"username": "district_a", "password": "nope"})
    assert "Sai tên đăng nhập hoặc mật khẩu." in response.content.decode()
    assert User.objects.get(username="district_a").failed_login_count == 1


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_LOCKOUT_MINUTES=15)
def test_account_locks_after_repeated_failures(client, world):
    for _ in range(3):
        client.post("/accounts/login/", {"username": "district_a", "password": "nope"})
    user = User.objects.get(username="district_a")
    assert user.is_locked()
    # even the right password is refused while locked
    response = client.post("/accounts/login/", {"username": "district_a", "password": PASSWORD})
    page = response.content.decode()
    assert "Tài khoản đang bị khóa" in page
    assert "15 phút" in page
    assert AuditEvent.objects.filter(verb="lock_user", target_id=str(user.public_id)).exists()
    # an administrator unlocks
    client.force_login(world.user("province_admin"))
    client.post(f"/accounts/users/{user.public_id}/unlock/")
    client.logout()
    response = client.post("/accounts/login/", {"username": "district_a", "password": PASSWORD})
    assert response.status_code == 302


def test_unknown_username_is_audited_without_revealing_anything(client, db):
    response = client.post("/accounts/login/", {"username": "ghost", "password": "x"})
    assert "Sai tên đăng nhập hoặc mật khẩu." in response.content.decode()
    assert AuditEvent.objects.filter(verb="login_failed", target_label="ghost").exists()


def test_passwords_are_hashed_with_argon2_in_production_settings(tmp_path):
    """The settings as a deployment reads them (no test-suite environment): Argon2 first."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "FAST_PASSWORD_HASHER"}
    env.update(DJANGO_SETTINGS_MODULE="vungxanh.settings", VUNGXANH_VAR_DIR=str(tmp_path))
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.PASSWORD_HASHERS[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"


def _operator():
    return User.objects.create_superuser("operator", password=PASSWORD)


def test_the_admin_login_is_the_application_login_with_its_lockout(client, world):
    _operator()
    response = client.get("/ops/admin/login/?next=/ops/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    # credentials posted to the admin's own form authenticate nobody
    response = client.post(
        "/ops/admin/login/", {"username": "operator", "password": PASSWORD, "next": "/ops/admin/"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/ops/admin/").status_code == 302
    with override_settings(LOGIN_FAILURE_LIMIT=2):
        for _ in range(2):
            client.post("/accounts/login/", {"username": "operator", "password": "nope"})
        response = client.post("/accounts/login/", {"username": "operator", "password": PASSWORD})
    assert "Tài khoản đang bị khóa" in response.content.decode()
    operator = User.objects.get(username="operator")
    failures = AuditEvent.objects.filter(verb="login_failed", target_id=str(operator.public_id))
    assert failures.count() == 2


def test_the_admin_is_read_only_even_for_operators(client, world):
    client.force_login(_operator())
    victim = world.user("district_a")
    assert client.get("/ops/admin/").status_code == 200
    page = client.get(f"/ops/admin/accounts/user/{victim.pk}/change/")
    assert page.status_code == 200  # the view page
    assert 'name="_save"' not in page.content.decode()
    assert client.get("/ops/admin/accounts/user/add/").status_code == 403
    response = client.post(
        f"/ops/admin/accounts/user/{victim.pk}/change/",
        {"username": "renamed", "is_superuser": "on"},
    )
    assert response.status_code == 403
    assert client.post(f"/ops/admin/accounts/user/{victim.pk}/delete/").status_code == 403
    assert client.get("/ops/admin/accounts/apitoken/add/").status_code == 403
    assert client.get("/ops/admin/geo/adminunit/add/").status_code == 403
    victim.refresh_from_db()
    assert (victim.username, victim.is_superuser) == ("district_a", False)


def test_screens_are_vietnamese_whatever_the_browser_asks_until_english_is_chosen(client, db):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in page
    assert "Đăng nhập vào Vùng Xanh" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    client.cookies["vungxanh_language"] = "xx"  # a cookie of no language we have
    assert '<html lang="vi">' in client.get("/accounts/login/").content.decode()
