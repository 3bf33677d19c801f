"""Benchmark KPI snapshots on PostgreSQL at 1M SKU-locations x 104 weeks: the computation of
every week's snapshots, then the KPI selectors (trend per week and per month, breakdown by
location) as the KPI page and the scorecard call them.

Usage (from the repository root)::

    .venv/bin/python bench/kpis.py                       # 1M SKU-locations, 104 weeks
    .venv/bin/python bench/kpis.py --rows 100000
    .venv/bin/python bench/kpis.py --keep                # keep the database afterwards
    .venv/bin/python bench/kpis.py --reuse --keep        # time again on the data kept

Creates the scratch database ``sop_bench_kpis_<n>``: n / 10 items in 20 categories at 10
locations, an active policy per SKU-location from 2026-01-05 (so earlier weeks measure excess
by cover), a segment for 9 in 10 SKU-locations, and, generated inside PostgreSQL (``INSERT ...
SELECT`` over ``generate_series``, two connections, indexes built afterwards), one stock
position and one demand row per SKU-location and week (positions loaded week by week, as
an ERP's weekly snapshots arrive), lag-1 forecasts for the last 13 weeks, one purchase-order
line with 4 receipts for 1 in 4 SKU-locations, 10,000 expedites and 10,000 write-offs. The
database (45 GB at 1M SKU-locations) is dropped at the end unless ``--keep``.
"""

import argparse
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
WEEKS = 104
FIRST = date(2024, 11, 25)  # a Monday; the last week is 2026-11-16
REQUESTS = 50
STAMPS = "'bench', now(), now()"

# Each statement fills one table for the weeks [{w0}, {w1}) of one connection's half.
POSITIONS = f"""
INSERT INTO inventory_inventoryposition
    (item_id, location_id, as_of, on_hand, in_transit, allocated, backordered,
     source, loaded_at, updated_at)
SELECT i, l, DATE '{FIRST}' + 7 * w, q, CASE WHEN (i + w) % 4 = 0 THEN 20 ELSE 0 END, 0,
       CASE WHEN q <= 0 THEN 3 ELSE 0 END, {STAMPS}
FROM generate_series({{w0}}, {{w1}} - 1) w, generate_series(1, {{items}}) i,
     generate_series(1, {LOCATIONS}) l,
     LATERAL (SELECT ((i * 31 + l * 17 + w * 7) % 120) - 10 AS q) stock
"""
DEMAND = f"""
INSERT INTO demand_demandhistory
    (item_id, location_id, period_start, quantity, is_promotion, source, loaded_at, updated_at)
SELECT i, l, DATE '{FIRST}' + 7 * w,
       CASE WHEN i % 50 = 0 THEN 0 ELSE (i * 13 + l * 7 + w * 11) % 23 END, false, {STAMPS}
FROM generate_series({{w0}}, {{w1}} - 1) w, generate_series(1, {{items}}) i,
     generate_series(1, {LOCATIONS}) l
"""
FORECASTS = f"""
INSERT INTO demand_forecast
    (item_id, location_id, period_start, quantity, kind, as_of, version,
     source, loaded_at, updated_at)
SELECT i, l, DATE '{FIRST}' + 7 * w, (i * 13 + l * 7 + w * 11) % 23 + (i % 5) - 2 + 2,
       'statistical', DATE '{FIRST}' + 7 * w - 7, '', {STAMPS}
FROM generate_series(GREATEST({{w0}}, {WEEKS - 13}), {{w1}} - 1) w,
     generate_series(1, {{items}}) i, generate_series(1, {LOCATIONS}) l
"""
ORDERS = f"""
INSERT INTO supply_purchaseorderline
    (id, po_number, line_number, supplier_id, item_id, destination_id, order_date,
     promised_date, quantity, status, source, loaded_at, updated_at)
SELECT n, 'PO-' || n, 1, 1, 1 + (n - 1) / {LOCATIONS}, 1 + (n - 1) % {LOCATIONS},
       DATE '{FIRST}', DATE '{FIRST}' + 14, 400, 'received', {STAMPS}
FROM generate_series(1, {{items}} * {LOCATIONS}, 4) n
"""
RECEIPTS = f"""
INSERT INTO supply_receipt (po_line_id, receipt_number, receipt_date, quantity,
                            source, loaded_at, updated_at)
SELECT n, 'R' || k, DATE '{FIRST}' + 7 * ((n + 26 * k) % {WEEKS}) + 2, 100, {STAMPS}
FROM generate_series(1, {{items}} * {LOCATIONS}, 4) n, generate_series(0, 3) k
"""
EVENTS = f"""
INSERT INTO governance_expedite (reference, item_id, location_id, expedite_date, quantity,
                                 cost, reason, source, loaded_at, updated_at)
SELECT 'E' || n, 1 + n % {{items}}, 1 + n % {LOCATIONS}, DATE '{FIRST}' + n % {WEEKS * 7},
       10, 50 + n % 200, '', {STAMPS}
FROM generate_series(1, 10000) n;
INSERT INTO governance_writeoff (reference, item_id, location_id, write_off_date, quantity,
                                 value, reason, source, loaded_at, updated_at)
SELECT 'W' || n, 1 + n % {{items}}, 1 + n % {LOCATIONS}, DATE '{FIRST}' + n % {WEEKS * 7},
       5, 50, '', {STAMPS}
FROM generate_series(1, 10000) n
"""
SEGMENTS = """
INSERT INTO inventory_networksegmentation (as_of, computed_at) VALUES (DATE '{last}', now());
INSERT INTO inventory_skulocationsegment (segmentation_id, item_id, location_id, segment)
SELECT (SELECT max(id) FROM inventory_networksegmentation), 1 + (n - 1) / {locations},
       1 + (n - 1) % {locations},
       substr('ABC', 1 + n % 3, 1) || substr('XYZ', 1 + (n / 3) % 3, 1)
FROM generate_series(1, {rows}) n WHERE n % 10 <> 0
"""


def _generate(database: str, rows: int) -> None:
    """Write the benchmark's data; prints the time of each stage."""
    from django.db import connection

    from demand.models import DemandHistory, Forecast
    from inventory.models import InventoryPolicy, InventoryPosition, Item
    from sop_platform.bulk.writer import bulk_writer
    from supply.models import PurchaseOrderLine, Receipt, Supplier

    items, start = rows // LOCATIONS, time.perf_counter()
    writer = bulk_writer(connection)
    policies_network(writer, rows, LOCATIONS)
    writer.finish([Item, InventoryPolicy, InventoryPolicy.history.model])
    Supplier.objects.create(code="S-1", name="S-1")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE inventory_item SET category = 'CAT-' || (id % {CATEGORIES})")
        last = FIRST + timedelta(weeks=WEEKS)
        cursor.execute(SEGMENTS.format(last=last, rows=rows, locations=LOCATIONS))
        cursor.execute(EVENTS.format(items=items))
    print(f"items, policies, segments, events: {time.perf_counter() - start:.0f} s", flush=True)
    big = [InventoryPosition, DemandHistory, Forecast, PurchaseOrderLine, Receipt]
    deferred = writer.defer_indexes(big)
    stage = time.perf_counter()
    halves = [(0, WEEKS // 2), (WEEKS // 2, WEEKS)]
    weekly = [s.format(w0=w0, w1=w1, items=items) for s in (POSITIONS, DEMAND, FORECASTS)
              for w0, w1 in halves]  # fmt: skip
    in_parallel(database_url(database), [*weekly, ORDERS.format(items=items)])
    in_parallel(database_url(database), [RECEIPTS.format(items=items)])
    print(f"positions, demand, forecasts, receipts: {time.perf_counter() - stage:.0f} s")
    loads_finished(writer, deferred, big, vacuumed=big[:3])
    print(f"generated in {time.perf_counter() - start:.0f} s", flush=True)


def _compute() -> None:
    """Time the snapshots of every week, in this process."""
    from governance.kpis.services import kpi_snapshots_compute

    start = time.perf_counter()
    first, last = FIRST, FIRST + timedelta(weeks=WEEKS - 1)
    cells = kpi_snapshots_compute(first=first, last=last)
    seconds = time.perf_counter() - start
    print(
        f"snapshots of {WEEKS} weeks: {seconds:.1f} s, {cells:,} cells, "
        f"peak memory {peak_mb():,.0f} MB",
        flush=True,
    )


def _timed(label: str, function, **kwargs) -> None:
    function(**kwargs)  # warm
    seconds = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        function(**kwargs)
        seconds.append(time.perf_counter() - start)
    median, p95 = np.median(seconds) * 1000, np.percentile(seconds, 95) * 1000
    print(f"| {label} | {median:.0f} ms | {p95:.0f} ms |", flush=True)


def _selectors() -> None:
    from django.contrib.auth import get_user_model

    from governance.kpis.definitions import KPI_BY_KEY
    from governance.kpis.selectors import kpi_breakdown, kpi_series
    from governance.selectors import location_scope

    executive = get_user_model().objects.filter(username="bench-executive").first()
    executive = executive or bench_users("executive")[0]
    scope, keys = location_scope(user=executive), list(KPI_BY_KEY)
    print(f"| Selector ({REQUESTS} calls, all {len(keys)} KPIs) | Median | p95 |\n|---|---:|---:|")
    _timed("kpi_series, 104 weeks", kpi_series, scope=scope, keys=keys)
    _timed("kpi_series, months", kpi_series, scope=scope, keys=keys, grain="month")
    _timed("kpi_breakdown by location, 13 weeks", kpi_breakdown, scope=scope, keys=keys,
           first=FIRST + timedelta(weeks=WEEKS - 13))  # fmt: skip
    _timed("kpi_breakdown by category, all weeks", kpi_breakdown, scope=scope, keys=keys,
           dimension="category")  # fmt: skip


def bench(rows: int, reuse: bool, keep: bool) -> None:
    database = f"sop_bench_kpis_{rows}"
    if not reuse:
        fresh_database(database)
    setup_django(database)
    if not reuse:
        _generate(database, rows)
        print_database_size()
    _compute()
    _selectors()
    if not keep:
        drop_database(database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="time again on the data kept")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    arguments = parser.parse_args()
    bench(arguments.rows, arguments.reuse, arguments.keep)


if __name__ == "__main__":
    main()
