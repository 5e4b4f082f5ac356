"""The task board's timing tiles: the median hours from case confirmation to the F1 being
notified and sampled, as the commune official reads them."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from vungxanh.cases import actions
from vungxanh.cases.models import Case, TracingTask
from vungxanh.cases.tests.factories import at, check_in, confirm, make_person, make_venue
from vungxanh.core.scoping import SYSTEM

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def tiles(html: str) -> dict[str, str]:
    """The summary tiles: label → figure, as shown."""
    section = html[html.index('<section class="tiles task-summary">') :]
    section = section[: section.index("</section>")]
    found = re.findall(r'<div class="tile[^"]*">(.*?)<br><strong[^>]*>(.*?)</strong>', section)
    return {label.strip(): figure.strip() for label, figure in found}


@pytest.fixture
def timed(world):
    """A case confirmed 12 hours ago with four F1 in Hà Khánh: notified after 1, 2 and
    5 hours (one not yet), sampled after 3 and 6 hours; the fastest is also quarantined,
    so its task is done."""
    day = timezone.localdate() - datetime.timedelta(days=2)
    index = make_person(world.commune_a, "Vũ Văn Chỉ Điểm")
    venue = make_venue(world.commune_a, "Nhà hàng Hạ Long", kind="restaurant")
    check_in(index, venue, at(day, "18:00"), at(day, "20:00"))
    f1 = []
    for name in ("Một Giờ", "Hai Giờ", "Năm Giờ", "Chưa Gọi"):
        person = make_person(world.commune_a, f"Khách {name}")
        check_in(person, venue, at(day, "18:00"), at(day, "19:00"))
        f1.append(person)
    case = confirm(index, onset_date=day)
    confirmed_at = timezone.now() - 12 * HOUR
    Case.objects.filter(pk=case.pk).update(confirmed_at=confirmed_at)
    tasks = []
    for person in f1:
        contact = actions.decide_proposal(actor=SYSTEM, case=case, person=person, confirm=True)
        assert contact.task is not None
        tasks.append(contact.task)
    steps = [
        [("notified", 1), ("sampled", 3), ("quarantined", 3)],
        [("notified", 2), ("sampled", 6)],
        [("notified", 5)],
        [],
    ]
    for task, done in zip(tasks, steps, strict=True):
        for step, hours in done:
            actions.record_task_step(
                actor=SYSTEM, task=task, step=step, at=confirmed_at + hours * HOUR
            )
    assert TracingTask.objects.get(pk=tasks[0].pk).status == TracingTask.Status.DONE
    return tasks


def test_the_medians_count_every_task_of_the_area_done_ones_included(client_as, timed):
    """The board lists the open tasks, but the medians are over all the tasks of the area:
    leaving out the ones already done would show only the slow ones."""
    html = client_as("commune_a").get("/cases/tasks/").content.decode()
    assert tiles(html) == {
        "Nhiệm vụ": "3",
        "Quá hạn": "0",
        "Từ xác định ca bệnh → thông báo (trung vị)": "2,0 h",
        "Từ xác định ca bệnh → lấy mẫu (trung vị)": "4,5 h",
    }
    assert "Khách Một Giờ" not in html  # done: not on the open list
    assert '<option value="open" selected>' in html  # the list is still the open tasks


def test_the_medians_follow_a_chosen_status(client_as, timed):
    client = client_as("commune_a")
    done = tiles(client.get("/cases/tasks/", {"status": "done"}).content.decode())
    assert done["Từ xác định ca bệnh → thông báo (trung vị)"] == "1,0 h"
    assert done["Từ xác định ca bệnh → lấy mẫu (trung vị)"] == "3,0 h"
    open_ = tiles(client.get("/cases/tasks/", {"status": "open"}).content.decode())
    assert open_["Từ xác định ca bệnh → thông báo (trung vị)"] == "3,5 h"  # 2 and 5
    assert open_["Từ xác định ca bệnh → lấy mẫu (trung vị)"] == "6,0 h"


def test_no_figure_before_any_step_and_in_english(client_as, world, timed):
    TracingTask.objects.update(notified_at=None, sampled_at=None)
    client = client_as("commune_a")
    client.cookies["vungxanh_language"] = "en"
    shown = tiles(client.get("/cases/tasks/").content.decode())
    assert shown["Confirmation → notified (median)"] == "—"
    assert shown["Confirmation → sampled (median)"] == "—"


def test_another_commune_sees_nothing_of_these_timings(client_as, timed):
    shown = tiles(client_as("commune_b").get("/cases/tasks/").content.decode())
    assert shown["Nhiệm vụ"] == "0"
    assert shown["Từ xác định ca bệnh → thông báo (trung vị)"] == "—"
