"""Benchmark ``manage.py load_demo`` on a scratch PostgreSQL database, and on SQLite.

Usage (from the repository root)::

    .venv/bin/python bench/load_demo.py                 # 50,000 SKUs x 20 locations x 104 weeks
    .venv/bin/python bench/load_demo.py --skus 5000     # a smaller run

Creates the database ``sop_bench`` (dropping a leftover one), migrates it, times the load,
prints the command's per-stage seconds and rows/s, the database size, and drops the database
at the end (about 15 GB at full size). Then times the small ``make run`` network on a scratch
SQLite file. ``BENCH_ADMIN_URL`` (default ``postgres://postgres@127.0.0.1:5432/postgres``)
names the server and a maintenance database to connect to.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SMALL = ["--skus", "200", "--locations", "6", "--weeks", "104"]


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=50_000)
    parser.add_argument("--locations", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end-date", default="2025-06-02", help="Fixed, so runs compare.")
    parser.add_argument("--database", default="sop_bench", help="Scratch database name.")
    parser.add_argument("--keep", action="store_true", help="Do not drop the database.")
    parser.add_argument("--skip-sqlite", action="store_true")
    return parser.parse_args()


def _admin(statement: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)


def _database_url(name: str) -> str:
    parts = urlsplit(ADMIN_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _manage(env: dict[str, str], *args: str) -> float:
    """Run a manage.py command, streaming its output; returns wall seconds."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - start


def _environment(**extra: str) -> dict[str, str]:
    env = {**os.environ, "DEBUG": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)  # SQLite unless ``extra`` names a database
    env.update(extra)
    return env


def _size(url: str) -> str:
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()
    return row[0]


def bench_postgres(options: argparse.Namespace) -> None:
    """Create, migrate, load, measure and drop the scratch PostgreSQL database."""
    url = _database_url(options.database)
    _admin(f'DROP DATABASE IF EXISTS "{options.database}"')
    _admin(f'CREATE DATABASE "{options.database}"')
    try:
        env = _environment(DATABASE_URL=url)
        _manage(env, "migrate", "--verbosity", "0")
        size = [f"--{k}" for k in ("skus", "locations", "weeks", "seed")]
        values = [options.skus, options.locations, options.weeks, options.seed]
        args = [a for pair in zip(size, map(str, values), strict=True) for a in pair]
        print(f"PostgreSQL: load_demo {' '.join(args)} --end-date {options.end_date}", flush=True)
        seconds = _manage(env, "load_demo", *args, "--end-date", options.end_date, "-v", "2")
        print(f"PostgreSQL wall time {seconds:.1f} s; database size {_size(url)}", flush=True)
    finally:
        if not options.keep:
            _admin(f'DROP DATABASE IF EXISTS "{options.database}"')


def bench_sqlite(options: argparse.Namespace) -> None:
    """Time the small ``make run`` network on a scratch SQLite file."""
    with tempfile.TemporaryDirectory() as scratch:
        env = _environment(VAR_DIR=scratch)
        _manage(env, "migrate", "--verbosity", "0")
        print(f"SQLite: load_demo {' '.join(SMALL)} --end-date {options.end_date}", flush=True)
        seconds = _manage(env, "load_demo", *SMALL, "--end-date", options.end_date)
        print(f"SQLite wall time {seconds:.1f} s (including Django start-up)", flush=True)


def main() -> None:
    """Run the PostgreSQL benchmark, then the SQLite one."""
    options = _arguments()
    bench_postgres(options)
    if not options.skip_sqlite:
        bench_sqlite(options)


if __name__ == "__main__":
    main()
