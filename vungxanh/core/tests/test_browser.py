"""The shell in a real browser (headless Chromium): login, navigation, language switch,
the CSP holding without breaking anything, htmx progress updates, a phone-sized screen."""

import pytest

from vungxanh.core.models import Job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_official_logs_in_and_sees_only_their_area(page, login):
    page.goto("/accounts/login/")
    assert page.locator("h1").inner_text() == "Đăng nhập vào Vùng Xanh"
    login("district_a")
    assert page.locator("h1").inner_text() == "Tổng quan"
    assert "Cán bộ cấp huyện · Thành phố Hạ Long" in page.locator(".who").inner_text()
    page.click("nav.mainnav >> text=Đơn vị hành chính")
    page.click('table a:text("Thành phố Hạ Long")')
    page.wait_for_url("**/units/*-*/")
    rows = page.locator("table.table tbody tr")
    assert rows.count() == 33
    assert page.locator("text=Phường Ka Long").count() == 0
    # the page's own scripts ran under the content security policy without violations
    assert not [m for m in page.console_messages if "Content Security Policy" in m]


def test_language_switch_to_english_and_back(page, login):
    login("commune_a")
    page.select_option("#lang-select", "en")
    page.click("form.lang button")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Overview"
    assert page.locator("nav.mainnav").inner_text().startswith("Overview")
    page.select_option("#lang-select", "vi")
    page.click("form.lang button")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Tổng quan"


def test_job_progress_updates_without_reloading(page, login, world):
    login("province_admin")
    job = Job.objects.create(
        kind="vungxanh.geo.imports.import_populations",
        label="Nhập dân số: test.csv",
        actor=world.user("province_admin"),
        progress_total=10,
        progress_done=3,
    )
    page.goto(f"/jobs/{job.public_id}/")
    assert "Đang chờ" in page.locator("#job-progress").inner_text()
    page.evaluate("window.__marker = 'same page'")
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.SUCCEEDED, progress_done=10, message="Xong."
    )
    page.locator("#job-progress .status", has_text="Hoàn thành").wait_for(timeout=10_000)
    assert page.evaluate("window.__marker") == "same page"  # htmx swapped, no reload


def test_login_page_fits_a_phone_screen(chromium, live_server):
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}, locale="vi-VN"
    )
    page = context.new_page()
    page.goto("/accounts/login/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    assert page.locator("button.primary").is_visible()
    context.close()


def test_the_api_documentation_renders_from_our_own_files_under_the_csp(page, login):
    login("district_a")
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto("/api/docs/")
    page.locator(".opblock").first.wait_for(timeout=15_000)
    assert page.locator(".opblock-summary-path", has_text="/api/v1/checkins").count() >= 1
    assert not [m for m in page.console_messages if "Content Security Policy" in m]
    origin = page.url.split("/api/")[0]
    assert requested
    assert all(url.startswith((origin, "data:", "blob:")) for url in requested)
