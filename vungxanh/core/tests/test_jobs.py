"""Background jobs: a real import through the job runner, its progress, its error file,
and the database task backend run by the `db_worker` command."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from vungxanh.core.models import Job
from vungxanh.geo.models import AdminUnit


def _upload(client, text, name="pop.csv"):
    return client.post(
        "/units/import/populations/",
        {"file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")},
    )


def test_population_import_runs_as_a_job_and_applies_every_row(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.user("province_admin"))
    csv = (
        "unit_code,population,source,year\n"
        "06649,24500,Niên giám 2020,2020\n"
        "06709,31000,Niên giám 2020,2020\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, csv)
    job = Job.objects.latest("created_at")
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.public_id}/"
    assert job.status == Job.Status.SUCCEEDED
    assert job.progress_done == job.progress_total == 2
    assert AdminUnit.objects.get(code="06649").population == 24500
    page = client.get(f"/jobs/{job.public_id}/").content.decode()
    assert "Hoàn thành" in page
    assert "2 dòng đã nhập" in page


def test_import_with_a_bad_row_changes_nothing_and_explains_each_error(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.user("district_a"))
    csv = (
        "unit_code,population,source,year\n"
        "06649,24500,Niên giám,2020\n"  # fine
        "99999,100,Niên giám,2020\n"  # unknown unit
        "06709,abc,Niên giám,2020\n"  # not a number, and outside district A
    )
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, csv)
    job = Job.objects.latest("created_at")
    assert job.status == Job.Status.FAILED
    assert AdminUnit.objects.get(code="06649").population is None  # nothing half-imported
    report = client.get(f"/jobs/{job.public_id}/download/")
    assert report["Content-Disposition"].startswith("attachment; filename")
    assert '"' not in report["Content-Disposition"].split("filename", 1)[1].strip('="')
    text = report.content.decode("utf-8-sig")
    assert "3,unit_code,Không có đơn vị nào có mã 99999." in text
    assert "4,population" in text
    assert "Phường Ka Long nằm ngoài địa bàn bạn được phép sửa." in text
    # another official cannot read the job or its file
    client.force_login(world.user("district_b"))
    assert client.get(f"/jobs/{job.public_id}/download/").status_code == 404


def test_unreadable_upload_is_refused_clearly(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.user("province_admin"))
    # bytes that are not UTF-8
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/units/import/populations/",
            {"file": SimpleUploadedFile("pop.csv", b"\xff\xfeabc", content_type="text/csv")},
        )
    job = Job.objects.latest("created_at")
    assert job.status == Job.Status.FAILED
    assert "UTF-8" in job.message
    response = client.post(
        "/units/import/populations/",
        {"file": SimpleUploadedFile("pop.pdf", b"%PDF", content_type="application/pdf")},
    )
    assert response.status_code == 200
    assert "Hãy tải lên tệp .csv hoặc .xlsx." in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_database_backend_and_db_worker_run_a_queued_job(settings, world):
    """What production does: the job is stored, and the worker process runs it."""
    from vungxanh.core.jobs import start_job

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = start_job(
        actor=world.user("province_admin"),
        kind="vungxanh.geo.imports.import_populations",
        label="worker test",
        input_name="p.csv",
        input_data=b"unit_code,population,source,year\n06709,777,Test,2021\n",
    )
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    call_command("db_worker", "--batch", "--no-startup-delay")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert AdminUnit.objects.get(code="06709").population == 777


def test_error_rows_are_the_spreadsheet_rows_even_after_blank_rows():
    from django import forms

    from vungxanh.core.tabular import read_table, validate_rows

    class RowForm(forms.Form):
        population = forms.IntegerField()

    rows = read_table(b"unit_code,population\n06649,1\n\n,\n06709,abc\n", "p.csv")
    assert [row.number for row in rows] == [2, 5]
    _cleaned, errors = validate_rows(rows, RowForm)
    assert [(e.row, e.column) for e in errors] == [(5, "population")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite locks the whole file")
@pytest.mark.django_db(transaction=True)
def test_progress_during_the_save_transaction_reaches_the_job_page(world):
    from django.db import connections, transaction

    from vungxanh.core.jobs import Progress

    job = Job.objects.create(kind="x", label="x", actor=world.user("province_admin"))
    progress = Progress(job, min_interval=0)
    seen = []
    with transaction.atomic():
        progress(40, 100, "Đang lưu…")
        page = connections.create_connection("default")  # what another request sees
        try:
            with page.cursor() as cursor:
                cursor.execute(
                    "SELECT progress_done, message FROM core_job WHERE id = %s", [job.pk]
                )
                seen.append(cursor.fetchone())
        finally:
            page.close()
    progress.close()
    assert seen == [(40, "Đang lưu…")]
