"""Synthetic national data for goaltrack's benchmarks: plans and measurement CSV files.

Everything here is made up and says so: plans are "Syntetisk Kommune NNN", carry
``synthetic: true`` and a note naming this script, and every number comes from a seeded
pseudo-random generator, so the same arguments give byte-identical files.

A plan has 5 national goals, 3 strategic and 10 annual focus areas (two per plan year),
4 target groups, ``--initiatives`` initiatives (default 50) with ``--indicators`` indicators
each (default 10), 12 budget accounts, and covers five years (2021-2025).

    python benchmarks/generate.py plans --count 98 --out DIR
        DIR/syntetisk-kommune-001.yaml ... DIR/syntetisk-kommune-098.yaml

    python benchmarks/generate.py monthly --plan-number 17 --out FILE.csv
        one value per indicator and month of the plan years (500 x 60 = 30,000 rows)

    python benchmarks/generate.py daily --plan-number 1 --rows 1000000 [--order series|date] --out FILE.csv
        ROWS rows of daily values from 2020-01-01 (500 indicators x 2,000 days for a million
        rows): a file of any size without repeating an (indicator, period); series by series
        (default) or date by date

Measurement files have the header ``indicator,period,value``: the columns every tool being
compared reads the same way (``,`` separated, ``.`` decimals).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

SEED = 20210101
YEARS = [2021, 2022, 2023, 2024, 2025]
GOALS = 5
STRATEGIC = 3
TARGET_GROUPS = ("unge", "ledige", "flygtninge", "sygemeldte")
# Real account codes of the municipal chart (hovedkonto 5, employment), so the accounts pass
# the chart checks; the names and amounts are synthetic.
ACCOUNTS = (
    "054660", "054661", "054665", "056880", "056881", "056890",
    "056891", "056892", "056895", "056897", "057271", "057273",
)
UNITS = ("pct", "persons")


def slug(number: int) -> str:
    return f"syntetisk-kommune-{number:03d}"


def indicator_codes(initiatives: int = 50, indicators: int = 10) -> list[tuple[str, str]]:
    """(code, unit) of every indicator of a plan, in file order."""
    out = []
    for i in range(1, initiatives + 1):
        for k in range(1, indicators + 1):
            out.append((f"I{i:02d}-K{k:02d}", UNITS[(i + k) % 2]))
    return out


def make_plan(number: int, *, initiatives: int = 50, indicators: int = 10) -> dict[str, object]:
    """The plan file of municipality ``number`` as a dict (see the module docstring)."""
    rnd = random.Random(SEED * 1000 + number)
    name = f"Syntetisk Kommune {number:03d}"
    annual = [(f"A{y}-{j}", y) for y in YEARS for j in (1, 2)]
    plan: dict[str, object] = {
        "goaltrack": 1,
        "plan": {
            "slug": slug(number),
            "title": f"Beskæftigelsesplan 2021-2025 (syntetisk, nr. {number:03d})",
            "organisation": name,
            "years": YEARS,
            "language": "da",
            "currency": "DKK",
            "amount_unit": "1000 DKK",
            "amount_scale": 1000,
            "synthetic": True,
            "notes": (
                "SYNTHETIC benchmark data made by goaltrack's benchmarks/generate.py "
                f"(seed {SEED}, plan {number}); not a real municipality or plan."
            ),
        },
        "national_goals": [
            {"code": f"NG{g}", "title": f"Syntetisk nationalt mål {g}", "issuer": "Syntetisk ministerium",
             "years": YEARS}
            for g in range(1, GOALS + 1)
        ],
        "focus_areas": [
            *[
                {"code": f"SF{s}", "level": "strategic", "title": f"Syntetisk strategisk fokusområde {s}",
                 "years": YEARS,
                 "national_goals": [{"ref": f"NG{s}", "basis": "inferred", "note": "synthetic link"}]}
                for s in range(1, STRATEGIC + 1)
            ],
            *[
                {"code": code, "level": "annual", "title": f"Syntetisk fokusområde {code}", "years": [year],
                 "strategic_areas": [{"ref": f"SF{(n % STRATEGIC) + 1}", "basis": "inferred", "note": "synthetic"}],
                 "national_goals": [{"ref": f"NG{(n % GOALS) + 1}", "basis": "explicit", "quote": "syntetisk"}]}
                for n, (code, year) in enumerate(annual)
            ],
        ],
        "target_groups": [{"code": tg, "name": f"Syntetisk målgruppe: {tg}"} for tg in TARGET_GROUPS],
        "initiatives": [
            {
                "code": f"I{i:02d}",
                "title": f"Syntetisk indsats {i:02d} i {name}",
                "focus_area": annual[(i - 1) % len(annual)][0],
                "owner": "Syntetisk Jobcenter",
                "national_goals": [{"ref": f"NG{(i % GOALS) + 1}", "basis": "inferred", "note": "synthetic"}],
                "target_groups": [{"ref": TARGET_GROUPS[i % len(TARGET_GROUPS)], "basis": "explicit",
                                   "quote": "syntetisk"}],
            }
            for i in range(1, initiatives + 1)
        ],
        "accounts": [
            {
                "code": code,
                "name": f"Syntetisk konto {code}",
                "budget": [{"year": y, "kind": "budget", "amount": float(rnd.randrange(500, 50_000))} for y in YEARS],
                "links": [{"focus_area": annual[n % len(annual)][0], "basis": "inferred", "share": 50.0,
                           "note": "synthetic"}],
            }
            for n, code in enumerate(ACCOUNTS)
        ],
        "indicators": [],
    }
    inds: list[dict[str, object]] = []
    for n, (code, unit) in enumerate(indicator_codes(initiatives, indicators)):
        base = _start_value(rnd, unit)
        up = n % 3 != 0
        target = min(base * 1.2, 95.0) if (up and unit == "pct") else base * (1.2 if up else 0.8)
        inds.append({
            "code": code,
            "name": f"Syntetisk indikator {code}",
            "unit": unit,
            "direction": "increase" if up else "decrease",
            "baseline": {"value": round(base, 1), "period": "2020"},
            "target": {"value": round(target, 1), "period": "2025"},
            "area": name,
            "measures": [{"initiative": code.split("-")[0], "basis": "explicit", "quote": "syntetisk"}],
        })
    plan["indicators"] = inds
    return plan


def _start_value(rnd: random.Random, unit: str) -> float:
    return rnd.uniform(20.0, 70.0) if unit == "pct" else float(rnd.randrange(50, 5000))


def _series(rnd: random.Random, unit: str, start: float) -> Iterator[float]:
    """A bounded random walk; percentages stay in 0-100, counts stay positive."""
    value = start
    while True:
        value += rnd.gauss(0.0, 1.0 if unit == "pct" else max(start * 0.02, 1.0))
        value = min(max(value, 0.0), 100.0) if unit == "pct" else max(value, 0.0)
        yield round(value, 1) if unit == "pct" else float(round(value))


def monthly_rows(number: int, *, initiatives: int = 50, indicators: int = 10) -> Iterator[tuple[str, str, str]]:
    rnd = random.Random(SEED * 7 + number)
    for code, unit in indicator_codes(initiatives, indicators):
        walk = _series(rnd, unit, _start_value(rnd, unit))
        for year in YEARS:
            for month in range(1, 13):
                yield code, f"{year}M{month:02d}", f"{next(walk):g}"


def daily_rows(
    number: int, rows: int, *, order: str = "series", initiatives: int = 50, indicators: int = 10
) -> Iterator[tuple[str, str, str]]:
    """``rows`` rows of daily values from 2020-01-01 over every indicator (as many days as that
    takes). ``order`` "series": indicator by indicator, each in date order, as statistics
    exports list series; "date": every indicator for one day, then the next day, as a daily feed
    appends them (the harder order for the database: its indexes grow in 500 places at once)."""
    rnd = random.Random(SEED * 11 + number)
    codes = indicator_codes(initiatives, indicators)
    days = -(-rows // len(codes))
    first = dt.date(2020, 1, 1)
    periods = [(first + dt.timedelta(days=d)).isoformat() for d in range(days)]
    walks = [_series(rnd, unit, _start_value(rnd, unit)) for _, unit in codes]
    if order == "series":
        pairs: Iterator[tuple[int, str]] = ((n, p) for n in range(len(codes)) for p in periods)
    elif order == "date":
        pairs = ((n, p) for p in periods for n in range(len(codes)))
    else:
        raise ValueError(f"order must be 'series' or 'date', not {order!r}")
    for written, (n, period) in enumerate(pairs):
        if written == rows:
            return
        yield codes[n][0], period, f"{next(walks[n]):g}"


def write_csv(path: Path, rows: Iterator[tuple[str, str, str]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    count = 0
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["indicator", "period", "value"])
        for row in rows:
            w.writerow(row)
            count += 1
    tmp.replace(path)
    return count


def write_plans(out: Path, count: int, *, initiatives: int = 50, indicators: int = 10) -> list[Path]:
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: object) -> bool:  # the years lists are shared; write them out
            return True

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(1, count + 1):
        path = out / f"{slug(number)}.yaml"
        text = "# SYNTHETIC plan for goaltrack's benchmarks (benchmarks/generate.py); not real data.\n"
        text += yaml.dump(make_plan(number, initiatives=initiatives, indicators=indicators), Dumper=Dumper,
                          allow_unicode=True, sort_keys=False, width=100, default_flow_style=None)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    p = sub.add_parser("plans", help="write COUNT synthetic plan files into OUT")
    p.add_argument("--count", type=int, default=98)
    p.add_argument("--out", type=Path, required=True)
    for name in ("monthly", "daily"):
        q = sub.add_parser(name, help=f"write a {name} measurement CSV for one plan")
        q.add_argument("--plan-number", type=int, default=1)
        q.add_argument("--out", type=Path, required=True)
        if name == "daily":
            q.add_argument("--rows", type=int, default=1_000_000)
            q.add_argument("--order", choices=("series", "date"), default="series")
    for q in sub.choices.values():
        q.add_argument("--initiatives", type=int, default=50)
        q.add_argument("--indicators", type=int, default=10)
    a = ap.parse_args(argv)
    shape = {"initiatives": a.initiatives, "indicators": a.indicators}
    if a.what == "plans":
        paths = write_plans(a.out, a.count, **shape)
        print(f"{len(paths)} plans in {a.out}")
    elif a.what == "monthly":
        print(f"{write_csv(a.out, monthly_rows(a.plan_number, **shape)):,} rows in {a.out}")
    else:
        print(f"{write_csv(a.out, daily_rows(a.plan_number, a.rows, order=a.order, **shape)):,} rows in {a.out}")


if __name__ == "__main__":
    main()
