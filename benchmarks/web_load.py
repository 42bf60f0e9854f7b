"""Load on ``goaltrack serve``: concurrent readers and writers against the national database.

    .venv/bin/python benchmarks/web_load.py [--quick] [--backend sqlite pg] [--workers 1 2]
    .venv/bin/python benchmarks/run.py --only web          # the same, in run.py's table

It starts the real server (``goaltrack --db URL serve --port 0 --no-access-log``, and with
``--workers 2``) on 127.0.0.1 with a copy of the national database of ``run.py`` (98 plans,
2,940,000 measurements; built once and cached there) and people added through
``goaltrack.people.accounts``, then, for each database and worker count:

- readers: N threads (20), each an ``httpx.Client`` signed in through the form (its own cookie
  jar), loop for a bounded time over the dashboard ``/plans/{slug}`` and the indicator page
  of random plans and indicators it may view; per-request latency, p50/p95/p99, errors and
  throughput. The baseline, measured in the same run against the same server by the same
  client loop: ``GET /static/robots.txt``.
- writers: 50 contributors (each contributor for one plan or for one indicator) wait at a
  barrier, then each records K values of its own indicator (different periods) through the
  real HTTP endpoint. Afterwards the database is counted: every acknowledged write is there
  exactly once (the current measurement, or a submitted review entry on the plan whose review
  is required), nothing is duplicated (one current row per indicator, period and breakdown),
  nothing acknowledged is lost; failures (5xx, 409, "database is locked") are reported.

Both on SQLite (WAL) and on PostgreSQL: a cluster of our own, kept in the cache (initdb +
pg_ctl as the postgres user, like ``.ci/pg.sh``), unless ``GOALTRACK_TEST_PG_URL`` names a
server. The national data is copied there once with ``goaltrack db copy`` (timed, into
database ``gt_web_national``); each run starts from ``CREATE DATABASE ... TEMPLATE`` of it.

The machine's other load falls on the server and on these client threads (same 2 cores):
the ratio to the trivial endpoint is the figure to compare between runs. Raw results:
``benchmarks/.cache/web-results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402
import run as bench  # noqa: E402

PASSWORD = "bench-password-1"  # synthetic people of a throwaway database
READERS, WRITERS = 20, 50
REVIEW_PLAN = 98  # the plan whose values wait for an approver (review: required) in the copy
REVIEW_WRITERS = 10  # of the 50 writers, these record on REVIEW_PLAN (their values become entries)
PREP_VERSION = "2"  # bump when what prepare() adds changes
P95_TARGET_MS = 100.0
ROUNDS = 2  # the reader phase alternates pages and baseline this many times

# Where the readers and writers go: change these when the routes change.
DASHBOARD_URL = "/plans/{slug}"
INDICATOR_URLS = {"page": "/plans/{slug}/indicators/{code}", "api": "/api/v1/plans/{slug}/indicators/{code}"}
BASELINE_URL = "/static/robots.txt"
WRITE_URLS = {"api": "/api/v1/plans/{slug}/indicators/{code}/values",
              "form": "/plans/{slug}/indicators/{code}/record"}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')

log = bench.log


# --------------------------------------------------------------------------- the people


@dataclass
class Person:
    login: str
    role: str
    plans: list[str]  # the plans they may view (readers) or record in (writers)
    scope: str = "plan"  # plan | indicator
    indicator: str = ""  # the indicator a writer records
    token: str = ""


def people() -> list[Person]:
    """20 readers (each viewer of 5 plans spread over the 98), 50 contributors (each for one
    plan or one indicator: alternately), 1 approver of the review plan."""
    codes = [c for c, _unit in generate.indicator_codes()]
    out = [Person(f"reader{i:02d}", "viewer", [generate.slug(1 + (i + 20 * j) % bench.PLANS) for j in range(5)])
           for i in range(READERS)]
    for w in range(WRITERS):
        review = w >= WRITERS - REVIEW_WRITERS
        plan = generate.slug(REVIEW_PLAN if review else 1 + (w * 2) % (bench.PLANS - 1))
        # distinct indicators of one plan when two writers share it
        out.append(Person(f"writer{w:02d}", "contributor", [plan], "indicator" if w % 2 else "plan",
                          codes[(w * 37) % len(codes)]))
    out.append(Person("approver", "approver", [generate.slug(REVIEW_PLAN)]))
    return out


def prepare(paths: dict[str, Path]) -> tuple[Path, list[Person]]:
    """A copy of the national database with the people and their API tokens (cached next to
    it; rebuilt when the national database or this preparation changes)."""
    from goaltrack.context import AppContext
    from goaltrack.people import accounts

    nat = paths["national_db"]
    base, meta = nat.with_name("web-base.db"), nat.with_name("web-base.json")
    key = f"{PREP_VERSION}:{nat.stat().st_size}:{nat.stat().st_mtime_ns}"
    if base.exists() and meta.exists() and json.loads(meta.read_text())["key"] == key:
        return base, [Person(**p) for p in json.loads(meta.read_text())["people"]]
    t = time.perf_counter()
    log("web: preparing a copy of the national database with 72 people")
    tmp = base.with_suffix(".tmp")
    bench._remove_db(tmp)
    shutil.copyfile(nat, tmp)
    engine = AppContext(db=str(tmp)).engine()
    accounts.add_person(engine, "admin", "Bench Admin", email=None, password=PASSWORD, actor=None)  # first: admin
    with engine.connect() as conn:
        admin = accounts.actor_for_login(conn, "admin")
    crowd = people()
    for p in crowd:
        accounts.add_person(engine, p.login, f"Bench {p.login}", email=None, password=None, actor=admin)
        accounts.set_password(engine, p.login, PASSWORD, actor=admin)
        for slug in p.plans:
            if p.scope == "indicator":
                accounts.grant(engine, p.login, p.role, slug, "indicator", p.indicator, actor=admin)
            else:
                accounts.grant(engine, p.login, p.role, slug, "plan", "", actor=admin)
        p.token = accounts.create_token(engine, p.login, "web-load", 3650, actor=admin).token
    with engine.begin() as conn:  # the plan file would say `review: required`; the copy says it here
        from sqlalchemy import text

        conn.execute(text("UPDATE plan SET review = 'required' WHERE slug = :s"), {"s": generate.slug(REVIEW_PLAN)})
    engine.dispose()
    bench._checkpoint(tmp)
    tmp.replace(base)
    meta.write_text(json.dumps({"key": key, "people": [asdict(p) for p in crowd]}, indent=1))
    log(f"web: prepared in {time.perf_counter() - t:.0f} s")
    return base, crowd


# --------------------------------------------------------------------------- PostgreSQL


class Postgres:
    """A PostgreSQL server holding ``gt_web_national`` (a copy of the prepared database):
    ``GOALTRACK_TEST_PG_URL``'s server, or a cluster of our own kept in the cache and started
    for the run (as ``.ci/pg.sh`` does it: initdb and pg_ctl as the postgres user)."""

    NATIONAL, RUN = "gt_web_national", "gt_web_run"

    def __init__(self, cache: Path) -> None:
        self.data = cache / "pg"
        self.given = os.environ.get("GOALTRACK_TEST_PG_URL")
        self.port = 0
        self.bin: Path | None = None
        self.copy_seconds: float | None = None

    def _as_pg(self, *cmd: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *cmd], check=True, cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        if self.given:
            return
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
        if not bins:
            raise bench.Failed("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
        self.bin = bins[-1].parent
        if not (self.data / "PG_VERSION").exists():
            shutil.rmtree(self.data, ignore_errors=True)
            self.data.mkdir(parents=True)
            if os.geteuid() == 0:
                shutil.chown(self.data, "postgres", "postgres")
            self._as_pg(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E",
                        "UTF8", "--no-locale")
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._as_pg(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.data / "server.log"), "-w",
                    "-t", "60", "-o", f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' "
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                    "start")

    def stop(self) -> None:
        if self.bin is not None and (self.data / "postmaster.pid").exists():
            self._as_pg(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def url(self, db: str) -> str:
        if self.given:
            from sqlalchemy.engine import make_url

            return make_url(self.given).set(database=db).render_as_string(hide_password=False)
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"

    def _admin(self, *sql: str) -> list[Any]:
        import psycopg

        dsn = self.url("postgres").replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, autocommit=True) as conn:
            return [conn.execute(q).fetchall() if q.lstrip().upper().startswith("SELECT") else conn.execute(q)
                    for q in sql]

    def national(self, base: Path, key: str) -> None:
        """Copy the prepared SQLite database into ``gt_web_national`` unless it holds it already
        (its COMMENT is the preparation's key)."""
        got = self._admin(f"SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                          f"WHERE datname = '{self.NATIONAL}'")[0]
        if got and got[0][0] == key:
            return
        log(f"web: copying the national database into PostgreSQL ({self.NATIONAL}; once, then cached)")
        self._admin(f"DROP DATABASE IF EXISTS {self.NATIONAL}", f"CREATE DATABASE {self.NATIONAL}")
        t = time.perf_counter()
        bench.run(bench.gt("db", "copy", "--to", self.url(self.NATIONAL), db=base), cwd=base.parent)
        self.copy_seconds = time.perf_counter() - t
        log(f"web: goaltrack db copy to PostgreSQL took {self.copy_seconds:.0f} s")
        import psycopg

        with psycopg.connect(self.url(self.NATIONAL).replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")  # the planner's statistics, as a server in use has them
        self._admin(f"COMMENT ON DATABASE {self.NATIONAL} IS '{key}'")

    def fresh(self) -> str:
        self._admin(f"DROP DATABASE IF EXISTS {self.RUN} WITH (FORCE)",
                    f"CREATE DATABASE {self.RUN} TEMPLATE {self.NATIONAL}")
        return self.url(self.RUN)


# --------------------------------------------------------------------------- the server


class Server:
    """``goaltrack --db URL serve --port 0 --no-access-log [--workers N]`` as a subprocess."""

    def __init__(self, db_url: str, workers: int, logfile: Path) -> None:
        self.db_url, self.workers, self.logfile = db_url, workers, logfile
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = ""
        self.usage: Any = None

    def __enter__(self) -> Server:
        cmd = [bench.GOALTRACK, "--db", self.db_url, "serve", "--port", "0", "--no-access-log"]
        if self.workers > 1:
            cmd += ["--workers", str(self.workers)]
        self._log = self.logfile.open("wb")
        self.proc = subprocess.Popen(cmd, env=bench.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._log, start_new_session=True)
        found: list[str] = []

        def pump() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                self._log.write(line)
                self._log.flush()
                m = re.search(rb"goaltrack is serving .* at (http://127\.0\.0\.1:\d+)/", line)
                if m:
                    found.append(m.group(1).decode())

        threading.Thread(target=pump, daemon=True).start()
        import httpx

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise bench.Failed(f"goaltrack serve exited {self.proc.returncode}: "
                                   f"{self.logfile.read_text(errors='replace')[-2000:]}")
            if found:
                try:
                    if httpx.get(found[0] + "/signin", timeout=2).status_code == 200:
                        self.base = found[0]
                        return self
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        self.__exit__()
        raise bench.Failed("goaltrack serve did not answer GET /signin within 90 s")

    def __exit__(self, *_exc: object) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        os.kill(self.proc.pid, signal.SIGINT)  # uvicorn shuts down (and its workers) on Ctrl-C
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
                if pid:
                    self.proc.returncode, self.usage = os.waitstatus_to_exitcode(status), usage
                    break
                time.sleep(0.1)
            else:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        finally:
            self._log.close()


# --------------------------------------------------------------------------- clients


def client(base: str, person: Person | None = None, *, sign_in: bool = True) -> Any:
    """An ``httpx.Client`` of its own (cookie jar), signed in through the form as ``person``."""
    import httpx

    c = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
    if person is not None and sign_in:
        csrf = CSRF.search(c.get("/signin").text)
        r = c.post("/signin", data={"login": person.login, "password": PASSWORD, "csrf": csrf.group(1) if csrf else "",
                                    "next": "/"})
        if r.status_code != 303:
            raise bench.Failed(f"sign-in of {person.login}: HTTP {r.status_code}")
    return c


@dataclass
class Sample:
    kind: str
    at: float
    ms: float
    status: int  # 0: no answer (connection error, timeout)


def loop(c: Any, pick: Callable[[random.Random], tuple[str, str, dict[str, str]]], seconds: float, seed: int,
         out: list[Sample]) -> None:
    import httpx

    rng = random.Random(seed)
    until = time.perf_counter() + seconds
    while (t0 := time.perf_counter()) < until:
        kind, path, headers = pick(rng)
        try:
            status = c.get(path, headers=headers).status_code
        except httpx.HTTPError:
            status = 0
        out.append(Sample(kind, t0, (time.perf_counter() - t0) * 1000, status))


def drive(clients: Sequence[Any], picks: Sequence[Callable[[random.Random], tuple[str, str, dict[str, str]]]],
          seconds: float) -> tuple[list[Sample], float]:
    """Every client in its own thread, all for ``seconds``; the samples and the elapsed time."""
    outs: list[list[Sample]] = [[] for _ in clients]
    threads = [threading.Thread(target=loop, args=(c, p, seconds, i, o))
               for i, (c, p, o) in enumerate(zip(clients, picks, outs, strict=True))]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return [s for o in outs for s in o], time.perf_counter() - t


def pct(values: Sequence[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, max(0, round(q / 100 * len(v) + 0.5) - 1))] if v else float("nan")


def summary(samples: Sequence[Sample], seconds: float) -> dict[str, Any]:
    ok = [s.ms for s in samples if s.status == 200]
    return {"count": len(samples), "errors": sum(1 for s in samples if s.status != 200),
            "statuses": sorted({s.status for s in samples}), "p50_ms": pct(ok, 50), "p95_ms": pct(ok, 95),
            "p99_ms": pct(ok, 99), "max_ms": max(ok, default=float("nan")), "per_s": len(samples) / seconds}


def routes(c: Any, reader: Person, how: str) -> tuple[str, str]:
    """The indicator URL readers use and the write endpoint: what this server has."""
    page = c.get(INDICATOR_URLS["page"].format(slug=reader.plans[0], code="I01-K01")).status_code == 200
    api = c.get("/api/v1/openapi.json").json().get("paths", {}) if how != "form" else {}
    wr = "api" if how == "api" or (how == "auto" and WRITE_URLS["api"] in api) else "form"
    return ("page" if page else "api"), wr


def warm_up(clients: Sequence[Any], readers: Sequence[Person], indicator: str,
            auth_for: Callable[[Person], dict[str, str]], rounds: int) -> float:
    """Not counted: every plan's dashboard and one indicator page of it, ``rounds`` times (each
    worker process has its own report cache), the clients at once; the seconds it took."""
    jobs = [(c, p, slug) for _ in range(rounds) for c, p in zip(clients, readers, strict=True) for slug in p.plans]
    lock = threading.Lock()

    def work(c: Any) -> None:
        while True:
            with lock:
                mine = next((j for j in jobs if j[0] is c), None)
                if mine is None:
                    return
                jobs.remove(mine)
            _c, p, slug = mine
            c.get(DASHBOARD_URL.format(slug=slug))
            c.get(INDICATOR_URLS[indicator].format(slug=slug, code="I01-K01"), headers=auth_for(p))

    t = time.perf_counter()
    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - t


def read_phase(base: str, readers: Sequence[Person], seconds: float, indicator: str, workers: int) -> dict[str, Any]:
    codes = [c for c, _unit in generate.indicator_codes()]
    clients = [client(base, p) for p in readers]

    def pick_for(p: Person) -> Callable[[random.Random], tuple[str, str, dict[str, str]]]:
        auth = {"Authorization": f"Bearer {p.token}"} if indicator == "api" else {}

        def pick(rng: random.Random) -> tuple[str, str, dict[str, str]]:
            slug = rng.choice(p.plans)
            if rng.random() < 0.5:
                return "dashboard", DASHBOARD_URL.format(slug=slug), {}
            return "indicator", INDICATOR_URLS[indicator].format(slug=slug, code=rng.choice(codes)), auth
        return pick

    def trivial(_rng: random.Random) -> tuple[str, str, dict[str, str]]:
        return "baseline", BASELINE_URL, {}

    try:
        warm_s = warm_up(clients, readers, indicator, auth_for=lambda p: pick_for(p)(random.Random(0))[2],
                         rounds=workers)
        # pages, baseline, pages, baseline: the machine's other load falls on both alike
        pages: list[Sample] = []
        base_samples: list[Sample] = []
        t_pages = t_base = 0.0
        for i in range(ROUNDS):
            log(f"  {len(clients)} readers for {seconds / ROUNDS:.0f} s (dashboard + indicator {indicator}), "
                f"then GET {BASELINE_URL} as long (baseline) ({i + 1}/{ROUNDS})")
            got, t = drive(clients, [pick_for(p) for p in readers], seconds / ROUNDS)
            pages, t_pages = pages + got, t_pages + t
            got, t = drive(clients, [trivial] * len(clients), seconds / ROUNDS)
            base_samples, t_base = base_samples + got, t_base + t
    finally:
        for c in clients:
            c.close()
    out = {kind: summary([s for s in pages if s.kind == kind], t_pages) for kind in ("dashboard", "indicator")}
    out["pages (both)"] = summary(pages, t_pages)
    out["baseline"] = summary(base_samples, t_base)
    out["indicator_url"] = INDICATOR_URLS[indicator]
    out["warm_up_s"] = warm_s
    return out


# --------------------------------------------------------------------------- writers


@dataclass
class Write:
    login: str
    slug: str
    code: str
    period: str
    value: str
    review: bool
    status: int = 0
    result: str = ""
    ms: float = 0.0
    error: str = ""
    entry: int | None = None  # the review entry it filed (API only)
    approvals: list[int] = field(default_factory=list)  # the statuses of the approver's two tries


def write_phase(base: str, writers: Sequence[Person], values: int, how: str) -> dict[str, Any]:
    """Every writer waits at one barrier, then records ``values`` values of its indicator."""
    import httpx

    review_slug = generate.slug(REVIEW_PLAN)
    clients = [client(base, p, sign_in=how == "form") for p in writers]
    csrfs = [CSRF.search(c.get(DASHBOARD_URL.format(slug=p.plans[0])).text) if how == "form" else None
             for c, p in zip(clients, writers, strict=True)]
    plans = [(w, [Write(p.login, p.plans[0], p.indicator, f"{2021 + k // 12}M{k % 12 + 1:02d}",
                        f"{10 + w + k / 100 + 0.001:.3f}", p.plans[0] == review_slug) for k in range(values)])
             for w, p in enumerate(writers)]
    barrier = threading.Barrier(len(writers))

    def one(i: int) -> None:
        c, p, todo = clients[i], writers[i], plans[i][1]
        barrier.wait()
        for wr in todo:
            url = WRITE_URLS[how].format(slug=wr.slug, code=wr.code)
            t0 = time.perf_counter()
            try:
                if how == "api":
                    r = c.post(url, json={"period": wr.period, "value": wr.value, "note": "web_load",
                                          "submit": wr.review}, headers={"Authorization": f"Bearer {p.token}"})
                    answer = r.json() if r.status_code < 300 else {}
                    wr.result, wr.entry = answer.get("result") or "", answer.get("entry")
                else:
                    m = csrfs[i]
                    data = {"csrf": m.group(1) if m else "", "period": wr.period, "value": wr.value,
                            "note": "web_load"}
                    if wr.review:
                        data["submit"] = "1"
                    r = c.post(url, data=data)
                    wr.result = "redirect" if r.status_code == 303 else ""
                wr.status = r.status_code
                if r.status_code >= 300 and r.status_code != 303:
                    wr.error = r.text[:300]
            except httpx.HTTPError as exc:
                wr.error = f"{type(exc).__name__}: {exc}"
            wr.ms = (time.perf_counter() - t0) * 1000

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(writers))]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    for c in clients:
        c.close()
    writes = [wr for _w, todo in plans for wr in todo]
    ok = [wr.ms for wr in writes if wr.result]
    return {"writes": writes, "seconds": elapsed, "via": how, "p50_ms": pct(ok, 50), "p95_ms": pct(ok, 95),
            "max_ms": max(ok, default=float("nan"))}


def approve_phase(base: str, approver: Person, writes: Sequence[Write], threads: int = 10) -> dict[str, Any]:
    """The approver approves every filed entry twice at once (two threads race for each):
    exactly one may win (200), the other must lose cleanly (409), and the value becomes
    current once."""
    import httpx

    jobs = [w for w in writes if w.entry is not None for _ in range(2)]
    random.Random(1).shuffle(jobs)
    lock, barrier = threading.Lock(), threading.Barrier(threads)
    times: list[float] = []

    def work() -> None:
        with client(base, None) as c:
            barrier.wait()
            while True:
                with lock:
                    if not jobs:
                        return
                    w = jobs.pop()
                t0 = time.perf_counter()
                try:
                    status = c.post(f"/api/v1/review/{w.entry}/approve",
                                    headers={"Authorization": f"Bearer {approver.token}"}).status_code
                except httpx.HTTPError:
                    status = 0
                with lock:
                    w.approvals.append(status)
                    times.append((time.perf_counter() - t0) * 1000)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    filed = [w for w in writes if w.entry is not None]
    return {"entries": len(filed), "approved_once": sum(1 for w in filed if sorted(w.approvals) == [200, 409]),
            "approvals_200": sum(w.approvals.count(200) for w in filed),
            "approvals_409": sum(w.approvals.count(409) for w in filed),
            "approvals_other": sum(1 for w in filed for st in w.approvals if st not in (200, 409)),
            "approve_p95_ms": pct(times, 95)}


def count_writes(db_url: str, writes: Sequence[Write]) -> dict[str, Any]:
    """What the database holds afterwards, for every write acknowledged or not."""
    from sqlalchemy import text

    from goaltrack.context import AppContext

    engine = AppContext(db=db_url).engine()
    acked = [w for w in writes if w.result]
    lost, extra, landed_anyway = [], [], []
    with engine.connect() as conn:
        dup = conn.execute(text(
            "SELECT count(*) FROM (SELECT indicator_id, period_code, breakdown FROM measurement "
            "WHERE superseded_at IS NULL GROUP BY indicator_id, period_code, breakdown HAVING count(*) > 1) d"
        )).scalar_one()
        for w in writes:
            if w.review and 200 in w.approvals:  # approved: the current value, written by the approval
                n = conn.execute(text(
                    "SELECT count(*) FROM measurement m JOIN review_entry e ON e.id = m.review_entry_id "
                    "WHERE m.review_entry_id = :e AND e.state = 'approved' AND m.superseded_at IS NULL "
                    "AND abs(m.value - :v) < 1e-9"), {"e": w.entry, "v": float(w.value)}).scalar_one()
            elif w.review:
                n = conn.execute(text(
                    "SELECT count(*) FROM review_entry e JOIN pending_measurement pm ON pm.entry_id = e.id "
                    "AND pm.revision = e.revision JOIN indicator i ON i.id = pm.indicator_id "
                    "JOIN plan p ON p.id = i.plan_id WHERE p.slug = :s AND e.author = :a AND e.target_code = :c "
                    "AND e.period_code = :per AND e.state = 'submitted' AND abs(pm.value - :v) < 1e-9"),
                    {"s": w.slug, "a": w.login, "c": w.code, "per": w.period, "v": float(w.value)}).scalar_one()
            else:
                n = conn.execute(text(
                    "SELECT count(*) FROM measurement m JOIN indicator i ON i.id = m.indicator_id "
                    "JOIN plan p ON p.id = i.plan_id WHERE p.slug = :s AND i.code = :c AND m.period_code = :per "
                    "AND m.breakdown = '' AND m.superseded_at IS NULL AND m.recorded_by = :a "
                    "AND abs(m.value - :v) < 1e-9"),
                    {"s": w.slug, "a": w.login, "c": w.code, "per": w.period, "v": float(w.value)}).scalar_one()
            if w.result and n == 0:
                lost.append(w)
            elif n > 1:
                extra.append(w)
            elif not w.result and n:
                landed_anyway.append(w)
        by_bench = conn.execute(text(
            "SELECT (SELECT count(*) FROM measurement WHERE note = 'web_load'), "
            "(SELECT count(*) FROM pending_measurement WHERE note = 'web_load')")).one()
    engine.dispose()
    return {"sent": len(writes), "acknowledged": len(acked), "failed": len(writes) - len(acked),
            "http_5xx": sum(1 for w in writes if w.status >= 500),
            "http_409": sum(1 for w in writes if w.status == 409),
            "no_answer": sum(1 for w in writes if w.status == 0),
            "locked": sum(1 for w in writes if "locked" in w.error.lower() or "busy" in w.error.lower()),
            "lost": len(lost), "duplicated": len(extra), "landed_without_ack": len(landed_anyway),
            "duplicate_current_rows_in_db": int(dup), "rows_written": int(by_bench[0]),
            "entries_written": int(by_bench[1]), "review_writes": sum(1 for w in writes if w.review),
            "errors_seen": sorted({f"{w.status} {w.error[:120]}" for w in writes if not w.result})[:5],
            "failures": [asdict(w) for w in writes if not w.result][:100]}


# --------------------------------------------------------------------------- one configuration


@dataclass
class Options:
    seconds: float = 20.0
    values: int = 10
    readers: int = READERS
    writers: int = WRITERS
    indicator: str = "auto"  # auto | page | api
    write_via: str = "auto"  # auto | api | form
    approve: bool = True  # approve the filed entries afterwards (API only)


@dataclass
class Result:
    backend: str
    workers: int
    data: str
    reads: dict[str, Any] = field(default_factory=dict)
    writes: dict[str, Any] = field(default_factory=dict)
    server: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.backend}, {self.workers} worker{'s' if self.workers > 1 else ''}"


def one_config(backend: str, db_url: str, workers: int, crowd: Sequence[Person], o: Options, data: str) -> Result:
    res = Result(backend, workers, data)
    readers = [p for p in crowd if p.role == "viewer"][: o.readers]
    writers = [p for p in crowd if p.role == "contributor"][: o.writers]
    log(f"web: {res.label}: starting goaltrack serve")
    with Server(db_url, workers, bench.CACHE / "work" / f"web-server-{backend}-{workers}.log") as srv:
        probe = client(srv.base, readers[0])
        try:
            indicator, via = routes(probe, readers[0], o.write_via)
        finally:
            probe.close()
        indicator = indicator if o.indicator == "auto" else o.indicator
        res.reads = read_phase(srv.base, readers, o.seconds, indicator, workers)
        log(f"  warm-up (every plan's dashboard and an indicator page, {workers}x, not counted): "
            f"{res.reads['warm_up_s']:.0f} s")
        log(f"  {len(writers)} writers x {o.values} values at once, through the {via} endpoint")
        w = write_phase(srv.base, writers, o.values, via)
        approval: dict[str, Any] = {}
        if o.approve and any(x.entry is not None for x in w["writes"]):
            approver = next(p for p in crowd if p.role == "approver")
            log("  the approver approves every filed entry, twice at once (10 threads)")
            approval = approve_phase(srv.base, approver, w["writes"])
    if srv.usage is not None:
        res.server = {"cpu_s": srv.usage.ru_utime + srv.usage.ru_stime, "peak_rss_mib": srv.usage.ru_maxrss / 1024}
    counted = count_writes(db_url, w["writes"])
    res.writes = {**{k: v for k, v in w.items() if k != "writes"}, **counted, **approval, "values_each": o.values,
                  "writers": len(writers), "endpoint": WRITE_URLS[via]}
    return res


def run_all(paths: dict[str, Path], backends: Sequence[str], workers: Sequence[int], o: Options) -> dict[str, Any]:
    base, crowd = prepare(paths)
    work = bench.CACHE / "work"
    work.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    notes: list[str] = []
    nat = f"national ({bench.count_rows(base, 'plan')} plans, {bench.count_rows(base, 'measurement'):,} measurements)"
    if "sqlite" in backends:
        run_db = work / "web-run.db"
        for n in workers:
            bench._remove_db(run_db)
            shutil.copyfile(base, run_db)
            results.append(one_config("sqlite", str(run_db), n, crowd, o, nat + ", WAL"))
        bench._remove_db(run_db)
    if "pg" in backends:
        pg = Postgres(base.parent)
        pg.start()
        try:
            key = json.loads(base.with_suffix(".json").read_text())["key"]
            pg.national(base, key)
            if pg.copy_seconds is not None:
                notes.append(f"goaltrack db copy of the national database to PostgreSQL: {pg.copy_seconds:.0f} s "
                             "(once; cached in the server's gt_web_national)")
            for n in workers:
                results.append(one_config("postgresql", pg.fresh(), n, crowd, o,
                                          nat + ("" if pg.given else ", own cluster, fsync off")))
            pg._admin(f"DROP DATABASE IF EXISTS {pg.RUN} WITH (FORCE)")
        finally:
            pg.stop()
    return {"results": [asdict(r) | {"label": r.label} for r in results], "options": asdict(o), "notes": notes}


# --------------------------------------------------------------------------- output


def rows_for(out: dict[str, Any]) -> list[bench.Row]:
    """run.py's table: each page's p95 against the trivial endpoint's, and the writes' count."""
    rows = []
    for r in out["results"]:
        rd, wr, label = r["reads"], r["writes"], r["label"]
        base = rd["baseline"]
        for kind in ("dashboard", "indicator"):
            s = rd[kind]
            url = DASHBOARD_URL if kind == "dashboard" else rd["indicator_url"]
            rows.append(bench.Row(
                f"web {label}: {kind} {url} p95, {out['options']['readers']} readers", s["p95_ms"], "ms",
                f"GET {BASELINE_URL} p95", base["p95_ms"], s["p95_ms"] / base["p95_ms"], f"< {P95_TARGET_MS:.0f} ms",
                s["p95_ms"] < P95_TARGET_MS and s["errors"] == 0, None, runs=s["count"],
                note=f"{s['count']} requests, {s['errors']} errors, {s['per_s']:.1f}/s" if s["errors"] else ""))
        ok = wr["lost"] == 0 and wr["duplicated"] == 0 and wr["failed"] == 0 and wr["duplicate_current_rows_in_db"] == 0
        ok = ok and wr.get("approved_once", 0) == wr.get("entries", 0) and not wr.get("approvals_other")
        approved = (f"; {wr['approved_once']}/{wr['entries']} entries approved exactly once "
                    f"({wr['approvals_409']} 409 to the losing try)") if "entries" in wr else ""
        rows.append(bench.Row(
            f"web {label}: {wr['writers']} writers x {wr['values_each']} values at once: lost + duplicated",
            wr["lost"] + wr["duplicated"], "", "acknowledged of sent", wr["acknowledged"], None,
            "0 lost, 0 duplicated, 0 failed", ok, None, runs=wr["sent"],
            note=f"{wr['acknowledged']}/{wr['sent']} acknowledged, {wr['failed']} failed "
                 f"({wr['http_5xx']} 5xx, {wr['http_409']} 409, {wr['locked']} locked); p95 {wr['p95_ms']:.0f} ms"
                 + approved))
    return rows


def detail_table(out: dict[str, Any]) -> str:
    head = ("Configuration", "Requests", "Count", "Errors", "p50 ms", "p95 ms", "p99 ms", "Req/s", "p95 vs baseline")
    body = []
    for r in out["results"]:
        rd = r["reads"]
        for kind in ("dashboard", "indicator", "pages (both)", "baseline"):
            s = rd[kind]
            what = {"dashboard": DASHBOARD_URL, "indicator": rd["indicator_url"], "baseline": BASELINE_URL}.get(kind,
                                                                                                                kind)
            body.append((r["label"] + f" ({r['data']})" if kind == "dashboard" else "", what, str(s["count"]),
                         str(s["errors"]), f"{s['p50_ms']:.1f}", f"{s['p95_ms']:.1f}", f"{s['p99_ms']:.1f}",
                         f"{s['per_s']:.1f}", f"{s['p95_ms'] / rd['baseline']['p95_ms']:.1f}x"))
        w = r["writes"]
        body.append(("", f"POST {w['endpoint']} ({w['writers']} x {w['values_each']}, {w['review_writes']} "
                         "to review)", str(w["sent"]), str(w["failed"]), f"{w['p50_ms']:.1f}",
                     f"{w['p95_ms']:.1f}", "-", f"{w['sent'] / w['seconds']:.1f}",
                     f"lost {w['lost']}, dup {w['duplicated']}, dup rows {w['duplicate_current_rows_in_db']}"))
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]
    lines = ["| " + " | ".join(c.ljust(wd) for c, wd in zip(line, widths, strict=True)) + " |"
             for line in [head, *body]]
    lines.insert(1, "|" + "|".join("-" * (wd + 2) for wd in widths) + "|")
    return "\n".join(lines)


def bench_web(paths: dict[str, Path], quick: bool, *, backends: Sequence[str] = ("sqlite", "pg"),
              workers: Sequence[int] = (1, 2), options: Options | None = None,
              json_path: Path | None = None) -> list[bench.Row]:
    """run.py's entry point: every configuration; prints the detail, writes web-results.json."""
    o = options or Options(seconds=5.0 if quick else 20.0, values=3 if quick else 10)
    info = bench.machine()
    t = time.perf_counter()
    out = run_all(paths, backends, workers, o)
    info["load average (end)"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    out |= {"machine": info, "seconds": time.perf_counter() - t, "quick": quick}
    path = json_path or bench.CACHE / "web-results.json"
    path.write_text(json.dumps(out, indent=2))
    print(f"\ngoaltrack serve under load ({o.readers} readers for {o.seconds:.0f} s, then the baseline for as "
          f"long; {o.writers} writers x {o.values} values)")
    print("machine: " + "; ".join(f"{k} {v}" for k, v in info.items()))
    print(detail_table(out))
    for n in out["notes"]:
        print(f"  note: {n}")
    print(f"  raw results: {path}")
    return rows_for(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="5 s per phase, 3 values per writer (a smoke test)")
    ap.add_argument("--backend", nargs="+", choices=("sqlite", "pg"), default=["sqlite", "pg"])
    ap.add_argument("--workers", nargs="+", type=int, default=[1, 2], help="server worker counts to run")
    ap.add_argument("--seconds", type=float, help="length of the reader phase (and of its baseline)")
    ap.add_argument("--values", type=int, help="values each writer records")
    ap.add_argument("--readers", type=int, default=READERS, choices=range(1, READERS + 1), metavar="N")
    ap.add_argument("--writers", type=int, default=WRITERS, choices=range(1, WRITERS + 1), metavar="N")
    ap.add_argument("--indicator", choices=("auto", "page", "api"), default="auto",
                    help="the indicator URL readers get: the HTML page, or the API's JSON (auto: the page if "
                         "the server has it)")
    ap.add_argument("--write-via", choices=("auto", "api", "form"), default="auto",
                    help="POST values through the JSON API or the record form (auto: the API if it exists)")
    ap.add_argument("--no-approve", dest="approve", action="store_false",
                    help="do not approve the filed entries afterwards (approving needs the API)")
    ap.add_argument("--json", type=Path, default=bench.CACHE / "web-results.json")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    a = ap.parse_args(argv)
    o = Options(a.seconds or (5.0 if a.quick else 20.0), a.values or (3 if a.quick else 10), a.readers, a.writers,
                a.indicator, a.write_via, a.approve)
    paths = bench.build(bench.CACHE / bench.data_key())
    rows = bench_web(paths, a.quick, backends=a.backend, workers=a.workers, options=o, json_path=a.json)
    print()
    print(bench.table(rows))
    for r in rows:
        if r.note:
            print(f"  note: {r.figure}: {r.note}")
    return 1 if a.strict and any(r.met is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
