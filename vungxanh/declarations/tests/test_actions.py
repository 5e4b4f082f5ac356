"""Declaration rules: versioned questions, flags, follow-ups, monitoring and the diary."""

import datetime
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from vungxanh.core.models import AuditEvent
from vungxanh.core.scoping import OutOfScope
from vungxanh.declarations import actions
from vungxanh.declarations.models import (
    Channel,
    Declaration,
    DiaryEntry,
    FollowUp,
    FormDefinition,
)
from vungxanh.declarations.questions import QuestionError, flags_of, validate_questions
from vungxanh.people.models import Person
from vungxanh.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

NO = {"risk_area": "no", "contact_case": "no", "contact_abroad": "no", "contact_symptomatic": "no"}


@pytest.fixture
def person(world):
    return PersonFactory.create(
        full_name="Hoàng Thị Mai",
        name_folded="hoang thi mai",
        sex="female",
        birth_year=1990,
        residence_unit=world.village_a,
    )


def test_default_forms_are_shipped_as_data():
    kinds = set(FormDefinition.objects.values_list("kind", flat=True))
    assert kinds == {"population", "domestic", "place", "diary"}
    population = actions.form_in_force("population")
    keys = [q["key"] for q in population.questions]
    assert {"visited_provinces", "symptoms", "contact_case", "temperature"} <= set(keys)
    visited = next(q for q in population.questions if q["key"] == "visited_provinces")
    assert len(visited["choices"]) == 63


def test_flags_follow_the_questions_data():
    form = actions.form_in_force("population")
    assert flags_of(form.questions, {"symptoms": ["none"], **NO}) == []
    assert flags_of(form.questions, {"symptoms": ["cough"], **NO}) == ["symptoms"]
    assert flags_of(form.questions, {"visited_provinces": ["22", "79"], **NO}) == ["high_risk_area"]
    assert flags_of(form.questions, {"temperature": 37.5, "contact_case": "yes"}) == [
        "fever",
        "contact",
    ]
    assert flags_of(form.questions, {"temperature": 37.4}) == []


def test_a_new_form_version_changes_the_rules_from_its_time_on(world):
    officer = world.user("province_officer")
    current = actions.form_in_force("population")
    questions = [dict(q) for q in current.questions]
    for q in questions:
        if q["key"] == "visited_provinces":
            q["flag_values"] = ["01"]  # Hà Nội becomes the high-risk area
    later = timezone.now() + datetime.timedelta(hours=2)
    form = actions.publish_form(
        actor=officer,
        kind="population",
        title="Khai báo toàn dân v2",
        questions=questions,
        valid_from=later,
        note="QĐ 123/QĐ-UBND",
    )
    assert form.version == 2
    assert FormDefinition.objects.in_force("population") == current  # announced, not yet
    assert FormDefinition.objects.in_force("population", later) == form
    assert flags_of(form.questions, {"visited_provinces": ["79"]}) == []
    assert flags_of(form.questions, {"visited_provinces": ["01"]}) == ["high_risk_area"]
    with pytest.raises(ValidationError, match="phải có hiệu lực sau phiên bản 2"):
        actions.publish_form(
            actor=officer,
            kind="population",
            title="x",
            questions=questions,
            valid_from=later - datetime.timedelta(minutes=1),
        )
    with pytest.raises(OutOfScope):
        actions.publish_form(
            actor=world.user("district_a"),
            kind="population",
            title="x",
            questions=questions,
            valid_from=later + datetime.timedelta(days=1),
        )


def test_question_schema_errors_say_which_question():
    with pytest.raises(QuestionError, match=r"Câu hỏi 2 .*kiểu phải là một trong"):
        validate_questions(
            [
                {"key": "a", "type": "yes_no", "label": {"vi": "A?"}},
                {"key": "b", "type": "maybe", "label": {"vi": "B?"}},
            ]
        )
    with pytest.raises(QuestionError, match="không có trong các lựa chọn"):
        validate_questions(
            [
                {
                    "key": "s",
                    "type": "multi",
                    "label": "Triệu chứng",
                    "flag": "symptoms",
                    "choices": [{"value": "ho", "label": "Ho"}],
                    "flag_values": ["sot"],
                }
            ]
        )
    with pytest.raises(QuestionError, match="bị dùng hai lần"):
        validate_questions([{"key": "a", "type": "text", "label": "A"}] * 2)


def test_malformed_flag_values_are_a_schema_error_not_a_crash():
    """``flag_values`` of 5, or of objects, raised TypeError (a 500 when publishing)."""
    base = {
        "key": "s",
        "type": "multi",
        "label": "Triệu chứng",
        "flag": "symptoms",
        "choices": [{"value": "ho", "label": "Ho"}],
    }
    for flagged in [5, "ho", [{"value": "ho"}], [["ho"]], {"ho": True}, [1]]:
        with pytest.raises(QuestionError) as info:
            validate_questions([{**base, "flag_values": flagged}])
        assert str(info.value) == (
            "Câu hỏi 1 (s): flag_values phải là một danh sách các giá trị lựa chọn (dạng văn bản)."
        ), flagged
    assert validate_questions([{**base, "flag_values": ["ho"]}])[0]["flag_values"] == ["ho"]


def test_publishing_malformed_flag_values_answers_a_message(world):
    questions = actions.form_in_force("population").questions
    broken = [dict(q) for q in questions]
    for q in broken:
        if q["key"] == "symptoms":
            q["flag_values"] = [{"value": "fever"}]
    with pytest.raises(ValidationError) as info:
        actions.publish_form(
            actor=world.user("province_officer"),
            kind="population",
            title="v2",
            questions=broken,
            valid_from=timezone.now() + datetime.timedelta(hours=1),
        )
    assert "flag_values phải là một danh sách" in info.value.message_dict["questions"][0]


def test_the_domestic_form_asks_the_destination_and_refuses_arrival_before_departure(world):
    """DOMAIN §6.1: origin and destination provinces, departure and arrival dates."""
    current = actions.form_in_force("domestic")
    assert current.version == 2
    keys = [q["key"] for q in current.questions]
    assert keys.index("origin_province") < keys.index("destination_province")
    destination = next(q for q in current.questions if q["key"] == "destination_province")
    assert destination["required"]
    assert len(destination["choices"]) == 63
    # Version 1 stays as it was, for the declarations made under it.
    before = FormDefinition.objects.in_force(
        "domestic", datetime.datetime.fromisoformat("2021-10-12T23:59:00+07:00")
    )
    assert before is not None
    assert before.version == 1
    assert "destination_province" not in [q["key"] for q in before.questions]
    answers = {
        **NO,
        "means": "plane",
        "departure_date": "2021-10-20",
        "arrival_date": "2021-10-19",
        "origin_province": "79",
        "destination_province": "22",
    }
    del answers["risk_area"]
    identity = {"phone": "0912000444", "full_name": "Kha Văn Đi", "birth_year": 1988, "sex": "male"}
    with pytest.raises(ValidationError) as info:
        actions.submit_declaration(
            actor=None,
            kind="domestic",
            channel=Channel.PUBLIC,
            answers=answers,
            identity=identity,
            unit=world.commune_a,
        )
    assert info.value.message_dict == {
        "arrival_date": ["Ngày đến nơi không được trước Ngày khởi hành (20/10/2021)."]
    }
    with pytest.raises(ValidationError) as info:
        actions.submit_declaration(
            actor=None,
            kind="domestic",
            channel=Channel.PUBLIC,
            answers={**answers, "arrival_date": "2021-10-21", "destination_province": ""},
            identity=identity,
            unit=world.commune_a,
        )
    assert info.value.message_dict == {"destination_province": ["Trường này là bắt buộc."]}
    assert not Declaration.objects.exists()
    declaration, _ = actions.submit_declaration(
        actor=None,
        kind="domestic",
        channel=Channel.PUBLIC,
        answers={**answers, "arrival_date": "2021-10-20"},
        identity=identity,
        unit=world.commune_a,
    )
    assert declaration.answers["destination_province"] == "22"
    assert declaration.form == current


def test_a_date_question_may_only_follow_an_earlier_date_question():
    departure = {"key": "go", "type": "date", "label": "Đi"}
    with pytest.raises(QuestionError, match="not_before"):
        validate_questions([{"key": "back", "type": "date", "label": "Về", "not_before": "go"}])
    with pytest.raises(QuestionError, match="not_before"):
        validate_questions(
            [departure, {"key": "x", "type": "text", "label": "X", "not_before": "go"}]
        )
    with pytest.raises(QuestionError, match="not_before"):
        validate_questions([departure, {"key": "y", "type": "date", "label": "Y", "not_before": 3}])
    ok = validate_questions(
        [departure, {"key": "back", "type": "date", "label": "V", "not_before": "go"}]
    )
    assert ok[1]["not_before"] == "go"


def test_a_token_is_replayed_only_to_whom_may_see_the_declaration(world, person):
    """The token was looked up before any scope check: anybody who knew one got the
    declaration back (its answers and flags through the API)."""
    token = uuid.uuid4()
    first, _ = actions.submit_declaration(
        actor=world.user("commune_a"),
        kind="population",
        channel=Channel.STAFF,
        token=token,
        answers={**NO, "contact_case": "yes"},
        person=person,
        unit=world.village_a,
    )
    with pytest.raises(ValidationError) as info:
        actions.submit_declaration(
            actor=world.user("commune_b"),
            kind="population",
            channel=Channel.STAFF,
            token=token,
            answers=NO,
            identity={"phone": "0912000555", "full_name": "Ai Khác", "birth_year": 1990},
            unit=world.commune_b,
        )
    assert info.value.message_dict == {
        "token": ["Mã gửi (token) này đã được dùng cho một tờ khai khác: hãy gửi với mã mới."]
    }
    again, created = actions.submit_declaration(
        actor=world.user("district_a"),
        kind="population",
        channel=Channel.STAFF,
        token=token,
        answers=NO,
        person=person,
        unit=world.village_a,
    )
    assert (again, created) == (first, False)
    assert Declaration.objects.count() == 1


def test_staff_identifying_somebody_of_another_area_link_but_never_write_them(world, person):
    """A declaration entered in Ka Long for a Hà Khánh resident (found by the registry by
    citizen ID and name) belongs to Ka Long; the resident's record is not Ka Long's to fill."""
    declaration, created = actions.submit_declaration(
        actor=world.user("commune_b"),
        kind="population",
        channel=Channel.STAFF,
        answers=NO,
        identity={"cccd": person.cccd, "full_name": "hoang thi mai", "phone": "0912000666"},
        unit=world.commune_b,
    )
    assert (declaration.person, declaration.unit, created) == (person, world.commune_b, True)
    person.refresh_from_db()
    assert person.other_phone == ""
    event = AuditEvent.objects.get(verb="identify_person", target_id=str(person.public_id))
    assert (event.actor, event.changes) == (world.user("commune_b"), {})
    # The resident's own commune fills the blank.
    actions.submit_declaration(
        actor=world.user("commune_a"),
        kind="population",
        channel=Channel.STAFF,
        answers=NO,
        identity={"cccd": person.cccd, "full_name": "hoang thi mai", "phone": "0912000666"},
        unit=world.village_a,
    )
    person.refresh_from_db()
    assert person.other_phone == "+84912000666"


def test_submitting_identifies_the_person_and_raises_follow_ups(world, person):
    declaration, created = actions.submit_declaration(
        actor=None,
        kind="population",
        channel=Channel.PUBLIC,
        answers={**NO, "symptoms": ["fever", "cough"], "contact_case": "yes"},
        identity={"cccd": person.cccd, "full_name": "hoang thi mai"},
        unit=world.village_a,
    )
    assert created
    assert declaration.person == person
    assert declaration.flags == ["symptoms", "contact"]
    assert declaration.form.version == 1
    items = FollowUp.objects.filter(person=person).order_by("reason")
    assert [(i.reason, i.unit, i.status) for i in items] == [
        ("contact", world.commune_a, "open"),
        ("symptoms", world.commune_a, "open"),
    ]
    event = AuditEvent.objects.get(verb="submit_declaration")
    assert (event.actor_label, event.extra["flags"]) == ("anonymous", ["symptoms", "contact"])
    # a second signal updates the same follow-up
    actions.submit_declaration(
        actor=None,
        kind="place",
        channel=Channel.PUBLIC,
        place_code="CHOT-193",
        answers={"symptoms": ["cough"], "risk_area": "no", "contact_case": "no"},
        identity={"cccd": person.cccd, "full_name": person.full_name},
        unit=world.village_a,
    )
    item = FollowUp.objects.get(person=person, reason="symptoms")
    assert item.signals == 2


def test_the_same_token_is_one_declaration(world, person):
    token = uuid.uuid4()
    kwargs = {
        "actor": None,
        "kind": "population",
        "channel": Channel.PUBLIC,
        "token": token,
        "answers": NO,
        "identity": {"cccd": person.cccd, "full_name": person.full_name},
        "unit": world.village_a,
    }
    first, created = actions.submit_declaration(**kwargs)
    again, created_again = actions.submit_declaration(**kwargs)
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert Declaration.objects.count() == 1


def test_bad_answers_are_refused_with_the_question_named(world, person):
    with pytest.raises(ValidationError) as info:
        actions.submit_declaration(
            actor=None,
            kind="population",
            channel=Channel.PUBLIC,
            answers={**NO, "temperature": 45, "symptoms": ["hiccups"], "mood": "ok"},
            identity={"cccd": person.cccd, "full_name": person.full_name},
            unit=world.village_a,
        )
    errors = info.value.message_dict
    assert "temperature" in errors
    assert "symptoms" in errors
    assert errors["mood"] == ["Mẫu khai báo này không có câu hỏi đó."]


def test_staff_declare_only_in_their_area(world, person):
    with pytest.raises(OutOfScope):
        actions.submit_declaration(
            actor=world.user("commune_b"),
            kind="population",
            channel=Channel.STAFF,
            answers=NO,
            person=person,
        )
    declaration, _ = actions.submit_declaration(
        actor=world.user("community_a"),
        kind="population",
        channel=Channel.DOOR_TO_DOOR,
        answers=NO,
        person=person,
        unit=world.village_a,
    )
    assert declaration.entered_by == world.user("community_a")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_simultaneous_double_submits_and_signals_stay_single(world):
    person = PersonFactory.create(residence_unit=world.village_a)
    token: uuid.UUID | None = uuid.uuid4()
    barrier = threading.Barrier(4)
    errors = []

    def submit():
        try:
            barrier.wait()
            actions.submit_declaration(
                actor=None,
                kind="population",
                channel=Channel.PUBLIC,
                token=token,
                answers={**NO, "contact_case": "yes"},
                identity={"cccd": person.cccd, "full_name": person.full_name},
                unit=world.village_a,
            )
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Declaration.objects.filter(token=token).count() == 1
    assert FollowUp.objects.filter(person=person, reason="contact").count() == 1

    # different declarations at once: one follow-up, every signal counted
    barrier.reset()
    token = None
    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    item = FollowUp.objects.get(person=person, reason="contact")
    assert item.signals == 5


def test_follow_up_handling(world, person):
    item = actions.raise_follow_up(actor=None, person=person, reason="fever", unit=world.village_a)
    officer = world.user("commune_a")
    with pytest.raises(OutOfScope):
        actions.take_follow_up(actor=world.user("commune_b"), follow_up=item)
    actions.take_follow_up(actor=officer, follow_up=item)
    with pytest.raises(ValidationError) as info:
        actions.resolve_follow_up(actor=officer, follow_up=item, status="dismissed")
    assert info.value.message_dict["note"] == ["Hãy ghi lý do không cần xử lý."]
    actions.resolve_follow_up(actor=officer, follow_up=item, status="done", note="Đã xét nghiệm")
    item.refresh_from_db()
    assert (item.status, item.resolved_by, item.note) == ("done", officer, "Đã xét nghiệm")
    # a new signal after closing opens a new item
    again = actions.raise_follow_up(actor=None, person=person, reason="fever", unit=world.village_a)
    assert again.pk != item.pk


def test_monitoring_and_the_diary(world, person):
    officer = world.user("commune_a")
    today = timezone.localdate()
    monitoring = actions.start_monitoring(
        actor=officer,
        person=person,
        reason="arrival",
        days=14,
        starts_on=today - datetime.timedelta(days=2),
    )
    assert monitoring.unit == world.commune_a
    assert monitoring.ends_on == today + datetime.timedelta(days=11)
    same = actions.start_monitoring(actor=officer, person=person, reason="contact", days=20)
    assert same.pk == monitoring.pk
    same.refresh_from_db()
    assert same.ends_on == today + datetime.timedelta(days=19)
    entry, created = actions.record_diary_entry(
        actor=None, monitoring=monitoring, answers={"temperature": 36.7, "symptoms": ["none"]}
    )
    assert created
    assert entry.flags == []
    entry, created = actions.record_diary_entry(
        actor=None, monitoring=monitoring, answers={"temperature": "38.2", "symptoms": ["cough"]}
    )
    assert not created
    assert str(entry.temperature) == "38.2"
    assert entry.flags == ["symptoms", "fever"]
    assert set(FollowUp.objects.filter(person=person).values_list("reason", flat=True)) == {
        "symptoms",
        "fever",
    }
    assert DiaryEntry.objects.filter(monitoring=monitoring).count() == 1
    with pytest.raises(ValidationError) as info:
        actions.record_diary_entry(
            actor=None,
            monitoring=monitoring,
            answers={"temperature": 37},
            day=today - datetime.timedelta(days=5),
        )
    assert "Thời gian theo dõi từ" in info.value.message_dict["day"][0]
    with pytest.raises(ValidationError) as info:
        actions.record_diary_entry(actor=None, monitoring=monitoring, answers={})
    assert "temperature" in info.value.message_dict
    actions.end_monitoring(actor=officer, monitoring=monitoring)
    with pytest.raises(ValidationError, match="nhật ký đã đóng"):
        actions.record_diary_entry(actor=None, monitoring=monitoring, answers={"temperature": 36.5})
    with pytest.raises(OutOfScope):
        actions.start_monitoring(
            actor=world.user("commune_b"), person=person, reason="other", days=3
        )


def test_self_declared_person_from_a_public_declaration(world):
    declaration, _ = actions.submit_declaration(
        actor=None,
        kind="domestic",
        channel=Channel.PUBLIC,
        answers={
            "contact_case": "no",
            "contact_abroad": "no",
            "contact_symptomatic": "no",
            "means": "bus",
            "departure_date": "2021-10-20",
            "arrival_date": "2021-10-20",
            "origin_province": "79",
            "destination_province": "22",
        },
        identity={
            "phone": "0912 000 333",
            "full_name": "Trương Văn Lâm",
            "birth_year": 1979,
            "sex": "male",
        },
        unit=world.commune_a2,
        address="Số 8, tổ 2",
    )
    person = declaration.person
    assert person.is_self_declared
    assert (person.residence_unit, person.residence_address) == (world.commune_a2, "Số 8, tổ 2")
    assert declaration.flags == ["high_risk_area"]
    assert FollowUp.objects.get(person=person).unit == world.commune_a2
    with pytest.raises(ValidationError) as info:
        actions.submit_declaration(
            actor=None,
            kind="population",
            channel=Channel.PUBLIC,
            answers=NO,
            identity={"phone": "0912 000 444", "full_name": "Ai Đó", "birth_year": 1979},
            unit=world.commune_a2,
        )
    assert info.value.message_dict["sex"] == ["Hãy chọn nam hoặc nữ."]
    assert not Person.objects.filter(name_folded="ai do").exists()


def test_kinds_are_checked(world, person):
    with pytest.raises(ValidationError):
        actions.submit_declaration(
            actor=None,
            kind="diary",
            channel=Channel.PUBLIC,
            answers={},
            identity={"cccd": person.cccd, "full_name": person.full_name},
            unit=world.village_a,
        )
    assert Declaration.objects.count() == 0


def test_a_shipped_version_written_as_a_change_names_questions_that_exist():
    from vungxanh.declarations.defaults import _derive

    base = {"kind": "domestic", "version": 1, "title": "T", "questions": [{"key": "a"}]}
    change = {"kind": "domestic", "version": 2, "based_on": 1, "change": {"b": {"label": "x"}}}
    with pytest.raises(ValueError, match=r"domestic v2: no question \['b'\]"):
        _derive(base, change)
    derived = _derive(base, {**change, "change": {"a": {"required": True}}})
    assert derived == {
        "kind": "domestic",
        "version": 2,
        "title": "T",
        "questions": [{"key": "a", "required": True}],
    }
