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
