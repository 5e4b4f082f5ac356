"""``vungxanh bench search``: the registry's search box and person list on the current data
(run it on the province-size demo: ``vungxanh demo --size province``).

Every query is a different person drawn at random (no repeated query warms its own pages):
a citizen ID, a phone number typed as people write it, and a full name typed without
diacritics, searched as a province officer and as a district officer through the same code
path as the page (``restrict`` + the search condition + ranking, first 50). The list page
is fetched in-process with Django's test client (page 1, page 2, a name search, a commune
filter, an age and comorbidity filter)."""

from __future__ import annotations

import random
from typing import Any

from django.db import connection
from django.db.models import Max, Min
from django.test import Client

from vungxanh.accounts.models import User
from vungxanh.core.benchmarks import BenchResult, percentile, timed
from vungxanh.people.identity import fold_name
from vungxanh.people.models import Household, Person
from vungxanh.people.search import RankedNames, search_q

USERS = (("province", "bcd.tinh"), ("district", "canbo.halong"))


def estimated_rows(model: Any) -> int:
    """Row count without COUNT(*) on PostgreSQL (planner statistics)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [model._meta.db_table],
            )
            row = cursor.fetchone()
            if row and row[0] and row[0] > 0:
                return int(row[0])
    return int(model.objects.count())


def sample(rng: random.Random, n: int, path: str) -> list[Person]:
    bounds = Person.objects.aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return []
    out: list[Person] = []
    tries = 0
    while len(out) < n and tries < 20:
        tries += 1
        ids = [rng.randint(bounds["lo"], bounds["hi"]) for _ in range(n * 3)]
        out += list(
            Person.objects.current()
            .filter(id__in=ids, cccd__isnull=False, residence_unit__path__startswith=path)
            .exclude(phone="")
            .select_related("residence_unit")[: n - len(out)]
        )
    return out


def search(user: Any, text: str) -> list[Any]:
    """What the list page runs for the search box (first page)."""
    query = search_q(text)
    qs = Person.objects.restrict(user, "view").current()
    related = ("residence_unit__parent", "household")
    if query.kind == "name" and query.value:
        return RankedNames(qs, query, related)[0:51]
    if query.condition is not None:
        qs = qs.filter(query.condition)
    return list(qs.order_by("name_folded", "id").select_related(*related)[:51])


def phone_as_typed(phone: str) -> str:
    national = "0" + phone[3:]
    return f"{national[:4]} {national[4:7]} {national[7:]}"


def bench_search(options: dict[str, Any]) -> BenchResult:
    """Person search by citizen ID, phone and unaccented name, and the person list page."""
    repeat = max(20, int(options.get("repeat") or 200))
    rng = random.Random(int(options.get("seed") or 7))
    people = estimated_rows(Person)
    result = BenchResult("Registry search and list (ms; different person for every query)")
    result.add("persons (estimate)", people, "people")
    result.add("households (estimate)", estimated_rows(Household), "households")
    all_p95: list[float] = []
    list_samples: list[float] = []
    for label, username in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            result.add(f"{label} ({username})", "missing: run `vungxanh demo` first")
            continue
        roots = user.scope.paths("people.view_person", "view")
        persons = sample(rng, repeat, roots[0] if roots else "/")
        if not persons:
            result.add(f"{label}", "no persons in the area")
            continue
        search(user, persons[0].cccd or "")  # connection and plan caches
        queries = {
            "cccd": [p.cccd or "" for p in persons],
            "phone": [phone_as_typed(p.phone) for p in persons],
            "name": [fold_name(p.full_name) for p in persons],
            "given name": [" ".join(fold_name(p.full_name).split()[-2:]) for p in persons],
        }
        for kind, texts in queries.items():
            found = 0
            iterator = iter(texts)

            def one(user: Any = user, iterator: Any = iterator) -> None:
                nonlocal found
                found += bool(search(user, next(iterator)))

            samples = timed(one, len(texts))
            key = f"{label}_{kind.replace(' ', '_')}"
            p50, p95 = percentile(samples, 50), percentile(samples, 95)
            result.add(f"{label} search {kind} p50", p50, f"{key}_p50_ms", "ms")
            result.add(f"{label} search {kind} p95", p95, f"{key}_p95_ms", "ms")
            if kind != "given name":
                all_p95.append(p95)
                if found != len(texts):
                    result.add(f"{label} search {kind} NOT FOUND", len(texts) - found)
        list_samples += _list_pages(user, persons, rng, repeat, result, label)
    if all_p95:
        result.add("search p95 (worst kind)", max(all_p95), "search_p95_ms", "ms")
    if list_samples:
        result.add("list page p50 (all)", percentile(list_samples, 50), "list_page_p50_ms", "ms")
        result.add("list page p95 (all)", percentile(list_samples, 95), "list_page_p95_ms", "ms")
    return result


def _list_pages(
    user: Any,
    persons: list[Person],
    rng: random.Random,
    repeat: int,
    result: BenchResult,
    label: str,
) -> list[float]:
    client = Client()
    client.force_login(user)
    urls = ["/people/", "/people/?page=2", "/people/?age_min=65&comorbidity=any"]
    for p in persons[: max(1, repeat // 5)]:
        urls.append(f"/people/?q={fold_name(p.full_name).replace(' ', '+')}")
        urls.append(f"/people/?unit={p.residence_unit.public_id}&sex=female")
    client.get("/people/")
    samples: list[float] = []
    order = [urls[i % len(urls)] for i in range(repeat)]
    rng.shuffle(order)
    statuses: set[int] = set()
    iterator = iter(order)

    def fetch() -> None:
        statuses.add(client.get(next(iterator)).status_code)

    samples = timed(fetch, len(order))
    result.add(f"{label} list page p50", percentile(samples, 50), f"{label}_list_p50_ms", "ms")
    result.add(f"{label} list page p95", percentile(samples, 95), f"{label}_list_p95_ms", "ms")
    if statuses != {200}:
        result.add(f"{label} list page statuses", sorted(statuses))
    return samples


BENCHMARKS = {"search": bench_search}
