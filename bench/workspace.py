"""Benchmark the planner pages on PostgreSQL at 1M SKU-locations: the policy table (first
page, a filtered page, deep keyset pages), the SKU-location page, the exceptions inbox and
the orders page, 50 requests each, server time (the Django handler from request to rendered
response, in process; no network).

Usage (from the repository root)::

    .venv/bin/python bench/workspace.py                  # 1M SKU-locations
    .venv/bin/python bench/workspace.py --rows 100000
    .venv/bin/python bench/workspace.py --reuse          # time again, data kept

Creates the scratch database ``sop_bench_workspace_<n>``: n / 10 items at 10 locations, an
active policy per SKU-location, a succeeded run whose recommendation of each is the latest
(values ±30 % around the policy, 9 segments, 4 demand patterns, risk flags on 1 in 10, an
order within 13 weeks on 1 in 5), 3 open exceptions per 10 SKU-locations with money at risk,
and 104 weeks of demand for 2,000 SKU-locations (the SKU-location pages sampled).
"""

import argparse
import time
from datetime import date, timedelta

import numpy as np
from scratch import bench_users, fresh_database, policies_network, setup_django, timed_pages

LOCATIONS = 10
REQUESTS = 50
SEGMENTS = np.array([a + x for a in "ABC" for x in "XYZ"])
PATTERNS = np.array(["smooth", "erratic", "intermittent", "lumpy"])
KINDS = np.array(["stockout_risk", "excess_risk", "large_policy_change"])
HISTORY_PAIRS = 2_000
AS_OF = date(2026, 11, 23)


def _recommendations(writer, run, item, location, values) -> None:
    from inventory.models import PolicyRecommendation

    rows = len(item)
    rng = np.random.default_rng(7)
    factor = rng.uniform(0.7, 1.3, rows)
    quantities = ("safety_stock", "reorder_point", "min_level", "max_level", "order_quantity")
    recommended = values | {name: values[name] * factor for name in quantities}
    ordering = rng.random(rows) < 0.2
    weeks = rng.integers(0, 13, rows)
    risky = rng.random(rows) < 0.1
    writer.write(
        PolicyRecommendation,
        {
            "id": np.arange(1, rows + 1),
            "run_id": run.pk,
            "batch_number": 1,
            "item_id": item,
            "location_id": location,
            "policy_id": np.arange(1, rows + 1),
            "is_latest": True,
            "segment": SEGMENTS[np.arange(rows) % 9],
            "service_class": SEGMENTS[np.arange(rows) % 9],
            "demand_mean": values["reorder_point"] / 4,
            "demand_sd": values["reorder_point"] / 8,
            "demand_sd_source": "history",
            "demand_periods": 104,
            "capped_periods": 0,
            "demand_pattern": PATTERNS[np.arange(rows) % 4],
            "lead_time_mean": 2.0,
            "lead_time_sd": 0.5,
            "lead_time_basis": "promised",
            "distribution": "normal",
            "ss_demand": recommended["safety_stock"] * 0.8,
            "ss_lead_time": recommended["safety_stock"] * 0.2,
            "expected_service": 0.95,
            "inventory_position": values["reorder_point"],
            "recommended_qty": np.where(ordering & (weeks == 0), recommended["order_quantity"], 0),
            "periods_until_order": np.where(ordering, weeks, np.nan),
            "order_date": np.where(
                ordering,
                np.datetime64(AS_OF) + (weeks * 7).astype("timedelta64[D]"),
                np.datetime64("NaT"),
            ),
            "binding_constraint": "none",
            "current_safety_stock": values["safety_stock"],
            "current_reorder_point": values["reorder_point"],
            "stockout_reasons": np.where(risky, '["POSITION_BELOW_SAFETY_STOCK"]', "[]"),
            "excess_reasons": "[]",
            "data_quality_reasons": "[]",
            "blocked": False,
            **recommended,
        },
    )


def _exceptions(writer, run, item, location) -> None:
    from django.utils import timezone

    from governance.models import PlanningException

    rng = np.random.default_rng(11)
    rows = np.flatnonzero(rng.random(len(item)) < 0.3)
    now = timezone.now()
    writer.write(
        PlanningException,
        {
            "id": np.arange(1, len(rows) + 1),
            "kind": KINDS[rows % 3],
            "severity": np.where(rows % 5 == 0, "high", "medium"),
            "status": "open",
            "item_id": item[rows],
            "location_id": location[rows],
            "reasons": '["POSITION_BELOW_SAFETY_STOCK"]',
            "detail": "",
            "first_run_id": run.pk,
            "last_run_id": run.pk,
            "batch_number": 1,
            "due_date": AS_OF + timedelta(days=7),
            "created_at": now,
            "updated_at": now,
            "resolution_notes": "",
            "version": 1,
            "money_at_risk": np.round(rng.lognormal(6, 1.5, len(rows)), 2),
        },
    )


def _history(writer, item, location) -> np.ndarray:
    """104 weeks of demand for HISTORY_PAIRS SKU-locations; returns their row numbers."""
    from django.utils import timezone

    from demand.models import DemandHistory

    rng = np.random.default_rng(3)
    pairs = rng.choice(len(item), HISTORY_PAIRS, replace=False)
    weeks = 104
    starts = np.datetime64(AS_OF) - (np.arange(weeks, 0, -1) * 7).astype("timedelta64[D]")
    now = timezone.now()
    writer.write(
        DemandHistory,
        {
            "id": np.arange(1, HISTORY_PAIRS * weeks + 1),
            "item_id": np.repeat(item[pairs], weeks),
            "location_id": np.repeat(location[pairs], weeks),
            "period_start": np.tile(starts, HISTORY_PAIRS),
            "quantity": rng.poisson(8, HISTORY_PAIRS * weeks).astype(float),
            "is_promotion": False,
            "source": "bench",
            "loaded_at": now,
            "updated_at": now,
        },
    )
    return pairs


def _network(rows: int):
    from django.db import connection

    from demand.models import DemandHistory
    from governance.models import PlanningException
    from inventory.models import InventoryPolicy, Item, PolicyRecommendation, PolicyRun
    from inventory.runs.parameters import parameters_build
    from sop_platform.bulk.writer import bulk_writer

    writer = bulk_writer(connection)
    item, location, values = policies_network(writer, rows, LOCATIONS)
    run = PolicyRun.objects.create(
        algorithm_version="bench",
        status="succeeded",
        parameters=parameters_build({"as_of": AS_OF.isoformat()}, service_classes={}).as_json(),
    )
    _recommendations(writer, run, item, location, values)
    _exceptions(writer, run, item, location)
    pairs = _history(writer, item, location)
    written = [Item, InventoryPolicy, InventoryPolicy.history.model, PolicyRecommendation]
    writer.finish([*written, PlanningException, DemandHistory])
    writer.analyze([*written, PlanningException, DemandHistory])
    return item[pairs], location[pairs]


def _deep_cursors(rows: int, count: int) -> list[str]:
    """Cursors of the policy table (SKU order) after random rows in its second half."""
    from inventory.models import PolicyRecommendation
    from sop_platform.keyset import encode_cursor

    items = rows // LOCATIONS
    rng = np.random.default_rng(5)
    cursors = []
    for index in rng.integers(items // 2, items - 1, count):
        rec = PolicyRecommendation.objects.select_related("item", "location").get(
            item_id=int(index) + 1, location_id=1
        )
        cursors.append(encode_cursor([rec.item.sku, rec.location.code, rec.pk]))
    return cursors


def _written(rows: int, reuse: bool):
    """The benchmark database's data, written now unless ``reuse``; the planner, and the
    SKU-locations with demand history."""
    if reuse:
        from django.contrib.auth import get_user_model

        from demand.models import DemandHistory

        pairs = DemandHistory.objects.values_list("item_id", "location_id").distinct()
        items, locations = zip(*pairs.order_by("item_id", "location_id"), strict=True)
        return get_user_model().objects.get(username="bench-planner"), items, locations
    start = time.perf_counter()
    items, locations = _network(rows)
    (planner,) = bench_users("planner")
    print(f"{rows:,} SKU-locations written in {time.perf_counter() - start:.0f} s", flush=True)
    return planner, items, locations


def bench(rows: int, reuse: bool) -> None:
    database = f"sop_bench_workspace_{rows}"
    if not reuse:
        fresh_database(database)
    setup_django(database)
    from django.conf import settings
    from django.test import Client

    settings.DEBUG = False  # as in production: no query log kept per request
    planner, items, locations = _written(rows, reuse)
    client = Client(HTTP_HOST="localhost")
    client.force_login(planner)
    repeat = [None] * REQUESTS
    print("| Page (50 requests, PostgreSQL, 2 cores) | Median | p95 |\n|---|---:|---:|")
    timed_pages(client, "Policy table, first page", ["/policies/" for _ in repeat])
    timed_pages(
        client,
        "Policy table, filtered (segment AX, to review, beyond tolerance)",
        ["/policies/?segment=AX&status=to_review&beyond_tolerance=true" for _ in repeat],
    )
    deep = _deep_cursors(rows, REQUESTS)
    timed_pages(client, "Policy table, deep keyset page", [f"/policies/?after={c}" for c in deep])
    pages = [f"/sku-locations/{i}/{loc}/" for i, loc in zip(items, locations, strict=True)]
    timed_pages(client, "SKU-location page", pages[:REQUESTS])
    timed_pages(client, "Exceptions inbox, all in scope", ["/exceptions/" for _ in repeat])
    timed_pages(
        client,
        "Exceptions inbox, stock-out risks",
        ["/exceptions/?kind=stockout_risk" for _ in repeat],
    )
    timed_pages(client, "Recommended orders, first page", ["/orders/" for _ in repeat])
    timed_pages(client, "Recommended orders by date", ["/orders/?sort=date" for _ in repeat])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--reuse", action="store_true", help="time the pages on the database a run left"
    )
    arguments = parser.parse_args()
    bench(arguments.rows, arguments.reuse)


if __name__ == "__main__":
    main()
