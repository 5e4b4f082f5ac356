"""A laboratory technician's day in a real browser: build pools, fill a plate, enter a result
in the row (htmx), import the machine export, see the positive pool turn into re-sampling
tasks for the commune and a positive single sample into a confirmed case with F1 proposals."""

from __future__ import annotations

import pytest

from vungxanh.labs import bridge
from vungxanh.labs.models import Pool, Result, Sample, SamplingTask
from vungxanh.labs.tests.factories import HouseholdFactory, PersonFactory, lab_of, make_sample

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def setup_samples(world):
    lab = lab_of("T-LAB-P")
    for _ in range(20):
        make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
    home = HouseholdFactory.create(unit=world.commune_a)
    index = PersonFactory.create(
        residence_unit=world.commune_a, household=home, full_name="Lương Thị Chỉ Điểm"
    )
    PersonFactory.create(
        residence_unit=world.commune_a, household=home, full_name="Lương Văn Cùng Nhà"
    )
    single = make_sample(index, lab=lab, reason="symptomatic")
    return lab, single


def test_lab_technician_builds_pools_enters_and_imports_results(page, login, world):
    _lab, single = setup_samples(world)
    login("lab_tech")
    page.click("nav.mainnav >> text=Xét nghiệm")
    assert page.locator("h1").inner_text().startswith("Xét nghiệm hôm nay")
    page.click("nav.subnav >> text=Mẫu gộp")
    page.click("text=Gộp mẫu")
    assert page.locator("#waiting-count").inner_text() == "20"
    page.click("button:has-text('Gộp mẫu')")
    page.wait_for_url("**/labs/pools/**")
    assert "Đã gộp 20 mẫu thành 2 mẫu gộp." in page.locator(".messages").inner_text()
    assert page.locator("#pools tbody tr").count() == 2
    first, second = Pool.objects.order_by("pk")

    # a plate: the symptomatic sample first, then the pools
    page.click("nav.subnav >> text=Lượt chạy")
    page.click("button:has-text('Xếp khay mới')")
    page.wait_for_url("**/labs/runs/*/")
    assert "Sơ đồ khay" in page.content()
    assert page.locator("#run-items tbody tr").first.inner_text().startswith("A1")
    page.evaluate("window.__marker = 'same page'")
    row = page.locator(f"#item-{first.code}")
    row.locator("select[name=result]").select_option("positive")
    row.locator("input[name=ct]").fill("27,5")
    row.locator("button").click()
    page.locator(f"#item-{first.code} .item-result", has_text="Dương tính").wait_for()
    assert "thành viên cần lấy mẫu lại" in page.locator(f"#item-{first.code}").inner_text()
    assert page.evaluate("window.__marker") == "same page"  # htmx swapped the row only
    assert SamplingTask.objects.filter(pool=first).count() == 10

    # the machine export for the rest of the plate
    page.click("text=Nhập tệp xuất của máy cho lượt chạy này")
    export = (
        f"Well;Sample Name;Result;Cq\nA1;{single.code};Positive;22,4\nC1;{second.code};Negative;\n"
    )
    page.set_input_files(
        "#id_file",
        files=[{"name": "run.csv", "mimeType": "text/csv", "buffer": export.encode()}],
    )
    page.click("button:has-text('Nhập')")
    page.wait_for_url("**/jobs/*/")
    page.locator("#job-progress .status", has_text="Hoàn thành").wait_for(timeout=15_000)
    assert "Đã nhập 2 kết quả" in page.locator("#job-progress").inner_text()
    assert set(Sample.objects.filter(pools=second).values_list("result", flat=True)) == {
        Result.NEGATIVE
    }

    # the positive pool's members are now tasks for Hà Khánh, visible on the board
    page.goto("/labs/tasks/")
    assert page.locator("#tasks tbody tr").count() == 10
    assert "Phường Hà Khánh" in page.locator("#task-board").inner_text()

    # the single positive: its lineage says a case was confirmed from it
    page.goto(f"/labs/samples/{single.public_id}/")
    lineage = page.locator(".lineage").inner_text()
    assert "Dương tính" in lineage
    if bridge.available("confirm_case"):
        assert "được khẳng định từ kết quả này" in lineage
    assert not [m for m in page.console_messages if "Content Security Policy" in m]


@pytest.mark.skipif(not bridge.available("confirm_case"), reason="tracing not installed")
def test_officer_follows_the_positive_to_the_case_and_its_f1_proposals(page, login, world):
    from vungxanh.labs import actions

    _lab, single = setup_samples(world)
    actions.record_result(
        actor=world.user("lab_tech"),
        target=single,
        result="positive",
        ct=__import__("decimal").Decimal("21"),
    )
    login("province_officer")
    page.goto(f"/labs/samples/{single.public_id}/")
    page.click(".lineage a:has-text('BN')")
    page.wait_for_url("**/cases/*/")
    assert "Lương Thị Chỉ Điểm" in page.content()
    assert "Lương Văn Cùng Nhà" in page.locator("#proposals").inner_text()
