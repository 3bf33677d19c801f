"""Benchmark the forecast accuracy selector on PostgreSQL at 1M SKU-locations: the page's and
the API's whole report (window, previous window, 12-month rolling trend, breakdowns, worst
SKU-locations) for the whole network, one location and one category.

Usage (from the repository root)::

    .venv/bin/python bench/forecast_accuracy.py                  # 1M SKU-locations
    .venv/bin/python bench/forecast_accuracy.py --rows 100000
    .venv/bin/python bench/forecast_accuracy.py --keep           # keep the database afterwards
    .venv/bin/python bench/forecast_accuracy.py --reuse --keep   # time again on the data kept

Creates the scratch database ``sop_bench_accuracy_<n>``: n / 10 items in 20 categories at 10
locations (with a policy each, from bench/scratch.py), a stored ABC-XYZ class for 9 in 10
SKU-locations and, generated inside PostgreSQL (``INSERT ... SELECT`` over
``generate_series`` on two connections, indexes built afterwards), one demand row per
SKU-location and week for 117 weeks (the default report reads the last 65: the 12-month
rolling trend's and the 52 weeks before the window that scale MASE), a lag-1 statistical
forecast of each of the last 65 weeks and a consensus forecast of the last 13 for 1 in 10
SKU-locations. Dropped at the end unless ``--keep``.
"""

import argparse
import os
import time
from datetime import date, timedelta

import numpy as np
from scratch import (
    bench_users,
    database_url,
    drop_database,
    fresh_database,
    in_parallel,
    loads_finished,
    peak_mb,
    policies_network,
    print_database_size,
    setup_django,
)

LOCATIONS = 10
CATEGORIES = 20
WEEKS = 117
MEASURED = 65
FIRST = date(2024, 8, 26)  # a Monday; the last week is 2026-11-16
TODAY = date(2026, 11, 25)
REPEATS = 2
STAMPS = "'bench', now(), now()"
ITEMS_AND_SEGMENTS = """
UPDATE inventory_item SET category = 'CAT-' || (id % {categories});
INSERT INTO inventory_networksegmentation (as_of, computed_at) VALUES (DATE '{today}', now());
INSERT INTO inventory_skulocationsegment (segmentation_id, item_id, location_id, segment)
SELECT (SELECT max(id) FROM inventory_networksegmentation), 1 + (n - 1) / {locations},
       1 + (n - 1) % {locations},
       substr('ABC', 1 + n % 3, 1) || substr('XYZ', 1 + (n / 3) % 3, 1)
FROM generate_series(1, {rows}) n WHERE n % 10 <> 0
"""
# Each statement fills its table for the weeks [{w0}, {w1}) of one connection's half.
DEMAND = f"""
INSERT INTO demand_demandhistory
    (item_id, location_id, period_start, quantity, is_promotion, source, loaded_at, updated_at)
SELECT i, l, DATE '{FIRST}' + 7 * w, (i * 13 + l * 7 + w * 11) % 23, false, {STAMPS}
FROM generate_series({{w0}}, {{w1}} - 1) w, generate_series(1, {{items}}) i,
     generate_series(1, {LOCATIONS}) l
"""
FORECASTS = f"""
INSERT INTO demand_forecast
    (item_id, location_id, period_start, quantity, kind, as_of, version,
     source, loaded_at, updated_at)
SELECT i, l, DATE '{FIRST}' + 7 * w,
       GREATEST((i * 13 + l * 7 + w * 11) % 23 + (i % 5) - 2 + (i * 7 + w * 3) % 5 - 2, 0),
       'statistical', DATE '{FIRST}' + 7 * w - 7, '', {STAMPS}
FROM generate_series(GREATEST({{w0}}, {WEEKS - MEASURED}), {{w1}} - 1) w,
     generate_series(1, {{items}}) i, generate_series(1, {LOCATIONS}) l
"""
CONSENSUS = f"""
INSERT INTO demand_forecast
    (item_id, location_id, period_start, quantity, kind, as_of, version,
     source, loaded_at, updated_at)
SELECT i, l, DATE '{FIRST}' + 7 * w, (i * 13 + l * 7 + w * 11) % 23 + 1,
       'consensus', DATE '{FIRST}' + 7 * w - 7, 'S&OP', {STAMPS}
FROM generate_series({WEEKS - 13}, {WEEKS - 1}) w, generate_series(1, {{items}}) i,
     generate_series(1, {LOCATIONS}) l
WHERE (i + l) % 10 = 0
"""


def _generate(database: str, rows: int) -> None:
    """Write the benchmark's data; prints the time of each stage."""
    from django.db import connection

    from demand.models import DemandHistory, Forecast
    from inventory.models import InventoryPolicy, Item
    from sop_platform.bulk.writer import bulk_writer

    items, start = rows // LOCATIONS, time.perf_counter()
    writer = bulk_writer(connection)
    policies_network(writer, rows, LOCATIONS)
    writer.finish([Item, InventoryPolicy, InventoryPolicy.history.model])
    with connection.cursor() as cursor:
        cursor.execute(
            ITEMS_AND_SEGMENTS.format(
                categories=CATEGORIES, today=TODAY, locations=LOCATIONS, rows=rows
            )
        )
    print(f"items, policies, segments: {time.perf_counter() - start:.0f} s", flush=True)
    big = [DemandHistory, Forecast]
    deferred = writer.defer_indexes(big)
    stage = time.perf_counter()
    halves = [(0, WEEKS // 2), (WEEKS // 2, WEEKS)]
    weekly = [s.format(w0=w0, w1=w1, items=items) for s in (DEMAND, FORECASTS)
              for w0, w1 in halves]  # fmt: skip
    in_parallel(database_url(database), [*weekly, CONSENSUS.format(items=items)])
    print(f"demand, forecasts: {time.perf_counter() - stage:.0f} s", flush=True)
    loads_finished(writer, deferred, big, vacuumed=big)


def _timed(label: str, **query) -> None:
    """The whole report ``REPEATS`` times (the first reads from a cold cache): median and
    worst seconds, and the load average of the machine while it ran."""
    from django.contrib.auth import get_user_model

    from demand.accuracy.selectors import AccuracyQuery, forecast_accuracy
    from governance.selectors import location_scope

    planner = get_user_model().objects.filter(username="bench-planner").first()
    scope = location_scope(user=planner or bench_users("planner")[0])
    seconds = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        report = forecast_accuracy(scope=scope, query=AccuracyQuery(**query), today=TODAY)
        seconds.append(time.perf_counter() - start)
    wape = report.window.values["wape"] if report else float("nan")
    print(
        f"| {label} | {report.sku_locations if report else 0:,} | {np.median(seconds):.1f} s "
        f"| {max(seconds):.1f} s | {wape:.3f} | {peak_mb():,.0f} MB | {os.getloadavg()[0]:.1f} |",
        flush=True,
    )


def bench(rows: int, reuse: bool, keep: bool) -> None:
    database = f"sop_bench_accuracy_{rows}"
    if not reuse:
        fresh_database(database)
    setup_django(database)
    if not reuse:
        _generate(database, rows)
    print_database_size()
    from inventory.models import Location

    print(
        f"| Report ({REPEATS} calls) | SKU-locations | Median | Worst | WAPE | Peak memory | Load |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    _timed("whole network, plan, lag 1, 13 weeks")
    _timed("one location (of 10)", location_id=Location.objects.order_by("pk").first().pk)
    _timed("one category (of 20)", category="CAT-1")
    if not keep:
        drop_database(database)
    print(f"last week {FIRST + timedelta(weeks=WEEKS - 1)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="time again on the data kept")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    arguments = parser.parse_args()
    bench(arguments.rows, arguments.reuse, arguments.keep)


if __name__ == "__main__":
    main()
