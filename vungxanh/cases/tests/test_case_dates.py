"""The isolation time is checked against the onset or sample date by its day in
Asia/Ho_Chi_Minh: 06:00 in Hạ Long is 23:00 UTC the day before, and values from the API and
the database come in UTC. At most 7 days before the anchor is accepted."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from vungxanh.cases import actions
from vungxanh.cases.tests.factories import at, confirm, make_person
from vungxanh.core.scoping import SYSTEM

pytestmark = pytest.mark.django_db

ONSET = timezone.localdate() - datetime.timedelta(days=3)
EARLIEST = ONSET - datetime.timedelta(days=7)  # the first accepted day of isolation
MESSAGE = (
    "Thời điểm cách ly sớm hơn nhiều so với ngày khởi phát hoặc ngày lấy mẫu; hãy kiểm tra lại."
)


def utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC)


def test_an_isolation_at_six_in_the_morning_counts_on_its_local_day(world):
    isolated = utc(at(EARLIEST, "06:00"))
    assert isolated.date() == EARLIEST - datetime.timedelta(days=1)  # the UTC day
    case = confirm(
        make_person(world.commune_a, "Cách Ly Sáu Giờ"), onset_date=ONSET, isolated_at=isolated
    )
    assert case.isolated_at == isolated


def test_the_evening_before_the_earliest_day_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        confirm(
            make_person(world.commune_a, "Cách Ly Quá Sớm"),
            onset_date=ONSET,
            isolated_at=utc(at(EARLIEST - datetime.timedelta(days=1), "23:59")),
        )
    assert refused.value.message_dict == {"isolated_at": [MESSAGE]}


def test_a_later_onset_is_checked_against_the_isolation_on_record(world):
    """The stored isolation comes back from the database in UTC: a case isolated at 06:00
    local may have its onset moved to 7 days later; one isolated the evening before may
    not."""
    early = ONSET - datetime.timedelta(days=8)
    morning = confirm(
        make_person(world.commune_a, "Sáng Sớm"),
        onset_date=early,
        isolated_at=at(EARLIEST, "06:00"),
    )
    morning.refresh_from_db()
    assert morning.isolated_at is not None
    assert morning.isolated_at.tzinfo == datetime.UTC
    updated = actions.update_case(actor=SYSTEM, case=morning, onset_date=ONSET)
    assert updated.onset_date == ONSET
    evening = confirm(
        make_person(world.commune_a, "Tối Hôm Trước"),
        onset_date=early,
        isolated_at=at(EARLIEST - datetime.timedelta(days=1), "23:59"),
    )
    with pytest.raises(ValidationError) as refused:
        actions.update_case(actor=SYSTEM, case=evening, onset_date=ONSET)
    assert refused.value.message_dict == {"isolated_at": [MESSAGE]}
    evening.refresh_from_db()
    assert evening.onset_date == early


def test_the_case_page_says_so_in_vietnamese(client_as, world):
    """Moving the onset on the edit page, the isolation field left empty: the isolation
    on record is checked; given as 06:00 on the earliest day, the change is saved."""
    case = confirm(
        make_person(world.commune_a, "Sửa Ngày Khởi Phát"),
        onset_date=ONSET - datetime.timedelta(days=8),
        isolated_at=at(EARLIEST - datetime.timedelta(days=1), "23:59"),
    )
    client = client_as("district_a")
    url = f"/cases/{case.public_id}/edit/"
    fields = {"onset_date": ONSET.isoformat(), "status": "active", "source": case.source}
    response = client.post(url, {**fields, "isolated_at": ""})
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    case.refresh_from_db()
    assert case.onset_date == ONSET - datetime.timedelta(days=8)
    response = client.post(url, {**fields, "isolated_at": f"{EARLIEST.isoformat()}T06:00"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.onset_date == ONSET
    assert case.isolated_at == at(EARLIEST, "06:00")
