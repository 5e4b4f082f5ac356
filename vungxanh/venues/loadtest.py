"""HTTP load and crash tests of ``POST /api/v1/checkins`` against a server started the
production way: gunicorn, one worker per core, on the configured PostgreSQL database.

The server is a child process group of the benchmark (``start_new_session``); it is stopped
(or, in the reliability test, killed and restarted) by its own process-group id only."""

from __future__ import annotations

import datetime
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

from django.db import connection
from django.utils import timezone

from vungxanh.core.benchmarks import BenchResult, percentile

HOST = "127.0.0.1"
HTTP_PORT = 8104
RELIABILITY_PORT = 8103
BENCH_USERNAME = "bench.checkin"


# --- the server -------------------------------------------------------------------------------


@dataclass
class Server:
    port: int
    workers: int
    worker_class: str = "sync"
    threads: int = 1
    process: subprocess.Popen[bytes] | None = None
    log_path: str = ""

    def start(self, timeout: float = 30.0) -> None:
        env = dict(os.environ)
        env.setdefault("LOG_LEVEL", "WARNING")
        env["DEBUG"] = "false"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "vungxanh.wsgi:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ]
        log_dir = os.environ.get("VUNGXANH_VAR_DIR") or os.path.join(os.getcwd(), "var")
        os.makedirs(log_dir, exist_ok=True)
        self.log_path = os.path.join(log_dir, f"bench-gunicorn-{self.port}.log")
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, env=env, stdout=log, stderr=log, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout} s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL the server's process group (master and workers): a crash, not a stop."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None


# --- test data ---------------------------------------------------------------------------------


@dataclass
class Fixture:
    token: str
    user_id: int
    venue_codes: list[str]
    venue_ids: list[int]
    person_qrs: list[str]
    person_ids: list[int]


def prepare(n_venues: int = 2000, n_persons: int = 20000) -> Fixture:
    """A province-wide API account for the benchmark and random venues and persons."""
    from vungxanh.accounts import actions as account_actions
    from vungxanh.accounts.models import User
    from vungxanh.core.scoping import SYSTEM
    from vungxanh.geo.models import AdminUnit
    from vungxanh.people.models import Person
    from vungxanh.venues.models import Venue
    from vungxanh.venues.signing import person_qr_text

    user = User.objects.filter(username=BENCH_USERNAME).first()
    if user is None:
        province = AdminUnit.objects.filter(level=1).order_by("path").first()
        if province is None:
            raise SystemExit("load the province first: vungxanh load_units")
        user, _ = account_actions.create_user(
            actor=SYSTEM,
            username=BENCH_USERNAME,
            role="province_officer",
            unit=province,
            write_unit=province,
            full_name="Benchmark client (check-ins)",
        )
    _token, raw = account_actions.issue_token(actor=SYSTEM, user=user, name="checkin-http")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, code FROM venues_venue WHERE status = 'active' ORDER BY random() LIMIT %s",
            [n_venues],
        )
        venues = cursor.fetchall()
        cursor.execute(
            "SELECT id, public_id FROM people_person TABLESAMPLE SYSTEM (5) "
            "WHERE merged_into_id IS NULL LIMIT %s",
            [n_persons],
        )
        persons = cursor.fetchall()
        if len(persons) < min(n_persons, 1000):
            cursor.execute(
                "SELECT id, public_id FROM people_person WHERE merged_into_id IS NULL LIMIT %s",
                [n_persons],
            )
            persons = cursor.fetchall()
    if not venues or not persons:
        raise SystemExit("no venues or persons: run `vungxanh demo` (and load-checkins) first")
    del Venue, Person
    return Fixture(
        token=raw,
        user_id=user.pk,
        venue_codes=[code for _, code in venues],
        venue_ids=[pk for pk, _ in venues],
        person_qrs=[person_qr_text(uuid.UUID(str(pid))) for _, pid in persons],
        person_ids=[pk for pk, _ in persons],
    )


def make_item(fx: Fixture, rng: random.Random) -> dict[str, str]:
    when = timezone.localtime() - datetime.timedelta(minutes=rng.randint(1, 180))
    return {
        "uuid": str(uuid.uuid4()),
        "venue": rng.choice(fx.venue_codes),
        "qr": rng.choice(fx.person_qrs),
        "check_in": when.isoformat(timespec="seconds"),
    }


# --- the client (runs in child processes) --------------------------------------------------------


@dataclass
class ClientResult:
    latencies_ms: list[float] = field(default_factory=list)
    requests: int = 0
    items: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)


def _client_worker(args: tuple[Any, ...]) -> ClientResult:
    port, token, venue_codes, person_qrs, batch, seconds, threads, seed, keepalive = args
    fx = Fixture(token, 0, venue_codes, [], person_qrs, [])
    results = [ClientResult() for _ in range(threads)]
    deadline = time.perf_counter() + seconds

    def loop(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        out = results[index]
        conn: http.client.HTTPConnection | None = None
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        if not keepalive:
            headers["Connection"] = "close"
        while time.perf_counter() < deadline:
            items = [make_item(fx, rng) for _ in range(batch)]
            body = json.dumps(items[0]) if batch == 1 else json.dumps({"items": items})
            started = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(HOST, port, timeout=30)
                conn.request("POST", "/api/v1/checkins/", body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                status = response.status
                if not keepalive or response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                out.errors += 1
                if len(out.error_samples) < 3:
                    out.error_samples.append(repr(exc))
                if conn is not None:
                    conn.close()
                conn = None
                continue
            elapsed = (time.perf_counter() - started) * 1000
            out.requests += 1
            out.latencies_ms.append(elapsed)
            ok = status in (200, 201)
            if ok and batch > 1:
                data = json.loads(payload)
                out.items += int(data.get("created", 0)) + int(data.get("duplicate", 0))
                bad = int(data.get("refused", 0))
                if bad:
                    out.errors += bad
                    if len(out.error_samples) < 3:
                        out.error_samples.append(payload[:300].decode(errors="replace"))
            elif ok:
                out.items += 1
            else:
                out.errors += 1
                if len(out.error_samples) < 3:
                    out.error_samples.append(f"{status} {payload[:300]!r}")

    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    merged = ClientResult()
    for r in results:
        merged.latencies_ms += r.latencies_ms
        merged.requests += r.requests
        merged.items += r.items
        merged.errors += r.errors
        merged.error_samples += r.error_samples
    return merged


def run_load(
    *,
    port: int,
    fx: Fixture,
    batch: int,
    seconds: float,
    processes: int,
    threads: int,
    keepalive: bool,
) -> tuple[ClientResult, float]:
    ctx = get_context("fork")
    connection.close()  # never share the Django connection with forked children
    args = [
        (port, fx.token, fx.venue_codes, fx.person_qrs, batch, seconds, threads, seed, keepalive)
        for seed in range(processes)
    ]
    started = time.perf_counter()
    with ctx.Pool(processes) as pool:
        parts = pool.map(_client_worker, args)
    elapsed = time.perf_counter() - started
    merged = ClientResult()
    for r in parts:
        merged.latencies_ms += r.latencies_ms
        merged.requests += r.requests
        merged.items += r.items
        merged.errors += r.errors
        merged.error_samples += r.error_samples
    return merged, elapsed


# --- bare driver inserts (the floor) -------------------------------------------------------------


INSERT_ONE = (
    "INSERT INTO venues_checkin (venue_id, person_id, check_in, check_out, "
    "checkout_is_automatic, source, uuid, recorded_by_id, created_at) "
    "VALUES (%s, %s, %s, %s, true, 'api', %s, %s, now()) ON CONFLICT (uuid) DO NOTHING"
)
INSERT_MANY = (
    "INSERT INTO venues_checkin (venue_id, person_id, check_in, check_out, "
    "checkout_is_automatic, source, uuid, recorded_by_id, created_at) "
    "SELECT v, p, i, o, true, 'api', u, %s, now() FROM unnest(%s::bigint[], %s::bigint[], "
    "%s::timestamptz[], %s::timestamptz[], %s::uuid[]) AS t(v, p, i, o, u) "
    "ON CONFLICT (uuid) DO NOTHING"
)


def _driver_worker(args: tuple[Any, ...]) -> int:
    import psycopg

    dsn, venue_ids, person_ids, user_id, batch, seconds, seed = args
    rng = random.Random(seed)
    rows = 0
    deadline = time.perf_counter() + seconds
    with psycopg.connect(dsn, autocommit=True) as conn, conn.cursor() as cur:
        while time.perf_counter() < deadline:
            now = timezone.now()
            picks = [
                (
                    rng.choice(venue_ids),
                    rng.choice(person_ids),
                    now - datetime.timedelta(minutes=rng.randint(1, 180)),
                )
                for _ in range(batch)
            ]
            if batch == 1:
                v, p, i = picks[0]
                cur.execute(
                    INSERT_ONE, (v, p, i, i + datetime.timedelta(minutes=45), uuid.uuid4(), user_id)
                )
            else:
                cur.execute(
                    INSERT_MANY,
                    (
                        user_id,
                        [v for v, _, _ in picks],
                        [p for _, p, _ in picks],
                        [i for _, _, i in picks],
                        [i + datetime.timedelta(minutes=45) for _, _, i in picks],
                        [uuid.uuid4() for _ in picks],
                    ),
                )
            rows += batch
    return rows


def driver_rate(fx: Fixture, batch: int, seconds: float, connections: int) -> float:
    settings_dict = connection.settings_dict
    dsn = (
        f"host={settings_dict['HOST'] or 'localhost'} port={settings_dict['PORT'] or 5432} "
        f"dbname={settings_dict['NAME']} user={settings_dict['USER']}"
        + (f" password={settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else "")
    )
    ctx = get_context("fork")
    args = [
        (dsn, fx.venue_ids, fx.person_ids, fx.user_id, batch, seconds, seed)
        for seed in range(connections)
    ]
    connection.close()  # never share the Django connection with forked children
    started = time.perf_counter()
    with ctx.Pool(connections) as pool:
        rows = sum(pool.map(_driver_worker, args))
    return rows / (time.perf_counter() - started)


def _cleanup(user_id: int, since: Any) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM venues_checkin WHERE recorded_by_id = %s AND created_at >= %s",
            [user_id, since],
        )
        return int(cursor.rowcount)


def bench_checkin_http(options: dict[str, Any]) -> BenchResult:
    """POST /api/v1/checkins against gunicorn (one worker per core): single and batches."""
    if connection.vendor != "postgresql":
        raise SystemExit("checkin-http needs PostgreSQL (DATABASE_URL=postgres://…)")
    seconds = float(options.get("seconds") or 15)
    workers = int(options.get("workers") or os.cpu_count() or 2)
    worker_class = str(options.get("worker_class") or "gthread")
    server_threads = int(options.get("server_threads") or 4)
    processes = int(options.get("client_processes") or 2)
    threads = int(options.get("client_threads") or 8)
    batch_threads = int(options.get("batch_threads") or 2)
    keepalive = worker_class != "sync"
    result = BenchResult(
        f"Check-in API under load ({workers} gunicorn {worker_class} workers, "
        f"{processes}×{threads} client threads, {seconds:.0f} s per phase)"
    )
    fx = prepare()
    since = timezone.now()
    server = Server(HTTP_PORT, workers, worker_class, server_threads)
    server.start()
    try:
        # warm up every worker (imports, connections, rule-set cache)
        run_load(
            port=HTTP_PORT, fx=fx, batch=1, seconds=2, processes=1, threads=4, keepalive=keepalive
        )
        single, elapsed = run_load(
            port=HTTP_PORT,
            fx=fx,
            batch=1,
            seconds=seconds,
            processes=processes,
            threads=threads,
            keepalive=keepalive,
        )
        light, light_elapsed = run_load(
            port=HTTP_PORT,
            fx=fx,
            batch=1,
            seconds=max(3.0, seconds / 3),
            processes=1,
            threads=2,
            keepalive=keepalive,
        )
        batched, batch_elapsed = run_load(
            port=HTTP_PORT,
            fx=fx,
            batch=500,
            seconds=seconds,
            processes=processes,
            threads=batch_threads,
            keepalive=keepalive,
        )
    finally:
        server.stop()
    driver_single = driver_rate(fx, 1, min(seconds, 10), processes * threads)
    driver_batch = driver_rate(fx, 500, min(seconds, 10), processes * batch_threads)
    single_rate = single.items / elapsed
    batch_rate = batched.items / batch_elapsed
    result.add("single: check-ins/s", single_rate, "single_per_s", "/s")
    result.add("single: p50 latency", percentile(single.latencies_ms, 50), "single_p50_ms", "ms")
    result.add("single: p99 latency", percentile(single.latencies_ms, 99), "single_p99_ms", "ms")
    result.add("single: requests", single.requests, "single_requests")
    result.add("single: errors", single.errors, "single_errors")
    result.add("single, 2 clients: check-ins/s", light.items / light_elapsed, "light_per_s", "/s")
    result.add("single, 2 clients: p50", percentile(light.latencies_ms, 50), "light_p50_ms", "ms")
    result.add("single, 2 clients: p99", percentile(light.latencies_ms, 99), "light_p99_ms", "ms")
    result.add("batch of 500: check-ins/s", batch_rate, "batch_per_s", "/s")
    result.add("batch: p50 latency", percentile(batched.latencies_ms, 50), "batch_p50_ms", "ms")
    result.add("batch: p99 latency", percentile(batched.latencies_ms, 99), "batch_p99_ms", "ms")
    result.add("batch: requests", batched.requests, "batch_requests")
    result.add("batch: errors", batched.errors, "batch_errors")
    result.add(
        "driver, single-row autocommit INSERTs: rows/s", driver_single, "driver_single_per_s", "/s"
    )
    result.add("driver, 500-row INSERTs: rows/s", driver_batch, "driver_batch_per_s", "/s")
    result.add("errors (all phases)", single.errors + light.errors + batched.errors, "errors")
    for sample in (single.error_samples + light.error_samples + batched.error_samples)[:3]:
        result.add("error sample", sample[:120])
    result.figures["workers"] = workers
    result.figures["worker_class"] = worker_class
    if not options.get("keep"):
        result.add("benchmark rows deleted afterwards", _cleanup(fx.user_id, since), "cleaned")
    return result


# --- reliability: kill the server while a client uploads with retries -------------------------


@dataclass
class ReliabilityReport:
    sent: int
    acknowledged: int
    stored: int
    stored_acknowledged: int
    duplicates: int
    kills: int
    retries: int
    duplicates_answered: int = 0  # items stored before a crash, acknowledged on the retry

    @property
    def ok(self) -> bool:
        return (
            self.acknowledged == self.sent
            and self.stored_acknowledged == self.acknowledged
            and self.duplicates == 0
            and self.stored == self.acknowledged
        )


def run_reliability(
    *,
    port: int = RELIABILITY_PORT,
    items: int = 600,
    batch: int = 20,
    kills: int = 3,
    workers: int = 2,
    prepare_fixture: Callable[[], Fixture] | None = None,
    log: Callable[[str], None] | None = None,
) -> ReliabilityReport:
    """Send ``items`` check-ins in batches with retries (same uuids until acknowledged)
    while the server is SIGKILLed ``kills`` times and restarted; then count what is stored."""
    fx = (prepare_fixture or prepare)()
    rng = random.Random(4)
    pending = [make_item(fx, rng) for _ in range(items)]
    uuids = [item["uuid"] for item in pending]
    acknowledged: set[str] = set()
    server = Server(port, workers)
    server.start()
    done = threading.Event()
    retries = 0
    killed = 0
    answered_duplicate = 0

    def killer() -> None:
        # Kill at evenly spaced points of the upload, while requests are in flight.
        nonlocal killed
        for k in range(1, kills + 1):
            threshold = items * k // (kills + 1)
            while len(acknowledged) < threshold:
                if done.wait(0.002):
                    return
            server.kill()
            killed += 1
            if log:
                log(f"killed the server ({killed}/{kills}); {len(acknowledged)} acknowledged")
            time.sleep(0.2)
            server.start()

    thread = threading.Thread(target=killer)
    thread.start()
    headers = {"Authorization": f"Bearer {fx.token}", "Content-Type": "application/json"}
    try:
        for start in range(0, len(pending), batch):
            chunk = pending[start : start + batch]
            while True:
                try:
                    conn = http.client.HTTPConnection(HOST, port, timeout=10)
                    conn.request(
                        "POST",
                        "/api/v1/checkins/",
                        body=json.dumps({"items": chunk}),
                        headers=headers,
                    )
                    response = conn.getresponse()
                    body = response.read()
                    conn.close()
                except (OSError, http.client.HTTPException):
                    retries += 1
                    time.sleep(0.05)
                    continue
                if response.status != 200:
                    retries += 1
                    time.sleep(0.05)
                    continue
                for r in json.loads(body)["results"]:
                    if r["status"] in ("created", "duplicate"):
                        acknowledged.add(r["uuid"])
                    if r["status"] == "duplicate":
                        answered_duplicate += 1
                break
    finally:
        done.set()
        thread.join()
        server.stop()
    with connection.cursor() as cursor:
        ids = [uuid.UUID(u) for u in uuids]
        cursor.execute(
            "SELECT count(*), count(DISTINCT uuid) FROM venues_checkin WHERE uuid = ANY(%s)",
            [ids],
        )
        stored, distinct = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM venues_checkin WHERE uuid = ANY(%s)",
            [[uuid.UUID(u) for u in acknowledged]],
        )
        (stored_ack,) = cursor.fetchone()
        cursor.execute("DELETE FROM venues_checkin WHERE uuid = ANY(%s)", [ids])
    return ReliabilityReport(
        sent=len(uuids),
        acknowledged=len(acknowledged),
        stored=stored,
        stored_acknowledged=stored_ack,
        duplicates=stored - distinct,
        kills=killed,
        retries=retries,
        duplicates_answered=answered_duplicate,
    )


def bench_checkin_reliability(options: dict[str, Any]) -> BenchResult:
    """Kill gunicorn (SIGKILL) while a client uploads with retries; count what is stored."""
    if connection.vendor != "postgresql":
        raise SystemExit("checkin-reliability needs PostgreSQL (DATABASE_URL=postgres://…)")
    report = run_reliability(
        items=int(options.get("items") or 3000),
        kills=int(options.get("kills") or 5),
        workers=int(options.get("workers") or os.cpu_count() or 2),
    )
    result = BenchResult("Check-in uploads while the server is killed and restarted")
    result.add("check-ins sent", report.sent, "sent")
    result.add("acknowledged", report.acknowledged, "acknowledged")
    result.add("stored", report.stored, "stored")
    result.add("acknowledged and stored", report.stored_acknowledged, "stored_acknowledged")
    result.add("stored twice", report.duplicates, "duplicates")
    result.add("server kills", report.kills, "kills")
    result.add("client retries", report.retries, "retries")
    result.add(
        "stored before a crash, acknowledged on retry",
        report.duplicates_answered,
        "duplicates_answered",
    )
    result.add("every acknowledged check-in stored exactly once", "yes" if report.ok else "NO")
    result.figures["ok"] = report.ok
    return result
