"""The fast check-in upload path: the short-lived token cache (and how revocation still
takes effect), the one-query lookup, the QR signature shortcut, prepared statements on
PostgreSQL, and the DRF bypass answering exactly as the DRF path does."""

import datetime
import json
import uuid

import pytest
from django.core import signing
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIClient

from vungxanh.accounts import actions as account_actions
from vungxanh.accounts import authentication
from vungxanh.accounts.models import ApiToken, Assignment
from vungxanh.people.models import Person
from vungxanh.venues import actions
from vungxanh.venues.api import CheckInViewSet
from vungxanh.venues.models import CheckIn, Venue, VenueMember
from vungxanh.venues.signing import PERSON_SALT, VENUE_SALT, _signature, person_qr_text
from vungxanh.venues.tests.factories import make_person, make_staff, make_venue

pytestmark = pytest.mark.django_db
URL = "/api/v1/checkins/"


def item(venue, person, **extra):
    return {
        "uuid": str(uuid.uuid4()),
        "venue": venue.code,
        "qr": person_qr_text(person.public_id),
        "check_in": (timezone.localtime() - datetime.timedelta(minutes=30)).isoformat(),
        **extra,
    }


def client_with_token(user):
    token, raw = account_actions.issue_token(actor=user, user=user, name="scanner")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api, token


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(authentication.token_cache, "clock", fake)
    authentication.clear_token_cache()
    yield fake
    authentication.clear_token_cache()


# --- the token cache ---------------------------------------------------------------------------


def test_a_revoked_token_is_refused_at_once_in_this_process(world, clock):
    venue = make_venue(world.commune_a)
    person = make_person(world.commune_a)
    officer = world.user("commune_a")
    api, token = client_with_token(officer)
    assert api.post(URL, item(venue, person), format="json").status_code == 201
    account_actions.revoke_token(actor=officer, token=token)
    refused = api.post(URL, item(venue, person), format="json")
    assert refused.status_code == 401
    assert CheckIn.objects.count() == 1


def test_a_revocation_by_another_process_takes_effect_within_the_ttl(world, clock):
    venue = make_venue(world.commune_a)
    person = make_person(world.commune_a)
    api, token = client_with_token(world.user("commune_a"))
    assert api.post(URL, item(venue, person), format="json").status_code == 201
    # Another process revokes: the row changes, this process's cache is not told.
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    clock.now += authentication.CACHE_SECONDS - 0.5
    assert api.post(URL, item(venue, person), format="json").status_code == 201
    clock.now += 1.0  # the entry is now older than the TTL: the token is read again
    assert api.post(URL, item(venue, person), format="json").status_code == 401
    assert CheckIn.objects.count() == 2


def test_without_the_cache_every_request_reads_the_token(world, clock, settings):
    settings.API_TOKEN_CACHE_SECONDS = 0
    venue = make_venue(world.commune_a)
    person = make_person(world.commune_a)
    api, token = client_with_token(world.user("commune_a"))
    assert api.post(URL, item(venue, person), format="json").status_code == 201
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert api.post(URL, item(venue, person), format="json").status_code == 401


def test_a_cached_token_is_refused_once_it_expires(world, clock, monkeypatch):
    venue = make_venue(world.commune_a)
    person = make_person(world.commune_a)
    officer = world.user("commune_a")
    api, token = client_with_token(officer)
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() + datetime.timedelta(minutes=10)
    )
    authentication.clear_token_cache()
    assert api.post(URL, item(venue, person), format="json").status_code == 201
    later = timezone.now() + datetime.timedelta(minutes=11)
    monkeypatch.setattr(authentication.timezone, "now", lambda: later)
    response = api.post(URL, item(venue, person), format="json")
    assert response.status_code == 401
    assert "hết hạn" in response.json()["detail"]


def test_deactivating_the_user_or_ending_the_assignment_takes_effect_at_once(world, clock):
    venue = make_venue(world.commune_a)
    person = make_person(world.commune_a)
    officer = world.user("commune_a")
    admin = world.user("province_admin")
    api, _token = client_with_token(officer)
    assert api.post(URL, item(venue, person), format="json").status_code == 201
    # no rights left where the venue is: the venue is unknown to this token now
    for assignment in Assignment.objects.filter(user=officer, is_active=True):
        account_actions.end_assignment(actor=admin, assignment=assignment)
    answer = api.post(URL, item(venue, person), format="json")
    assert answer.status_code == 403
    account_actions.update_user(actor=admin, user=officer, is_active=False)
    assert api.post(URL, item(venue, person), format="json").status_code == 401


def test_each_request_gets_its_own_user_object(world, clock):
    officer = world.user("commune_a")
    _token, raw = account_actions.issue_token(actor=officer, user=officer, name="x")

    request = Request(RequestFactory().post(URL, HTTP_AUTHORIZATION=f"Bearer {raw}"))
    backend = authentication.BearerTokenAuthentication()
    one, two = backend.authenticate(request), backend.authenticate(request)
    assert one is not None
    assert two is not None
    first, second = one[0], two[0]
    assert first == second
    assert first is not second
    assert first.scope is second.scope  # built once, immutable
    first.full_name = "changed by one request"
    assert second.full_name != "changed by one request"


def test_a_lookup_that_raced_with_an_invalidation_is_not_stored(world):
    cache = authentication.TokenCache()
    token = ApiToken(user=world.user("commune_a"))
    generation = cache.generation
    cache.clear()  # a revocation committed while the lookup was reading
    cache.put("hash", token, token.user, generation)
    assert cache.get("hash") is None
    cache.put("hash", token, token.user, cache.generation)
    assert cache.get("hash") is not None


# --- one query for the whole upload ------------------------------------------------------------


@pytest.mark.parametrize("n_venues", [1, 3])
def test_the_upload_lookup_agrees_with_the_orm(world, n_venues):
    venues = [make_venue(world.commune_a if n % 2 else world.village_a) for n in range(n_venues)]
    pending = make_venue(world.commune_b, status=Venue.Status.PENDING)
    people = [make_person(world.commune_a, f"Khách {n}", 1970 + n) for n in range(n_venues)]
    merged = make_person(world.commune_a, "Khách Đã Gộp", 1960)
    Person.objects.filter(pk=merged.pk).update(merged_into=people[0])
    staff = make_staff(world, venues[0])
    VenueMember.objects.create(venue=pending, user=staff, is_active=False)
    codes = [v.code for v in venues] + [pending.code, "NOSUCH01"]
    wanted = [p.public_id for p in people] + [merged.public_id, uuid.uuid4()]

    found = actions.lookup_for_upload(codes=codes, person_ids=wanted, member_user_id=staff.pk)

    expected = {
        v.code: (v.pk, v.status, v.kind, v.default_stay_minutes, v.unit.path)
        for v in Venue.objects.filter(code__in=codes).select_related("unit")
    }
    assert {
        code: (f.pk, f.status, f.kind, f.default_stay_minutes, f.unit_path)
        for code, f in found.venues.items()
    } == expected
    assert found.persons == dict(
        Person.objects.current().filter(public_id__in=wanted).values_list("public_id", "pk")
    )
    assert merged.public_id not in found.persons
    assert found.member_venue_ids == {venues[0].pk}  # the inactive membership does not count
    assert actions.lookup_for_upload(codes=codes).member_venue_ids == set()
    assert actions.lookup_for_upload(codes=[]).venues == {}


def test_the_person_qr_signature_is_djangos_signer_cut_short(settings):
    for salt in (PERSON_SALT, VENUE_SALT):
        for value in ("abc", uuid.uuid4().hex, "Chợ Hạ Long:3"):
            expected = signing.Signer(salt=salt, algorithm="sha256").signature(value)[:22]
            assert _signature(salt, value) == expected
    before = _signature(PERSON_SALT, "abc")
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert _signature(PERSON_SALT, "abc") != before
    assert (
        _signature(PERSON_SALT, "abc")
        == signing.Signer(salt=PERSON_SALT, algorithm="sha256").signature("abc")[:22]
    )


def test_single_and_batch_uploads_are_prepared_once_on_postgresql(world):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    venue = make_venue(world.commune_a)
    person = make_person(world.commune_a)
    officer = world.user("commune_a")
    for _ in range(8):
        assert actions.record_checkins(actor=officer, items=[item(venue, person)])[0].status == (
            "created"
        )
        batch = [item(venue, person) for _ in range(3)]
        assert [r.status for r in actions.record_checkins(actor=officer, items=batch)] == [
            "created"
        ] * 3
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE '%venues_checkin%' OR statement LIKE '%venues_venue%'"
        )
        statements = cursor.fetchall()
    single_insert = [s for s in statements if "VALUES" in s[0] and "venues_checkin" in s[0]]
    batch_insert = [s for s in statements if "unnest" in s[0]]
    assert single_insert
    assert batch_insert
    # the single-row statements are planned once and reused (generic plans)
    assert single_insert[0][1] > 0
    assert CheckIn.objects.count() == 8 * 4


# --- the DRF bypass answers exactly like DRF ---------------------------------------------------


WHEN = (timezone.localtime() - datetime.timedelta(minutes=30)).replace(microsecond=0)


def same_time_item(venue, person, **extra):
    """An item at a fixed time: both paths must then answer the same check-out."""
    return item(venue, person, **{"check_in": WHEN.isoformat(), **extra})


def _normalised(response):
    body = response.content.decode()
    try:
        data = response.json()
    except ValueError:
        data = body
    if isinstance(data, dict):
        data = dict(data)
        if "uuid" in data:
            data["uuid"] = "*"
        for r in data.get("results", []) if isinstance(data.get("results"), list) else []:
            r["uuid"] = "*"
    headers = {
        name: response.headers.get(name)
        for name in ("Content-Type", "Allow", "Vary", "Cache-Control", "WWW-Authenticate")
    }
    return response.status_code, headers, data


CASES = {
    "single": lambda v, p: same_time_item(v, p),
    "single refused": lambda v, p: same_time_item(
        v, p, check_in=(timezone.localtime() + datetime.timedelta(hours=2)).isoformat()
    ),
    "batch": lambda v, p: {
        "items": [same_time_item(v, p), {**same_time_item(v, p), "venue": "NOSUCH01"}]
    },
    "plain list": lambda v, p: [same_time_item(v, p)],
    "empty list": lambda v, p: [],
    "too many": lambda v, p: {"items": [{}] * 501},
    "not a list": lambda v, p: {"items": "x"},
    # larger than DATA_UPLOAD_MAX_MEMORY_SIZE: the fast path leaves it to DRF
    "huge": lambda v, p: {"items": [same_time_item(v, p) for _ in range(15_000)]},
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_fast_path_answers_like_drf(world, monkeypatch, case):
    venue = make_venue(world.commune_a)
    person = make_person(world.commune_a)
    api, _token = client_with_token(world.user("commune_a"))
    answers = []
    for fast in (False, True):
        monkeypatch.setattr(CheckInViewSet, "fast_path", fast)
        if fast and case != "huge":  # prove that DRF's request handling is not used
            monkeypatch.setattr(
                CheckInViewSet, "initial", lambda *a, **k: pytest.fail("DRF path taken")
            )
        answers.append(_normalised(api.post(URL, CASES[case](venue, person), format="json")))
    assert answers[0] == answers[1]


@pytest.mark.parametrize(
    "kind", ["no token", "bad token", "no rights", "not json", "accept html", "format", "form"]
)
def test_unusual_requests_take_the_drf_path_and_answer_as_before(world, monkeypatch, kind):
    venue = make_venue(world.commune_a)
    person = make_person(world.commune_a)
    api, _token = client_with_token(world.user("lab_tech" if kind == "no rights" else "commune_a"))
    if kind == "no token":
        api = APIClient()
    elif kind == "bad token":
        api.credentials(HTTP_AUTHORIZATION="Bearer vx_forged")

    def post():
        body = same_time_item(venue, person)
        if kind == "not json":
            return api.post(URL, "{not json", content_type="application/json")
        if kind == "accept html":
            return api.post(URL, body, format="json", HTTP_ACCEPT="text/html")
        if kind == "format":
            return api.post(URL + "?format=json", body, format="json")
        if kind == "form":
            return api.post(URL, body)
        return api.post(URL, body, format="json")

    monkeypatch.setattr(CheckInViewSet, "fast_path", False)
    before = _normalised(post())
    monkeypatch.setattr(CheckInViewSet, "fast_path", True)
    after = _normalised(post())
    assert before == after
    assert before[0] in {400, 401, 403, 406} or kind in {"format", "form"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("venue", "AB\x00CD", "chứa ký tự NUL"),
        ("uuid", "\ud800", "ký tự không hợp lệ"),
        ("check_in", "2021-10-20T08:30:00\udfff", "ký tự không hợp lệ"),
        ("qr", "022195000123||An|15031995|Nữ|Tổ\x005|01012021", "chứa ký tự NUL"),
    ],
)
def test_a_body_with_a_nul_or_a_lone_surrogate_is_refused_whole_on_both_paths(
    world, monkeypatch, field, value, message
):
    """What no device sends and the database (or the JSON answer) cannot hold is refused
    with a 400 before anything is stored, the same on the fast path and on DRF's; before,
    a surrogate echoed in the answer failed to render (500) on the fast path."""
    venue = make_venue(world.commune_a)
    person = make_person(world.commune_a)
    api, _token = client_with_token(world.user("commune_a"))
    answers = []
    for fast in (False, True):
        monkeypatch.setattr(CheckInViewSet, "fast_path", fast)
        bad = {**same_time_item(venue, person), field: value}
        body = json.dumps({"items": [bad, same_time_item(venue, person)]})  # escapes "\ud800"
        response = api.post(URL, body, content_type="application/json")
        assert response.status_code == 400
        assert message in response.json()["detail"]
        answers.append(_normalised(response))
    assert answers[0] == answers[1]
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("depth", [40, 100_000])
def test_deeply_nested_json_is_a_400_on_both_paths(world, monkeypatch, depth):
    api, _token = client_with_token(world.user("commune_a"))
    body = "[" * depth + "]" * depth
    answers = []
    for fast in (False, True):
        monkeypatch.setattr(CheckInViewSet, "fast_path", fast)
        response = api.post(URL, body, content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {"detail": "Nội dung JSON lồng nhau quá sâu."}
        answers.append(_normalised(response))
    assert answers[0] == answers[1]
