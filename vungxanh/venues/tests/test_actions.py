import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from vungxanh.accounts.models import User
from vungxanh.core.models import AuditEvent
from vungxanh.core.scoping import SYSTEM, OutOfScope
from vungxanh.venues import actions, rules
from vungxanh.venues.models import CheckIn, CheckInRuleSet, Venue, VenueMember
from vungxanh.venues.signing import person_qr_text, venue_token
from vungxanh.venues.tests.factories import make_checkin, make_person, make_staff, make_venue

pytestmark = pytest.mark.django_db

MIN = datetime.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _fresh_rules():
    rules.clear_cache()
    with translation.override("en"):  # messages checked in English here, in Vietnamese in views
        yield
    rules.clear_cache()


def test_officials_register_venues_only_in_their_area(world):
    venue = actions.register_venue(
        actor=world.user("commune_a"), unit=world.commune_a, name="Chợ Hà Khánh", kind="market"
    )
    assert venue.status == Venue.Status.ACTIVE
    assert len(venue.code) == 8
    assert AuditEvent.objects.filter(verb="register_venue", target_id=str(venue.public_id)).exists()
    with pytest.raises(OutOfScope):
        actions.register_venue(
            actor=world.user("commune_a"), unit=world.commune_b, name="Chợ Ka Long", kind="market"
        )
    with pytest.raises(ValidationError) as info:
        actions.register_venue(
            actor=world.user("district_a"), unit=world.district_a, name="Huyện", kind="market"
        )
    assert "commune or a village" in str(info.value)


def test_owner_registration_is_approved_by_the_commune_which_creates_the_owner_account(world):
    venue = actions.submit_venue(
        actor=None,
        unit=world.commune_a,
        name="Quán phở Hà Khánh",
        kind="restaurant",
        owner_name="Trần Văn Chủ",
        owner_phone="+84912000001",
    )
    assert venue.status == Venue.Status.PENDING
    with pytest.raises(OutOfScope):
        actions.approve_venue(actor=world.user("commune_b"), venue=venue, owner_username="cs.x")
    venue, owner, password = actions.approve_venue(
        actor=world.user("commune_a"), venue=venue, owner_username="cs.phohakhanh"
    )
    assert venue.status == Venue.Status.ACTIVE
    assert venue.approved_by is not None
    assert venue.approved_by.username == "commune_a"
    assert owner.username == "cs.phohakhanh"
    assert password
    assert owner.check_password(password)
    assert owner.assignments.get().role == "venue_staff"
    assert VenueMember.objects.get(venue=venue, user=owner).is_owner
    # the owner sees their venue and may reissue its QR, but not approve or close it
    assert list(Venue.objects.restrict(owner, "view")) == [venue]
    assert list(Venue.objects.restrict(owner, "change")) == [venue]
    reissued = actions.reissue_qr(actor=owner, venue=venue)
    assert reissued.qr_key_version == 2
    with pytest.raises(OutOfScope):
        actions.set_venue_status(actor=owner, venue=venue, status="inactive")
    with pytest.raises(ValidationError):
        actions.approve_venue(actor=world.user("commune_a"), venue=venue)


def test_staff_who_are_not_owners_cannot_reissue(world):
    venue = make_venue(unit=world.commune_a)
    staff = make_staff(world, venue, "staff.only", owner=False)
    assert list(Venue.objects.restrict(staff, "view")) == [venue]
    with pytest.raises(OutOfScope):
        actions.reissue_qr(actor=staff, venue=venue)


def test_resident_check_in_gets_the_automatic_check_out_of_the_venue_kind(world):
    market = make_venue(unit=world.commune_a, kind="market")
    office = make_venue(unit=world.commune_a, kind="office", default_stay_minutes=600)
    person = make_person(world.commune_a)
    now = timezone.now()
    outcome = actions.check_in(
        actor=None,
        venue=market,
        person=person,
        source=CheckIn.Source.RESIDENT_SCAN,
        venue_token=venue_token(market),
        now=now,
    )
    assert outcome.created
    assert outcome.checkin.check_out - outcome.checkin.check_in == datetime.timedelta(minutes=45)
    assert outcome.checkin.checkout_is_automatic
    # an override longer than the maximum stay is capped at 8 hours
    other = make_person(world.commune_a, "Lê Thị Văn Phòng", sex="female")
    outcome = actions.check_in(
        actor=None,
        venue=office,
        person=other,
        source=CheckIn.Source.RESIDENT_SCAN,
        venue_token=venue_token(office),
        now=now,
    )
    assert outcome.checkin.check_out - outcome.checkin.check_in == datetime.timedelta(hours=8)


def test_retries_and_double_taps_never_store_two_rows(world):
    venue = make_venue(unit=world.commune_a)
    person = make_person(world.commune_a)
    key = uuid.uuid4()
    token = venue_token(venue)

    def resident_tap(key=None):
        return actions.check_in(
            actor=None,
            venue=venue,
            person=person,
            source="resident_scan",
            venue_token=token,
            client_uuid=key,
        )

    first, again, tap = resident_tap(key), resident_tap(key), resident_tap()
    assert first.created
    assert not again.created
    assert not tap.created
    assert again.checkin.pk == first.checkin.pk == tap.checkin.pk
    assert CheckIn.objects.count() == 1


def test_checking_in_elsewhere_ends_the_open_visit(world):
    a, b = make_venue(unit=world.commune_a), make_venue(unit=world.commune_a2)
    person = make_person(world.commune_a)
    start = timezone.now() - datetime.timedelta(minutes=20)
    first = actions.check_in(
        actor=None,
        venue=a,
        person=person,
        source="resident_scan",
        venue_token=venue_token(a),
        now=start,
    )
    now = start + datetime.timedelta(minutes=20)
    second = actions.check_in(
        actor=None,
        venue=b,
        person=person,
        source="resident_scan",
        venue_token=venue_token(b),
        now=now,
    )
    first.checkin.refresh_from_db()
    assert second.closed_previous is not None
    assert second.closed_previous.pk == first.checkin.pk
    assert first.checkin.check_out == now


def test_check_out_by_the_resident_and_never_beyond_the_maximum_stay(world):
    venue = make_venue(unit=world.commune_a, kind="office")
    person = make_person(world.commune_a)
    stranger = make_person(world.commune_a, "Người Lạ", birth_year=1970)
    now = timezone.now()
    checkin = make_checkin(venue, person, at=now - datetime.timedelta(hours=2), minutes=480)
    with pytest.raises(OutOfScope):
        actions.check_out(actor=None, checkin=checkin, person=stranger)
    done = actions.check_out(actor=None, checkin=checkin, person=person, now=now)
    assert not done.checkout_is_automatic
    assert done.check_out == now
    # pressing again changes nothing
    again = actions.check_out(
        actor=None, checkin=checkin, person=person, now=now + datetime.timedelta(hours=1)
    )
    assert again.check_out == now
    # a visit stored with a longer stay than the rules allow ends at the longest stay
    start = now - datetime.timedelta(hours=9)
    long = make_checkin(venue, person, at=start, minutes=600)
    done = actions.check_out(actor=None, checkin=long, person=person, now=now)
    assert done.check_out == start + datetime.timedelta(hours=8)


def test_a_late_check_out_does_not_stretch_a_visit_that_already_ended(world):
    """The automatic check-out came 2 hours ago: pressing "check out" now must not move the
    end of the visit to now (it would widen the exposure window tracing reads)."""
    venue = make_venue(unit=world.commune_a, kind="market")
    person = make_person(world.commune_a)
    now = timezone.now()
    start = now - datetime.timedelta(hours=3)
    checkin = make_checkin(venue, person, at=start, minutes=60)
    done = actions.check_out(actor=None, checkin=checkin, person=person, now=now)
    checkin.refresh_from_db()
    assert checkin.check_out == start + datetime.timedelta(minutes=60)
    assert checkin.checkout_is_automatic
    assert done.check_out == checkin.check_out
    assert not AuditEvent.objects.filter(verb="check_out").exists()


def test_inactive_venues_refuse_check_ins(world):
    venue = make_venue(unit=world.commune_a, status=Venue.Status.INACTIVE)
    with pytest.raises(actions.CheckInRefused) as info:
        actions.check_in(
            actor=None,
            venue=venue,
            person=make_person(world.commune_a),
            source="resident_scan",
            venue_token=venue_token(venue),
        )
    assert info.value.reason == "inactive_venue"


def test_a_resident_check_in_needs_the_genuine_token_of_the_venues_current_qr(world):
    """The action verifies the scanned QR itself: a caller that forgets to (or passes the
    token of another venue, or of a poster the owner replaced) cannot check anybody in."""
    venue = make_venue(unit=world.commune_a)
    elsewhere = make_venue(unit=world.commune_a)
    person = make_person(world.commune_a)
    old = venue_token(venue)
    actions.reissue_qr(actor=world.user("commune_a"), venue=venue)
    venue.refresh_from_db()
    refused = {
        "no token": "",
        "forged": "1." + "A" * 22,
        "another venue's": venue_token(elsewhere),
        "replaced poster": old,
    }
    for label, token in refused.items():
        with pytest.raises(actions.CheckInRefused) as info, translation.override("vi"):
            actions.check_in(
                actor=None, venue=venue, person=person, source="resident_scan", venue_token=token
            )
        assert info.value.reason == "venue_qr", label
        assert info.value.messages[0] in {
            "Mã QR này không phải mã thật: chữ ký không khớp. Đừng dùng mã này và hãy báo cho "
            "địa điểm hoặc trạm y tế xã, phường.",
            "Mã QR này đã được thay bằng mã mới của địa điểm. Hãy quét áp phích mới ở lối vào.",
        }, label
    assert not CheckIn.objects.exists()
    outcome = actions.check_in(
        actor=None,
        venue=venue,
        person=person,
        source="resident_scan",
        venue_token=venue_token(venue),
    )
    assert outcome.created


def test_staff_scan_personal_qr_and_chip_id_card(world):
    venue = make_venue(unit=world.commune_a)
    staff = make_staff(world, venue)
    person = make_person(world.commune_a)
    outcome = actions.check_in_scanned(
        actor=staff, venue=venue, text=person_qr_text(person.public_id)
    )
    assert outcome.checkin.person == person
    assert outcome.checkin.source == "staff_scan"
    assert outcome.checkin.recorded_by == staff
    # a chip ID card of someone unknown creates them, placed by the card's address
    card = (
        "022195000123||Phạm Thị Thẻ|15031995|Nữ|"
        "Tổ 5, khu 3, Phường Hà Phong, Thành phố Hạ Long, Quảng Ninh|01012021"
    )
    outcome = actions.check_in_scanned(actor=staff, venue=venue, text=card)
    created = outcome.checkin.person
    assert created.full_name == "Phạm Thị Thẻ"
    assert created.cccd == "022195000123"
    assert created.residence_unit == world.commune_a2
    assert outcome.checkin.source == "cccd_qr"
    # forged personal QR, garbage, and another venue's staff
    forged = person_qr_text(person.public_id)[:-3] + "AAA"
    with pytest.raises(ValidationError) as info:
        actions.check_in_scanned(actor=staff, venue=venue, text=forged)
    assert "not genuine" in str(info.value)
    with pytest.raises(ValidationError) as info:
        actions.check_in_scanned(actor=staff, venue=venue, text="hello")
    assert "neither a personal QR code" in str(info.value)
    other = make_venue(unit=world.commune_a)
    with pytest.raises(OutOfScope):
        actions.check_in_scanned(actor=staff, venue=other, text=person_qr_text(person.public_id))


def _item(venue, person, **extra):
    return {
        "uuid": str(uuid.uuid4()),
        "venue": venue.code,
        "qr": person_qr_text(person.public_id),
        "check_in": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
        **extra,
    }


def test_batch_upload_statuses_and_reasons(world):
    venue = make_venue(unit=world.commune_a, kind="restaurant")
    closed = make_venue(unit=world.commune_a, status=Venue.Status.INACTIVE)
    elsewhere = make_venue(unit=world.commune_b)
    person = make_person(world.commune_a)
    now = timezone.now()
    good = _item(venue, person)
    items = [
        good,
        _item(closed, person),
        _item(elsewhere, person),
        {**_item(venue, person), "venue": "NOPE1234"},
        _item(venue, person, check_in=(now + datetime.timedelta(minutes=30)).isoformat()),
        _item(venue, person, check_in=(now - datetime.timedelta(days=29)).isoformat()),
        _item(
            venue,
            person,
            check_out=(now - datetime.timedelta(hours=2)).isoformat(),
        ),
        _item(
            venue,
            person,
            check_in=(now - datetime.timedelta(hours=10)).isoformat(),
            check_out=now.isoformat(),
        ),
        {"venue": venue.code},
        _item(venue, person, check_in="hôm qua"),
        dict(good),
    ]
    results = actions.record_checkins(actor=world.user("commune_a"), items=items, now=now)
    statuses = [(r.status, r.reason) for r in results]
    assert statuses == [
        ("created", ""),
        ("refused", "inactive_venue"),
        ("refused", "unknown_venue"),  # outside the uploader's area: same answer as unknown
        ("refused", "unknown_venue"),
        ("refused", "future"),
        ("refused", "too_old"),
        ("refused", "checkout_before_checkin"),
        ("refused", "stay_too_long"),
        ("refused", "invalid"),
        ("refused", "invalid"),
        ("duplicate", "same uuid as item 0"),
    ]
    assert "older than the 28-day retention window" in results[5].message
    assert "longer than the maximum of 480 minutes" in results[7].message
    assert "hôm qua" in results[9].message
    stored = CheckIn.objects.get()
    assert stored.check_out - stored.check_in == datetime.timedelta(minutes=60)
    # retrying the whole batch stores nothing new
    again = actions.record_checkins(actor=world.user("commune_a"), items=items, now=now)
    assert again[0].status == "duplicate"
    assert CheckIn.objects.count() == 1
    # the same uuid later with its check-out updates the visit; a different venue conflicts
    later = {**good, "check_out": now.isoformat()}
    assert actions.record_checkins(actor=world.user("commune_a"), items=[later])[0].status == (
        "checked_out"
    )
    stored.refresh_from_db()
    assert not stored.checkout_is_automatic
    other = make_venue(unit=world.commune_a)
    conflict = actions.record_checkins(
        actor=world.user("commune_a"), items=[{**good, "venue": other.code}]
    )[0]
    assert (conflict.status, conflict.reason) == ("refused", "conflict")
    event = AuditEvent.objects.filter(verb="record_checkins").order_by("id")[0]
    assert event.extra["created"] == 1
    assert event.extra["refused"] == 9


def test_batch_upload_limits_and_person_scope(world):
    venue = make_venue(unit=world.commune_a)
    person_b = make_person(world.commune_b, "Người Móng Cái")
    with pytest.raises(ValidationError):
        actions.record_checkins(actor=world.user("commune_a"), items=[{}] * 501)
    # by id only persons the uploader may see; by signed QR anyone
    by_id = {**_item(venue, person_b), "person": str(person_b.public_id)}
    del by_id["qr"]
    result = actions.record_checkins(actor=world.user("commune_a"), items=[by_id])[0]
    assert (result.status, result.reason) == ("refused", "unknown_person")
    assert (
        actions.record_checkins(actor=world.user("commune_a"), items=[_item(venue, person_b)])[
            0
        ].status
        == "created"
    )


def test_venue_staff_upload_only_for_their_venues(world):
    mine, other = make_venue(unit=world.commune_a), make_venue(unit=world.commune_a)
    staff = make_staff(world, mine)
    person = make_person(world.commune_a)
    results = actions.record_checkins(
        actor=staff, items=[_item(mine, person), _item(other, person)]
    )
    assert [r.status for r in results] == ["created", "refused"]
    assert results[1].reason == "unknown_venue"


def test_rule_sets_are_versioned_and_apply_from_their_moment(world):
    venue = make_venue(unit=world.commune_a, kind="market")
    person = make_person(world.commune_a)
    start = timezone.now() + datetime.timedelta(minutes=5)
    with pytest.raises(OutOfScope):
        actions.create_rule_set(
            actor=world.user("district_a"),
            name="checkin_test",
            valid_from=start,
            max_stay_minutes=240,
            retention_days=21,
        )
    actions.create_rule_set(
        actor=world.user("province_officer"),
        name="checkin_test",
        valid_from=start,
        max_stay_minutes=240,
        retention_days=21,
        default_stays={"market": 30},
    )
    rules.clear_cache()  # on_commit does not run inside the test transaction
    assert rules.retention_days() == 28  # not yet in force
    assert rules.max_stay() == datetime.timedelta(hours=8)  # the bound covers every version
    later = start + datetime.timedelta(minutes=1)
    assert rules.in_force(later).retention_days == 21
    outcome = actions.check_in(
        actor=None,
        venue=venue,
        person=person,
        source="resident_scan",
        venue_token=venue_token(venue),
        now=later,
    )
    assert outcome.checkin.check_out - outcome.checkin.check_in == datetime.timedelta(minutes=30)
    assert CheckInRuleSet.objects.count() == 2
    with pytest.raises(ValidationError) as info:
        actions.create_rule_set(
            actor=SYSTEM,
            name="past",
            valid_from=timezone.now() - datetime.timedelta(days=1),
            max_stay_minutes=2000,
            retention_days=0,
        )
    assert set(info.value.message_dict) == {"valid_from", "max_stay_minutes", "retention_days"}


def test_purge_deletes_everything_older_than_the_window(world):
    venue = make_venue(unit=world.commune_a)
    person = make_person(world.commune_a)
    now = timezone.now()
    old = [make_checkin(venue, person, at=now - datetime.timedelta(days=d)) for d in (29, 35)]
    kept = make_checkin(venue, person, at=now - datetime.timedelta(days=27))
    with pytest.raises(OutOfScope):
        actions.purge_checkins(actor=world.user("province_admin"))
    assert actions.purge_checkins(actor=SYSTEM, now=now, batch_size=1) == 2
    assert list(CheckIn.objects.all()) == [kept]
    assert not CheckIn.objects.filter(pk__in=[c.pk for c in old]).exists()
    event = AuditEvent.objects.get(verb="purge_checkins")
    assert event.extra["deleted"] == 2
    assert event.actor_label == "system"


def test_check_ins_are_read_only_by_officials_of_the_venue_area(world):
    venue = make_venue(unit=world.commune_a)
    make_checkin(venue, make_person(world.commune_a))
    assert CheckIn.objects.restrict(world.user("district_a")).count() == 1
    assert CheckIn.objects.restrict(world.user("district_b")).count() == 0
    assert CheckIn.objects.restrict(world.user("viewer")).count() == 0
    assert User.objects.filter(username="nobody").exists()


# --- fixes after the review of issue 4 ------------------------------------------------------------


def _card(person, name: str, birth: str) -> str:
    return f"{person.cccd}||{name}|{birth}|Nam|Tổ 1, Phường Hà Khánh, Thành phố Hạ Long|01012021"


def test_an_id_card_qr_must_agree_with_the_record_of_its_number(world):
    import datetime as dt

    from vungxanh.people.models import Person

    venue = make_venue(unit=world.commune_a)
    staff = make_staff(world, venue)
    person = make_person(world.commune_a, "Nguyễn Văn Thật", birth_year=1985)
    Person.objects.filter(pk=person.pk).update(birth_date=dt.date(1985, 3, 15))
    for card in (
        _card(person, "Nguyễn Văn Khác", "15031985"),  # another name
        _card(person, "Nguyễn Văn Thật", "16031985"),  # another date of birth
    ):
        with pytest.raises(ValidationError) as info:
            actions.check_in_scanned(actor=staff, venue=venue, text=card)
        assert info.value.code == "card_mismatch"
        assert "does not match the record" in str(info.value)
        assert "Thật" not in str(info.value)
    assert not CheckIn.objects.exists()
    outcome = actions.check_in_scanned(
        actor=staff, venue=venue, text=_card(person, "nguyễn văn thật", "15031985")
    )
    assert outcome.checkin.person == person
    # the same through the API's qr field: refused with its own reason, nothing revealed
    items = [
        {
            "uuid": str(uuid.uuid4()),
            "venue": venue.code,
            "qr": _card(person, "Trần Văn Đoán", "15031985"),
            "check_in": (timezone.now() - datetime.timedelta(minutes=5)).isoformat(),
        }
    ]
    (result,) = actions.record_checkins(actor=staff, items=items)
    assert (result.status, result.reason) == ("refused", "card_mismatch")
    assert "Thật" not in result.message
    assert CheckIn.objects.count() == 1


def test_a_personal_qr_of_a_merged_record_follows_the_merge_in_uploads(world):
    from vungxanh.people.models import Person

    venue = make_venue(unit=world.commune_a)
    kept = make_person(world.commune_a, "Lý Văn Giữ", birth_year=1970)
    old = make_person(world.commune_a, "Lý Văn Giữ", birth_year=1970)
    Person.objects.filter(pk=old.pk).update(merged_into=kept, cccd=None)
    officer = world.user("commune_a")
    (result,) = actions.record_checkins(actor=officer, items=[_item(venue, old)])
    assert result.status == "created"
    assert CheckIn.objects.get().person == kept
    # a merge of a merge is followed too; an unknown id is still refused
    newest = make_person(world.commune_a, "Lý Văn Giữ", birth_year=1970)
    Person.objects.filter(pk=kept.pk).update(merged_into=newest, cccd=None)
    (result,) = actions.record_checkins(actor=officer, items=[_item(venue, old)])
    assert result.status == "created"
    assert CheckIn.objects.filter(person=newest).count() == 1
    assert actions.current_person(uuid.uuid4()) is None


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+07:00",
        "0001-01-01T00:00:00",
        "9999-12-31T23:00:00-07:00",
        "9999-12-31T23:59:59",
        "1999-12-31T23:59:59+07:00",
        "2101-01-01T00:00:00+07:00",
    ],
)
def test_times_at_the_edge_of_the_calendar_are_invalid_with_a_reason(world, value):
    venue = make_venue(unit=world.commune_a)
    person = make_person(world.commune_a)
    officer = world.user("commune_a")
    for field in ("check_in", "check_out"):
        item = _item(venue, person, **{field: value})
        (result,) = actions.record_checkins(actor=officer, items=[item])
        assert (result.status, result.reason) == ("refused", "invalid")
        assert "is not between the years 2000 and 2100" in result.message
        assert value in result.message
    assert not CheckIn.objects.exists()


def test_local_times_in_messages_never_fail():
    edge = [
        datetime.datetime.min.replace(tzinfo=datetime.UTC),
        datetime.datetime(1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=7))),
        datetime.datetime(9999, 12, 31, 23, tzinfo=datetime.timezone(-datetime.timedelta(hours=7))),
        datetime.datetime.max.replace(tzinfo=datetime.UTC),
    ]
    shown = [actions._local(value) for value in edge]
    assert shown[0].startswith("01/01/0001 ")  # representable in local time: converted
    # beyond the calendar in local time: shown in their own offset
    assert shown[1:] == ["01/01/0001 00:00", "31/12/9999 23:00", "31/12/9999 23:59"]
    noon = datetime.datetime(2021, 10, 20, 5, 30, tzinfo=datetime.UTC)
    assert actions._local(noon) == "20/10/2021 12:30"


def test_the_longest_stay_is_capped_at_eight_hours_everywhere(world):
    from django.db import IntegrityError, transaction

    start = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as info:
        actions.create_rule_set(
            actor=SYSTEM, name="long", valid_from=start, max_stay_minutes=481, retention_days=28
        )
    assert set(info.value.message_dict) == {"max_stay_minutes"}
    assert "between 1 and 480 minutes (8 hours)" in str(info.value)
    actions.create_rule_set(
        actor=SYSTEM, name="eight", valid_from=start, max_stay_minutes=480, retention_days=28
    )
    ruleset = CheckInRuleSet(name="x", valid_from=start, max_stay_minutes=481, retention_days=28)
    with pytest.raises(ValidationError) as info:
        ruleset.full_clean()
    assert "max_stay_minutes" in info.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        ruleset.save()


def test_a_purge_batch_size_below_one_is_refused_not_an_endless_loop(world):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="at least 1"):
        call_command("purge_checkins", "--batch-size", "0")
    with pytest.raises(ValueError, match="at least 1"):
        actions.purge_checkins(actor=SYSTEM, batch_size=0)
    assert not AuditEvent.objects.filter(verb="purge_checkins").exists()


def test_the_tracing_indexes_are_covering_btrees_on_postgresql(world):
    """PERFORMANCE.md §5.5: the F1 probes read only the index (migration 0002)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("covering indexes and BRIN are PostgreSQL's (SQLite keeps plain ones)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", ["venues_checkin"]
        )
        definitions = dict(cursor.fetchall())
    assert definitions["venues_ci_venue_time_idx"].endswith(
        "USING btree (venue_id, check_in) INCLUDE (check_out, person_id)"
    )
    assert definitions["venues_ci_person_time_idx"].endswith(
        "USING btree (person_id, check_in) INCLUDE (venue_id, check_out)"
    )
    assert definitions["venues_ci_checkin_brin"].endswith("USING brin (check_in)")
