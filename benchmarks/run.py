"""goaltrack's benchmarks: national-size data, each figure against a baseline from the same run.

    .venv/bin/python benchmarks/run.py [--quick] [--only NAME ...] [--json FILE]

``make bench`` runs it. It builds (once; cached in ``benchmarks/.cache/``) 98 synthetic plans,
their monthly measurements (98 x 500 indicators x 60 months = 2,940,000 rows, imported into a
national database with ``goaltrack import``) and a file of 1,000,000 daily rows, then times
every command as a subprocess, the way a user runs it, next to its baseline:

- ``goaltrack import csv`` of 1,000,000 rows vs. the stdlib floor (``floor_sqlite3.py``: csv ->
  sqlite3 executemany into a copy of the same database) and vs. ``sqlite-utils insert --csv``;
- ``goaltrack --help`` vs. ``python -c "import click, pluggy"``; ``goaltrack record`` vs.
  ``python -c "import sqlmodel"``;
- ``goaltrack score`` and ``goaltrack report coverage --format json`` for one plan, in the
  national database and in a database holding only that plan, and ``goaltrack score
  --all-plans`` and ``goaltrack report coverage --all-plans`` for all 98 plans;
- ``goaltrack serve`` on the national database (``web_load.py``): 20 concurrent readers of the
  dashboard and indicator pages vs. the same clients on a static file, and 50 contributors
  recording values at once, counted afterwards, on SQLite and PostgreSQL, 1 and 2 workers.

Each figure is the median of several runs, the runs of a figure and its baseline interleaved
(A B A B ...) so that the machine's other load falls on both alike; peak memory is each
process's own maximum resident set (``os.wait4``). It prints one table and writes the raw
runs to ``benchmarks/.cache/results.json``. ``--quick`` does one run of each (a smoke test).
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
CACHE = BENCH / ".cache"
PY = sys.executable
BIN = Path(PY).parent
GOALTRACK = str(BIN / "goaltrack")
SQLITE_UTILS = shutil.which("sqlite-utils", path=str(BIN)) or shutil.which("sqlite-utils")

PLANS = 98
IMPORT_ROWS = 1_000_000
SMALL_ROWS = 100_000
ONE_PLAN = 42  # the plan timed alone; any of them
GROUPS = ("import", "startup", "scoring", "web")
SU_REPEAT_BELOW = 90.0  # seconds: repeat sqlite-utils (up to 3 runs) only while it is faster
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- running


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mib: float


class Failed(RuntimeError):
    pass


def env() -> dict[str, str]:
    """The environment of every timed process: no goaltrack settings, an empty config dir."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("GOALTRACK_")}
    home = CACHE / "home"
    home.mkdir(parents=True, exist_ok=True)
    e["XDG_CONFIG_HOME"] = str(home)
    e["HOME"] = str(home)
    return e


def run(cmd: Sequence[str], *, cwd: Path) -> Run:
    """Run ``cmd``; its wall time, CPU time (user + system) and peak RSS, from ``os.wait4``."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise Failed(f"{' '.join(cmd)}: exit {proc.returncode}\n{err.read().decode(errors='replace')[-2000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


@dataclass
class Case:
    """One command to time, with what to do before each run (not timed)."""

    label: str
    cmd: Callable[[], Sequence[str]]
    before: Callable[[], None] | None = None
    runs: list[Run] = field(default_factory=list)

    def once(self, cwd: Path) -> None:
        if self.before:
            self.before()
        self.runs.append(run(self.cmd(), cwd=cwd))

    def median(self, what: str = "wall") -> float:
        return statistics.median(getattr(r, what) for r in self.runs)

    def peak(self) -> float:
        return max(r.rss_mib for r in self.runs)


def interleave(cases: Sequence[Case], runs: int, cwd: Path, *, warmup: bool = False) -> None:
    """A B C, A B C, ...: the machine's other load falls on every case alike."""
    if warmup:  # file cache, bytecode, first-touch costs
        for c in cases:
            if c.before:
                c.before()
            run(c.cmd(), cwd=cwd)
    for i in range(runs):
        for c in cases:
            log(f"  {c.label} ({i + 1}/{runs})")
            c.once(cwd)


# --------------------------------------------------------------------------- data


def data_key() -> str:
    """Changes when the generator changes (a newer schema is migrated to, not rebuilt)."""
    return hashlib.sha256((BENCH / "generate.py").read_bytes()).hexdigest()[:12]


def gt(*args: str, db: Path) -> list[str]:
    return [GOALTRACK, "--db", str(db), *args]


def build(cache: Path) -> dict[str, Path]:
    """Generate (once) the plans, the CSV files and the databases every figure starts from."""
    cache.mkdir(parents=True, exist_ok=True)
    plans_dir, csv_dir = cache / "plans", cache / "csv"
    paths = {
        "daily": csv_dir / "daily-1m.csv",
        "daily_small": csv_dir / "daily-100k.csv",
        "one_db": cache / "one-plan.db",
        "one_plan_scored_db": cache / "one-plan-scored.db",
        "national_db": cache / "national.db",
    }
    if not (plans_dir / f"{generate.slug(PLANS)}.yaml").exists():
        log(f"generating {PLANS} plans")
        generate.write_plans(plans_dir, PLANS)
    for key, rows in (("daily", IMPORT_ROWS), ("daily_small", SMALL_ROWS)):
        if not paths[key].exists():
            log(f"generating {rows:,} daily rows")
            generate.write_csv(paths[key], generate.daily_rows(1, rows))
    for n in range(1, PLANS + 1):
        monthly = csv_dir / f"monthly-{n:03d}.csv"
        if not monthly.exists():
            generate.write_csv(monthly, generate.monthly_rows(n))
    cwd = cache
    if not paths["one_db"].exists():
        log("database with plan 001 (the import benchmarks start from a copy)")
        tmp = paths["one_db"].with_suffix(".tmp")
        _remove_db(tmp)
        run(gt("plan", "load", str(plans_dir / f"{generate.slug(1)}.yaml"), db=tmp), cwd=cwd)
        _checkpoint(tmp)
        tmp.replace(paths["one_db"])
    if not paths["one_plan_scored_db"].exists():
        log(f"database with plan {ONE_PLAN:03d} and its measurements alone")
        tmp = paths["one_plan_scored_db"].with_suffix(".tmp")
        _remove_db(tmp)
        run(gt("plan", "load", str(plans_dir / f"{generate.slug(ONE_PLAN)}.yaml"), db=tmp), cwd=cwd)
        run(gt("import", "csv", str(csv_dir / f"monthly-{ONE_PLAN:03d}.csv"), "--by", "bench", db=tmp), cwd=cwd)
        _checkpoint(tmp)
        tmp.replace(paths["one_plan_scored_db"])
    if not paths["national_db"].exists():
        # Resumable: an interrupted build goes on from the plans it has.
        tmp = paths["national_db"].with_suffix(".tmp")
        if _count(tmp, "SELECT count(*) FROM plan") != PLANS:
            _remove_db(tmp)
            log(f"national database: loading {PLANS} plans")
            run(gt("plan", "load", *[str(p) for p in sorted(plans_dir.glob("*.yaml"))], db=tmp), cwd=cwd)
        done = {r[0] for r in _query(tmp, "SELECT DISTINCT p.slug FROM plan p JOIN indicator i ON i.plan_id = p.id "
                                          "JOIN measurement m ON m.indicator_id = i.id")}
        for n in range(1, PLANS + 1):
            if generate.slug(n) in done:
                continue
            if n % 10 == 1 or not done:
                log(f"national database: importing the measurements of plan {n} of {PLANS}")
                done.add("")
            run(gt("import", "csv", str(csv_dir / f"monthly-{n:03d}.csv"), "--plan", generate.slug(n),
                   "--by", "bench", db=tmp), cwd=cwd)
        _checkpoint(tmp)
        tmp.replace(paths["national_db"])
    for key in ("one_db", "one_plan_scored_db", "national_db"):
        _upgrade(paths[key], cwd)
    return paths


def _query(db: Path, sql: str) -> list[tuple[object, ...]]:
    if not db.exists():
        return []
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    except sqlite3.Error:
        return []
    finally:
        con.close()


def _count(db: Path, sql: str) -> int:
    rows = _query(db, sql)
    return int(rows[0][0]) if rows else -1  # type: ignore[call-overload]


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the file, so that a copy of the file alone is the whole database."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def _upgrade(db: Path, cwd: Path) -> None:
    """Bring a cached database to this goaltrack's schema (``goaltrack init`` migrates it)."""
    try:
        from goaltrack.store.schema_version import HEAD
    except ImportError:
        return
    con = sqlite3.connect(db)
    try:
        current = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        current = None
    finally:
        con.close()
    if current is None or current[0] != HEAD:
        log(f"{db.name}: upgrading the schema to {HEAD}")
        run(gt("init", db=db), cwd=cwd)
        _checkpoint(db)


def _fresh_copy(src: Path, dst: Path) -> Callable[[], None]:
    def copy() -> None:
        _remove_db(dst)
        shutil.copyfile(src, dst)

    return copy


def count_rows(db: Path, table: str) -> int:
    return _count(db, f"SELECT count(*) FROM {table}")


# --------------------------------------------------------------------------- figures


@dataclass
class Row:
    figure: str
    value: float
    unit: str
    baseline: str
    base_value: float | None
    ratio: float | None
    target: str
    met: bool | None
    peak_mib: float | None
    base_peak_mib: float | None = None
    runs: int = 0
    note: str = ""
    cpu_ratio: float | None = None
    detail: dict[str, list[dict[str, float]]] = field(default_factory=dict)


def _detail(*cases: Case) -> dict[str, list[dict[str, float]]]:
    return {c.label: [asdict(r) for r in c.runs] for c in cases}


def _ratio_row(figure: str, a: Case, b: Case, target: str, limit: float | None, note: str = "") -> Row:
    ratio = a.median() / b.median()
    return Row(figure, a.median(), "s", b.label, b.median(), ratio, target,
               None if limit is None else ratio <= limit, a.peak(), b.peak(), len(a.runs), note,
               a.median("cpu") / b.median("cpu"), _detail(a, b))


def bench_import(paths: dict[str, Path], work: Path, runs: int, su_runs: int) -> list[Row]:
    gt_db, floor_db, su_db = work / "import-gt.db", work / "import-floor.db", work / "import-su.db"
    src = paths["daily"]
    rows = IMPORT_ROWS
    goaltrack = Case("goaltrack import csv", lambda: gt("import", "csv", str(src), "--by", "bench", db=gt_db),
                     _fresh_copy(paths["one_db"], gt_db))
    floor = Case("stdlib csv -> sqlite3 (floor_sqlite3.py)",
                 lambda: [PY, str(BENCH / "floor_sqlite3.py"), str(floor_db), str(src)],
                 _fresh_copy(paths["one_db"], floor_db))
    su = None
    if SQLITE_UTILS:
        su = Case("sqlite-utils insert --csv",
                  lambda: [SQLITE_UTILS, "insert", str(su_db), "measurement", str(src), "--csv"],
                  lambda: _remove_db(su_db))
    log(f"import: {rows:,} rows, {runs} runs each" + (f", sqlite-utils up to {su_runs}" if su else ""))
    for i in range(max(runs, su_runs if su else 0)):
        # sqlite-utils commits every 100 rows: its time is mostly fsync, minutes on a slow or
        # busy disk. It gets more than one run only while they are short enough for the budget.
        su_now = su is not None and i < su_runs and (i == 0 or su.median() < SU_REPEAT_BELOW)
        for c in ([goaltrack, floor] if i < runs else []) + ([su] if su is not None and su_now else []):
            log(f"  {c.label} ({len(c.runs) + 1})")
            c.once(work)
    got = count_rows(gt_db, "measurement")
    if got != rows:
        raise Failed(f"goaltrack import stored {got:,} rows, not {rows:,}")
    out = [_ratio_row(f"import csv, {rows:,} rows: time vs the stdlib floor", goaltrack, floor, "<= 1.5x", 1.5)]
    if su is not None:
        r = _ratio_row(f"import csv, {rows:,} rows: time vs sqlite-utils", goaltrack, su, "<= 0.125x (8x faster)",
                       0.125)
        if len(su.runs) < len(goaltrack.runs):
            r.note = f"sqlite-utils: {len(su.runs)} run(s)"
        out.append(r)
    # Memory: the same import of a file a tenth the size.
    small = Case("goaltrack import csv, 100k rows",
                 lambda: gt("import", "csv", str(paths["daily_small"]), "--by", "bench", db=gt_db),
                 _fresh_copy(paths["one_db"], gt_db))
    interleave([small], max(1, runs // 2 + 1), work)
    out.append(Row(f"import csv peak memory, {rows:,} rows (baseline: {SMALL_ROWS:,} rows)", goaltrack.peak(), "MiB",
                   f"{SMALL_ROWS:,} rows", small.peak(), goaltrack.peak() / small.peak(),
                   "< 150 MiB, flat", goaltrack.peak() < 150 and goaltrack.peak() - small.peak() < 30,
                   goaltrack.peak(), small.peak(), len(goaltrack.runs), detail=_detail(small)))
    for db in (gt_db, floor_db, su_db):
        _remove_db(db)
    return out


def bench_startup(paths: dict[str, Path], work: Path, runs: int) -> list[Row]:
    rec_db = work / "record.db"
    counter = iter(range(10**6))
    help_ = Case("goaltrack --help", lambda: [GOALTRACK, "--help"])
    click_pluggy = Case('python -c "import click, pluggy"', lambda: [PY, "-c", "import click, pluggy"])
    record = Case("goaltrack record",
                  lambda: gt("record", "I01-K01", str(40 + next(counter) % 50), "--period", "2021M01",
                                                 "--by", "bench", db=rec_db))
    sqlmodel = Case('python -c "import sqlmodel"', lambda: [PY, "-c", "import sqlmodel"])
    _fresh_copy(paths["one_db"], rec_db)()
    log(f"start-up: {runs} runs each")
    interleave([help_, click_pluggy, record, sqlmodel], runs, work, warmup=True)
    _remove_db(rec_db)
    return [
        _ratio_row("goaltrack --help", help_, click_pluggy, "<= 1.3x", 1.3),
        _ratio_row("goaltrack record (a command that writes to the database)", record, sqlmodel, "<= 1.3x", 1.3),
    ]


def bench_scoring(paths: dict[str, Path], work: Path, runs: int) -> list[Row]:
    nat, one = paths["national_db"], paths["one_plan_scored_db"]
    slug = generate.slug(ONE_PLAN)
    out_dir = work / "out"
    out_dir.mkdir(exist_ok=True)
    score_nat = Case("goaltrack score, national DB", lambda: gt("score", "--plan", slug, "--format", "json", db=nat))
    score_one = Case("the same plan in a 1-plan DB", lambda: gt("score", "--plan", slug, "--format", "json", db=one))
    cov_nat = Case("goaltrack report coverage, national DB",
                   lambda: gt("report", "coverage", "--plan", slug, "--format", "json", db=nat))
    cov_one = Case("the same plan in a 1-plan DB",
                   lambda: gt("report", "coverage", "--plan", slug, "--format", "json", db=one))
    score_all = Case("goaltrack score --all-plans", lambda: gt("score", "--all-plans", "--format", "json", db=nat))
    cov_all = Case("goaltrack report coverage --all-plans",
                   lambda: gt("report", "coverage", "--all-plans", "--format", "json", db=nat))
    sqlmodel = Case('python -c "import sqlmodel"', lambda: [PY, "-c", "import sqlmodel"])
    log(f"scoring and coverage: {runs} runs each")
    interleave([score_nat, score_one, cov_nat, cov_one, score_all, cov_all, sqlmodel], runs, work, warmup=True)
    n_meas = count_rows(nat, "measurement")
    n_plans = count_rows(nat, "plan")
    rows = [
        _ratio_row(f"score one plan ({n_plans} plans, {n_meas:,} measurements) vs the plan alone", score_nat, score_one,
                   "~1x (grows with the plan)", 1.5),
        _ratio_row("report coverage --format json, one plan, national DB vs the plan alone", cov_nat, cov_one,
                   "< 1 s; ~1x", 1.5),
        Row(f"score --all-plans ({n_plans} plans)", score_all.median(), "s", sqlmodel.label, sqlmodel.median(),
            score_all.median() / sqlmodel.median(), "< 5 s", score_all.median() < 5, score_all.peak(), sqlmodel.peak(),
            len(score_all.runs), cpu_ratio=score_all.median("cpu") / sqlmodel.median("cpu"),
            detail=_detail(score_all, sqlmodel)),
        Row(f"report coverage --all-plans ({n_plans} plans)", cov_all.median(), "s", sqlmodel.label, sqlmodel.median(),
            cov_all.median() / sqlmodel.median(), "(none)", None, cov_all.peak(), sqlmodel.peak(),
            len(cov_all.runs), cpu_ratio=cov_all.median("cpu") / sqlmodel.median("cpu"),
            detail=_detail(cov_all, sqlmodel)),
    ]
    rows[1].met = bool(rows[1].met) and cov_nat.median() < 1.0
    return rows


# --------------------------------------------------------------------------- output


def machine() -> dict[str, str]:
    def sh(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "?"

    return {
        "nproc": sh("nproc"),
        "memory": sh("free", "-h").splitlines()[1] if sh("free", "-h") else "?",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "load average (start)": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def table(rows: list[Row]) -> str:
    def num(v: float | None, unit: str = "") -> str:
        if v is None:
            return "-"
        spec = ".0f" if unit == "MiB" else ".3g" if v < 10 else ".1f"
        return f"{v:{spec}} {unit}".strip()

    head = ("Figure", "goaltrack", "Baseline", "Baseline value", "Ratio", "CPU ratio", "Target", "Met",
            "Peak RSS (baseline)")
    body = [
        (r.figure, num(r.value, r.unit), r.baseline, num(r.base_value, r.unit),
         "-" if r.ratio is None else f"{r.ratio:.2f}x", "-" if r.cpu_ratio is None else f"{r.cpu_ratio:.2f}x", r.target,
         "-" if r.met is None else ("yes" if r.met else "NO"),
         f"{num(r.peak_mib, 'MiB')} ({num(r.base_peak_mib, 'MiB')})")
        for r in rows
    ]
    widths = [max(len(str(x[i])) for x in [head, *body]) for i in range(len(head))]
    lines = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)) + " |"
             for line in [head, *body]]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one run of each figure (a smoke test, not a measurement)")
    ap.add_argument("--only", nargs="*", choices=GROUPS, help="run only these groups")
    ap.add_argument("--json", type=Path, default=CACHE / "results.json", help="where to write the raw results")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    a = ap.parse_args(argv)
    started = time.perf_counter()
    groups = a.only or list(GROUPS)
    info = machine()
    log("machine: " + "; ".join(f"{k} {v}" for k, v in info.items()))
    # An installed goaltrack has its bytecode compiled; an editable one compiles on first use,
    # unless PYTHONDONTWRITEBYTECODE is set, when every run would compile it again.
    for tree in (ROOT / "src", ROOT / "plugins"):
        compileall.compile_dir(str(tree), quiet=1)
    cache = CACHE / data_key()
    for old in CACHE.iterdir() if CACHE.is_dir() else []:
        if old.is_dir() and old.name not in (cache.name, "home", "work"):
            shutil.rmtree(old, ignore_errors=True)
    t = time.perf_counter()
    paths = build(cache)
    log(f"data ready in {time.perf_counter() - t:.0f} s")
    work = CACHE / "work"
    work.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    if "import" in groups:
        rows += bench_import(paths, work, 1 if a.quick else 3, 1 if a.quick else 3)
    if "startup" in groups:
        rows += bench_startup(paths, work, 1 if a.quick else 9)
    if "scoring" in groups:
        rows += bench_scoring(paths, work, 1 if a.quick else 5)
    if "web" in groups:  # goaltrack serve under concurrent readers and writers (web_load.py)
        sys.modules.setdefault("run", sys.modules[__name__])  # web_load imports this module as "run"
        import web_load

        rows += web_load.bench_web(paths, a.quick)
    elapsed = time.perf_counter() - started
    info["load average (end)"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print()
    print("goaltrack benchmarks: medians of the runs (wall clock); ratio = goaltrack / baseline")
    print("machine: " + "; ".join(f"{k} {v}" for k, v in info.items()))
    print()
    print(table(rows))
    notes = [f"{r.figure}: {r.note}" for r in rows if r.note]
    for n in notes:
        print(f"  note: {n}")
    print(f"\n{sum(1 for r in rows if r.met)} of {sum(1 for r in rows if r.met is not None)} targets met; "
          f"total {elapsed / 60:.1f} min")
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps({"machine": info, "seconds": elapsed, "rows": [asdict(r) for r in rows]}, indent=2))
    return 1 if a.strict and any(r.met is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
