"""The data package and the downloads of ``goaltrack publish`` (issue 16), on SQLite and
PostgreSQL: the package validates with the ``frictionless`` library (types, primary and
foreign keys, bytes and hash); only approved, current values appear (a pending entry never,
a superseded value replaced by its successor); the same database gives the same bytes, also
when two processes write the tables.

The plan is holmstad-2023 with review required (:mod:`reviewfixtures`): carl records,
anna approves.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import frictionless
import pytest
from reviewfixtures import SLUG, as_json, gt, review_db
from sqlalchemy import create_engine

from goaltrack.publish.datapackage import DEFAULT_LICENSE, license_of, write_datapackage
from goaltrack.publish.downloads import Downloads, file_name, write_downloads, write_site_downloads
from goaltrack.publish.package_tables import TABLES
from goaltrack.publish.tables import cell, number_text
from goaltrack.store.database import plan_id_for


def publish(url: str, root: Path, *, jobs: int = 1, stamp: str | None = None,
            license: dict[str, str] | None = None) -> list[Path]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return write_datapackage(conn, root, [plan_id_for(conn, SLUG)], stamp=stamp, jobs=jobs, license=license)
    finally:
        engine.dispose()


def entry_number(stdout: str) -> int:
    found = re.search(r"entry (\d+)", stdout)
    assert found, stdout
    return int(found.group(1))


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def table(root: Path, name: str) -> list[dict[str, str]]:
    with (root / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def totals(root: Path, indicator: str = "ledighed") -> dict[str, str]:
    return {r["period"]: r["value"] for r in table(root, "measurements")
            if r["indicator"] == indicator and r["breakdown"] == ""}


@pytest.fixture
def reviewed(db_url: str, tmp_path: Path) -> str:
    """holmstad-2023 with an approved new value (2024), an approved correction (2023: 3.7 ->
    3.8, superseding the plan file's value) and a submitted, unapproved one (2022); an
    approved status of I2 and a submitted, unapproved one of I3."""
    review_db(db_url, tmp_path).dispose()
    for period, value in (("2024", "3.5"), ("2023", "3.8")):
        n = entry_number(gt(db_url, "record", "ledighed", value, "-p", period, "--submit", as_="carl").stdout)
        gt(db_url, "approve", str(n), as_="anna")
    gt(db_url, "record", "ledighed", "9.9", "-p", "2022", "--submit", as_="carl")
    n = entry_number(gt(db_url, "status", "I2", "done", "--note", "Approved status", "--submit", as_="carl").stdout)
    gt(db_url, "approve", str(n), as_="anna")
    gt(db_url, "status", "I3", "at-risk", "--note", "Waits for review", "--submit", as_="carl")
    return db_url


def test_package_validates_with_frictionless(reviewed: str, tmp_path: Path) -> None:
    root = tmp_path / "site"
    files = publish(reviewed, root)
    assert [p.relative_to(root).as_posix() for p in files] == [
        *(f"data/{t.name}.csv" for t in TABLES), "datapackage.json"]
    report = frictionless.validate(str(root / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"] == [DEFAULT_LICENSE] and "assumed" in package["description"]
    assert "created" not in package
    measurements = next(r for r in package["resources"] if r["name"] == "measurements")
    assert measurements["schema"]["foreignKeys"][1]["reference"] == {"resource": "indicators",
                                                                     "fields": ["plan", "code"]}
    assert measurements["bytes"] == (root / "data" / "measurements.csv").stat().st_size


def test_only_approved_current_values(reviewed: str, tmp_path: Path) -> None:
    root = tmp_path / "site"
    publish(reviewed, root)
    values = totals(root)
    assert values["2024"] == "3.5"  # approved
    assert values["2023"] == "3.8"  # the correction replaced the plan file's 3.7
    assert values["2022"] == "3.9"  # 9.9 waits for review
    rows = table(root, "measurements")
    assert len({(r["indicator"], r["period"], r["breakdown"]) for r in rows}) == len(rows)
    text = "".join(p.read_text(encoding="utf-8") for p in (root / "data").glob("*.csv"))
    assert "9.9" not in text and "carl" not in text and "anna" not in text
    statuses = [(r["initiative"], r["sequence"], r["status"], r["note"]) for r in table(root, "initiative_statuses")]
    assert ("I2", "1", "done", "Approved status") in statuses
    assert not [s for s in statuses if s[0] == "I3"] and "Waits for review" not in text
    # The published figures are the progress report's (which leaves pending values out).
    progress = as_json(reviewed, "report", "progress", "--plan", SLUG)
    for ind in progress["indicators"]:
        want = {p["period"]: cell(p["value"]) for p in ind["series"]}
        assert totals(root, ind["code"]) == want, ind["code"]


def test_byte_identical_twice_and_with_two_jobs(reviewed: str, tmp_path: Path) -> None:
    once = tree_of(reviewed, tmp_path / "a")
    assert once == tree_of(reviewed, tmp_path / "b")
    assert once == tree_of(reviewed, tmp_path / "c", jobs=2)


def tree_of(url: str, root: Path, *, jobs: int = 1) -> dict[str, bytes]:
    publish(url, root, jobs=jobs)
    return tree(root)


def test_stamp_is_the_packages_created(reviewed: str, tmp_path: Path) -> None:
    publish(reviewed, tmp_path / "site", stamp="2026-12-07")
    package = json.loads((tmp_path / "site" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["created"] == "2026-12-07"


def test_a_chosen_licence_replaces_the_assumed_one(reviewed: str, tmp_path: Path) -> None:
    publish(reviewed, tmp_path / "site", license=license_of("CC0-1.0"))
    package = json.loads((tmp_path / "site" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"] == [{"name": "CC0-1.0", "title": "Creative Commons Zero v1.0 Universal",
                                    "path": "https://creativecommons.org/publicdomain/zero/1.0/"}]
    assert "assumed" not in package["description"]
    assert license_of("") is None and license_of(" Apache-2.0 ") == {"name": "Apache-2.0"}


def test_the_licence_setting(tmp_path: Path) -> None:
    from goaltrack.settings import load_config

    config = tmp_path / "goaltrack.toml"
    config.write_text('[publish]\nlicense = "ODbL-1.0"\n', encoding="utf-8")
    assert load_config(config).get("publish", "license") == "ODbL-1.0"


def test_links_keep_their_basis_and_codes(reviewed: str, tmp_path: Path) -> None:
    publish(reviewed, tmp_path / "site")
    links = table(tmp_path / "site", "links")
    assert {r["basis"] for r in links} == {"explicit", "inferred"}
    codes = {(r["plan"], r["code"]) for r in table(tmp_path / "site", "initiatives")}
    assert all((r["plan"], r["dst_code"]) in codes for r in links if r["dst_kind"] == "initiative")


def test_frictionless_catches_a_broken_foreign_key(reviewed: str, tmp_path: Path) -> None:
    """The test above would pass if frictionless ignored foreign keys; this shows it does not."""
    root = tmp_path / "site"
    publish(reviewed, root)
    path = root / "data" / "measurements.csv"
    path.write_text(path.read_text(encoding="utf-8") + f"{SLUG},no-such-indicator,2024,,year,"
                    "2024-01-01,2024-12-31,1,,observed,,\n", encoding="utf-8")
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        resource.pop("bytes"), resource.pop("hash")
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    report = frictionless.validate(str(root / "datapackage.json"))
    assert not report.valid
    assert {kind for (kind,) in report.flatten(["type"])} == {"foreign-key"}


@pytest.mark.parametrize(("value", "text"), [
    (12.0, "12"), (0.5, "0.5"), (1500000.0, "1500000"), (1e-7, "0.0000001"), (1.5e20, "150000000000000000000"),
    (-3.25, "-3.25"), (7, "7"), (0.1 + 0.2, "0.30000000000000004"),
])
def test_numbers_have_one_text(value: float, text: str) -> None:
    assert number_text(value) == text
    assert float(text) == value


def test_cells() -> None:
    import datetime as dt

    assert [cell(None), cell(True), cell(False), cell(dt.date(2024, 1, 2)),
            cell(dt.datetime(2024, 1, 2, 3, 4, 5, 678)),
            cell(dt.datetime(2024, 1, 2, 4, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=1))))] == [
        "", "true", "false", "2024-01-02", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"]
    with pytest.raises(ValueError, match="nan"):
        number_text(float("nan"))


# --------------------------------------------------------------------------- downloads


def downloads(url: str, root: Path) -> Downloads:
    from goaltrack.interfaces import RenderOptions
    from goaltrack.plugins import load_plugins
    from goaltrack.reports import items

    plugins = load_plugins(entrypoints=False)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            data = items.load(conn, plugins, SLUG, RenderOptions(), {})
            out = write_downloads(conn, plugins, root, plan_id_for(conn, SLUG), data)
            out[("site",)] = write_site_downloads(root, [data.meta])
            return out
    finally:
        engine.dispose()


def test_downloads_of_every_page(reviewed: str, tmp_path: Path) -> None:
    root = tmp_path / "site"
    links = downloads(reviewed, root)
    base = f"downloads/{SLUG}"
    assert links[("plan",)] == [("YAML", f"{base}/plan.yaml"), ("CSV", f"{base}/index.csv"),
                                ("JSON", f"{base}/index.json")]
    assert links[("indicator", "ledighed")] == [("CSV", f"{base}/indicators/ledighed.csv"),
                                                ("JSON", f"{base}/indicators/ledighed.json")]
    assert {k for k in links if k[0] == "report"} == {("report", r) for r in ("coverage", "budget", "progress")}
    assert {k[0] for k in links} == {"plan", "goal", "focus_area", "initiative", "indicator", "report", "site"}
    listed = {path for files in links.values() for _label, path in files}
    assert listed == set(tree(root))  # every file is offered on a page, and every offer exists
    assert (root / base / "plan.yaml").read_text(encoding="utf-8").startswith("# goaltrack plan file")
    # The indicator's CSV is its series: approved, current, totals.
    with (root / base / "indicators" / "ledighed.csv").open(encoding="utf-8", newline="") as f:
        series = {r["period"]: r["value"] for r in csv.DictReader(f)}
    assert series == {"2022": "3.9", "2023": "3.8", "2024": "3.5"}
    index = json.loads((root / base / "index.json").read_text(encoding="utf-8"))
    assert [g["code"] for g in index] == ["NG1", "NG2", "NG3", "NG4"]
    everything = b"".join(tree(root).values()).decode("utf-8")
    assert "carl" not in everything and "anna" not in everything and "recorded_by" not in everything
    assert "9.9" not in everything and "Waits for review" not in everything and "Approved status" in everything
    plans = json.loads((root / "downloads" / "plans.json").read_text(encoding="utf-8"))
    assert plans == [{"slug": SLUG, "title": "Beskæftigelsesplan 2023 (synthetic)",
                      "organisation": "Holmstad Kommune (synthetic)", "years": "2023", "language": "da",
                      "synthetic": True}]


def test_downloads_are_byte_identical(reviewed: str, tmp_path: Path) -> None:
    downloads(reviewed, tmp_path / "a")
    downloads(reviewed, tmp_path / "b")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


@pytest.mark.parametrize(("code", "name"), [("NG1", "NG1"), ("a/b", "a%2Fb"), ("..", "%2E%2E"), (".", "%2E"),
                                            ("æ 1", "%C3%A6%201"), ("x.y-z_1", "x.y-z_1")])
def test_file_names(code: str, name: str) -> None:
    assert file_name(code) == name


def test_codes_that_share_a_file_name_are_refused() -> None:
    from goaltrack.errors import UsageError
    from goaltrack.publish.downloads import check_file_names
    from goaltrack.reports.items import PlanData

    check_file_names(PlanData(coverage={}, progress={}, lists={"initiatives": {"A": {}, "B": {}}}))
    with pytest.raises(UsageError, match="initiatives codes 'A' and 'a' give the same file name"):
        check_file_names(PlanData(coverage={}, progress={}, lists={"initiatives": {"A": {}, "a": {}}}))
