"""The testing pages: what each user sees, result entry on the worklist, the dashboard, the
planner, labels."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw

from vungxanh.core.models import AuditEvent
from vungxanh.core.tests.pdftext import page_rectangles
from vungxanh.labs import actions
from vungxanh.labs.models import (
    Pool,
    Result,
    Sample,
    SamplingTask,
    TestingRuleSet,
    start_of_day,
)
from vungxanh.labs.tests.factories import PersonFactory, make_sample


def pooled(world, lab, n=10, unit=None):
    for _ in range(n):
        make_sample(PersonFactory.create(residence_unit=unit or world.commune_a), lab=lab)
    return actions.build_pools(actor=world.user("lab_tech"), lab=lab)


def test_nav_and_dashboard_in_vietnamese(client_as, world, lab):
    pool = pooled(world, lab)[0]
    actions.record_result(actor=world.user("lab_tech"), target=pool, result="negative")
    late = make_sample(
        PersonFactory.create(residence_unit=world.commune_a),
        lab=lab,
        collected_at=timezone.now() - datetime.timedelta(days=1, hours=2),
    )
    page = client_as("province_officer").get("/labs/").content.decode()
    assert "Xét nghiệm hôm nay" in page
    assert "Công suất toàn tỉnh hôm nay so với chỉ tiêu" in page
    assert "&gt; 50.000" in page  # the pooled target, as data
    by_lab = page.split('id="by-lab"')[1].split("</table>")[0]
    assert "Phòng xét nghiệm tỉnh (test)" in by_lab
    assert "1 / 2.000" not in by_lab
    assert "10 / 10.000" in by_lab  # pooled samples run today against capacity
    assert "Thành phố Hạ Long" in page.split('id="by-unit"')[1]
    # the tube never resulted is counted overdue, with a link to the list of such samples
    overdue_link = f'href="/labs/samples/?lab={lab.public_id}&amp;overdue=true">1</a>'
    assert overdue_link in by_lab
    assert (
        late.code
        in client_as("province_officer")
        .get(f"/labs/samples/?lab={lab.public_id}&overdue=true")
        .content.decode()
    )
    assert 'href="/labs/"' in client_as("province_officer").get("/").content.decode()


def _tiles(page: str) -> list[str]:
    return re.findall(r'<span class="stat-value">(.*?)</span>', page)


def test_dashboard_figures(client_as, world, lab):
    """Each figure of the dashboard from samples of known times and results."""
    now = timezone.now()
    today = start_of_day(now)
    earlier_today = today + (now - today) / 2  # today at any hour of the day
    yesterday = today - datetime.timedelta(hours=12)

    def sample(collected, status, result="pending", resulted=None):
        s = make_sample(
            PersonFactory.create(residence_unit=world.commune_a), lab=lab, collected_at=collected
        )
        Sample.objects.filter(pk=s.pk).update(
            received_at=collected, status=status, result=result, resulted_at=resulted
        )
        return s

    done = Sample.Status.RESULTED
    # Yesterday: five samples, three resulted before midnight (one positive), one the next
    # day, one never.
    sample(yesterday, done, "negative", today - datetime.timedelta(hours=1))
    sample(yesterday, done, "negative", today - datetime.timedelta(hours=3))
    sample(yesterday, done, "positive", today - datetime.timedelta(hours=2))
    sample(yesterday, done, "negative", earlier_today)
    sample(yesterday, Sample.Status.RECEIVED)
    # Today: four samples, one positive already, two waiting, one rejected.
    sample(earlier_today, done, "positive", earlier_today)
    sample(earlier_today, Sample.Status.RECEIVED)
    sample(earlier_today, Sample.Status.RECEIVED)
    sample(earlier_today, Sample.Status.REJECTED)
    # A rapid test is not an RT-PCR sample.
    actions.collect_sample(
        actor=world.user("province_officer"),
        person=PersonFactory.create(residence_unit=world.commune_a),
        test_kind="rapid_antigen",
        reason="screening",
        unit=world.commune_a,
        rapid_result="negative",
        performed_by="staff",
    )
    page = client_as("province_officer").get("/labs/").content.decode()
    collected, pending, overdue, resulted, positive, positivity, same_day, rapid = _tiles(page)[:8]
    assert collected == "4"  # collected today (the rejected tube too)
    assert pending == "3"  # yesterday's forgotten tube and today's two
    assert overdue == "1"
    assert resulted == "2"  # results entered today: yesterday's late one and today's positive
    assert positive == "1"
    assert positivity == "40,00 %"  # 2 positive of 5 results
    assert same_day == "60,0 %"  # 3 of yesterday's 5 samples
    assert rapid == "1 / 0"
    cells = re.compile(r'<td class="num">(?:<[^>]+>)?([^<]*)')
    by_lab = page.split('id="by-lab"')[1].split("</table>")[0]
    # received today, waiting, overdue, results, positive, positivity, same day
    assert cells.findall(by_lab)[:7] == ["4", "3", "1", "2", "1", "40,00 %", "60,0 %"]
    by_unit = page.split('id="by-unit"')[1].split("</table>")[0]
    assert "Thành phố Hạ Long" in by_unit
    # collected today, waiting, overdue, results, positive, positivity, same day
    assert cells.findall(by_unit)[:7] == ["4", "3", "1", "2", "1", "40,00 %", "60,0 %"]


def test_dashboard_keeps_tubes_waiting_longer_than_the_positivity_window(client_as, world, lab):
    """Waiting and overdue have their own bound (validity 72 h = 3 days, plus the 30 days a
    sample may be recorded late): a tube forgotten for ten days stays on the dashboard."""
    now = timezone.now()

    def waiting(days):
        return make_sample(
            PersonFactory.create(residence_unit=world.commune_a),
            lab=lab,
            collected_at=now - datetime.timedelta(days=days),
        )

    ten, thirty_two, forty = waiting(10), waiting(32), waiting(40)
    client = client_as("province_officer")
    page = client.get("/labs/").content.decode()
    _collected, pending, overdue = _tiles(page)[:3]
    assert (pending, overdue) == ("2", "2")  # 10 and 32 days: beyond the 7-day window
    cells = re.compile(r'<td class="num">(?:<[^>]+>)?([^<]*)')
    by_lab = page.split('id="by-lab"')[1].split("</table>")[0]
    assert cells.findall(by_lab)[:3] == ["0", "2", "2"]
    by_unit = page.split('id="by-unit"')[1].split("</table>")[0]
    assert cells.findall(by_unit)[:3] == ["0", "2", "2"]
    assert "mẫu lấy trong 33 ngày qua vẫn chưa có kết quả" in page
    # the list of overdue samples has no bound: the 40-day-old tube is there too
    listed = client.get(f"/labs/samples/?lab={lab.public_id}&overdue=true").content.decode()
    assert all(s.code in listed for s in (ten, thirty_two, forty))


def test_dashboard_is_scoped(client_as, world, lab, lab_b):
    pooled(world, lab, n=3)
    make_sample(PersonFactory.create(residence_unit=world.commune_b), lab=lab_b)
    page = client_as("district_b").get("/labs/").content.decode()
    by_unit = page.split('id="by-unit"')[1].split("</table>")[0]
    assert "Phường Ka Long" in by_unit
    assert "Hà Khánh" not in by_unit
    assert "Công suất toàn tỉnh" not in page  # a district does not see the province targets
    tech = client_as("lab_tech_b").get("/labs/").content.decode()
    assert "Phòng xét nghiệm Móng Cái (test)" in tech
    assert "Phòng xét nghiệm tỉnh (test)" not in tech.split('id="by-lab"')[1]
    assert client_as("viewer").get("/labs/").status_code == 404


def test_sample_list_filters_and_overdue_flag(client_as, world, lab):
    person = PersonFactory.create(residence_unit=world.commune_a, full_name="Phạm Thị Quá Hạn")
    late = make_sample(
        person, lab=lab, collected_at=timezone.now() - datetime.timedelta(days=1, hours=1)
    )
    # Collected now: today at any hour (two hours ago is yesterday before 02:00).
    fresh = make_sample(
        PersonFactory.create(residence_unit=world.commune_a), lab=lab, collected_at=timezone.now()
    )
    client = client_as("lab_tech")
    page = client.get("/labs/samples/?overdue=true").content.decode()
    assert late.code in page
    assert fresh.code not in page
    assert "quá hạn" in page
    page = client.get("/labs/samples/?q=pham thi qua").content.decode()
    assert late.code in page
    assert fresh.code not in page
    assert (
        client.get("/labs/samples/?q=" + late.code.lower()).content.decode().count(late.code) >= 1
    )
    assert client.get("/labs/samples/?status=nonsense").status_code == 200


def test_sample_list_day_filter_is_bounded_to_2000_to_2100(client_as, world, lab):
    sample = make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
    client = client_as("lab_tech")
    day = timezone.localdate(sample.collected_at)
    page = client.get(f"/labs/samples/?day={day.isoformat()}").content.decode()
    assert sample.code in page
    page = client.get(f"/labs/samples/?day={(day - datetime.timedelta(1)).isoformat()}")
    assert sample.code not in page.content.decode()
    for bad in ("9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"):
        response = client.get(f"/labs/samples/?day={bad}")
        assert response.status_code == 200, bad
        body = response.content.decode()
        assert "Nhập ngày trong khoảng từ 2000 đến 2100" in body, bad
        assert sample.code not in body, bad


def test_sample_detail_shows_lineage_and_audits_the_reading(client_as, world, lab):
    (pool,) = pooled(world, lab, n=3)
    actions.record_result(
        actor=world.user("lab_tech"), target=pool, result="positive", ct=Decimal("29.1")
    )
    member = pool.members.order_by("pk").first()
    task = SamplingTask.objects.get(origin_sample=member)
    new = actions.collect_sample(
        actor=world.user("province_officer"),
        person=task.person,
        test_kind="pcr",
        reason="screening",
        unit=task.unit,
        task=task,
        lab=lab,
    )
    client = client_as("commune_a")
    page = client.get(f"/labs/samples/{new.public_id}/").content.decode()
    assert "Quá trình xét nghiệm" in page
    assert member.code in page  # earlier sample
    assert pool.code in page  # its pool
    assert "Thành viên mẫu gộp dương tính" in page
    assert AuditEvent.objects.filter(
        verb="view", target_id=str(task.person.public_id), actor=world.user("commune_a")
    ).exists()
    page = client.get(f"/labs/samples/{member.public_id}/").content.decode()
    assert new.code in page  # the re-test, from the first sample's page
    assert "Ct 29" in page
    # another district: 404 for the sample, the pool and the task
    other = client_as("district_b")
    assert other.get(f"/labs/samples/{new.public_id}/").status_code == 404
    assert other.get(f"/labs/pools/{pool.public_id}/").status_code == 404
    assert other.get(f"/labs/tasks/{task.public_id}/").status_code == 404


def test_pool_page_hides_members_outside_the_officials_area(client_as, world, lab):
    for unit in (world.commune_a, world.commune_a, world.commune_b):
        make_sample(PersonFactory.create(residence_unit=unit), lab=lab)
    (pool,) = actions.build_pools(actor=world.user("lab_tech"), lab=lab)
    page = client_as("commune_a").get(f"/labs/pools/{pool.public_id}/").content.decode()
    assert "1 thành viên cư trú ngoài địa bàn" in page
    full = client_as("lab_tech").get(f"/labs/pools/{pool.public_id}/").content.decode()
    assert "ngoài địa bàn" not in full
    members = full.split('id="members"')[1].split("</table>")[0]
    assert members.count('href="/labs/samples/') == 3


def test_pages_show_no_task_of_another_area(client_as, world, lab):
    # Tubes collected in commune A from people living in commune B: commune A sees the
    # samples and the pool, but the re-sampling tasks are commune B's.
    visitors = [PersonFactory.create(residence_unit=world.commune_b) for _ in range(2)]
    rejected = make_sample(visitors[0], lab=lab, unit=world.commune_a)
    pooled_sample = make_sample(visitors[1], lab=lab, unit=world.commune_a)
    make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
    tech = world.user("lab_tech")
    task = actions.reject_sample(actor=tech, sample=rejected, reason="Ống vỡ")
    (pool,) = actions.build_pools(actor=tech, lab=lab)
    actions.record_result(actor=tech, target=pool, result="positive", ct=Decimal("28"))
    pool_task = SamplingTask.objects.get(origin_sample=pooled_sample)
    assert task.unit == pool_task.unit == world.commune_b
    commune_a = client_as("commune_a")
    page = commune_a.get(f"/labs/samples/{rejected.public_id}/").content.decode()
    assert rejected.code in page
    assert str(task.public_id) not in page
    assert "Phường Ka Long" not in page.split('class="lineage"')[1].split("</ol>")[0]
    page = commune_a.get(f"/labs/pools/{pool.public_id}/").content.decode()
    members = page.split('id="members"')[1].split("</table>")[0]
    assert pooled_sample.code in members
    assert str(pool_task.public_id) not in members
    # commune B, whose tasks they are, sees them from the same pages
    commune_b = client_as("commune_b")
    page = commune_b.get(f"/labs/samples/{rejected.public_id}/").content.decode()
    assert f"/labs/tasks/{task.public_id}/" in page
    page = commune_b.get(f"/labs/pools/{pool.public_id}/").content.decode()
    assert f"/labs/tasks/{pool_task.public_id}/" in page.split('id="members"')[1]


def test_run_page_lists_only_the_items_of_the_officials_area(client_as, world, lab_b):
    ours = make_sample(PersonFactory.create(residence_unit=world.commune_b), lab=lab_b, reason="f1")
    theirs = make_sample(
        PersonFactory.create(residence_unit=world.commune_a), lab=lab_b, reason="f1"
    )
    run = actions.create_run(actor=world.user("lab_tech_b"), lab=lab_b)
    page = client_as("district_b").get(f"/labs/runs/{run.public_id}/").content.decode()
    assert ours.code in page
    assert theirs.code not in page
    assert "1 mục của lượt chạy này không có mẫu thuộc địa bàn của bạn" in page
    page = client_as("lab_tech_b").get(f"/labs/runs/{run.public_id}/").content.decode()
    assert ours.code in page
    assert theirs.code in page
    assert 'id="hidden-items"' not in page


def test_run_worklist_and_htmx_result_entry(client_as, world, lab):
    single = make_sample(
        PersonFactory.create(residence_unit=world.commune_a), lab=lab, reason="symptomatic"
    )
    pools = pooled(world, lab, n=20)
    client = client_as("lab_tech")
    response = client.post("/labs/runs/new/", {"lab": str(lab.public_id)})
    assert response.status_code == 302
    run_url = response["Location"]
    page = client.get(run_url).content.decode()
    assert "Sơ đồ khay" in page
    single.refresh_from_db()
    assert single.well == "A1"  # singles first, by priority
    assert Pool.objects.get(pk=pools[0].pk).well == "B1"
    assert "H12" in page
    assert "chứng" in page
    # htmx: a positive pool without Ct is refused in the row, then accepted
    url = f"/labs/pools/{pools[0].public_id}/result/"
    row = client.post(url, {"result": "positive", "ct": ""}, HTTP_HX_REQUEST="true")
    assert "cần giá trị Ct" in row.content.decode()
    assert row.content.decode().lstrip().startswith("<tr")
    row = client.post(url, {"result": "positive", "ct": "26,4"}, HTTP_HX_REQUEST="true")
    body = row.content.decode()
    assert "Dương tính" in body
    assert "thành viên cần lấy mẫu lại" in body
    assert SamplingTask.objects.filter(pool=pools[0]).count() == 10
    # without htmx: back to the page it came from, with a message
    response = client.post(
        f"/labs/samples/{single.public_id}/result/",
        {"result": "negative", "next": run_url},
    )
    assert response["Location"] == run_url
    assert Sample.objects.get(pk=single.pk).result == Result.NEGATIVE
    # the run cannot be closed while a pool waits
    client.post(run_url + "close/")
    page = client.get(run_url).content.decode()
    assert "chưa có kết quả" in page


def test_pool_build_page(client_as, world, lab):
    for _ in range(12):
        make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
    client = client_as("lab_tech")
    page = client.get("/labs/pools/build/").content.decode()
    assert '<strong id="waiting-count">12</strong>' in page
    response = client.post("/labs/pools/build/", {"size": "11", "lab": str(lab.public_id)})
    assert "nhỏ hơn hoặc bằng với 10" in response.content.decode()
    response = client.post("/labs/pools/build/", {"size": "6", "lab": str(lab.public_id)})
    assert response.status_code == 302
    assert sorted(Pool.objects.values_list("size", flat=True)) == [6, 6]
    # an official of an area cannot build pools
    assert client_as("district_a").get("/labs/pools/build/").status_code == 404


def test_take_a_sample_page(client_as, world, lab):
    person = PersonFactory.create(residence_unit=world.commune_a)
    client = client_as("province_officer")
    response = client.post(
        "/labs/samples/new/",
        {
            "person": "000000000000",
            "test_kind": "pcr",
            "reason": "screening",
            "unit": world.commune_a.pk,
        },
    )
    assert "hãy đăng ký người này trước" in response.content.decode()
    response = client.post(
        "/labs/samples/new/",
        {
            "person": person.cccd,
            "test_kind": "rapid_antigen",
            "reason": "symptomatic",
            "unit": world.commune_a.pk,
        },
    )
    body = response.content.decode()
    assert "Ghi kết quả test nhanh" in body
    response = client.post(
        "/labs/samples/new/",
        {
            "person": person.phone,
            "test_kind": "pcr",
            "reason": "f1",
            "unit": world.commune_a.pk,
            "lab": lab.pk,
        },
    )
    assert response.status_code == 302
    sample = Sample.objects.get(person=person)
    assert sample.single_only
    assert response["Location"] == f"/labs/samples/{sample.public_id}/"
    assert client_as("commune_a").get("/labs/samples/new/").status_code == 200
    assert client_as("viewer").get("/labs/samples/new/").status_code == 404


def draw_pdf_bars(pdf: bytes) -> Image.Image:
    """Rasterise the filled rectangles of a one-page fpdf2 document (its barcode)."""
    scale = 12
    image = Image.new("L", (int(50 / 25.4 * 72 * scale), int(30 / 25.4 * 72 * scale)), 255)
    draw = ImageDraw.Draw(image)
    height = image.height
    (rectangles,) = page_rectangles(pdf)
    for x, y, w, h in rectangles:
        x0, y0 = x * scale, height - y * scale
        x1, y1 = x0 + w * scale, y0 - h * scale
        draw.rectangle([x0, min(y0, y1), x1 - 1, max(y0, y1)], fill=0)
    return image


def test_label_pdf_carries_a_readable_barcode(client_as, world, lab):
    zxingcpp = pytest.importorskip("zxingcpp")
    sample = make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
    response = client_as("lab_tech").get(f"/labs/samples/{sample.public_id}/label.pdf")
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    found = zxingcpp.read_barcodes(draw_pdf_bars(pdf), formats=zxingcpp.BarcodeFormat.Code39)
    assert [b.text for b in found] == [sample.code]
    assert AuditEvent.objects.filter(verb="print_label").exists()


def test_planner_page_and_defaults(client_as, world, lab):
    client = client_as("lab_tech")
    page = client.get("/labs/planner/?prevalence=1&sensitivity=100&specificity=100&samples=50000")
    body = page.content.decode()
    assert "Cỡ mẫu gộp khuyến nghị: <strong>10</strong>" in body
    assert "9.781" in body  # reactions for 50,000 samples at 1 %, pools of 10
    assert "Gộp 11 mẫu sẽ tiết kiệm hơn" in body
    body = client.get("/labs/planner/?prevalence=40").content.decode()
    assert "Xét nghiệm từng mẫu đơn." in body
    body = client.get("/labs/planner/?prevalence=abc&sensitivity=20").content.decode()
    assert "Nhập một số" in body or "lớn hơn hoặc bằng" in body
    # default prevalence: recent positivity of the user's screening samples
    sample = make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
    actions.record_result(
        actor=world.user("lab_tech"), target=sample, result="positive", ct=Decimal("30")
    )
    for _ in range(3):
        other = make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
        actions.record_result(actor=world.user("lab_tech"), target=other, result="negative")
    body = client.get("/labs/planner/").content.decode()
    assert "1 dương tính trên 4 kết quả" in body
    # at 25 % pooling still pays, barely: pools of 3 (E = 0.887 reactions per sample)
    assert "Cỡ mẫu gộp khuyến nghị: <strong>3</strong>" in body


def test_planner_prevalence_counts_screening_samples_only(client_as, api_as, world, lab):
    """F1 and symptomatic samples (tested singly, likelier positive) would overstate the
    prevalence among the pooled samples; a positive pool's members count by their re-test."""
    tech = world.user("lab_tech")

    def person():
        return PersonFactory.create(residence_unit=world.commune_a)

    for reason in ("f1", "symptomatic"):
        single = make_sample(person(), lab=lab, reason=reason)
        actions.record_result(actor=tech, target=single, result="positive", ct=Decimal("20"))
    # two pools of four entry tests: one negative, one positive whose first member's
    # re-test is positive (the others not re-tested yet)
    for _ in range(4):
        make_sample(person(), lab=lab, reason="entry")
    (negative,) = actions.build_pools(actor=tech, lab=lab)
    actions.record_result(actor=tech, target=negative, result="negative")
    for _ in range(4):
        make_sample(person(), lab=lab, reason="entry")
    (positive,) = actions.build_pools(actor=tech, lab=lab)
    actions.record_result(actor=tech, target=positive, result="positive", ct=Decimal("28"))
    task = SamplingTask.objects.filter(pool=positive).order_by("pk")[0]
    retest = actions.collect_sample(
        actor=world.user("commune_a"),
        person=task.person,
        test_kind="pcr",
        reason="screening",
        unit=task.unit,
        task=task,
        lab=lab,
    )
    actions.receive_samples(actor=tech, lab=lab, codes_in=[retest.code])
    actions.record_result(actor=tech, target=retest, result="positive", ct=Decimal("25"))

    body = client_as("lab_tech").get("/labs/planner/").content.decode()
    assert "1 dương tính trên 5 kết quả" in body  # not 3 of 7 with the F1 and the ill
    assert "Tỷ lệ nhiễm 20,00 %" in body
    plan = api_as("lab_tech").get("/api/v1/labs/planner/").json()
    assert plan["prevalence_from_recent_positivity"] is True
    assert plan["prevalence"] == pytest.approx(0.2)


def test_planner_api_link_gives_the_pages_plan(client_as, api_as, world, lab):
    page = client_as("lab_tech").get(
        "/labs/planner/?prevalence=1&sensitivity=95&specificity=99&samples=50000"
    )
    body = page.content.decode()
    assert "Cỡ mẫu gộp khuyến nghị: <strong>10</strong>" in body
    link = re.search(r'href="(/api/v1/labs/planner/\?[^"]*)" id="planner-api"', body)
    assert link is not None
    response = api_as("lab_tech").get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200, response.content
    plan = response.json()
    assert plan["prevalence"] == pytest.approx(0.01)
    assert plan["sensitivity"] == pytest.approx(0.95)
    assert plan["specificity"] == pytest.approx(0.99)
    assert plan["samples"] == 50_000
    assert plan["recommended"]["size"] == 10
    reactions = f"{plan['recommended']['reactions']:,}".replace(",", ".")
    assert f"<strong>{reactions}</strong>" in body
    assert plan["prevalence_from_recent_positivity"] is False


def test_rule_set_versions_page(client_as, world):
    client = client_as("province_officer")
    page = client.get("/labs/rules/").content.decode()
    assert "mặc định toàn quốc" in page
    start = timezone.localtime() + datetime.timedelta(days=1)
    response = client.post(
        "/labs/rules/",
        {
            "code": "qn-2021-08-pools-5",
            "name": "Gộp tối đa 5 ở vùng nguy cơ cao",
            "unit": world.province.pk,
            "valid_from": start.strftime("%Y-%m-%dT%H:%M"),
            "max_pool_size": "5",
            "single_test_reasons": ["f1", "symptomatic"],
            "priority_order": "f1\nsymptomatic\nscreening",
            "sample_validity_hours": "72",
            "retest_due_hours": "6",
            "max_reruns": "1",
            "province_single_target": "12000",
            "province_pooled_target": "60000",
            "assay_sensitivity": "0.95",
            "assay_specificity": "0.99",
            "positivity_window_days": "7",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    rules = TestingRuleSet.objects.get(code="qn-2021-08-pools-5")
    assert rules.unit == world.province
    assert rules.priority_order[:3] == ["f1", "symptomatic", "screening"]
    assert "sắp có hiệu lực" in client.get("/labs/rules/").content.decode()
    response = client.post("/labs/rules/", {"code": "x", "valid_from": "2020-01-01T00:00"})
    assert response.status_code == 200
    assert client_as("district_a").post("/labs/rules/", {}).status_code == 404


def test_task_board_and_the_individual_sample_of_a_task(client_as, world, lab):
    (pool,) = pooled(world, lab, n=3, unit=world.village_a)
    actions.record_result(
        actor=world.user("lab_tech"), target=pool, result="positive", ct=Decimal("25")
    )
    task = SamplingTask.objects.order_by("pk")[0]
    commune = client_as("commune_a")
    board = commune.get("/labs/tasks/").content.decode()
    assert "Phường Hà Khánh" in board.split('id="task-board"')[1]
    assert task.person.full_name in board
    page = commune.get(f"/labs/tasks/{task.public_id}/").content.decode()
    assert "Thành viên mẫu gộp dương tính" in page
    # the commune's health station takes the individual sample the task asks for
    assert "Ghi nhận mẫu đơn" in page
    assert client_as("commune_a2").get(f"/labs/tasks/{task.public_id}/").status_code == 404
    commune = client_as("commune_a")  # the same test client, logged in again
    form = commune.get(f"/labs/samples/new/?task={task.public_id}").content.decode()
    assert "Lấy mẫu đơn cho" in form
    response = commune.post(
        "/labs/samples/new/", {"task": str(task.public_id), "unit": world.commune_a.pk}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == SamplingTask.Status.SAMPLED
    assert task.sample is not None
    assert task.sample.reason == "retest"
