"""The Python floor for ``goaltrack import csv``: the least a script can do to get the same rows in.

    python benchmarks/floor_sqlite3.py DB FILE.csv

Standard library only: :mod:`csv` reads ``FILE`` (``indicator,period,value``) and one
``sqlite3`` ``executemany`` in one transaction writes it into ``DB``'s ``measurement`` table,
the same table (same columns, same indexes, same constraints) ``goaltrack import`` fills,
because ``DB`` is a copy of the same goaltrack database. What it leaves out is what goaltrack
adds: no check of the indicator (a ``KeyError`` would end it), the period or the value
against the unit, no period normalisation (it knows the benchmark file holds days, so it
stores the code itself as the start and end date), no supersession check, no duplicate report,
no audit row, no command line or plugins.
"""

from __future__ import annotations

import csv
import sqlite3
import sys

NOW = "2021-01-01 00:00:00.000000"
ORIGIN = "floor"


def main() -> None:
    db, path = sys.argv[1], sys.argv[2]
    con = sqlite3.connect(db)
    ids = dict(con.execute("SELECT code, id FROM indicator"))
    with open(path, newline="", encoding="utf-8") as fh:
        rows = csv.reader(fh)
        next(rows)
        with con:
            con.executemany(
                "INSERT INTO measurement (indicator_id, period_code, freq, period_start, period_end, value, kind, "
                "recorded_by, recorded_at, origin, correction, position) "
                "VALUES (?, ?, 'day', ?, ?, ?, 'observed', 'floor', ?, ?, 0, 0)",
                ((ids[i], p, p, p, float(v), NOW, ORIGIN) for i, p, v in rows),
            )
    con.close()


if __name__ == "__main__":
    main()
