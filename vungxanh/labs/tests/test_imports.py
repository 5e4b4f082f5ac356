"""Importing a PCR machine export: good files, bad rows (nothing half-imported), Excel."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from vungxanh.core.models import Job
from vungxanh.labs import actions
from vungxanh.labs.models import Pool, Result, ResultRecord, Sample, SamplingTask
from vungxanh.labs.tests.factories import PersonFactory, make_sample


def build(world, lab, n_pools=3, singles=1):
    for _ in range(10 * n_pools):
        make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
    pools = actions.build_pools(actor=world.user("lab_tech"), lab=lab)
    single = [
        make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab, reason="f1")
        for _ in range(singles)
    ]
    return pools, single


def upload(client, name, content, captured, **extra):
    data = {"file": SimpleUploadedFile(name, content), **extra}
    with captured(execute=True):
        response = client.post("/labs/results/import/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Job.objects.order_by("-created_at").first()


def test_machine_export_is_imported_and_deconvolved(
    client_as, world, lab, django_capture_on_commit_callbacks
):
    pools, (single,) = build(world, lab)
    csv = (
        "Sample Name;Well;Result;Cq\n"
        f"{pools[0].code};A1;Âm tính;\n"
        f"{pools[1].code.lower()};B1;Positive;27,5\n"
        f"{pools[2].code};C1;invalid;\n"
        f"{single.code};D1;negative;Undetermined\n"
    )
    job = upload(client_as("lab_tech"), "run.csv", csv.encode(), django_capture_on_commit_callbacks)
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert "4 kết quả" in job.message
    assert "10 người cần lấy mẫu lại" in job.message
    assert set(Sample.objects.filter(pools=pools[0]).values_list("result", flat=True)) == {
        Result.NEGATIVE
    }
    assert SamplingTask.objects.filter(pool=pools[1]).count() == 10
    assert Pool.objects.get(pk=pools[2].pk).status == Pool.Status.READY  # re-run
    assert Sample.objects.get(pk=single.pk).result == Result.NEGATIVE
    assert ResultRecord.objects.filter(job_ref=str(job.public_id)).count() == 4


def test_control_and_empty_wells_are_skipped_with_a_note(
    client_as, world, lab, django_capture_on_commit_callbacks
):
    pools, (single,) = build(world, lab, n_pools=1)
    csv = (
        "Well;Sample Name;Task;Result;Cq\n"
        f"A1;{pools[0].code};Unknown;Negative;\n"
        f"B1;{single.code};Unknown;Positive;31,2\n"
        "G12;NTC;NTC;Negative;\n"
        "H11;PC-1;Unknown;Positive;28\n"
        "H12;Positive Control;;Positive;27\n"
        "C1;Nước;NTC;Undetermined;\n"  # the machine marks it as a control in "Task"
        "D1;;;;\n"  # an empty well
    )
    job = upload(client_as("lab_tech"), "run.csv", csv.encode(), django_capture_on_commit_callbacks)
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert job.message.startswith("Đã nhập 2 kết quả")
    assert (
        "5 giếng chứng hoặc giếng trống được bỏ qua: NTC, PC-1, Positive Control, Nước, D1."
        in job.message
    )
    assert Sample.objects.get(pk=single.pk).result == Result.POSITIVE
    assert set(Sample.objects.filter(pools=pools[0]).values_list("result", flat=True)) == {
        Result.NEGATIVE
    }
    assert ResultRecord.objects.filter(job_ref=str(job.public_id)).count() == 2


def test_a_control_name_never_hides_a_tube_or_a_typo(
    client_as, world, lab, django_capture_on_commit_callbacks
):
    pools, _singles = build(world, lab, n_pools=1)
    csv = (
        "Well;Sample Name;Task;Result;Cq\n"
        f"A1;{pools[0].code};NTC;Negative;\n"  # a real pool, whatever the Task says
        "B1;S00000XY;Unknown;Negative;\n"  # not a control: a mistyped code
        "C1;;;Negative;\n"  # a result without a code
    )
    job = upload(client_as("lab_tech"), "run.csv", csv.encode(), django_capture_on_commit_callbacks)
    assert job.status == Job.Status.FAILED
    assert "Có 2 lỗi trong 3 dòng" in job.message
    assert not ResultRecord.objects.exists()
    # only controls: nothing to import, said plainly
    job = upload(
        client_as("lab_tech"),
        "ntc.csv",
        b"Well;Sample Name;Result\nG12;NTC;Negative\nH12;PC;Positive\n",
        django_capture_on_commit_callbacks,
    )
    assert job.status == Job.Status.FAILED
    assert "chỉ có giếng chứng hoặc giếng trống" in job.message


def test_bad_rows_refuse_the_whole_file_with_a_report(
    client_as, world, lab, lab_b, django_capture_on_commit_callbacks
):
    pools, (single,) = build(world, lab)
    other = make_sample(PersonFactory.create(residence_unit=world.commune_b), lab=lab_b)
    member = Sample.objects.filter(pools=pools[0])[0]
    typo = pools[1].code[:-1] + ("0" if pools[1].code[-1] != "0" else "1")
    csv = "\n".join(
        [
            "code,result,ct",
            f"{pools[0].code},negative,",  # fine, but must not be applied
            f"{pools[0].code},negative,",  # twice
            f"{typo},negative,",  # mistyped
            f"{pools[2].code},positive,",  # no Ct
            f"{single.code},negative,31",  # Ct with a negative
            f"{other.code},negative,",  # another laboratory's
            f"{member.code},negative,",  # a pooled sample
            f"{pools[1].code},maybe,",  # unknown word
        ]
    )
    job = upload(client_as("lab_tech"), "bad.csv", csv.encode(), django_capture_on_commit_callbacks)
    assert job.status == Job.Status.FAILED
    assert "7 lỗi" in job.message
    assert "chưa nhập dòng nào" in job.message
    report = bytes(job.output_data).decode("utf-8-sig")
    for expected in (
        "xuất hiện nhiều lần trong tệp",
        "sai ký tự kiểm tra",
        "cần giá trị Ct",
        "Chỉ kết quả dương tính mới có giá trị Ct",
        "không phải mẫu gộp hoặc mẫu của phòng xét nghiệm này",
        "tệp phải ghi kết quả của mẫu gộp",
        "Kết quả “maybe” không hợp lệ",
    ):
        assert expected in report, expected
    lines = report.splitlines()
    assert lines[1].startswith("3,")  # row numbers as the spreadsheet shows them
    # nothing was applied
    assert not ResultRecord.objects.exists()
    assert Pool.objects.get(pk=pools[0].pk).result == Result.PENDING


def test_file_level_problems(client_as, world, lab, django_capture_on_commit_callbacks):
    client = client_as("lab_tech")
    job = upload(client, "x.csv", b"barcode;value\nS1;1\n", django_capture_on_commit_callbacks)
    assert job.status == Job.Status.FAILED
    assert "thiếu cột result" in job.message
    job = upload(client, "x.csv", b"\xff\xfe\x00bad", django_capture_on_commit_callbacks)
    assert job.status == Job.Status.FAILED
    response = client.post("/labs/results/import/", {"file": SimpleUploadedFile("x.pdf", b"%PDF")})
    assert response.status_code == 200
    assert '<p class="error">Hãy tải lên tệp .csv hoặc .xlsx.</p>' in response.content.decode()
    assert Job.objects.count() == 2  # no job for the refused file


def test_excel_export_is_read(client_as, world, lab, django_capture_on_commit_callbacks):
    pools, (single,) = build(world, lab, n_pools=1)
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.append(["Well", "Sample Name", "Target", "Result", "CT"])
    sheet.append(["A1", pools[0].code, "N gene", "dương tính", 24.5])
    sheet.append(["B1", single.code, "N gene", "âm tính", None])
    buffer = io.BytesIO()
    book.save(buffer)
    job = upload(
        client_as("lab_tech"), "export.xlsx", buffer.getvalue(), django_capture_on_commit_callbacks
    )
    assert job.status == Job.Status.SUCCEEDED, job.message
    pool = Pool.objects.get(pk=pools[0].pk)
    assert pool.result == Result.POSITIVE
    assert str(pool.ct_value) == "24.5"


def test_import_limited_to_a_run(client_as, world, lab, django_capture_on_commit_callbacks):
    pools, (_single,) = build(world, lab, n_pools=1)
    run = actions.create_run(actor=world.user("lab_tech"), lab=lab)
    extra = make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab, reason="f1")
    csv = f"code,result,ct\n{pools[0].code},negative,\n{extra.code},negative,\n"
    job = upload(
        client_as("lab_tech"),
        "run.csv",
        csv.encode(),
        django_capture_on_commit_callbacks,
        run=str(run.public_id),
    )
    assert job.status == Job.Status.FAILED
    assert "không nằm trong lượt chạy này" in bytes(job.output_data).decode("utf-8-sig")


def test_others_cannot_import_for_this_lab(client_as, world, lab):
    client = client_as("lab_tech_b")
    response = client.post(
        "/labs/results/import/",
        {"lab": str(lab.public_id), "file": SimpleUploadedFile("r.csv", b"code,result\n")},
    )
    assert response.status_code == 200
    assert "Chọn phòng xét nghiệm" in response.content.decode()
    assert not Job.objects.exists()
    assert client_as("district_a").get("/labs/results/import/").status_code == 404
