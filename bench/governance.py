"""Benchmark the policy workflow's bulk paths on PostgreSQL: accept-all of a run's
recommendations, approving all the proposals, and publishing the policies.

Usage (from the repository root)::

    .venv/bin/python bench/governance.py                 # 100k, then 1M SKU-locations
    .venv/bin/python bench/governance.py --sizes 100000

For each size: creates the scratch database ``sop_bench_governance_<n>``, migrates it, and
writes (COPY) n / 10 items at 10 locations, one active policy per SKU-location with one
history row each, and a succeeded run recommending each SKU-location 5 % above its policy
(within the default 10 % tolerance, so accept-all proposes every one). Then times, as a
planner and a manager granted the whole network: ``proposals_accept_all``,
``proposals_approve_many`` over every proposal, ``publication_create``; each writes its
history rows. ``BENCH_ADMIN_URL`` names the server (default
``postgres://postgres@127.0.0.1:5432/postgres``).
"""

import argparse
import subprocess
import sys
import time

import numpy as np
from scratch import bench_users, fresh_database, policies_network, setup_django

LOCATIONS = 10


def _network(rows: int):
    """Items, locations, policies (with history) and a run recommending 5 % more."""
    from django.db import connection

    from inventory.models import InventoryPolicy, Item, PolicyRecommendation, PolicyRun
    from sop_platform.bulk.writer import bulk_writer

    writer = bulk_writer(connection)
    item, location, values = policies_network(writer, rows, LOCATIONS)
    run = PolicyRun.objects.create(algorithm_version="bench", status="succeeded")
    quantities = ("safety_stock", "reorder_point", "min_level", "max_level", "order_quantity")
    near = values | {name: values[name] * 1.05 for name in quantities}
    writer.write(
        PolicyRecommendation,
        {
            "id": np.arange(1, rows + 1),
            "run_id": run.pk,
            "batch_number": 1,
            "item_id": item,
            "location_id": location,
            "segment": "AX",
            "service_class": "AX",
            "lead_time_basis": "promised",
            "demand_sd_source": "history",
            "demand_periods": 104,
            "capped_periods": 0,
            "demand_pattern": "smooth",
            "distribution": "normal",
            "binding_constraint": "eoq",
            "stockout_reasons": "[]",
            "excess_reasons": "[]",
            "data_quality_reasons": "[]",
            "blocked": False,
            **near,
        },
    )
    writer.finish([Item, InventoryPolicy, InventoryPolicy.history.model, PolicyRecommendation])
    writer.analyze([Item, InventoryPolicy, PolicyRecommendation])
    return run


def _timed(label: str, rows: int, work) -> None:
    start = time.perf_counter()
    outcome = work()
    seconds = time.perf_counter() - start
    print(f"  {label}: {seconds:.1f} s ({rows / seconds:,.0f} rows/s) -> {outcome}", flush=True)


def bench(rows: int) -> None:
    database = f"sop_bench_governance_{rows}"
    fresh_database(database)
    setup_django(database)
    from governance.accept_all import proposals_accept_all
    from governance.models import PolicyProposal
    from governance.proposals_bulk import proposals_approve_many
    from governance.publication import publication_create

    start = time.perf_counter()
    run = _network(rows)
    planner, manager = bench_users("planner", "manager")
    print(f"{rows:,} SKU-locations (written in {time.perf_counter() - start:.1f} s):", flush=True)
    _timed("accept-all", rows, lambda: proposals_accept_all(user=planner, run=run))
    proposals = PolicyProposal.objects.all()
    _timed("approve all", rows, lambda: proposals_approve_many(user=manager, proposals=proposals))
    _timed("publish", rows, lambda: publication_create(user=manager))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    for rows in parser.parse_args().sizes:
        # One process per size: Django is set up once per database.
        subprocess.run([sys.executable, __file__, "--one", str(rows)], check=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        bench(int(sys.argv[2]))
    else:
        main()
