"""Benchmark ``manage.py load_csv demand-history --backfill`` on a scratch PostgreSQL database.

Creates ``bench_backfill_run`` (dropping a leftover one), migrates it, loads a demo network for
its items and locations (20,000 SKUs x 10 locations by default) and empties the demand table,
writes a CSV of SKUs x locations x 50 weeks (10,000,000 rows, weeks before the demo history)
and one of the 5 weeks after them (1,000,000 new rows). Then times, each as its own
``manage.py load_csv`` process (wall time, Django start-up included):

1. the 10M-row file with ``--backfill`` into the empty demand table;
2. the 1M-row file with ``--backfill`` into the table holding those 10M rows;
3. the same 1M rows through the normal incremental path (foreign keys and indexes kept), after
   deleting them again, so the table again holds 10M rows.

Checks the row count and that the indexes and foreign keys are back after each step, times a
raw COPY of the 10M-row file into a bare table for comparison, prints the figures and drops
the database and the files. Run: ``python bench/backfill.py`` (part of ``make bench``;
``--skus 2000`` for a smaller run, ``--keep`` to keep the database).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd
import psycopg

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASE = "bench_backfill_run"
END = date(2026, 11, 23)
HISTORY_WEEKS, NEW_WEEKS = 50, 5
TABLE = "demand_demandhistory"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=20_000)
    parser.add_argument("--locations", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="Do not drop the database.")
    return parser.parse_args()


def _admin(statement: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)


def _url() -> str:
    return urlunsplit(urlsplit(ADMIN_URL)._replace(path=f"/{DATABASE}"))


def _manage(env: dict, *args: str) -> tuple[float, str]:
    """Run manage.py; returns (wall seconds, stderr) and echoes its stdout."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    print(done.stdout.strip(), flush=True)
    return seconds, done.stderr


def _sql(query: str) -> list[tuple]:
    with psycopg.connect(_url()) as connection:
        return connection.execute(query).fetchall()


def _write_csv(path: Path, weeks: list[str], skus: list[str], locations: list[str]) -> int:
    """Every SKU x location x week, written a week at a time (bounded memory)."""
    rng = np.random.default_rng(1)
    grid = pd.MultiIndex.from_product([skus, locations]).to_frame(index=False)
    grid.columns = ["item", "location"]
    with path.open("w") as out:
        out.write("item,location,period_start,quantity,is_promotion\n")
        for week in weeks:
            frame = grid.assign(
                period_start=week,
                quantity=rng.poisson(12, len(grid)),
                is_promotion=np.where(rng.random(len(grid)) < 0.05, "true", "false"),
            )
            frame.to_csv(out, header=False, index=False)
    return len(grid) * len(weeks)


def _structures() -> tuple[int, int]:
    """(indexes, foreign keys) of the demand table."""
    indexes = _sql(f"SELECT count(*) FROM pg_indexes WHERE tablename = '{TABLE}'")[0][0]
    foreign = _sql(
        f"SELECT count(*) FROM pg_constraint WHERE conrelid = '{TABLE}'::regclass "
        "AND contype = 'f' AND convalidated"
    )[0][0]
    return indexes, foreign


def _load(env: dict, label: str, path: Path, rows: int, *extra: str) -> None:
    """Time one load_csv and print its figures with the table's state afterwards."""
    seconds, stderr = _manage(env, "load_csv", "demand-history", str(path), *extra)
    inner = re.search(r"in ([\d,.]+) s \(", stderr)
    loaded = float(inner[1].replace(",", "")) if inner else seconds
    count = _sql(f"SELECT count(*) FROM {TABLE}")[0][0]
    indexes, foreign = _structures()
    print(
        f"  {label}: {rows:,} rows in {seconds:.1f} s wall ({rows / seconds:,.0f} rows/s); "
        f"load itself {loaded:.1f} s ({rows / loaded:,.0f} rows/s); table {count:,} rows, "
        f"{indexes} indexes, {foreign} validated foreign keys",
        flush=True,
    )
    print(f"    {stderr.strip().splitlines()[-1]}", flush=True)


def _raw_copy(path: Path, rows: int) -> None:
    """COPY the same file into a bare table (no index, key or check): the floor of a load on
    this machine at this moment, to compare figures taken on a busy machine."""
    with psycopg.connect(_url()) as connection:
        connection.execute(
            "CREATE TEMP TABLE bare (item text, location text, period_start date, "
            "quantity float8, is_promotion bool)"
        )
        start = time.perf_counter()
        sql = "COPY bare FROM STDIN WITH (FORMAT csv, HEADER)"
        with connection.cursor().copy(sql) as copy, path.open("rb") as source:
            while block := source.read(8 * 1024 * 1024):
                copy.write(block)
        seconds = time.perf_counter() - start
    print(
        f"  raw COPY of the file into a bare table: {seconds:.1f} s ({rows / seconds:,.0f} rows/s)"
    )


def _prepare(env: dict, options: argparse.Namespace) -> tuple[list[str], list[str]]:
    """Migrate, load the demo network, empty the demand table; returns (SKUs, locations)."""
    _manage(env, "migrate", "--verbosity", "0")
    demo = ["--skus", str(options.skus), "--locations", str(options.locations), "--weeks", "8"]
    _manage(env, "load_demo", *demo, "--end-date", END.isoformat(), "--verbosity", "0")
    _sql_write(f"TRUNCATE {TABLE}")
    skus = [row[0] for row in _sql("SELECT sku FROM inventory_item ORDER BY sku")]
    codes = [row[0] for row in _sql("SELECT code FROM inventory_location ORDER BY code")]
    return skus, codes


def _sql_write(statement: str) -> None:
    with psycopg.connect(_url(), autocommit=True) as connection:
        connection.execute(statement)


def _weeks(first_back: int, count: int) -> list[str]:
    """``count`` Mondays, the first ``first_back`` weeks before the demo's end date."""
    return [(END - timedelta(weeks=first_back - w)).isoformat() for w in range(count)]


def main() -> None:
    """Prepare, time the three loads, clean up."""
    options = _arguments()
    _admin(f'DROP DATABASE IF EXISTS "{DATABASE}"')
    _admin(f'CREATE DATABASE "{DATABASE}"')
    scratch = Path(tempfile.mkdtemp(prefix="bench_backfill_"))
    env = {**os.environ, "DATABASE_URL": _url(), "DEBUG": "1", "PYTHONUNBUFFERED": "1"}
    try:
        skus, codes = _prepare(env, options)
        back = 104 + HISTORY_WEEKS + NEW_WEEKS  # well before the demo's own 8 weeks
        history, recent = scratch / "history.csv", scratch / "recent.csv"
        rows = _write_csv(history, _weeks(back, HISTORY_WEEKS), skus, codes)
        new_weeks = _weeks(back - HISTORY_WEEKS, NEW_WEEKS)
        new_rows = _write_csv(recent, new_weeks, skus, codes)
        size = history.stat().st_size / 1e6
        print(f"load_csv demand-history, PostgreSQL, {os.cpu_count()} cores ({size:,.0f} MB CSV):")
        _load(env, "backfill into the empty table", history, rows, "--backfill")
        _load(env, "backfill into the table of 10M", recent, new_rows, "--backfill")
        _sql_write(f"DELETE FROM {TABLE} WHERE period_start >= '{new_weeks[0]}'")
        _sql_write(f"VACUUM ANALYZE {TABLE}")
        _load(env, "normal path into the table of 10M", recent, new_rows)
        _raw_copy(history, rows)
    finally:
        for path in scratch.glob("*"):
            path.unlink()
        scratch.rmdir()
        if not options.keep:
            _admin(f'DROP DATABASE IF EXISTS "{DATABASE}"')


if __name__ == "__main__":
    main()
