"""Hand-built tracing situations (issue 5, "Correctness"): every time is written in
Asia/Ho_Chi_Minh; the case's infectious window runs from 00:00 two days before onset (or the
positive sample) until isolation, and a co-presence counts when it lasts at least the
minimum of the venue's kind (15 minutes at a market, 5 in a restaurant)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from vungxanh.cases import actions, services
from vungxanh.cases.models import Case, Cluster, Contact
from vungxanh.cases.rules import TracingRules
from vungxanh.cases.tests.factories import (
    at,
    check_in,
    confirm,
    make_household,
    make_person,
    make_venue,
)
from vungxanh.core.scoping import SYSTEM

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
D = TODAY - datetime.timedelta(days=5)  # symptom onset of the case


def day(offset: int) -> datetime.date:
    return D + datetime.timedelta(days=offset)


def names(page: services.CandidatePage) -> list[str]:
    return [c.full_name for c in page.items]


def by_name(page: services.CandidatePage) -> dict[str, services.Candidate]:
    return {c.full_name: c for c in page.items}


@pytest.fixture
def f0(world):
    return make_person(world.commune_a, "Trần Văn Ca")


@pytest.fixture
def market(world):
    return make_venue(world.commune_a, "Chợ Hạ Long 1", kind="market")


def make_case(person, **kwargs):
    kwargs.setdefault("onset_date", D)
    kwargs.setdefault("isolated_at", at(day(1), "12:00"))
    return confirm(person, **kwargs)


def test_overlap_at_the_exact_boundaries(world, f0, market):
    check_in(f0, market, at(D, "10:00"), at(D, "11:00"))
    touching = make_person(world.commune_a, "Chạm Giờ Ra")
    exactly_15 = make_person(world.commune_a, "Đúng Mười Lăm")
    only_14 = make_person(world.commune_a, "Mười Bốn Phút")
    before = make_person(world.commune_a, "Đến Trước")
    check_in(touching, market, at(D, "11:00"), at(D, "12:00"))
    check_in(exactly_15, market, at(D, "10:45"), at(D, "11:30"))
    check_in(only_14, market, at(D, "10:46"), at(D, "11:30"))
    check_in(before, market, at(D, "09:00"), at(D, "10:15"))
    case = make_case(f0)
    page = services.f1_candidates(case)
    assert sorted(names(page)) == ["Đúng Mười Lăm", "Đến Trước"]
    assert by_name(page)["Đúng Mười Lăm"].minutes == 15
    assert page.total == 2


def test_window_starts_at_local_midnight_two_days_before_onset(world, f0):
    """A visit across midnight: only the part after 00:00 (local) of the first day of the
    infectious window counts."""
    karaoke = make_venue(world.commune_a, "Karaoke Sao Biển", kind="other")
    check_in(f0, karaoke, at(day(-3), "23:40"), at(day(-2), "00:20"))
    left_before = make_person(world.commune_a, "Về Trước Nửa Đêm")
    stayed = make_person(world.commune_a, "Ở Qua Nửa Đêm")
    check_in(left_before, karaoke, at(day(-3), "23:40"), at(day(-3), "23:59"))
    check_in(stayed, karaoke, at(day(-3), "23:50"), at(day(-2), "00:20"))
    case = make_case(f0)
    start, _end = services.infectious_window(case)
    assert start == at(day(-2), "00:00")
    assert start.utcoffset() == datetime.timedelta(hours=7)
    page = services.f1_candidates(case)
    assert names(page) == ["Ở Qua Nửa Đêm"]
    assert page.items[0].minutes == 20
    assert page.items[0].first_start == at(day(-2), "00:00")


def test_window_ends_at_isolation(world, f0):
    shop = make_venue(world.commune_a, "Tạp hóa Minh", kind="other")
    check_in(f0, shop, at(day(1), "11:00"), at(day(1), "13:00"))
    before = make_person(world.commune_a, "Trước Cách Ly")
    after = make_person(world.commune_a, "Sau Cách Ly")
    check_in(before, shop, at(day(1), "11:00"), at(day(1), "11:30"))
    check_in(after, shop, at(day(1), "12:00"), at(day(1), "12:45"))
    case = make_case(f0, isolated_at=at(day(1), "12:00"))
    assert names(services.f1_candidates(case)) == ["Trước Cách Ly"]


def test_missing_check_out_uses_the_automatic_one(world, f0, market):
    """No check-out: the check-in ends after the kind's default stay (45 min at a market)."""
    check_in(f0, market, at(D, "10:00"), at(D, "11:00"))
    walker = make_person(world.commune_a, "Quên Quét Ra")
    row = check_in(walker, market, at(D, "10:30"))
    assert row.checkout_is_automatic
    assert row.check_out == at(D, "11:15")
    page = services.f1_candidates(make_case(f0))
    assert by_name(page)["Quên Quét Ra"].minutes == 30


def test_automatic_check_out_is_capped_at_the_longest_stay(world, f0):
    """A venue asking for 1,000 minutes gets 8 hours; the range scan's lower bound
    (check_in >= f.check_in - max_stay) must still find check-ins that started 7.5 h before."""
    office = make_venue(
        world.commune_a, "Văn phòng Công ty X", kind="office", default_stay_minutes=1000
    )
    check_in(f0, office, at(D, "08:30"), at(D, "09:30"))
    early = make_person(world.commune_a, "Vào Lúc Một Giờ")
    earlier = make_person(world.commune_a, "Vào Lúc Nửa Đêm")
    row = check_in(early, office, at(D, "01:00"))
    assert row.check_out == at(D, "09:00")
    check_in(earlier, office, at(D, "00:30"))  # out at 08:30: touching, not overlapping
    page = services.f1_candidates(make_case(f0))
    assert names(page) == ["Vào Lúc Một Giờ"]
    assert page.items[0].minutes == 30


def test_repeated_visits_add_up_in_one_proposal(world, f0, market):
    check_in(f0, market, at(day(-1), "17:00"), at(day(-1), "17:30"))
    check_in(f0, market, at(D, "10:00"), at(D, "11:00"))
    regular = make_person(world.commune_a, "Khách Quen")
    check_in(regular, market, at(day(-1), "17:00"), at(day(-1), "17:20"))
    check_in(regular, market, at(D, "10:40"), at(D, "11:00"))
    page = services.f1_candidates(make_case(f0))
    assert page.total == 1
    assert page.items[0].visits == 2
    assert page.items[0].minutes == 40
    exposures = services.f1_exposure(make_case_lookup(f0), regular.pk)
    assert [e["minutes"] for e in exposures] == [20, 20]


def make_case_lookup(person):
    return Case.objects.get(person=person)


def test_asymptomatic_anchor_is_the_positive_sample_date(world, f0, market):
    sample = day(1)
    check_in(f0, market, at(day(-1), "08:00"), at(day(-1), "09:00"))
    check_in(f0, market, at(day(-2), "08:00"), at(day(-2), "09:00"))
    inside = make_person(world.commune_a, "Trong Cửa Sổ")
    outside = make_person(world.commune_a, "Ngoài Cửa Sổ")
    check_in(inside, market, at(day(-1), "08:00"), at(day(-1), "09:00"))
    check_in(outside, market, at(day(-2), "08:00"), at(day(-2), "09:00"))
    case = confirm(f0, sample_date=sample, isolated_at=at(sample, "18:00"))
    assert case.is_asymptomatic
    assert services.infectious_window(case)[0] == at(day(-1), "00:00")
    assert names(services.f1_candidates(case)) == ["Trong Cửa Sổ"]
    # The landmark window (21 days) holds both visits.
    assert case.landmarks.count() == 2


def test_ranking_prefers_indoor_longer_and_riskier_kinds(world, f0):
    park = make_venue(world.commune_a, "Chợ đêm ngoài trời", kind="market", is_indoor=False)
    pho = make_venue(world.commune_a, "Phở Bò Hà Nội", kind="restaurant", is_indoor=True)
    check_in(f0, park, at(D, "19:00"), at(D, "20:00"))
    check_in(f0, pho, at(D, "12:00"), at(D, "12:40"))
    outdoor = make_person(world.commune_a, "Ngoài Trời Một Giờ")
    indoor = make_person(world.commune_a, "Trong Quán Ba Mươi")
    check_in(outdoor, park, at(D, "19:00"), at(D, "20:00"))  # 60 min × 1 × 0.8 = 48
    check_in(indoor, pho, at(D, "12:10"), at(D, "12:40"))  # 30 min × 2 × 1.5 = 90
    page = services.f1_candidates(make_case(f0))
    assert names(page) == ["Trong Quán Ba Mươi", "Ngoài Trời Một Giờ"]
    assert [round(c.score) for c in page.items] == [90, 48]


def test_show_more_pages_through_the_proposals(world, f0, market):
    check_in(f0, market, at(D, "08:00"), at(D, "12:00"))
    for i in range(7):
        person = make_person(world.commune_a, f"Người Thứ {i}")
        check_in(person, market, at(D, "08:00"), at(D, f"{9 + i}:{5 * i:02d}"))
    case = make_case(f0)
    first = services.f1_candidates(case, limit=3)
    second = services.f1_candidates(case, offset=3, limit=3)
    third = services.f1_candidates(case, offset=6, limit=3)
    assert first.total == second.total == third.total == 7
    assert first.next_offset == 3
    assert second.next_offset == 6
    assert third.next_offset is None
    ids = [c.person_id for c in first.items + second.items + third.items]
    assert len(set(ids)) == 7
    scores = [c.score for c in first.items + second.items + third.items]
    assert scores == sorted(scores, reverse=True)


def test_decided_proposals_leave_the_list(world, f0, market):
    check_in(f0, market, at(D, "08:00"), at(D, "09:00"))
    a = make_person(world.commune_a, "Sẽ Xác Nhận")
    b = make_person(world.commune_a, "Sẽ Loại")
    check_in(a, market, at(D, "08:00"), at(D, "09:00"))
    check_in(b, market, at(D, "08:00"), at(D, "08:30"))
    case = make_case(f0)
    actions.decide_proposal(actor=SYSTEM, case=case, person=a, confirm=True)
    actions.decide_proposal(actor=SYSTEM, case=case, person=b, confirm=False)
    assert services.f1_candidates(case).total == 0


def test_pc_covid_rule_is_an_alternative_setting(world, f0, market):
    """±60 minutes between check-ins, whatever the overlap (PC-Covid alerts)."""
    params = TracingRules(
        contact_rule="pc_covid", confirming_bases=("pcr_positive",)
    ).as_parameters()
    actions.publish_rule_set(
        actor=SYSTEM,
        code="test-pc-covid",
        name="PC-Covid ±60",
        valid_from=timezone.now() - datetime.timedelta(minutes=1),
        parameters=params,
    )
    check_in(f0, market, at(D, "10:00"), at(D, "10:30"))
    near = make_person(world.commune_a, "Năm Mươi Lăm Phút Sau")
    far = make_person(world.commune_a, "Sáu Mươi Mốt Phút Sau")
    check_in(near, market, at(D, "10:55"), at(D, "11:30"))
    check_in(far, market, at(D, "11:01"), at(D, "11:30"))
    case = make_case(f0)
    assert case.rule_set.code == "test-pc-covid"
    assert names(services.f1_candidates(case)) == ["Năm Mươi Lăm Phút Sau"]


def test_two_cases_at_one_venue_share_proposals_and_form_a_cluster(world, f0, market):
    other = make_person(world.commune_a2, "Ca Thứ Hai")
    bystander = make_person(world.commune_b, "Người Ở Móng Cái")
    check_in(f0, market, at(D, "07:00"), at(D, "08:00"))
    check_in(other, market, at(D, "07:30"), at(D, "08:30"))
    check_in(bystander, market, at(D, "07:30"), at(D, "08:00"))
    first = make_case(f0)
    assert Cluster.objects.count() == 0
    second = make_case(other)
    assert "Người Ở Móng Cái" in names(services.f1_candidates(first))
    assert "Người Ở Móng Cái" in names(services.f1_candidates(second))
    assert "Ca Thứ Hai" in names(services.f1_candidates(first))
    cluster = Cluster.objects.get()
    assert cluster.status == Cluster.Status.PROPOSED
    assert set(cluster.members.values_list("case_id", flat=True)) == {first.pk, second.pk}
    assert cluster.unit == world.district_a  # the lowest unit holding both communes
    assert cluster.name == "Ổ dịch tại Chợ Hạ Long 1"


def test_landmarks_cover_21_days_with_the_people_there(world, f0, market):
    far = make_venue(world.commune_b, "Bến xe Móng Cái", kind="vehicle")
    check_in(f0, far, at(day(-22), "09:00"), at(day(-22), "10:00"))  # too early
    check_in(f0, far, at(day(-21), "09:00"), at(day(-21), "10:00"))
    check_in(f0, market, at(D, "10:00"), at(D, "11:00"))
    for name in ("Một", "Hai", "Ba"):
        check_in(make_person(world.commune_a, f"Khách {name}"), market, at(D, "10:59"))
    case = make_case(f0)
    landmarks = list(case.landmarks.order_by("start"))
    assert [lm.start for lm in landmarks] == [at(day(-21), "09:00"), at(D, "10:00")]
    assert landmarks[1].co_present == 3  # one minute together still counts as "there"
    assert landmarks[0].unit == world.commune_b


def test_candidate_sources_come_from_the_look_back_window(world, f0, market):
    early = make_person(world.commune_a, "Nguồn Mười Ngày Trước")
    late = make_person(world.commune_a, "Gặp Hôm Qua")
    check_in(f0, market, at(day(-10), "08:00"), at(day(-10), "09:00"))
    check_in(early, market, at(day(-10), "08:30"), at(day(-10), "09:00"))
    check_in(f0, market, at(day(-1), "08:00"), at(day(-1), "09:00"))
    check_in(late, market, at(day(-1), "08:30"), at(day(-1), "09:00"))
    make_case(early, onset_date=day(-8), isolated_at=at(day(-6), "08:00"))
    make_case(late, onset_date=day(0), isolated_at=at(day(1), "08:00"))
    case = make_case(f0)
    sources = services.source_candidates(case)
    assert [s.case_number for s in sources] == [Case.objects.get(person=early).number]
    assert sources[0].minutes == 30


def test_f2_are_contacts_of_an_f1_after_exposure_excluding_the_case(world, f0, market):
    cafe = make_venue(world.commune_a, "Cà phê Góc Phố", kind="restaurant")
    f1 = make_person(world.commune_a, "Phạm F Một")
    f2 = make_person(world.commune_a2, "Lê F Hai")
    before = make_person(world.commune_a2, "Gặp Trước Khi Phơi Nhiễm")
    check_in(f0, market, at(D, "08:00"), at(D, "09:00"))
    check_in(f1, market, at(D, "08:00"), at(D, "09:00"))
    check_in(f1, cafe, at(D, "15:00"), at(D, "16:00"))
    check_in(f2, cafe, at(D, "15:10"), at(D, "16:00"))
    check_in(f1, cafe, at(D, "07:00"), at(D, "07:50"))
    check_in(before, cafe, at(D, "07:00"), at(D, "07:50"))
    check_in(f0, cafe, at(D, "15:30"), at(D, "15:40"))  # the case also there: never an F2
    case = make_case(f0)
    contact = actions.decide_proposal(actor=SYSTEM, case=case, person=f1, confirm=True)
    src = services.f1_source_of(contact)
    assert src.since == at(D, "08:00")
    page = services.f2_candidates(case, [src])
    assert names(page) == ["Lê F Hai"]
    f2_contact = actions.decide_f2(actor=SYSTEM, f1=contact, person=f2, confirm=True)
    assert f2_contact.degree == 2
    assert f2_contact.via == contact
    assert f2_contact.overlap_minutes == 50
    assert services.f2_candidates(case, [src]).total == 0


def test_batch_f1_agrees_with_one_by_one(world, f0, market):
    other = make_person(world.commune_a2, "Ca Thứ Hai")
    check_in(f0, market, at(D, "07:00"), at(D, "08:00"))
    check_in(other, market, at(day(1), "07:00"), at(day(1), "08:00"))
    for i in range(4):
        check_in(make_person(world.commune_a, f"Khách {i}"), market, at(D, "07:30"))
        check_in(make_person(world.commune_a, f"Khách Mai {i}"), market, at(day(1), "07:30"))
    one = make_case(f0)
    two = make_case(other, onset_date=day(1), isolated_at=at(day(2), "08:00"))
    pairs = services.f1_pairs_for_cases([one, two])
    for case in (one, two):
        expected = {c.person_id: c.minutes for c in services.f1_candidates(case, limit=100).items}
        got = {p.person_id: p.minutes for p in pairs if p.case_id == case.pk}
        assert got == expected


def test_household_members_are_proposed_and_confirmed_without_check_ins(world):
    head, wife, child = make_household(
        world.commune_a, "Hoàng Văn Chủ", "Lý Thị Vợ", "Hoàng Văn Con"
    )
    case = make_case(head)
    assert [p.full_name for p in actions.household_members(case)] == ["Lý Thị Vợ", "Hoàng Văn Con"]
    contact = actions.decide_proposal(actor=SYSTEM, case=case, person=wife, confirm=True)
    assert contact.exposure_type == "household"
    assert contact.task is not None
    assert contact.task.unit == world.commune_a
    assert Contact.objects.filter(case=case, person=child).count() == 0


def test_pc_covid_window_is_60_minutes_inclusive_on_both_sides(world, f0, market):
    """PC-Covid: a check-in exactly 60 minutes before or after the case's counts, one
    second more does not (overlap plays no part)."""
    actions.publish_rule_set(
        actor=SYSTEM,
        code="test-pc-covid-edges",
        name="PC-Covid ±60",
        valid_from=timezone.now() - datetime.timedelta(minutes=1),
        parameters=TracingRules(contact_rule="pc_covid").as_parameters(),
    )
    second = datetime.timedelta(seconds=1)
    check_in(f0, market, at(D, "10:00"), at(D, "10:30"))
    visits = {
        "Đúng Sáu Mươi Phút Trước": at(D, "09:00"),
        "Quá Sáu Mươi Phút Trước": at(D, "09:00") - second,
        "Đúng Sáu Mươi Phút Sau": at(D, "11:00"),
        "Quá Sáu Mươi Phút Sau": at(D, "11:00") + second,
    }
    for name, start in visits.items():
        check_in(
            make_person(world.commune_a, name), market, start, start + datetime.timedelta(minutes=5)
        )
    case = make_case(f0)
    assert case.rule_set.code == "test-pc-covid-edges"
    assert sorted(names(services.f1_candidates(case))) == [
        "Đúng Sáu Mươi Phút Sau",
        "Đúng Sáu Mươi Phút Trước",
    ]
    # The batch statement (case list counts, the benchmark) draws the same line.
    batch = {p.person_id for p in services.f1_pairs_for_cases([case])}
    assert batch == {p.person_id for p in services.f1_candidates(case).items}


def test_possible_sources_end_with_the_third_day_before_onset(world, f0, client_as):
    """The source window is whole local days from 21 to 3 days before onset: a co-presence
    on day -3 up to 23:59:59 counts (a visit across midnight only until 00:00), one on day
    -2 does not; day -21 from 00:00 counts, day -22 does not."""
    karaoke = make_venue(world.commune_a, "Karaoke Nửa Đêm", kind="other")
    check_in(f0, karaoke, at(day(-3), "23:00"), at(day(-2), "01:00"))
    check_in(f0, karaoke, at(day(-22), "22:00"), at(day(-21), "00:30"))
    seen = {
        "Ca Ngày Thứ Ba": (at(day(-3), "23:00"), at(day(-3), "23:40")),
        "Ca Qua Nửa Đêm": (at(day(-3), "23:30"), at(day(-2), "00:30")),
        "Ca Ngày Thứ Hai": (at(day(-2), "00:00"), at(day(-2), "01:00")),
        "Ca Ngày Hai Mươi Mốt": (at(day(-22), "23:30"), at(day(-21), "00:30")),
        "Ca Ngày Hai Mươi Hai": (at(day(-22), "22:00"), at(day(-22), "23:00")),
    }
    number = {}
    for name, (start, end) in seen.items():
        person = make_person(world.commune_a, name)
        check_in(person, karaoke, start, end)
        other = make_case(person, onset_date=day(-1), isolated_at=at(day(0), "08:00"))
        number[name] = other.number
    case = make_case(f0)
    sources = {s.case_number: s for s in services.source_candidates(case)}
    assert set(sources) == {
        number["Ca Ngày Thứ Ba"],
        number["Ca Qua Nửa Đêm"],
        number["Ca Ngày Hai Mươi Mốt"],
    }
    assert sources[number["Ca Ngày Thứ Ba"]].minutes == 40
    assert sources[number["Ca Qua Nửa Đêm"]].minutes == 30  # 23:30 → 00:00
    assert sources[number["Ca Ngày Hai Mươi Mốt"]].minutes == 30  # 00:00 → 00:30
    assert sources[number["Ca Qua Nửa Đêm"]].end == at(day(-2), "00:00")
    # What the district official sees under "Possible sources".
    page = client_as("district_a").get(f"/cases/{case.public_id}/sources/").content.decode()
    for name in ("Ca Ngày Thứ Ba", "Ca Qua Nửa Đêm", "Ca Ngày Hai Mươi Mốt"):
        assert f">BN{number[name]}</a>" in page
    for name in ("Ca Ngày Thứ Hai", "Ca Ngày Hai Mươi Hai"):
        assert f">BN{number[name]}</a>" not in page


def test_f2_are_ranked_strongest_first_and_capped_by_the_rule_set(world, f0, market, client_as):
    """Six people met the F1 after exposure; the rule set shows at most 4: the strongest
    by minutes × indoor × kind, so an hour in an open-air market (60 × 0.8 = 48) ranks
    below twenty minutes in a café (20 × 2 × 1.5 = 60) and is left out."""
    actions.publish_rule_set(
        actor=SYSTEM,
        code="test-f2-cap",
        name="F2 tối đa 4",
        valid_from=timezone.now() - datetime.timedelta(minutes=1),
        parameters=TracingRules(f2_cap=4).as_parameters(),
    )
    cafe = make_venue(world.commune_a, "Cà phê Sáng", kind="restaurant", is_indoor=True)
    night = make_venue(world.commune_a, "Chợ Đêm Bãi Cháy", kind="market", is_indoor=False)
    f1 = make_person(world.commune_a, "Phạm F Một")
    check_in(f0, market, at(D, "08:00"), at(D, "09:00"))
    check_in(f1, market, at(D, "08:00"), at(D, "09:00"))
    check_in(f1, cafe, at(D, "15:00"), at(D, "16:00"))
    check_in(f1, night, at(D, "19:00"), at(D, "20:00"))
    for minutes in (10, 20, 30, 40, 50):
        person = make_person(world.commune_a, f"Cà Phê {minutes} Phút")
        check_in(person, cafe, at(D, "16:00") - datetime.timedelta(minutes=minutes), at(D, "16:00"))
    check_in(make_person(world.commune_a, "Chợ Đêm 60 Phút"), night, at(D, "19:00"), at(D, "20:00"))
    case = make_case(f0)
    contact = actions.decide_proposal(actor=SYSTEM, case=case, person=f1, confirm=True)
    page = services.f2_candidates(case, [services.f1_source_of(contact)])
    assert names(page) == [
        "Cà Phê 50 Phút",
        "Cà Phê 40 Phút",
        "Cà Phê 30 Phút",
        "Cà Phê 20 Phút",
    ]
    assert [round(c.score) for c in page.items] == [150, 120, 90, 60]
    assert page.total == 6
    # Asking for more than the cap still gets the cap.
    assert len(services.f2_candidates(case, [services.f1_source_of(contact)], limit=100).items) == 4
    # What the case's official sees on the F1's "F2" page.
    html = client_as("district_a").get(f"/cases/contacts/{contact.public_id}/f2/").content.decode()
    assert "4 người tiếp xúc mạnh nhất trong 6 (tối đa 4)." in html
    shown = [html.index(f"Cà Phê {m} Phút") for m in (50, 40, 30, 20)]
    assert shown == sorted(shown)
    assert "Cà Phê 10 Phút" not in html
    assert "Chợ Đêm 60 Phút" not in html


def test_a_household_member_who_also_shared_a_place_is_proposed_once(world, client_as):
    """The wife was also at the restaurant with the case: one row, the household's, with
    the 40 minutes there shown on it; confirming her records a household contact that
    keeps those check-ins."""
    head, wife, child = make_household(
        world.commune_a, "Hoàng Văn Chủ", "Lý Thị Vợ", "Hoàng Văn Con"
    )
    stranger = make_person(world.commune_a2, "Khách Lạ")
    quan = make_venue(world.commune_a, "Quán Lẩu Dê", kind="restaurant")
    check_in(head, quan, at(D, "18:00"), at(D, "19:00"))
    check_in(wife, quan, at(D, "18:20"), at(D, "19:00"))
    check_in(stranger, quan, at(D, "18:30"), at(D, "19:00"))
    case = make_case(head)
    page = services.f1_candidates(case)
    assert names(page) == ["Khách Lạ"]
    assert page.total == 1
    assert names(services.f1_candidates(case, household="only")) == ["Lý Thị Vợ"]
    html = client_as("district_a").get(f"/cases/{case.public_id}/").content.decode()
    proposals = html[html.index('id="proposals"') :]
    proposals = proposals[: proposals.index("</table>")]
    assert proposals.count(f'id="p-{wife.public_id}"') == 1
    assert proposals.count(f'id="p-{child.public_id}"') == 1
    assert proposals.count(f'id="p-{stranger.public_id}"') == 1
    wife_row = proposals[proposals.index(f'id="p-{wife.public_id}"') :]
    wife_row = wife_row[: wife_row.index("</tr>")]
    assert "Hộ gia đình" in wife_row
    assert "Quán Lẩu Dê" in wife_row
    assert '<td class="num">40</td>' in wife_row
    contact = actions.decide_proposal(actor=SYSTEM, case=case, person=wife, confirm=True)
    assert contact.exposure_type == "household"
    assert contact.origin == Contact.Origin.HOUSEHOLD
    assert contact.strength == 1000
    assert contact.overlap_minutes == 40
    assert contact.venue == quan
    assert Contact.objects.filter(case=case, person=wife).count() == 1
