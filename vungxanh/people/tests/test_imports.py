"""The people import as an official meets it: one error report per file, with the row
numbers their spreadsheet shows, every problem in one round (the form, the identity rules,
the registry, the same person twice in the file, households), and progress while saving."""

import csv
import io
from typing import Any, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from vungxanh.core.models import Job
from vungxanh.people.imports import import_people
from vungxanh.people.models import Household, Person
from vungxanh.people.tests.factories import PersonFactory, cccd_for

pytestmark = pytest.mark.django_db

HEADER = "full_name,birth,sex,cccd,phone,unit_code,household,relation\n"


def _import(client, content: bytes, name: str, capture) -> Job:
    with capture(execute=True):
        client.post("/people/import/", {"file": SimpleUploadedFile(name, content)})
    return Job.objects.latest("created_at")


def _report(client, job: Job) -> list[tuple[int, str, str]]:
    """The downloaded error report: (row, column, message) per line."""
    text = client.get(f"/jobs/{job.public_id}/download/").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Dòng", "Cột", "Lỗi"]
    return [(int(r[0]), r[1], r[2]) for r in rows[1:]]


def _xlsx(rows: list[list[str] | None]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for number, values in enumerate(rows, start=1):
        for column, value in enumerate(values or [], start=1):
            sheet.cell(row=number, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_error_rows_are_the_spreadsheet_rows_when_the_sheet_has_blank_rows(
    client_as, world, django_capture_on_commit_callbacks
):
    client = client_as("commune_a")
    csv_text = (
        HEADER + "Đinh Văn Một,1980,Nam,,,06649-01,,\n"  # row 2
        "\n"  # row 3, blank
        ",,,,,,,\n"  # row 4, blank cells
        "Đinh Văn Năm,1980,Không rõ,,,06649-01,,\n"  # row 5: sex
    )
    job = _import(client, csv_text.encode(), "people.csv", django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert [(r, c) for r, c, _m in _report(client, job)] == [(5, "sex")]

    sheet = [
        HEADER.strip().split(","),
        ["Đinh Văn Một", "1980", "Nam", "", "", "06649-01"],  # row 2
        None,  # row 3: an empty row in the sheet
        None,  # row 4
        ["Đinh Văn Năm", "1980", "Nam", "", "", "99999"],  # row 5: unit
        None,  # row 6
        ["Đinh Văn Bảy", "1980", "?", "", "", "06649-01"],  # row 7: sex
    ]
    job = _import(client, _xlsx(sheet), "people.xlsx", django_capture_on_commit_callbacks)
    assert [(r, c) for r, c, _m in _report(client, job)] == [(5, "unit_code"), (7, "sex")]
    assert not Person.objects.filter(name_folded__startswith="dinh van").exists()


def test_form_identity_and_registry_errors_come_in_one_round(
    client_as, world, django_capture_on_commit_callbacks
):
    registered = PersonFactory.create(residence_unit=world.village_a, cccd=cccd_for(1985, "male"))
    client = client_as("commune_a")
    csv_text = (
        HEADER + "Đinh Văn Một,1980,Không rõ,,,06649-01,,\n"  # row 2: the form (sex)
        f"Đinh Văn Hai,1980,Nam,{cccd_for(1979, 'male')},,06649-01,,\n"  # 3: CCCD of 1979
        f"Đinh Văn Ba,1985,Nam,{registered.cccd},,06649-01,,\n"  # 4: already registered
    )
    job = _import(client, csv_text.encode(), "people.csv", django_capture_on_commit_callbacks)
    report = _report(client, job)
    assert [(r, c) for r, c, _m in report] == [(2, "sex"), (3, "cccd"), (4, "cccd")]
    assert "1980" in report[1][2]  # the year the number does not agree with
    assert report[2][2] == "Đã được đăng ký (trùng số CCCD)."
    assert job.message == "Có 3 lỗi trong 3 dòng; chưa nhập dòng nào."


def test_the_same_person_twice_in_the_file_is_reported_on_each_row(
    client_as, world, django_capture_on_commit_callbacks
):
    client = client_as("commune_a")
    cccd = cccd_for(1990, "female")
    csv_text = (
        HEADER + f"Lò Thị Hoa,1990,Nữ,{cccd},,06649-01,,\n"  # row 2
        "Lò Văn Tâm,1970,Nam,,0912000333,06649-01,,\n"  # row 3
        f"Lò Thị Hoa,1990,Nữ,{cccd},,06649-01,,\n"  # row 4: row 2 again
        "Lo Van Tam,1970,Nam,,+84 912 000 333,06649-01,,\n"  # row 5: row 3 again
        "Lò Văn Tâm,1970,Nam,,0912000444,06649-01,,\n"  # row 6: a namesake, other phone
    )
    job = _import(client, csv_text.encode(), "people.csv", django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert job.output_name == "people-errors.csv"
    report = _report(client, job)
    assert [(r, c) for r, c, _m in report] == [(2, "cccd"), (3, "phone"), (4, "cccd"), (5, "phone")]
    assert report[0][2] == "Số CCCD này cũng có ở dòng 4: mỗi người một dòng."
    assert "Dòng 3 có cùng số điện thoại, họ tên và năm sinh" in report[3][2]
    assert not Person.objects.filter(name_folded__startswith="lo ").exists()


def test_a_household_has_one_head_and_one_place(
    client_as, world, django_capture_on_commit_callbacks
):
    client = client_as("commune_a")
    csv_text = (
        HEADER + "Mai Văn Chủ,1960,Nam,,,06649-01,H1,Chủ hộ\n"  # row 2
        "Mai Văn Hai,1962,Nam,,,06649-01,H1,Chủ hộ\n"  # row 3: a second head
        "Mai Thị Ba,1990,Nữ,,,06649,H1,Con\n"  # row 4: the commune, not the village
    )
    job = _import(client, csv_text.encode(), "people.csv", django_capture_on_commit_callbacks)
    report = _report(client, job)
    assert [(r, c) for r, c, _m in report] == [(2, "relation"), (3, "relation"), (4, "unit_code")]
    assert "(dòng 2)" in report[2][2]
    assert not Household.objects.exists()


def test_progress_advances_while_saving(world):
    calls: list[tuple[int, int | None, str | None]] = []

    def progress(done: int, total: int | None = None, message: str | None = None) -> None:
        calls.append((done, total, message))

    rows = "".join(f"Vũ Văn Số {i},1980,Nam,,,06649-01,H1,{'Chủ hộ' if i == 0 else 'Con'}\n"
                   for i in range(3))  # fmt: skip
    job = Job.objects.create(
        kind="vungxanh.people.imports.import_people",
        label="t",
        actor=world.user("commune_a"),
        input_name="people.csv",
        input_data=(HEADER + rows).encode(),
    )
    assert import_people(job, cast(Any, progress)) == {"persons": 3, "households": 1}
    saving = calls.index((0, 3, "Đang lưu…"))
    assert [done for done, _total, _m in calls[saving:]] == [0, 1, 2, 3]
    assert Person.objects.filter(household__isnull=False).count() == 3
