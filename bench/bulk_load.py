"""Benchmark of the bulk endpoint: 1M demand-history rows as CSV into PostgreSQL.

Creates a scratch database, loads a demo network for the items and locations, writes a CSV of
1,000,000 demand rows (weeks before the demo history, so every row is new), then times
``POST /api/v1/demand-history/bulk/`` with that file (first load: all created; second load:
all unchanged) next to a raw ``COPY`` of the same file into a bare table. Run:
``python bench/bulk_load.py`` (part of ``make bench``). Needs PostgreSQL.
"""

import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASE = "sop_bench_bulk"
SKUS, LOCATIONS, WEEKS = 5_000, 4, 50  # 1,000,000 rows


def manage(*args: str, env: dict) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def recreate_database() -> str:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"


def drop_database() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")


def write_csv(path: Path, skus: list[str], locations: list[str], end: date) -> None:
    """Every SKU × location × week for WEEKS weeks ending a year before ``end``."""
    weeks = [(end - timedelta(weeks=104 + w)).isoformat() for w in range(WEEKS)]
    grid = pd.MultiIndex.from_product([skus, locations, weeks]).to_frame(index=False)
    grid.columns = ["item", "location", "period_start"]
    rng = np.random.default_rng(1)
    grid["quantity"] = rng.poisson(12, len(grid))
    grid["is_promotion"] = np.where(rng.random(len(grid)) < 0.05, "true", "false")
    grid.to_csv(path, index=False)


def timed_post(body: bytes) -> tuple[float, dict]:
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    user = get_user_model().objects.create_superuser("bench", password="bench-only-pw-123")
    client = APIClient()
    client.force_authenticate(user)
    start = time.perf_counter()
    response = client.post(
        "/api/v1/demand-history/bulk/", data=body, content_type="text/csv", HTTP_HOST="localhost"
    )
    seconds = time.perf_counter() - start
    user.delete()
    assert response.status_code == 200, response.content[:500]
    return seconds, response.json()


def raw_copy(path: Path) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bare_demand (item text, location text, period_start date, "
            "quantity float8, is_promotion bool)"
        )
        start = time.perf_counter()
        with cursor.cursor.copy("COPY bare_demand FROM STDIN WITH (FORMAT csv, HEADER)") as copy:
            copy.write(path.read_bytes())
        return time.perf_counter() - start


def main() -> None:
    url = recreate_database()
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
    try:
        manage("migrate", "--no-input", env=env)
        end = date(2026, 11, 23)
        manage(
            "load_demo",
            "--skus",
            str(SKUS),
            "--locations",
            str(LOCATIONS),
            "--weeks",
            "8",
            "--end-date",
            end.isoformat(),
            env=env,
        )
        os.environ.update(
            DATABASE_URL=url, DEBUG="1", DJANGO_SETTINGS_MODULE="sop_platform.settings"
        )
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from inventory.models import Item, Location

        path = Path("/tmp/bench_demand.csv")
        write_csv(
            path,
            list(Item.objects.values_list("sku", flat=True)),
            list(Location.objects.values_list("code", flat=True)),
            end,
        )
        body = path.read_bytes()
        rows = body.count(b"\n") - 1
        first, report = timed_post(body)
        second, again = timed_post(body)
        copy = raw_copy(path)
        size = len(body) / 1e6
        print(f"Bulk endpoint, {rows:,} demand rows ({size:.0f} MB CSV), PostgreSQL, 2 cores:")
        print(
            f"  first load  {first:6.1f} s  {rows / first:>9,.0f} rows/s  {report['created']:,} new"
        )
        print(
            f"  second load {second:6.1f} s  {rows / second:>9,.0f} rows/s  "
            f"{again['unchanged']:,} unchanged"
        )
        print(f"  raw COPY    {copy:6.1f} s  {rows / copy:>9,.0f} rows/s  (bare table, no checks)")
        print(f"  endpoint / raw COPY: {first / copy:.1f}x (first), {second / copy:.1f}x (second)")
    finally:
        from django.db import connections

        connections.close_all()
        drop_database()


if __name__ == "__main__":
    main()
