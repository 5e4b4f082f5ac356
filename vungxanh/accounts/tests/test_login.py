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


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from pathlib import Path

    from vungxanh import settings as project_settings

    source = Path(project_settings.__file__).read_text(encoding="utf-8")
    assert '"django.contrib.auth.hashers.Argon2PasswordHasher",\n' in source
