"""The registry in a real browser: search, a record, the exact-match offer."""

import pytest

from vungxanh.people.models import Person
from vungxanh.people.tests.factories import PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_without_diacritics_then_open_the_record(page, login, world):
    PersonFactory.create(
        full_name="Nguyễn Văn An",
        name_folded="nguyen van an",
        residence_unit=world.village_a,
        phone="+84912345678",
    )
    login("commune_a")
    page.click("nav.mainnav >> text=Dân cư")
    page.fill("#id_q", "nguyen van an")
    page.click("form.person-search button[type=submit]")
    page.click("table a:text('Nguyễn Văn An')")
    assert page.locator("h1").inner_text().startswith("Nguyễn Văn An")
    assert "commune_a" in page.locator("section:has(h2:text('Ai đã xem hồ sơ này'))").inner_text()
    assert not [m for m in page.console_messages if "Content Security Policy" in m]


def test_registering_offers_the_existing_record_first(page, login, world):
    existing = PersonFactory.create(
        full_name="Trần Thị Bích",
        name_folded="tran thi bich",
        sex="female",
        birth_year=1980,
        cccd=None,
        residence_unit=world.village_a,
        phone="+84987111222",
    )
    login("commune_a")
    page.goto("/people/new/")
    page.fill("#id_full_name", "tran thi bich")
    page.fill("#id_birth", "1980")
    page.check("input[name=sex][value=female]")
    page.fill("#id_phone", "0987 111 222")
    page.select_option("#id_residence_unit", str(world.commune_a.pk))
    page.click("form.card button.primary")
    offer = page.locator(".matches")
    assert "Đã có trong danh sách" in offer.inner_text()
    offer.locator("a").click()
    page.wait_for_url(f"**/people/{existing.public_id}/")
    assert Person.objects.count() == 1


# --- the chip ID card's QR with the camera (Chromium's fake camera plays a QR video) -------

CARD = (
    "022190001234|123456789|Lê Thị Căn Cước|02011990|Nữ|"
    "Tổ 1, khu 2, Phường Hà Khánh, Thành phố Hạ Long, Quảng Ninh|05062021"
)


def _scan_with_camera(chromium, live_server, tmp_path, username, text):
    """Log in as ``username`` in a browser whose camera shows the QR of ``text``, open
    /people/scan/ and press "Use the camera"; return the page after the scan."""
    from vungxanh.core.tests.camera import camera_browser, qr_video
    from vungxanh.testing import PASSWORD

    browser = camera_browser(chromium, qr_video(text, tmp_path / "card.y4m"))
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    context.grant_permissions(["camera"])
    page = context.new_page()
    page.console_messages = []
    page.on("console", lambda m: page.console_messages.append(m.text))
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/")
    page.goto("/people/scan/")
    camera = page.locator("#scan-camera")
    assert camera.inner_text() == "Dùng camera"  # shown once the page knows it can scan
    with page.expect_navigation(timeout=20000):
        camera.click()
    page.wait_for_load_state()
    return browser, page


def test_scanning_a_registered_card_with_the_camera_opens_the_record(
    chromium, live_server, tmp_path, world
):
    holder = PersonFactory.create(
        full_name="Lê Thị Căn Cước",
        name_folded="le thi can cuoc",
        sex="female",
        birth_year=1990,
        cccd="022190001234",
        residence_unit=world.village_a,
    )
    browser, page = _scan_with_camera(chromium, live_server, tmp_path, "commune_a", CARD)
    try:
        page.wait_for_url(f"**/people/{holder.public_id}/")
        assert page.locator("h1").inner_text().startswith("Lê Thị Căn Cước")
        assert not [m for m in page.console_messages if "Content Security Policy" in m]
    finally:
        browser.close()


def test_scanning_an_unknown_card_with_the_camera_prefills_the_registration(
    chromium, live_server, tmp_path, world
):
    browser, page = _scan_with_camera(chromium, live_server, tmp_path, "commune_a", CARD)
    try:
        page.wait_for_url("**/people/new/")
        assert "Chưa có ai đăng ký với số CCCD này" in page.locator(".messages").inner_text()
        assert page.input_value("#id_full_name") == "Lê Thị Căn Cước"
        assert page.input_value("#id_cccd") == "022190001234"
        assert page.input_value("#id_birth") == "02/01/1990"
        assert page.is_checked("input[name=sex][value=female]")
        assert page.input_value("#id_residence_address").startswith("Tổ 1, khu 2")
        assert not Person.objects.exists()  # nothing saved before the official checks it
    finally:
        browser.close()


def test_scanning_a_wrong_code_with_the_camera_explains_what_is_wrong(
    chromium, live_server, tmp_path, world
):
    browser, page = _scan_with_camera(
        chromium, live_server, tmp_path, "commune_a", "https://example.com/not-an-id-card"
    )
    try:
        assert page.url.endswith("/people/scan/")
        assert "phải có 7 trường" in page.locator(".form-errors, .error").first.inner_text()
    finally:
        browser.close()
