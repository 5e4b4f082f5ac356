"""HTTP load and crash tests of ``POST /api/v1/checkins`` against a server started the
production way (gunicorn, ``vungxanh.wsgi``, the full middleware stack) on the configured
PostgreSQL database.

The load comes from ``wrk`` (Debian's package ``wrk``: C and LuaJIT, a few per cent of a core
at these rates) with the Lua script below making a fresh check-in per request; without it
the benchmark falls back to a Python client, which needs as much CPU as the server it
measures, and says so. Every phase also reports where the machine's CPU went (server,
PostgreSQL, load generator, everything else), read from /proc, so that each figure comes
with what limits it.

Benchmark check-ins carry random UUIDs (so that they land all over the uuid index, as
devices' UUIDs do) ending with the run's own 8-hex-digit tag; they are recorded by the
benchmark account within the last hours, which is how they are found and deleted afterwards
(the BRIN index on check-in time narrows the search to the newest part of the table).

The server is a child process group of the benchmark (``start_new_session``); it is stopped
(or, in the reliability test, killed and restarted) by its own process-group id only."""

from __future__ import annotations

import datetime
import http.client
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
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
HTTP_PORT = 8110
RELIABILITY_PORT = 8111
BENCH_USERNAME = "bench.checkin"
#: How the benchmark starts gunicorn unless told otherwise (--option workers=…,
#: worker_class=…, server_threads=…).
SERVER_WORKER_CLASS = "gthread"
SERVER_THREADS = 2


def server_workers(cores: int) -> int:
    return cores


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
    tag: str = "00000000"  # every benchmark uuid ends with these 8 hex digits
    token_id: int | None = None
    started: datetime.datetime = field(default_factory=timezone.now)


#: Benchmark check-ins start at most this long before the moment they are sent.
MAX_AGE = datetime.timedelta(hours=3)


def new_tag() -> str:
    return f"{random.SystemRandom().getrandbits(32):08x}"


_UUID_RANDOM = random.SystemRandom()  # never repeats across phases, processes or runs


def tagged_uuid(tag: str) -> uuid.UUID:
    return uuid.UUID(f"{_UUID_RANDOM.getrandbits(96):024x}{tag}")


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
    token, raw = account_actions.issue_token(actor=SYSTEM, user=user, name="checkin-http")
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
    analyze_if_never_analyzed(["venues_venue", "geo_adminunit", "people_person"])
    del Venue, Person
    return Fixture(
        token=raw,
        user_id=user.pk,
        venue_codes=[code for _, code in venues],
        venue_ids=[pk for pk, _ in venues],
        person_qrs=[person_qr_text(uuid.UUID(str(pid))) for _, pid in persons],
        person_ids=[pk for pk, _ in persons],
        tag=new_tag(),
        token_id=token.pk,
    )


def finish(fx: Fixture) -> None:
    """Revoke the run's token (each run issues its own)."""
    from vungxanh.accounts import actions as account_actions
    from vungxanh.accounts.models import ApiToken
    from vungxanh.core.scoping import SYSTEM

    if fx.token_id is None:
        return
    token = ApiToken.objects.filter(pk=fx.token_id).first()
    if token is not None:
        account_actions.revoke_token(actor=SYSTEM, token=token)


def analyze_if_never_analyzed(tables: list[str]) -> list[str]:
    """ANALYZE the tables the upload path reads if they never were (statistics only).

    With autovacuum off (as on the shared benchmark machine) a table filled in bulk keeps
    no statistics, and the planner then guesses: 60,000 venues read as about 5,000 made it
    scan them all for every batch of 500 codes (20 ms instead of 2). Production servers run
    autovacuum, which does the same on its own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) "
            "AND last_analyze IS NULL AND last_autoanalyze IS NULL",
            [tables],
        )
        missing = [name for (name,) in cursor.fetchall()]
        for name in missing:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
    return missing


def make_item(fx: Fixture, rng: random.Random) -> dict[str, str]:
    when = timezone.localtime() - datetime.timedelta(minutes=rng.randint(1, 180))
    return {
        "uuid": str(tagged_uuid(fx.tag)),
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
    port, token, venue_codes, person_qrs, batch, seconds, threads, seed, keepalive, tag = args
    fx = Fixture(token, 0, venue_codes, [], person_qrs, [], tag)
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
        (
            port,
            fx.token,
            fx.venue_codes,
            fx.person_qrs,
            batch,
            seconds,
            threads,
            seed,
            keepalive,
            fx.tag,
        )
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

    dsn, venue_ids, person_ids, user_id, batch, seconds, seed, tag = args
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
                    INSERT_ONE,
                    (v, p, i, i + datetime.timedelta(minutes=45), tagged_uuid(tag), user_id),
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
                        [tagged_uuid(tag) for _ in picks],
                    ),
                )
            rows += batch
    return rows


def driver_rate(fx: Fixture, batch: int, seconds: float, connections: int) -> Phase:
    settings_dict = connection.settings_dict
    dsn = (
        f"host={settings_dict['HOST'] or 'localhost'} port={settings_dict['PORT'] or 5432} "
        f"dbname={settings_dict['NAME']} user={settings_dict['USER']}"
        + (f" password={settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else "")
    )
    ctx = get_context("fork")
    args = [
        (dsn, fx.venue_ids, fx.person_ids, fx.user_id, batch, seconds, seed, fx.tag)
        for seed in range(connections)
    ]
    connection.close()  # never share the Django connection with forked children
    meter = CpuMeter(server_pgid=None)
    started = time.perf_counter()
    with ctx.Pool(connections) as pool:
        rows = sum(pool.map(_driver_worker, args))
    elapsed = time.perf_counter() - started
    return Phase(requests=rows // batch, items=rows, errors=0, elapsed=elapsed, cpu=meter.stop())


def cleanup(fx: Fixture) -> int:
    """Delete the run's check-ins, API and driver rows alike (see the module's notes). Where
    autovacuum is off (a benchmark machine), VACUUM the table too: the dead rows and index
    entries a run leaves would otherwise slow the next run's inserts."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM venues_checkin WHERE check_in >= %s AND recorded_by_id = %s "
            "AND right(uuid::text, 8) = %s",
            [fx.started - MAX_AGE - datetime.timedelta(minutes=10), fx.user_id, fx.tag],
        )
        deleted = int(cursor.rowcount)
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0] == "on"
    if deleted and not autovacuum and connection.get_autocommit():
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) venues_checkin")
    return deleted


# --- where the CPU went (Linux /proc) ------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid: str) -> tuple[str, int, float] | None:
    """(command, process group, CPU seconds) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    # fields[0] is the state (field 3); pgrp is field 5, utime/stime fields 14/15.
    return name, int(fields[2]), (int(fields[11]) + int(fields[12])) / _TICK


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the machine since boot, all cores."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / _TICK, total / _TICK


@dataclass
class CpuShare:
    """CPU seconds used during a phase, by whom."""

    wall: float = 0.0
    machine: float = 0.0  # all cores, everything
    capacity: float = 0.0  # wall × cores
    server: float = 0.0  # gunicorn master and workers
    database: float = 0.0  # PostgreSQL: sessions on our database, WAL writer, checkpointer…
    client: float = 0.0  # the load generator (wrk, or the Python client processes)

    @property
    def others(self) -> float:
        return max(0.0, self.machine - self.server - self.database - self.client)


_PG_SHARED = ("checkpointer", "background writer", "walwriter", "autovacuum", "wal ")


def _is_our_postgres(pid: str, database: str) -> bool:
    """A PostgreSQL process working for us: a session on our database, or one of the
    server's shared processes (WAL writer, checkpointer, …); not other databases' sessions."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            title = f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return f" {database} " in title or any(name in title for name in _PG_SHARED)


class CpuMeter:
    """Samples /proc before and after a phase. Processes that start and end inside the
    phase are missed (they count as "others"), except our own children (the load
    generator), counted by rusage."""

    def __init__(self, server_pgid: int | None) -> None:
        self.server_pgid = server_pgid
        self.database = str(connection.settings_dict["NAME"])
        self.available = os.path.exists("/proc/stat")
        self.started = time.perf_counter()
        self.children = self._children()
        self.before = self._sample() if self.available else {}
        self.busy_before = _machine_busy()[0] if self.available else 0.0

    @staticmethod
    def _children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def _sample(self) -> dict[str, tuple[str, float]]:
        out: dict[str, tuple[str, float]] = {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            stat = _proc_stat(pid)
            if stat is None:
                continue
            name, pgrp, cpu = stat
            if self.server_pgid is not None and pgrp == self.server_pgid:
                out[pid] = ("server", cpu)
            elif name.startswith("postgres") and _is_our_postgres(pid, self.database):
                out[pid] = ("database", cpu)
        return out

    def stop(self) -> CpuShare:
        share = CpuShare(wall=time.perf_counter() - self.started)
        share.client = self._children() - self.children
        if not self.available:
            return share
        share.machine = _machine_busy()[0] - self.busy_before
        share.capacity = share.wall * (os.cpu_count() or 1)
        for pid, (kind, cpu) in self._sample().items():
            used = cpu - self.before.get(pid, (kind, 0.0))[1]
            if kind == "server":
                share.server += used
            else:
                share.database += used
        return share


@dataclass
class Phase:
    requests: int
    items: int
    errors: int
    elapsed: float
    latencies_ms: list[float] = field(default_factory=list)
    p50_ms: float | None = None
    p99_ms: float | None = None
    cpu: CpuShare = field(default_factory=CpuShare)
    error_samples: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.items / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        if q == 50 and self.p50_ms is not None:
            return self.p50_ms
        if q == 99 and self.p99_ms is not None:
            return self.p99_ms
        return percentile(self.latencies_ms, q)


# --- the load generator: wrk ---------------------------------------------------------------------

WRK_SCRIPT = r"""
-- vungxanh check-in load: a new check-in (or batch) per request, unique uuids.
-- Globals, not locals: wrk reads them from each thread (thread:get) and sets tid.
codes, qrs = {}, {}
token, tag, batch, tid = nil, nil, 1, 0
counter, created, refused, bad, samples = 0, 0, 0, 0, {}
threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local function lines(path, into)
  for line in io.lines(path) do
    if #line > 0 then into[#into + 1] = line end
  end
end

function init(args)
  token, tag, batch = args[1], args[2], tonumber(args[3])
  lines(args[4], codes)
  lines(args[5], qrs)
  math.randomseed(tonumber(args[6]) + tid * 7919)  -- a fresh seed per phase and thread
  wrk.method = "POST"
  wrk.path = "/api/v1/checkins/"
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
end

local function item()
  counter = counter + 1
  -- random (a device's UUID lands anywhere in the index), then thread, counter and tag
  local id = string.format("%08x-%04x-4%03x-%04x-%04x%s", math.random(0, 2147483647),
    counter % 65536, math.random(0, 4095), 32768 + tid * 256 + math.random(0, 255),
    math.random(0, 65535), tag)
  local at = os.date("!%Y-%m-%dT%H:%M:%S+00:00", os.time() - math.random(60, 10800))
  return '{"uuid":"' .. id .. '","venue":"' .. codes[math.random(#codes)] ..
    '","qr":"' .. qrs[math.random(#qrs)] .. '","check_in":"' .. at .. '"}'
end

function request()
  local body
  if batch == 1 then
    body = item()
  else
    local parts = {}
    for i = 1, batch do parts[i] = item() end
    body = '{"items":[' .. table.concat(parts, ",") .. ']}'
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if batch == 1 then
    if status == 201 then created = created + 1 else
      bad = bad + 1
      if #samples < 3 then samples[#samples + 1] = status .. " " .. string.sub(body, 1, 200) end
    end
  elseif status == 200 then
    created = created + (tonumber(string.match(body, '"created":%s*(%d+)')) or 0)
    local r = tonumber(string.match(body, '"refused":%s*(%d+)')) or 0
    refused = refused + r
    if r > 0 and #samples < 3 then samples[#samples + 1] = string.sub(body, 1, 200) end
  else
    bad = bad + 1
    if #samples < 3 then samples[#samples + 1] = status .. " " .. string.sub(body, 1, 200) end
  end
end

function done(summary, latency, requests)
  local c, r, b, s = 0, 0, 0, {}
  for _, thread in ipairs(threads) do
    c = c + thread:get("created")
    r = r + thread:get("refused")
    b = b + thread:get("bad")
    for _, x in ipairs(thread:get("samples")) do s[#s + 1] = x end
  end
  local e = summary.errors
  local q = function(x) return string.format("%q", x):gsub("\\\n", "\\n") end
  local quoted = {}
  for i, x in ipairs(s) do quoted[i] = q(x) end
  io.write(string.format(
    'VXJSON {"requests":%d,"duration_us":%d,"created":%d,"refused":%d,"bad_status":%d,' ..
    '"socket_errors":%d,"timeouts":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"samples":[%s]}\n',
    summary.requests, summary.duration, c, r, b,
    e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, table.concat(quoted, ",")))
end
"""


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_wrk(
    *,
    port: int,
    fx: Fixture,
    batch: int,
    seconds: float,
    connections: int,
    threads: int = 1,
    server_pgid: int | None = None,
) -> Phase:
    """One phase of load from wrk: ``connections`` clients each waiting for its answer
    before the next request (closed loop), for ``seconds``."""
    wrk = wrk_path()
    if wrk is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk)")
    with tempfile.TemporaryDirectory(prefix="vx-wrk-") as tmp:
        script = os.path.join(tmp, "checkins.lua")
        codes = os.path.join(tmp, "codes.txt")
        qrs = os.path.join(tmp, "qrs.txt")
        with open(script, "w") as f:
            f.write(WRK_SCRIPT)
        with open(codes, "w") as f:
            f.write("\n".join(fx.venue_codes))
        with open(qrs, "w") as f:
            f.write("\n".join(fx.person_qrs))
        command = [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            script,
            f"http://{HOST}:{port}/api/v1/checkins/",
            "--",
            fx.token,
            fx.tag,
            str(batch),
            codes,
            qrs,
            str(_UUID_RANDOM.getrandbits(30)),
        ]
        meter = CpuMeter(server_pgid)
        done = subprocess.run(  # noqa: S603 - Debian's wrk with our own arguments
            command, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
        cpu = meter.stop()
    line = next((x for x in done.stdout.splitlines() if x.startswith("VXJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {done.stdout[-500:]} {done.stderr[-500:]}")
    data = json.loads(line[len("VXJSON ") :])
    items = int(data["created"])
    return Phase(
        requests=int(data["requests"]),
        items=items,
        errors=int(data["refused"] + data["bad_status"] + data["socket_errors"]),
        elapsed=int(data["duration_us"]) / 1e6,
        p50_ms=int(data["p50_us"]) / 1000,
        p99_ms=int(data["p99_us"]) / 1000,
        cpu=cpu,
        error_samples=[str(x) for x in data["samples"]]
        + ([f"{data['timeouts']} timeouts"] if data["timeouts"] else []),
    )


def run_python_client(
    *,
    port: int,
    fx: Fixture,
    batch: int,
    seconds: float,
    connections: int,
    keepalive: bool,
    server_pgid: int | None = None,
) -> Phase:
    processes = 2 if connections >= 4 else 1
    meter = CpuMeter(server_pgid)
    merged, elapsed = run_load(
        port=port,
        fx=fx,
        batch=batch,
        seconds=seconds,
        processes=processes,
        threads=max(1, connections // processes),
        keepalive=keepalive,
    )
    return Phase(
        requests=merged.requests,
        items=merged.items,
        errors=merged.errors,
        elapsed=elapsed,
        latencies_ms=merged.latencies_ms,
        cpu=meter.stop(),
        error_samples=merged.error_samples,
    )


def _add_phase(result: BenchResult, label: str, key: str, phase: Phase, unit_items: str) -> None:
    result.add(f"{label}: {unit_items}/s", phase.rate, f"{key}_per_s", "/s")
    result.add(f"{label}: p50 latency", phase.percentile(50), f"{key}_p50_ms", "ms")
    result.add(f"{label}: p99 latency", phase.percentile(99), f"{key}_p99_ms", "ms")
    result.add(f"{label}: requests", phase.requests, f"{key}_requests")
    result.add(f"{label}: errors", phase.errors, f"{key}_errors")
    _add_cpu(result, label, key, phase)


def _add_cpu(result: BenchResult, label: str, key: str, phase: Phase) -> None:
    cpu = phase.cpu
    if not cpu.capacity or not phase.items:
        return
    per = 1e6 / phase.items  # CPU µs per check-in
    result.add(
        f"{label}: machine CPU busy",
        100 * cpu.machine / cpu.capacity,
        f"{key}_cpu_busy_pct",
        "%",
    )
    if cpu.server:
        result.add(
            f"{label}: CPU per check-in server/db/client/others",
            f"{cpu.server * per:.0f}/{cpu.database * per:.0f}/{cpu.client * per:.0f}/"
            f"{cpu.others * per:.0f} µs",
        )
    else:  # the driver's own database sessions come and go within the phase: in "rest"
        result.add(
            f"{label}: CPU per row client/rest (database and others)",
            f"{cpu.client * per:.0f}/{(cpu.machine - cpu.client) * per:.0f} µs",
        )
    result.figures[f"{key}_cpu_us"] = {
        "server": round(cpu.server * per, 1),
        "database": round(cpu.database * per, 1),
        "client": round(cpu.client * per, 1),
        "others": round(cpu.others * per, 1),
    }
    ours = cpu.server + cpu.database + cpu.client
    if cpu.server and ours:
        # If nothing else ran: every core busy with this work alone (an estimate: it
        # assumes the CPU per check-in stays as measured and nothing waits on the disk).
        ceiling = phase.items * cpu.capacity / cpu.wall / ours
        result.add(
            f"{label}: CPU ceiling on this machine without other load (estimate)",
            ceiling,
            f"{key}_cpu_ceiling_per_s",
            "/s",
        )


def bench_checkin_http(options: dict[str, Any]) -> BenchResult:
    """POST /api/v1/checkins against gunicorn: single check-ins and batches, with the floor of
    bare driver inserts and where the CPU went."""
    if connection.vendor != "postgresql":
        raise SystemExit("checkin-http needs PostgreSQL (DATABASE_URL=postgres://…)")
    seconds = float(options.get("seconds") or 15)
    cores = os.cpu_count() or 2
    workers = int(options.get("workers") or server_workers(cores))
    worker_class = str(options.get("worker_class") or SERVER_WORKER_CLASS)
    server_threads = int(options.get("server_threads") or SERVER_THREADS)
    clients = int(options.get("clients") or 16)
    batch_clients = int(options.get("batch_clients") or 4)
    client_kind = str(options.get("client") or ("wrk" if wrk_path() else "python"))
    keepalive = worker_class != "sync"
    result = BenchResult(
        f"Check-in API under load ({workers} gunicorn {worker_class} workers"
        + (f" × {server_threads} threads" if worker_class == "gthread" else "")
        + f", {clients} clients, {seconds:.0f} s per phase, load from {client_kind})"
    )
    if client_kind == "python":
        result.add(
            "load generator",
            "Python client"
            + ("" if wrk_path() else " (wrk not found: apt-get install wrk)")
            + "; it competes with the server for the same cores: the figures are lower bounds",
        )
    load_before = os.getloadavg()[0]
    fx = prepare()
    server = Server(HTTP_PORT, workers, worker_class, server_threads)
    server.start()
    pgid = server.process.pid if server.process is not None else None

    def load(batch: int, duration: float, conns: int) -> Phase:
        if client_kind == "wrk":
            return run_wrk(
                port=HTTP_PORT,
                fx=fx,
                batch=batch,
                seconds=duration,
                connections=conns,
                server_pgid=pgid,
            )
        return run_python_client(
            port=HTTP_PORT,
            fx=fx,
            batch=batch,
            seconds=duration,
            connections=conns,
            keepalive=keepalive,
            server_pgid=pgid,
        )

    try:
        try:
            load(1, 3, clients)  # warm up every worker (imports, connections, caches)
            single = load(1, seconds, clients)
            light = load(1, max(3.0, seconds / 3), 2)
            load(500, 3, batch_clients)
            batched = load(500, seconds, batch_clients)
        finally:
            server.stop()
            finish(fx)
        driver_single = driver_rate(fx, 1, min(seconds, 10), clients)
        driver_batch = driver_rate(fx, 500, min(seconds, 10), batch_clients)
    finally:
        # the run's rows go even when a phase failed (unless keep=1 asks to keep them)
        cleaned = None if options.get("keep") else cleanup(fx)
    _add_phase(result, f"single, {clients} clients", "single", single, "check-ins")
    _add_phase(result, "single, 2 clients", "light", light, "check-ins")
    _add_phase(result, f"batches of 500, {batch_clients} clients", "batch", batched, "check-ins")
    result.add(
        f"driver, single-row autocommit INSERTs, {clients} connections: rows/s",
        driver_single.rate,
        "driver_single_per_s",
        "/s",
    )
    _add_cpu(result, "driver single", "driver_single", driver_single)
    result.add(
        f"driver, 500-row INSERTs, {batch_clients} connections: rows/s",
        driver_batch.rate,
        "driver_batch_per_s",
        "/s",
    )
    _add_cpu(result, "driver batch", "driver_batch", driver_batch)
    result.add("errors (all phases)", single.errors + light.errors + batched.errors, "errors")
    for sample in (single.error_samples + light.error_samples + batched.error_samples)[:3]:
        result.add("error sample", sample[:120])
    result.figures["workers"] = workers
    result.figures["worker_class"] = worker_class
    result.figures["server_threads"] = server_threads
    result.figures["client"] = client_kind
    result.figures["load_before"] = round(load_before, 2)
    result.add("load average (1 min) before the run", load_before)
    if cleaned is not None:
        result.add("benchmark rows deleted afterwards", cleaned, "cleaned")
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
    max_outage_s: float = 60.0,
) -> ReliabilityReport:
    """Send ``items`` check-ins in batches with retries (same uuids until acknowledged)
    while the server is SIGKILLed ``kills`` times and restarted; then count what is stored.

    The retries are bounded: a batch that gets no answer for ``max_outage_s`` seconds, or a
    failure of the thread that kills and restarts the server (gunicorn does not come back),
    ends the run with :class:`RuntimeError` instead of retrying forever."""
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
    killer_errors: list[BaseException] = []

    def killer() -> None:
        # Kill at evenly spaced points of the upload, while requests are in flight.
        nonlocal killed
        try:
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
        except BaseException as exc:  # reported by the client loop, which then stops
            killer_errors.append(exc)

    thread = threading.Thread(target=killer)
    thread.start()
    headers = {"Authorization": f"Bearer {fx.token}", "Content-Type": "application/json"}
    try:
        for start in range(0, len(pending), batch):
            chunk = pending[start : start + batch]
            give_up_at = time.monotonic() + max_outage_s
            while True:
                if killer_errors:
                    raise RuntimeError(
                        f"restarting the server failed: {killer_errors[0]}"
                    ) from killer_errors[0]
                if time.monotonic() > give_up_at:
                    raise RuntimeError(
                        f"no answer for {max_outage_s:.0f} s after {retries} retries "
                        f"({len(acknowledged)} of {len(uuids)} acknowledged)"
                    )
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
    except BaseException:
        done.set()
        thread.join()
        server.stop()
        from vungxanh.venues.models import CheckIn

        CheckIn.objects.filter(uuid__in=uuids).delete()  # nothing of the failed run is left
        finish(fx)
        raise
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
    finish(fx)
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
