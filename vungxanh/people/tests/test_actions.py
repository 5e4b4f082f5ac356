"""Registry writes: identifying, creating, editing, merging and "not the same person"."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from vungxanh.core.models import AuditEvent
from vungxanh.core.scoping import SYSTEM, OutOfScope
from vungxanh.people import actions
from vungxanh.people.identity import fold_name
from vungxanh.people.models import DuplicateCandidate, Household, NotDuplicate, Person
from vungxanh.people.tests.factories import PersonFactory, cccd_for

pytestmark = pytest.mark.django_db


def messages(exc_info, field):
    return [str(m) for m in exc_info.value.message_dict[field]]


# --- identify_person ---------------------------------------------------------------------------


def test_identify_finds_a_person_by_cccd_and_fills_a_missing_phone(world):
    person = PersonFactory.create(
        residence_unit=world.commune_a, phone="", full_name="Nguyễn Văn An"
    )
    found, created = actions.identify_person(
        actor=None,
        cccd=person.cccd,
        phone="0912 345 678",
        full_name="nguyen van an",
        source="declaration",
    )
    assert (found.pk, created) == (person.pk, False)
    found.refresh_from_db()
    assert found.phone == "+84912345678"
    event = AuditEvent.objects.filter(verb="identify_person").latest("time")
    assert event.actor_label == "anonymous"
    assert event.extra == {"source": "declaration", "matched_by": "cccd"}
    assert event.changes["phone"] == {"before": "", "after": "+84912345678"}


def test_identify_by_phone_name_and_year_ignores_diacritics_and_phone_format(world):
    person = PersonFactory.create(
        residence_unit=world.commune_a,
        cccd=None,
        full_name="Đỗ Thị Hồng Nhung",
        name_folded="do thi hong nhung",
        sex="female",
        birth_year=1992,
        phone="+84987654321",
    )
    found, created = actions.identify_person(
        actor=None,
        phone="+84 98 765 4321",
        full_name="DO THI HONG NHUNG",
        birth_year=1992,
        source="checkin",
    )
    assert (found.pk, created) == (person.pk, False)


def test_identify_creates_a_self_declared_person_when_nobody_matches(world):
    person, created = actions.identify_person(
        actor=None,
        phone="0345678901",
        full_name="  phạm   văn  bình ",
        birth_year=1978,
        sex="male",
        residence_unit=world.village_a,
        address="Số 5 ngõ 2",
        source="declaration",
    )
    assert created
    assert person.is_self_declared
    assert person.full_name == "Phạm Văn Bình"
    assert person.name_folded == "pham van binh"
    assert person.phone == "+84345678901"
    assert person.residence_unit == world.village_a
    event = AuditEvent.objects.get(verb="create_person", target_id=str(person.public_id))
    assert event.extra == {"source": "declaration", "self_declared": True}
    assert event.unit_path == world.village_a.path
    # the same call again finds the same person
    again, created = actions.identify_person(
        actor=None,
        phone="0345678901",
        full_name="Pham Van Binh",
        birth_year=1978,
        source="declaration",
    )
    assert (again.pk, created) == (person.pk, False)


def test_identify_explains_what_is_missing_for_a_new_person(world):
    with pytest.raises(ValidationError) as info:
        actions.identify_person(
            actor=None,
            phone="0912000111",
            full_name="Lê Văn Tám",
            birth_year=1980,
            source="declaration",
        )
    assert set(info.value.message_dict) == {"sex", "residence_unit"}
    assert messages(info, "sex") == ["Hãy chọn nam hoặc nữ."]
    with pytest.raises(ValidationError) as info:
        actions.identify_person(actor=None, source="declaration")
    assert "cccd" in info.value.message_dict


def test_identify_rejects_a_cccd_that_contradicts_the_birth_year(world):
    with pytest.raises(ValidationError) as info:
        actions.identify_person(
            actor=None,
            cccd="022085012345",
            full_name="Vũ Văn Hải",
            birth_year=1990,
            sex="male",
            residence_unit=world.commune_a,
            source="declaration",
        )
    text = " ".join(messages(info, "cccd"))
    assert "Chữ số thứ 5-6 của số căn cước công dân (85)" in text
    assert "1990" in text
    assert not Person.objects.filter(name_folded="vu van hai").exists()


def test_identify_refuses_a_cccd_registered_under_another_name(world):
    person = PersonFactory.create(
        residence_unit=world.commune_a, full_name="Hoàng Văn Minh", name_folded="hoang van minh"
    )
    with pytest.raises(ValidationError) as info:
        actions.identify_person(
            actor=None, cccd=person.cccd, full_name="Trịnh Thị Lan", source="declaration"
        )
    assert "đăng ký với một họ tên khác" in messages(info, "cccd")[0]


def test_identify_with_another_cccd_is_another_person(world):
    person = PersonFactory.create(
        residence_unit=world.commune_a,
        full_name="Bùi Văn Nam",
        name_folded="bui van nam",
        birth_year=1970,
    )
    other, created = actions.identify_person(
        actor=None,
        cccd=cccd_for(1970, "male"),
        phone=person.phone,
        full_name="Bùi Văn Nam",
        birth_year=1970,
        sex="male",
        residence_unit=world.commune_a,
        source="declaration",
    )
    assert created
    assert other.pk != person.pk


def test_identify_as_an_official_creates_only_in_their_write_scope(world):
    officer = world.user("commune_b")
    with pytest.raises(OutOfScope):
        actions.identify_person(
            actor=officer,
            phone="0912999888",
            full_name="Ngô Văn Tư",
            birth_year=1960,
            sex="male",
            residence_unit=world.commune_a,
            source="checkin",
        )
    person, created = actions.identify_person(
        actor=officer,
        phone="0912999888",
        full_name="Ngô Văn Tư",
        birth_year=1960,
        sex="male",
        residence_unit=world.commune_b,
        source="checkin",
    )
    assert created
    assert person.created_by == officer
    event = AuditEvent.objects.get(verb="create_person", target_id=str(person.public_id))
    assert event.actor_label == "commune_b"


def test_identify_refuses_a_district_as_residence(world):
    with pytest.raises(ValidationError) as info:
        actions.identify_person(
            actor=None,
            phone="0912999777",
            full_name="Ngô Văn Năm",
            birth_year=1961,
            sex="male",
            residence_unit=world.district_a,
            source="declaration",
        )
    assert "không phải quận/huyện" in messages(info, "residence_unit")[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_simultaneous_identical_identifications_create_one_person(world):
    barrier = threading.Barrier(6)
    results, errors = [], []

    def call(cccd=""):
        try:
            barrier.wait()
            results.append(
                actions.identify_person(
                    actor=None,
                    cccd=cccd,
                    phone="0977111222",
                    full_name="Lương Văn Sáu",
                    birth_year=1988,
                    sex="male",
                    residence_unit=world.commune_a,
                    source="declaration",
                )
            )
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({p.pk for p, _created in results}) == 1
    assert sum(created for _p, created in results) == 1
    assert Person.objects.filter(name_folded="luong van sau").count() == 1

    # and the same by citizen ID
    barrier.reset()
    results.clear()
    cccd = cccd_for(1988, "male")
    threads = [threading.Thread(target=call, args=(cccd,)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Person.objects.filter(cccd=cccd).count() == 1


# --- create and update -------------------------------------------------------------------------


def test_create_person_refuses_exact_matches_unless_confirmed(world):
    officer = world.user("commune_a")
    existing = PersonFactory.create(
        residence_unit=world.commune_a,
        cccd=None,
        full_name="Mai Văn Lộc",
        name_folded="mai van loc",
        birth_year=1975,
        phone="+84912121212",
    )
    kwargs = {
        "actor": officer,
        "full_name": "Mai Van Loc",
        "sex": "male",
        "birth_year": 1975,
        "phone": "0912121212",
        "residence_unit": world.commune_a,
    }
    with pytest.raises(actions.ExactMatch) as info:
        actions.create_person(**kwargs)
    assert info.value.matches == [("phone_name_year", existing)]
    person = actions.create_person(**kwargs, confirm_new=True)
    assert person.pk != existing.pk
    with pytest.raises(actions.ExactMatch, match="đã được đăng ký"):
        actions.create_person(
            actor=officer,
            full_name="Khác",
            sex=existing.sex,
            birth_year=1985,
            cccd=PersonFactory.create(residence_unit=world.commune_b).cccd,
            residence_unit=world.commune_a,
            confirm_new=True,
        )


def test_create_person_validates_codes_and_pregnancy(world):
    officer = world.user("commune_a")
    with pytest.raises(ValidationError) as info:
        actions.create_person(
            actor=officer,
            full_name="Lý Văn Hòa",
            sex="male",
            birth_year=1980,
            residence_unit=world.commune_a,
            pregnancy_week=12,
        )
    assert messages(info, "pregnancy_week") == ["Chỉ phụ nữ mới có thể mang thai."]
    with pytest.raises(ValidationError) as info:
        actions.create_person(
            actor=officer,
            full_name="Lý Văn Hòa",
            sex="male",
            birth_year=1980,
            residence_unit=world.commune_a,
            comorbidities=["flu"],
        )
    assert "flu" in messages(info, "comorbidities")[0]


def test_update_person_records_a_diff_and_rechecks_the_new_residence(world):
    officer = world.user("commune_a")
    person = PersonFactory.create(residence_unit=world.commune_a)
    actions.update_person(
        actor=officer, person=person, occupation="Thợ mỏ", comorbidities=["diabetes"]
    )
    event = AuditEvent.objects.filter(verb="update_person").latest("time")
    assert event.changes["occupation"] == {"before": "", "after": "Thợ mỏ"}
    assert event.changes["comorbidities"] == {"before": [], "after": ["diabetes"]}
    with pytest.raises(OutOfScope):
        actions.update_person(actor=officer, person=person, residence_unit=world.commune_b)
    with pytest.raises(OutOfScope):
        actions.update_person(actor=world.user("commune_b"), person=person, occupation="x")
    with pytest.raises(ValidationError) as info:
        actions.update_person(actor=officer, person=person, phone="02033123456")
    assert "số điện thoại cố định" in messages(info, "phone")[0]


# --- households --------------------------------------------------------------------------------


def test_household_head_and_members(world):
    officer = world.user("community_a")
    head = PersonFactory.create(residence_unit=world.village_a)
    child = PersonFactory.create(residence_unit=world.village_a, birth_year=2010)
    household = actions.create_household(
        actor=officer, unit=world.village_a, address="Số 9", head=head
    )
    assert household.head == head
    actions.add_to_household(actor=officer, household=household, person=child, relation="child")
    assert set(household.members.all()) == {head, child}
    actions.add_to_household(actor=officer, household=household, person=child, relation="head")
    household.refresh_from_db()
    head.refresh_from_db()
    assert household.head == child
    assert head.relation_to_head == "other"
    with pytest.raises(OutOfScope):
        actions.create_household(actor=officer, unit=world.commune_a2, address="x")


def test_moving_a_member_needs_the_old_household_and_is_recorded_there(world):
    """Moving somebody cleared the head of their old household, in another area, with no
    scope check and no audit event."""
    commune_a = world.user("commune_a")
    elsewhere = actions.create_household(actor=SYSTEM, unit=world.commune_b, address="Số 3")
    # Lives in Ka Long (head of a household there), stays in Hà Khánh now.
    lodger = PersonFactory.create(residence_unit=world.commune_b, temporary_unit=world.village_a)
    actions.add_to_household(actor=SYSTEM, household=elsewhere, person=lodger, relation="head")
    here = actions.create_household(actor=commune_a, unit=world.village_a, address="Số 4")
    with pytest.raises(ValidationError) as info:
        actions.add_to_household(actor=commune_a, household=here, person=lodger, relation="other")
    assert lodger.full_name in info.value.messages[0]
    assert "đang là thành viên của một hộ ở địa bàn khác" in info.value.messages[0]
    lodger.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (lodger.household, elsewhere.head) == (elsewhere, lodger)
    # Somebody whose area covers both households moves them; the old one records it.
    district_officer = world.user("province_officer")
    actions.add_to_household(
        actor=district_officer, household=here, person=lodger, relation="other"
    )
    elsewhere.refresh_from_db()
    assert elsewhere.head is None
    event = AuditEvent.objects.get(
        verb="remove_household_member", target_id=str(elsewhere.public_id)
    )
    assert event.unit_path == world.commune_b.path
    assert event.changes == {"head": {"before": str(lodger), "after": None}}
    assert event.extra == {"person": str(lodger.public_id), "moved_to": str(here.public_id)}


def test_removing_a_member_needs_the_person_in_scope(world):
    """remove_from_household checked the household only, never the person."""
    commune_a = world.user("commune_a")
    household = actions.create_household(actor=commune_a, unit=world.village_a, address="Số 6")
    outsider = PersonFactory.create(residence_unit=world.commune_b)
    Person.objects.filter(pk=outsider.pk).update(household=household, relation_to_head="other")
    with pytest.raises(OutOfScope):
        actions.remove_from_household(actor=commune_a, household=household, person=outsider)
    outsider.refresh_from_db()
    assert outsider.household == household
    member = PersonFactory.create(residence_unit=world.village_a, household=household)
    actions.remove_from_household(actor=commune_a, household=household, person=member)
    member.refresh_from_db()
    assert member.household is None


# --- duplicates and merging --------------------------------------------------------------------


def test_new_person_with_the_same_name_and_year_in_the_commune_is_a_likely_duplicate(world):
    officer = world.user("commune_a")
    first = PersonFactory.create(
        residence_unit=world.village_a,
        cccd=None,
        full_name="Trần Văn Hùng",
        name_folded="tran van hung",
        birth_year=1965,
    )
    second = actions.create_person(
        actor=officer,
        full_name="Tran Van Hung",
        sex="male",
        birth_year=1965,
        residence_unit=world.commune_a,
    )
    third = actions.create_person(
        actor=officer,
        full_name="Trần Văn Hưởng",
        sex="male",
        birth_year=1965,
        residence_unit=world.commune_a,
    )
    pairs = {(c.person_a_id, c.person_b_id): c.reason for c in DuplicateCandidate.objects.all()}
    assert pairs[(first.pk, second.pk)] == "name_year_commune"
    assert pairs[(first.pk, third.pk)] == "similar_name"
    # another commune, or a different known CCCD, is not offered
    PersonFactory.create(
        residence_unit=world.commune_b,
        full_name="Trần Văn Hùng",
        name_folded="tran van hung",
        birth_year=1965,
    )
    assert DuplicateCandidate.objects.count() == 3


def test_merge_moves_every_reference_and_frees_the_cccd(world):
    officer = world.user("district_a")
    keep = PersonFactory.create(
        residence_unit=world.commune_a,
        cccd=None,
        phone="",
        full_name="Đặng Văn Khoa",
        name_folded="dang van khoa",
    )
    other = PersonFactory.create(
        residence_unit=world.commune_a2,
        full_name="Dang Van Khoa",
        name_folded="dang van khoa",
        comorbidities=["asthma"],
    )
    household = Household.objects.create(unit=world.commune_a2, address="Số 1", head=other)
    Person.objects.filter(pk=other.pk).update(household=household, relation_to_head="head")
    stub = PersonFactory.create(residence_unit=world.commune_a, cccd=None, merged_into=other)
    third = PersonFactory.create(residence_unit=world.commune_a)
    actions.mark_not_duplicate(actor=officer, person_a=other, person_b=third)
    cccd = other.cccd

    actions.merge_persons(actor=officer, keep=keep, other=other)

    keep.refresh_from_db()
    other.refresh_from_db()
    household.refresh_from_db()
    stub.refresh_from_db()
    assert other.merged_into == keep
    assert keep.cccd == cccd  # filled in from the merged record
    assert keep.phone == other.phone
    assert keep.comorbidities == ["asthma"]
    assert household.head == keep  # keep joined the household the merged record headed
    assert (keep.household, keep.relation_to_head) == (household, "head")
    assert stub.merged_into == keep
    assert NotDuplicate.objects.filter(person_a=min(keep, third, key=lambda p: p.pk)).exists()
    event = AuditEvent.objects.get(verb="merge_persons")
    assert event.extra["merged"] == str(other.public_id)
    assert event.extra["moved"]["people.household.head"] == 1
    assert Person.objects.current().filter(cccd=cccd).get() == keep


def test_every_foreign_key_to_person_is_found_for_merging():
    from django.apps import apps

    expected = {
        (f.model, f.name)
        for m in apps.get_models(include_auto_created=True)
        for f in m._meta.concrete_fields
        if f.is_relation and f.related_model is Person
    }
    assert {(f.model, f.name) for f in actions.person_references()} == expected
    assert (Household, "head") in expected


def test_merge_refusals(world):
    officer = world.user("district_a")
    a = PersonFactory.create(residence_unit=world.commune_a)
    b = PersonFactory.create(residence_unit=world.commune_a)
    with pytest.raises(ValidationError, match="số CCCD khác nhau"):
        actions.merge_persons(actor=officer, keep=a, other=b)
    c = PersonFactory.create(residence_unit=world.commune_a, cccd=None)
    actions.mark_not_duplicate(actor=officer, person_a=c, person_b=a, note="hai anh em")
    with pytest.raises(ValidationError, match="không phải cùng một người"):
        actions.merge_persons(actor=officer, keep=a, other=c)
    d = PersonFactory.create(residence_unit=world.commune_b, cccd=None)
    with pytest.raises(OutOfScope):
        actions.merge_persons(actor=officer, keep=a, other=d)


def test_not_the_same_person_is_remembered_by_the_duplicate_finder(world):
    officer = world.user("commune_a")
    a = PersonFactory.create(
        residence_unit=world.commune_a,
        cccd=None,
        full_name="Phan Văn Đức",
        name_folded="phan van duc",
        birth_year=1950,
    )
    b = actions.create_person(
        actor=officer,
        full_name="Phan Văn Đức",
        sex="male",
        birth_year=1950,
        residence_unit=world.commune_a,
    )
    candidate = DuplicateCandidate.objects.get()
    actions.mark_not_duplicate(actor=officer, person_a=b, person_b=a)
    candidate.refresh_from_db()
    assert candidate.status == "not_duplicate"
    from vungxanh.people.duplicates import find_candidates_for, scan_unit

    candidate.delete()
    assert find_candidates_for(b) == 0
    assert scan_unit(world.commune_a)["new"] == 0


def test_system_actor_and_dates(world):
    person = actions.create_person(
        actor=SYSTEM,
        full_name="Hà Thị Thu",
        sex="female",
        birth_date=date(1999, 2, 3),
        residence_unit=world.commune_b,
        cccd=cccd_for(1999, "female"),
    )
    assert person.birth_year == 1999
    with pytest.raises(ValidationError) as info:
        actions.create_person(
            actor=SYSTEM,
            full_name="X",
            sex="female",
            birth_year=1998,
            birth_date=date(1999, 2, 3),
            residence_unit=world.commune_b,
        )
    assert "birth_year" in info.value.message_dict


def test_namesakes_with_their_own_phone_and_household_are_not_offered(world):
    from vungxanh.people.duplicates import scan_unit

    first_home = Household.objects.create(unit=world.village_a, address="Số 1")
    other_home = Household.objects.create(unit=world.village_a, address="Số 2")
    for home in (first_home, other_home):
        PersonFactory.create(
            residence_unit=world.village_a,
            cccd=None,
            household=home,
            full_name="Đinh Văn Quý",
            name_folded="dinh van quy",
            birth_year=1958,
        )
    assert scan_unit(world.commune_a)["pairs"] == 0
    PersonFactory.create(
        residence_unit=world.village_a,
        cccd=None,
        phone="",
        full_name="Đinh Văn Quý",
        name_folded="dinh van quy",
        birth_year=1958,
    )
    assert scan_unit(world.commune_a)["pairs"] == 2  # the record without phone or household


def test_the_scan_pairs_persons_of_different_communes_who_share_a_phone(world):
    """Bulk-loaded records (no per-person check when they were written) reach the queue
    through the scan: the same phone and year of birth in another commune, with the same
    or a similar name. A shared phone alone (a spouse born the same year) is not enough."""
    from vungxanh.people.duplicates import scan_unit

    def person(unit, name, phone, year=1975, **kwargs):
        return PersonFactory.create(
            residence_unit=unit,
            full_name=name,
            name_folded=fold_name(name),
            birth_year=year,
            phone=phone,
            **kwargs,
        )

    home = person(world.village_a, "Hoàng Văn Thắng", "+84913000001")
    elsewhere = person(world.commune_b, "Hoàng Văn Thắng", "+84913000001", cccd=None)
    spelled = person(world.village_a, "Trịnh Thị Ngọc Lan", "+84913000002")
    typo = person(
        world.commune_a2, "Trinh Thi Ngoc Lanh", "", other_phone="+84913000002", cccd=None
    )
    wife = person(world.commune_b, "Phạm Thị Hoa", "+84913000001", cccd=None)
    person(world.commune_b, "Hoàng Văn Thắng", "+84913000001", year=1976, cccd=None)

    result = scan_unit(world.commune_a)

    pairs = {
        frozenset((c.person_a_id, c.person_b_id)): (c.reason, c.score)
        for c in DuplicateCandidate.objects.all()
    }
    assert pairs[frozenset((home.pk, elsewhere.pk))] == ("phone_name_year", 1.0)
    reason, score = pairs[frozenset((spelled.pk, typo.pk))]
    assert reason == "phone_similar_name"
    assert 0.8 < score < 0.9
    assert len(pairs) == 2  # not the wife, not the namesake born a year later
    assert wife.pk not in {pk for pair in pairs for pk in pair}
    assert result["pairs"] == 2
    assert scan_unit(world.district_a)["new"] == 0  # both communes of A: stored once
    assert DuplicateCandidate.objects.get(
        person_a=min(spelled.pk, typo.pk)
    ).get_reason_display() == ("Cùng số điện thoại và năm sinh, họ tên gần giống")


def test_a_new_record_is_paired_with_a_similar_name_on_its_phone_in_another_commune(world):
    first = PersonFactory.create(
        residence_unit=world.commune_b,
        full_name="Trịnh Thị Ngọc Lan",
        name_folded="trinh thi ngoc lan",
        birth_year=1975,
        phone="+84913000002",
    )
    second = actions.create_person(
        actor=world.user("commune_a"),
        full_name="Trịnh Thị Ngọc Lanh",
        sex="female",
        birth_year=1975,
        phone="0913000002",
        residence_unit=world.commune_a,
    )
    pair = DuplicateCandidate.objects.get()
    assert {pair.person_a_id, pair.person_b_id} == {first.pk, second.pk}
    assert pair.reason == "phone_similar_name"
