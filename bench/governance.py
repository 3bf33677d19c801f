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
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
LOCATIONS = 10


def _url(database: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


def _fresh(database: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')
    env = {**os.environ, "DATABASE_URL": _url(database), "DEBUG": "1"}
    manage = [sys.executable, "manage.py", "migrate", "--no-input", "-v0"]
    subprocess.run(manage, cwd=ROOT, env=env, check=True)


def _setup_django(database: str) -> None:
    os.environ.update(DATABASE_URL=_url(database), DEBUG="1")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sop_platform.settings")
    import django

    django.setup()


def _network(rows: int):
    """Items, locations, policies (with history) and a run recommending 5 % more."""
    from django.db import connection
    from django.utils import timezone

    from inventory.models import InventoryPolicy, Item, Location, PolicyRecommendation, PolicyRun
    from sop_platform.bulk.writer import bulk_writer

    writer, now, items = bulk_writer(connection), timezone.now(), rows // LOCATIONS
    stamps = {"source": "bench", "loaded_at": now, "updated_at": now}
    writer.write(
        Item,
        {
            "id": np.arange(1, items + 1),
            "sku": np.array([f"B-{n:07d}" for n in range(items)]),
            "description": "",
            "category": "bench",
            "business_unit": "",
            "unit_cost": 10.0,
            "unit_price": 15.0,
            "unit_of_measure": "EA",
            "lifecycle_status": "active",
            **stamps,
        },
    )
    for number in range(LOCATIONS):
        code = f"L-{number:02d}"
        Location.objects.create(code=code, name=code, location_type="dc", echelon=2)
    item = np.repeat(np.arange(1, items + 1), LOCATIONS)
    location = np.tile(np.arange(1, LOCATIONS + 1), items)
    level = np.arange(rows) % 97 + 20.0
    values = {
        "safety_stock": level / 4,
        "reorder_point": level,
        "min_level": level,
        "max_level": level * 2,
        "order_quantity": level,
        "service_target": 0.95,
        "service_type": "fill",
    }
    policy = {"item_id": item, "location_id": location, **values}
    writer.write(
        InventoryPolicy,
        {
            "id": np.arange(1, rows + 1),
            **policy,
            "effective_from": date(2026, 1, 5),
            "policy_source": "manual",
            "policy_version": 1,
            "status": "active",
            **stamps,
        },
    )
    writer.write(
        InventoryPolicy.history.model,
        {
            "id": np.arange(1, rows + 1),
            **policy,
            "effective_from": date(2026, 1, 5),
            "policy_source": "manual",
            "policy_version": 1,
            "status": "active",
            **stamps,
            "history_date": now,
            "history_type": "+",
            "history_change_reason": "loaded",
        },
    )
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


def _users():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from governance.services import location_scope_grant

    users = []
    for role in ("planner", "manager"):
        user = get_user_model().objects.create_user(username=f"bench-{role}")
        user.groups.add(Group.objects.get(name=role))
        location_scope_grant(user=user, whole_network=True)
        users.append(get_user_model().objects.get(pk=user.pk))
    return users


def _timed(label: str, rows: int, work) -> None:
    start = time.perf_counter()
    outcome = work()
    seconds = time.perf_counter() - start
    print(f"  {label}: {seconds:.1f} s ({rows / seconds:,.0f} rows/s) -> {outcome}", flush=True)


def bench(rows: int) -> None:
    database = f"sop_bench_governance_{rows}"
    _fresh(database)
    _setup_django(database)
    from governance.accept_all import proposals_accept_all
    from governance.models import PolicyProposal
    from governance.proposals_bulk import proposals_approve_many
    from governance.publication import publication_create

    start = time.perf_counter()
    run = _network(rows)
    planner, manager = _users()
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
