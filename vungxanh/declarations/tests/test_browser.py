"""Declaring on a cheap phone's screen, and the door-to-door screen."""

import pytest

from vungxanh.declarations.models import Declaration, FollowUp
from vungxanh.people.models import Household
from vungxanh.people.tests.factories import PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_declares_on_a_small_phone(chromium, live_server, world):
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}, locale="vi-VN"
    )
    page = context.new_page()
    messages = []
    page.on("console", lambda m: messages.append(m.text))
    page.goto("/khai-bao/")
    page.click("text=Khai báo y tế toàn dân")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.fill("#id_full_name", "Vũ Thị Hạnh")
    page.fill("#id_birth", "1993")
    page.check("input[name=sex][value=female]")
    page.fill("#id_phone", "0912 888 777")
    page.select_option("#id_unit", str(world.commune_a.pk))
    for key in ("risk_area", "contact_case", "contact_abroad", "contact_symptomatic"):
        page.check(f"input[name=q_{key}][value=no]")
    page.check("input[name=q_symptoms][value=cough]")
    page.dblclick("button.big")  # an impatient double tap sends the form twice
    page.wait_for_url("**/khai-bao/da-gui/")
    assert "Đã nhận tờ khai" in page.locator("h1").inner_text()
    assert "Vũ T. H." in page.content()
    assert Declaration.objects.count() == 1
    assert FollowUp.objects.get().reason == "symptoms"
    assert not [m for m in messages if "Content Security Policy" in m]
    context.close()


def test_door_to_door_saves_a_household(page, login, world):
    household = Household.objects.create(unit=world.village_a, address="Số 5, ngõ 9")
    PersonFactory.create(
        full_name="Lý Văn Bảy",
        name_folded="ly van bay",
        residence_unit=world.village_a,
        household=household,
    )
    PersonFactory.create(
        full_name="Lý Thị Tám",
        name_folded="ly thi tam",
        sex="female",
        residence_unit=world.village_a,
        household=household,
    )
    login("community_a")
    page.click("nav.mainnav >> text=Rà soát từng nhà")
    page.click("table >> text=Khu 1")
    page.get_by_role("link", name="Số 5, ngõ 9").click()
    page.locator("section.member").nth(1).locator("input[name$=present]").uncheck()
    page.click("button.big")
    page.wait_for_url("**/door-to-door/villages/*/")
    assert "Đã lưu 1 tờ khai" in page.locator(".messages").inner_text()
    assert Declaration.objects.get().person.full_name == "Lý Văn Bảy"


def test_a_resident_fills_in_the_declaration_from_the_id_card_with_the_camera(
    chromium, live_server, tmp_path, world
):
    """The phone's camera reads the chip ID card's QR (Chromium's fake camera plays a QR
    video); the page fills in the identity, the resident answers and sends."""
    from playwright.sync_api import expect

    from vungxanh.core.tests.camera import camera_browser, qr_video

    card = (
        "022085001111|123456789|Trịnh Văn Quét|15031985|Nam|"
        "Số 8, tổ 2, khu 1, Phường Hà Khánh, Thành phố Hạ Long, Quảng Ninh|05062021"
    )
    browser = camera_browser(chromium, qr_video(card, tmp_path / "card.y4m"))
    try:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 360, "height": 740}, locale="vi-VN"
        )
        context.grant_permissions(["camera"])
        page = context.new_page()
        messages = []
        page.on("console", lambda m: messages.append(m.text))
        page.goto("/khai-bao/toan-dan/")
        page.click("#scan-card:text('Điền từ thẻ căn cước gắn chip')")
        status = page.locator("#scan-status")
        expect(status).to_have_text(
            "Đã điền từ thẻ căn cước: hãy kiểm tra và khai tiếp.", timeout=20000
        )
        assert page.input_value("#id_cccd") == "022085001111"
        assert page.input_value("#id_full_name") == "Trịnh Văn Quét"
        assert page.input_value("#id_birth") == "15/03/1985"
        assert page.is_checked("input[name=sex][value=male]")
        assert page.input_value("#id_address").startswith("Số 8, tổ 2, khu 1")
        page.select_option("#id_unit", str(world.commune_a.pk))
        for key in ("risk_area", "contact_case", "contact_abroad", "contact_symptomatic"):
            page.check(f"input[name=q_{key}][value=no]")
        with page.expect_navigation():
            page.click("button.big")
        assert "Đã nhận tờ khai" in page.locator("h1").inner_text()
        declaration = Declaration.objects.get()
        assert declaration.person.cccd == "022085001111"
        assert declaration.person.full_name == "Trịnh Văn Quét"
        assert not [m for m in messages if "Content Security Policy" in m]
    finally:
        browser.close()


def test_a_qr_that_is_not_an_id_card_fills_in_nothing(chromium, live_server, tmp_path, world):
    from playwright.sync_api import expect

    from vungxanh.core.tests.camera import camera_browser, qr_video

    browser = camera_browser(chromium, qr_video("https://example.com/menu", tmp_path / "q.y4m"))
    try:
        context = browser.new_context(base_url=live_server.url, locale="vi-VN")
        context.grant_permissions(["camera"])
        page = context.new_page()
        page.goto("/khai-bao/toan-dan/")
        page.click("#scan-card")
        expect(page.locator("#scan-status")).to_have_text(
            "Đây không phải mã QR của thẻ căn cước gắn chip.", timeout=20000
        )
        assert page.input_value("#id_cccd") == ""
        assert page.input_value("#id_full_name") == ""
    finally:
        browser.close()
