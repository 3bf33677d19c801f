"""Benchmark a forecast run (the statistical baseline) on PostgreSQL with a real two-worker
django-q2 cluster: 1M SKU-locations x 104 weeks by default.

Usage (from the repository root)::

    .venv/bin/python bench/forecast_runs.py                  # 1M SKU-locations
    .venv/bin/python bench/forecast_runs.py --rows 50000
    .venv/bin/python bench/forecast_runs.py --reuse --keep   # time again on the data kept

Creates the scratch database ``sop_bench_forecast_<rows>``: rows / 10 items in 20 categories
at 10 locations, one stock position per SKU-location and, generated inside PostgreSQL
(``INSERT ... SELECT`` over ``generate_series`` on two connections, indexes built afterwards),
104 weeks of demand per SKU-location in four patterns (smooth and seasonal, with a promoted
week in 26; intermittent; lumpy; 1 item in 50 new, with 6 weeks) and 2,000 promotions in the
horizon. Then starts ``manage.py qcluster`` with two workers, runs a whole-network forecast
run and prints its wall time, the seconds of each stage (summed over batches), the rows
written and the peak resident memory of each worker (VmHWM). The database is dropped at the
end unless ``--keep``.
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta

import psycopg
from runs import _children, _peak_mb
from scratch import ADMIN_URL, ROOT, database_url, fresh_database, setup_django

LOCATIONS = 10
CATEGORIES = 20
WEEKS = 104
FIRST = date(2024, 11, 25)  # a Monday
AS_OF = FIRST + timedelta(weeks=WEEKS)
STAMPS = "'bench', now(), now()"
ITEMS = f"""
INSERT INTO inventory_item (id, sku, description, category, business_unit, unit_cost,
    unit_price, unit_of_measure, lifecycle_status, source, loaded_at, updated_at)
SELECT i, 'B-' || lpad(i::text, 7, '0'), '', 'CAT-' || (i % {CATEGORIES}), '', 10, 15, 'EA',
       'active', {STAMPS}
FROM generate_series(1, {{items}}) i
"""
POSITIONS = f"""
INSERT INTO inventory_inventoryposition
    (item_id, location_id, as_of, on_hand, in_transit, allocated, backordered,
     source, loaded_at, updated_at)
SELECT i, l, DATE '{AS_OF}' - 7, (i * 31 + l * 17) % 120, 0, 0, 0, {STAMPS}
FROM generate_series(1, {{items}}) i, generate_series(1, {LOCATIONS}) l
"""
# Pattern by item: 0-1 smooth seasonal (a promoted, doubled week in 26), 2 intermittent,
# 3 lumpy; an item in 50 is new (its last 6 weeks only).
DEMAND = f"""
INSERT INTO demand_demandhistory
    (item_id, location_id, period_start, quantity, is_promotion, source, loaded_at, updated_at)
SELECT i, l, DATE '{FIRST}' + 7 * w,
       CASE i % 4
         WHEN 2 THEN CASE WHEN (i * 7 + l * 3 + w * 5) % 5 = 0 THEN (i + w) % 9 + 1 ELSE 0 END
         WHEN 3 THEN CASE WHEN (i * 3 + l + w * 7) % 4 = 0 THEN ((i * w + l) % 23) * 2 ELSE 0 END
         ELSE round((20 + i % 30 + 8 * sin(2 * pi() * w / 52) + (i * 13 + l * 7 + w * 11) % 7)
                    * CASE WHEN i % 4 < 2 AND (i + w) % 26 = 0 THEN 2 ELSE 1 END)
       END,
       i % 4 < 2 AND (i + w) % 26 = 0, {STAMPS}
FROM generate_series({{w0}}, {{w1}} - 1) w, generate_series(1, {{items}}) i,
     generate_series(1, {LOCATIONS}) l
WHERE i % 50 <> 0 OR w >= {WEEKS - 6}
"""
PROMOTIONS = f"""
INSERT INTO demand_promotion (item_id, location_id, start, "end", uplift, description,
                              created_at)
SELECT 1 + (n * 997) % {{items}}, CASE WHEN n % 2 = 0 THEN NULL ELSE 1 + n % {LOCATIONS} END,
       DATE '{AS_OF}' + 7 * (n % 20), DATE '{AS_OF}' + 7 * (n % 20) + 6, 1.5, 'bench', now()
FROM generate_series(1, 2000) n
"""


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="SKU-locations")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="Time again on a kept database.")
    parser.add_argument("--keep", action="store_true", help="Do not drop the database.")
    return parser.parse_args()


def _parallel(url: str, statements: list[str]) -> None:
    """Run the statements on two connections at once (one child process each)."""
    children = []
    for part in (statements[0::2], statements[1::2]):
        script = "import psycopg,sys\nwith psycopg.connect(sys.argv[1], autocommit=True) as c:\n"
        script += "".join(f"    c.execute({s!r})\n" for s in part) or "    pass\n"
        children.append(subprocess.Popen([sys.executable, "-c", script, url]))
    if any(child.wait() for child in children):
        raise SystemExit("generating the data failed")


def _generate(database: str, rows: int) -> None:
    from django.db import connection

    from demand.models import DemandHistory, Promotion
    from inventory.models import InventoryPosition, Item, Location
    from sop_platform.bulk.writer import bulk_writer

    items, start = rows // LOCATIONS, time.perf_counter()
    for number in range(LOCATIONS):
        code = f"L-{number:02d}"
        Location.objects.create(code=code, name=code, location_type="dc", echelon=2)
    writer = bulk_writer(connection)
    big = [InventoryPosition, DemandHistory]
    deferred = writer.defer_indexes(big)
    with connection.cursor() as cursor:
        cursor.execute(ITEMS.format(items=items))
    quarters = [(w, w + WEEKS // 4) for w in range(0, WEEKS, WEEKS // 4)]
    statements = [DEMAND.format(w0=w0, w1=w1, items=items) for w0, w1 in quarters]
    _parallel(database_url(database), [*statements, POSITIONS.format(items=items)])
    with connection.cursor() as cursor:
        cursor.execute(PROMOTIONS.format(items=items))
    print(f"  rows generated in {time.perf_counter() - start:.0f} s", flush=True)
    stage = time.perf_counter()
    writer.restore_indexes(deferred)
    writer.finish([Item, *big, Promotion])
    writer.analyze([Item, *big, Promotion])
    with connection.cursor() as cursor:  # what autovacuum does after the loads
        for model in big:
            cursor.execute(f"VACUUM {model._meta.db_table}")
    print(f"  indexes, keys, ANALYZE, VACUUM in {time.perf_counter() - stage:.0f} s", flush=True)


def _run(database: str, batch_size: int, workers: int) -> None:
    env = {**os.environ, "DATABASE_URL": database_url(database), "DEBUG": "1"}
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env={**env, "Q_WORKERS": str(workers)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        from demand.runs.selectors import run_forecasts
        from demand.runs.services import forecast_run_start
        from inventory.runs.scope import RunScope

        time.sleep(3)  # let the cluster fork its workers
        run = forecast_run_start(
            scope=RunScope(), as_of=AS_OF, parameters={"batch_size": batch_size}
        )
        memory: dict[int, float] = {}
        while run.is_active:
            time.sleep(1)
            if cluster.poll() is not None:
                raise SystemExit(f"the cluster stopped (exit {cluster.returncode})")
            run.refresh_from_db()
            for pid in _children(cluster.pid):
                with contextlib.suppress(FileNotFoundError):  # a process that just ended
                    memory[pid] = max(memory.get(pid, 0.0), _peak_mb(pid))
        _report(run, memory, run_forecasts(run).count())
    finally:
        os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait()


def _report(run, memory: dict[int, float], forecasts: int) -> None:
    wall, rows = run.duration_seconds, run.total_rows
    print(f"  forecast run #{run.pk}: {run.status}, {rows:,} SKU-locations, "
          f"{run.total_batches} batches, {forecasts:,} forecast rows")  # fmt: skip
    print(f"  wall time {wall:.1f} s, {rows / wall:,.0f} SKU-locations/s")
    for stage, seconds in run.timings.items():
        rate = f"{rows / seconds:>12,.0f} rows/s" if seconds else ""
        print(f"    {stage:<8} {seconds:8.1f} s {rate}")
    peaks = sorted(memory.values(), reverse=True)
    print("  peak memory per process (MB): " + ", ".join(f"{mb:,.0f}" for mb in peaks))
    for row in run.summary.get("classes", []):
        print(f"    {row['demand_class']:<12} {row['rows']:>9,} rows, mean MASE "
              f"{row['mean_mase']}")  # fmt: skip
    if run.error:
        print(f"  error: {run.error}")


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    args = _arguments()
    database = f"sop_bench_forecast_{args.rows}"
    print(f"{args.rows:,} SKU-locations x {WEEKS} weeks, PostgreSQL, {args.workers} workers:")
    if not args.reuse:
        fresh_database(database)
    setup_django(database)
    if not args.reuse:
        _generate(database, args.rows)
    _run(database, args.batch_size, args.workers)
    if not args.keep:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
