"""Check-in in a real browser (headless Chromium):

* an official prints a venue's poster; the QR code on the PDF is decoded (as a phone's camera
  does) and opened on a phone-sized screen, where a resident checks in and out;
* venue staff scan a personal QR code and a chip ID card QR with the device camera: Chromium's
  fake camera plays a video (Y4M) made from a segno QR image, and jsQR decodes it in the page.
"""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
import zxingcpp
from PIL import Image

from vungxanh.core.tests.camera import camera_browser, qr_video
from vungxanh.venues.models import CheckIn
from vungxanh.venues.signing import person_qr_text
from vungxanh.venues.tests.factories import make_person, make_staff, make_venue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}  # a cheap Android phone


def pdf_images(data: bytes) -> list[Image.Image]:
    """The 8-bit grey Flate images of a PDF (PNG-predicted, as fpdf2 writes them), rebuilt
    as PNG files: a PDF's Predictor 15 stream is exactly a PNG's IDAT data."""
    images: list[Image.Image] = []
    pattern = re.compile(rb"<<(.*?)>>\s*stream\r?\n", re.S)
    for match in pattern.finditer(data):
        header = match.group(1)
        if b"/Subtype /Image" not in header or b"/FlateDecode" not in header:
            continue
        width, height, length = (
            int(m.group(1)) if (m := re.search(rb"/%s (\d+)" % key, header)) else 0
            for key in (b"Width", b"Height", b"Length")
        )
        stream = data[match.end() : match.end() + length]

        def chunk(kind: bytes, body: bytes) -> bytes:
            return (
                struct.pack(">I", len(body))
                + kind
                + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
            )

        png = (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", stream)
            + chunk(b"IEND", b"")
        )
        images.append(Image.open(io.BytesIO(png)))
    return images


def test_print_a_poster_scan_it_with_a_phone_check_in_and_out(
    page, login, world, chromium, live_server
):
    venue = make_venue(world.commune_a, name="Chợ Hà Khánh", kind="market")
    login("commune_a")
    page.goto(f"/venues/{venue.public_id}/")
    with page.expect_download() as download_info:
        page.evaluate(
            "url => { const a = document.createElement('a'); a.href = url; a.download = 'p.pdf';"
            " document.body.appendChild(a); a.click(); }",
            f"/venues/{venue.public_id}/poster.pdf",
        )
    with open(download_info.value.path(), "rb") as f:
        pdf = f.read()
    assert pdf.startswith(b"%PDF")
    (image,) = pdf_images(pdf)
    (decoded,) = zxingcpp.read_barcodes(image)
    url = decoded.text
    assert re.match(r"^http://[^/]+/q/" + venue.code + r"/1\.[A-Za-z0-9_-]{22}/$", url)

    phone = chromium.new_context(
        base_url=live_server.url, viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True
    )
    resident = phone.new_page()
    resident.goto(url)
    assert resident.locator("h1").inner_text() == "Chợ Hà Khánh"
    assert resident.locator("script").count() == 0  # a light page: no JavaScript at all
    resident.fill("#id_phone", "0912 345 678")
    resident.fill("#id_full_name", "Nguyễn Thị Lan")
    resident.fill("#id_birth_year", "1990")
    resident.check("input[name=sex][value=female]")
    resident.select_option("#id_unit", label="· Phường Hà Khánh")
    with resident.expect_navigation():
        resident.click("button.big.primary")
    assert "Đã check-in tại Chợ Hà Khánh" in resident.locator(".messages").inner_text()
    assert "Đã check-in từ" in resident.locator("#checkin-state").inner_text()
    # the phone remembers her: the next scan is one tap
    with resident.expect_navigation():
        resident.click("button:has-text('Check-out')")
    assert "Bạn đã check-out" in resident.locator(".messages").inner_text()
    resident.goto(url)
    assert "Xin chào, Nguyễn Thị Lan" in resident.locator(".hello").inner_text()
    with resident.expect_navigation():
        resident.click("button.big.primary")
    assert CheckIn.objects.filter(person__full_name="Nguyễn Thị Lan").count() == 2
    # her personal QR code, for venues where staff scan
    resident.goto("/toi/")
    assert "Nguyễn Thị Lan" in resident.locator("h1").inner_text()
    assert resident.locator("img.qr").get_attribute("src").startswith("data:image/svg+xml")
    # a tampered code is refused with a clear page
    resident.goto(url[:-4] + "xyz/")
    assert "Không thể dùng mã QR này" in resident.locator("h1").inner_text()
    phone.close()


def _staff_scans(chromium, live_server, tmp_path, venue, username, text) -> str:
    video = qr_video(text, tmp_path / "camera.y4m")
    browser = camera_browser(chromium, video)
    try:
        context = browser.new_context(base_url=live_server.url, locale="vi-VN")
        context.grant_permissions(["camera"])
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "staff-password-2021")
        page.click("button[type=submit].primary")
        page.wait_for_url("**/")
        page.goto(f"/venues/{venue.public_id}/scan/")
        page.click("#scan-start")
        result = page.locator("#scan-results li").first
        result.wait_for(timeout=15000)
        page.click("#scan-stop")
        assert not [e for e in errors if "Content Security Policy" in e]
        return result.inner_text()
    finally:
        browser.close()


def test_staff_scan_a_personal_qr_with_the_camera(chromium, live_server, tmp_path, world):
    venue = make_venue(world.commune_a, name="Siêu thị Hà Khánh")
    make_staff(world, venue, "nv.sieuthi", owner=False)
    visitor = make_person(world.commune_a, "Trần Văn Khách", birth_year=1970)
    message = _staff_scans(
        chromium, live_server, tmp_path, venue, "nv.sieuthi", person_qr_text(visitor.public_id)
    )
    assert "Trần Văn Khách đã check-in lúc" in message
    checkin = CheckIn.objects.get()
    assert checkin.person == visitor
    assert checkin.source == "staff_scan"


def test_staff_scan_a_chip_id_card_with_the_camera(chromium, live_server, tmp_path, world):
    venue = make_venue(world.commune_a, name="Nhà hàng Hà Khánh")
    make_staff(world, venue, "nv.nhahang", owner=False)
    card = (
        "022190001234|123456789|Lê Thị Căn Cước|02011990|Nữ|"
        "Tổ 1, khu 2, Phường Hà Khánh, Thành phố Hạ Long, Quảng Ninh|05062021"
    )
    message = _staff_scans(chromium, live_server, tmp_path, venue, "nv.nhahang", card)
    assert "Lê Thị Căn Cước đã check-in lúc" in message
    checkin = CheckIn.objects.get()
    assert checkin.source == "cccd_qr"
    assert checkin.person.cccd == "022190001234"
    assert checkin.person.residence_unit == world.commune_a
