"""A positive result whose case the tracing capability refuses to confirm: the laboratory's
results stay, and the technician, the job and the audit log say which case to confirm by hand
(review of issue 6, m3)."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from vungxanh.core.models import AuditEvent, Job
from vungxanh.labs import actions, bridge
from vungxanh.labs.models import Result, ResultRecord, Sample
from vungxanh.labs.tests.factories import PersonFactory, make_sample

pytestmark = pytest.mark.skipif(
    not bridge.available("confirm_case"), reason="the tracing capability is not installed"
)

TOO_OLD = "Ngày này đã cách đây hơn 60 ngày; hãy kiểm tra lại."


def old_sample(world, lab):
    """A tube found at the back of the fridge: cases refuses a case on a 70-day-old sample."""
    return make_sample(
        PersonFactory.create(residence_unit=world.commune_a),
        lab=lab,
        collected_at=timezone.now() - datetime.timedelta(days=70),
    )


def fresh_sample(world, lab, **kwargs):
    return make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab, **kwargs)


def test_a_refused_case_keeps_the_batch_and_is_reported(world, lab):
    from vungxanh.cases.models import Case

    old, fresh, negative = (
        old_sample(world, lab),
        fresh_sample(world, lab),
        fresh_sample(world, lab),
    )
    tech = world.user("lab_tech")
    summary = actions.record_results(
        actor=tech,
        lab=lab,
        entries=[
            actions.ResultEntry(old, Result.POSITIVE, Decimal("24")),
            actions.ResultEntry(fresh, Result.POSITIVE, Decimal("21")),
            actions.ResultEntry(negative, Result.NEGATIVE),
        ],
        source=ResultRecord.Source.IMPORT,
        job_ref="test",
    )
    # every result is saved, the other positive confirmed its case
    for sample, result in [(old, "positive"), (fresh, "positive"), (negative, "negative")]:
        sample.refresh_from_db()
        assert (sample.status, sample.result) == (Sample.Status.RESULTED, result)
    assert Case.objects.get(person=fresh.person).is_confirmed
    assert summary.samples_positive == 2
    # the refused one is listed, with the tracing capability's reason, and has no case
    assert [(c.sample.code, c.message) for c in summary.cases_to_confirm] == [(old.code, TOO_OLD)]
    assert summary.report()["cases_to_confirm"] == [
        {
            "sample": old.code,
            "person": str(old.person.public_id),
            "person_name": old.person.full_name,
            "message": TOO_OLD,
        }
    ]
    assert not Case.objects.filter(person=old.person).exists()
    assert old.case_ref is None
    event = AuditEvent.objects.get(verb="confirm_case_failed")
    assert event.target_id == str(old.public_id)
    assert event.actor == tech
    assert event.extra["error"] == TOO_OLD
    assert event.unit_path == old.home_unit.path  # found by the person's area
    batch = AuditEvent.objects.get(verb="import_results")
    assert batch.extra["cases_to_confirm"] == [old.code]


def test_what_cases_wrote_before_refusing_is_undone_alone(world, lab, monkeypatch):
    """The savepoint: a half-done case step is rolled back, the results are not."""
    first, second = fresh_sample(world, lab), fresh_sample(world, lab)

    def half_done(sample, actor):
        Sample.objects.filter(pk=sample.pk).update(note="written by a half-done case step")
        raise ValidationError("Không có quy định truy vết nào có hiệu lực.")

    monkeypatch.setattr(bridge, "confirm_positive_pcr", half_done)
    summary = actions.record_results(
        actor=world.user("lab_tech"),
        lab=lab,
        entries=[
            actions.ResultEntry(first, Result.POSITIVE, Decimal("20")),
            actions.ResultEntry(second, Result.POSITIVE, Decimal("30")),
        ],
        source=ResultRecord.Source.IMPORT,
    )
    assert {c.sample.code for c in summary.cases_to_confirm} == {first.code, second.code}
    for sample in (first, second):
        sample.refresh_from_db()
        assert sample.result == Result.POSITIVE
        assert sample.note == ""
    assert ResultRecord.objects.count() == 2


def test_the_import_job_lists_the_cases_to_confirm(
    client_as, world, lab, django_capture_on_commit_callbacks
):
    from vungxanh.cases.models import Case

    old, fresh = old_sample(world, lab), fresh_sample(world, lab)
    content = f"code,result,ct\n{old.code},positive,24\n{fresh.code},positive,21\n"
    client = client_as("lab_tech")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/labs/results/import/",
            {"file": SimpleUploadedFile("run.csv", content.encode()), "lab": str(lab.public_id)},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    job = Job.objects.get()
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert "Đã nhập 2 kết quả" in job.message
    assert "kết quả đã thay đổi" not in job.message.lower()
    assert (
        "Đã lưu các kết quả, nhưng chưa xác nhận được ca bệnh của 1 mẫu dương tính; nhóm phụ "
        f"trách ca bệnh phải xác nhận thủ công: {old.code} ({TOO_OLD})." in job.message
    )
    assert job.result["cases_to_confirm"][0]["sample"] == old.code
    assert Case.objects.get(person=fresh.person).is_confirmed
    # the job's page says so, and offers the list as a file
    page = client.get(f"/jobs/{job.public_id}/").content.decode()
    assert f"xác nhận thủ công: {old.code}" in page
    download = client.get(f"/jobs/{job.public_id}/download/")
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows == [
        ["Mẫu", "Người", "Lý do chưa xác nhận được ca bệnh"],
        [old.code, old.person.full_name, TOO_OLD],
    ]


def test_the_result_page_and_the_run_row_say_to_confirm_by_hand(client_as, world, lab):
    old = old_sample(world, lab)
    client = client_as("lab_tech")
    url = f"/labs/samples/{old.public_id}/"
    response = client.post(f"{url}result/", {"result": "positive", "ct": "24"}, follow=True)
    page = response.content.decode()
    assert (
        f"Đã lưu kết quả dương tính của {old.code} nhưng không xác nhận được ca bệnh: "
        f"{TOO_OLD} Nhóm phụ trách ca bệnh phải xác nhận thủ công." in page
    )
    # the sample's page keeps saying it after the message is gone
    page = client.get(url).content.decode()
    assert "Chưa xác nhận: phân hệ truy vết đã từ chối" in page
    old.refresh_from_db()
    assert old.result == Result.POSITIVE

    # entered on the run's worklist (htmx): the row itself carries the notice
    other = old_sample(world, lab)
    row = client.post(
        f"/labs/samples/{other.public_id}/result/",
        {"result": "positive", "ct": "26"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert f"Đã lưu kết quả dương tính của {other.code}" in row
    assert 'role="alert"' in row


def test_the_api_answers_the_cases_to_confirm(api_as, world, lab):
    old = old_sample(world, lab)
    response = api_as("lab_tech").post(
        f"/api/v1/labs/samples/{old.public_id}/result/",
        {"result": "positive", "ct": "24"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["samples_positive"] == 1
    assert body["cases_to_confirm"] == [
        {
            "sample": old.code,
            "person": str(old.person.public_id),
            "person_name": old.person.full_name,
            "message": TOO_OLD,
        }
    ]
