"""The site's Frictionless Data Package: ``data/*.csv`` and ``datapackage.json``.

One resource per table of :mod:`goaltrack.publish.package_tables`, each with its Table
Schema (types, primary key, foreign keys by plan slug and code), its size in bytes and its
sha256, so a reader can check a download. The licence is CC-BY-4.0 unless the caller names
another: goaltrack cannot know what the municipality chose, so the package says the default
is an assumption.

With ``jobs`` > 1 the tables are written by that many processes, each with its own
connection to the same database (a connection cannot cross a process). Each table is
written by exactly one process from one ordered query, so the bytes do not depend on
``jobs``; ``datapackage.json`` is written last, in table order, from what the writers report.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from goaltrack.publish import package_tables as pk
from goaltrack.publish.tables import Written, write_csv, write_json

#: The licence when none is set: an assumption, said so in the package.
DEFAULT_LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
ASSUMED = ("The licence is goaltrack's default (CC-BY-4.0), assumed, not chosen by the publisher; "
           "set [publish] license in the settings to state the real one.")

#: Licences often chosen for open data, by SPDX identifier: their title and where to read them.
KNOWN_LICENSES = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    "CC0-1.0": ("Creative Commons Zero v1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "CC-BY-SA-4.0": ("Creative Commons Attribution Share Alike 4.0",
                     "https://creativecommons.org/licenses/by-sa/4.0/"),
    "ODbL-1.0": ("Open Data Commons Open Database License v1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
    "PDDL-1.0": ("Open Data Commons Public Domain Dedication & License 1.0",
                 "https://opendatacommons.org/licenses/pddl/1-0/"),
}


def license_of(setting: str) -> dict[str, str] | None:
    """The package's ``licenses`` entry for ``[publish] license`` (an SPDX identifier);
    None for an empty setting, which means the assumed default."""
    name = setting.strip()
    if not name:
        return None
    if name in KNOWN_LICENSES:
        title, path = KNOWN_LICENSES[name]
        return {"name": name, "title": title, "path": path}
    return {"name": name}


#: Rows fetched from the database at a time: bounds the memory a table of millions of rows takes.
BATCH = 5000


def write_datapackage(conn: Connection, root: Path, plan_ids: list[int], *, stamp: str | None,
                      jobs: int = 1, license: dict[str, str] | None = None) -> list[Path]:
    """Write ``root/data/*.csv`` and ``root/datapackage.json`` for ``plan_ids``; answer the
    files written (the CSVs in table order, then ``datapackage.json``). ``license`` is the
    Data Package ``licenses`` entry (:func:`license_of` of ``[publish] license``); None says
    the default is assumed. An in-memory SQLite database, which no other process can open,
    is written by this process whatever ``jobs`` says."""
    ids = sorted(plan_ids)
    names = [t.name for t in pk.TABLES]
    url = _url(conn)
    if jobs > 1 and url is not None:
        written = _in_processes(url, root, ids, names, jobs)
    else:
        written = {name: write_table(conn, root, name, ids) for name in names}
    descriptor = _descriptor(written, stamp, license)
    files = [written[name].path for name in names]
    files.append(write_json(root / "datapackage.json", descriptor, pretty=True).path)
    return files


def write_table(conn: Connection, root: Path, name: str, plan_ids: list[int]) -> Written:
    """Stream table ``name``'s rows from the database to ``root/data/{name}.csv``."""
    table = pk.BY_NAME[name]
    result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(pk.query(name, plan_ids))
    try:
        return write_csv(root / "data" / f"{name}.csv", table.names, pk.shape(name, result),
                         types=[f.type for f in table.fields])
    finally:
        result.close()


def _url(conn: Connection) -> str | None:
    """The database's URL with its password, for a worker process; None for an in-memory SQLite."""
    url = conn.engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=False)


def _worker(url: str, root: str, name: str, plan_ids: list[int]) -> Written:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return write_table(conn, Path(root), name, plan_ids)
    finally:
        engine.dispose()


def _in_processes(url: str, root: Path, ids: list[int], names: list[str], jobs: int) -> dict[str, Written]:
    # spawn, not fork: a forked child would share the parent's open database connections.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        # The largest table first, so it does not start last and hold everyone up.
        order = ["measurements", *(n for n in names if n != "measurements")]
        futures = {name: pool.submit(_worker, url, str(root), name, ids) for name in order}
        return {name: futures[name].result() for name in names}


def _descriptor(written: dict[str, Written], stamp: str | None, license: dict[str, str] | None) -> dict[str, Any]:
    resources = []
    for table in pk.TABLES:
        w = written[table.name]
        resources.append({
            "name": table.name, "title": table.title, "path": f"data/{table.name}.csv",
            "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "bytes": w.bytes, "hash": f"sha256:{w.sha256}", "schema": table.schema(),
        })
    out: dict[str, Any] = {
        "name": "goaltrack-plans", "title": "Plans, goals, indicators and their approved values",
        "profile": "tabular-data-package",
        "licenses": [license or DEFAULT_LICENSE],
        "description": ("Published by goaltrack. Only approved, current values; example and synthetic data "
                        "are marked (plans.synthetic, source_title 'example')."
                        + ("" if license else " " + ASSUMED)),
        "resources": resources,
    }
    if stamp is not None:
        out["created"] = stamp
    return out
