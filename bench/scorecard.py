"""Benchmark the executive scorecard page on PostgreSQL at a million SKU-locations: the
background refresh of its evidence (governance.sop.tasks), the page when the evidence is kept
(as the refresh leaves it) and, for comparison, one page that has to read it all afresh.

Usage (from the repository root)::

    .venv/bin/python bench/scorecard.py                  # 1M SKU-locations
    .venv/bin/python bench/scorecard.py --rows 100000
    .venv/bin/python bench/scorecard.py --reuse          # time again, data kept

Creates the scratch database ``sop_bench_scorecard_<n>`` with the data of bench/diagnostic.py
(policies, a whole-network run, lanes with actuals, forecasts, a year of KPI snapshots at 100
locations) plus open exceptions on three SKU-locations in ten, with money at risk, and an open
S&OP cycle; then times, as an executive, 50 requests of ``/scorecard/`` (server time in
process, no network).
"""

import argparse
import time

from diagnostic import _write
from scratch import bench_users, fresh_database, setup_django, timed_pages

REQUESTS = 50
EXCEPTIONS = """
insert into governance_planningexception (kind, severity, status, item_id, location_id,
  reasons, detail, batch_number, due_date, created_at, updated_at, resolution_notes,
  money_at_risk, version)
select (array['stockout_risk','excess_risk','large_policy_change'])[1 + p % 3],
  (array['high','medium','low'])[1 + p % 3], 'open', item_id, location_id, '[]', '', 1,
  current_date + (p % 40)::int - 10, now() - ((p % 120) || ' days')::interval, now(), '',
  (p % 1000) * 1.5, 1
from (select item_id, location_id, row_number() over () as p
      from inventory_policyrecommendation) r
where p % 10 < 3;
"""


def _written(rows: int, reuse: bool):
    """The executive, with the data written now unless ``reuse``."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    if reuse:
        call_command("createcachetable", verbosity=0)
        return get_user_model().objects.get(username="bench-executive")
    start = time.perf_counter()
    _write(rows)
    with connection.cursor() as cursor:
        cursor.execute(EXCEPTIONS)
        cursor.execute("ANALYZE governance_planningexception")
    (executive,) = bench_users("executive")
    print(f"{rows:,} SKU-locations written in {time.perf_counter() - start:.0f} s", flush=True)
    return executive


def bench(rows: int, reuse: bool) -> None:
    database = f"sop_bench_scorecard_{rows}"
    if not reuse:
        fresh_database(database)
    setup_django(database)
    from django.conf import settings
    from django.core.cache import caches
    from django.test import Client
    from django.utils import timezone

    from governance.models import PlanningException
    from governance.sop.models import SopCycle
    from governance.sop.services import sop_cycle_open
    from governance.sop.tasks import scorecard_evidence_task

    settings.DEBUG = False  # as in production: no query log kept per request
    executive = _written(rows, reuse)
    month = timezone.localdate().replace(day=1)
    if not SopCycle.objects.filter(month=month).exists():
        sop_cycle_open(month=month, user=executive)
    opened = PlanningException.objects.filter(status="open").count()
    print(f"{opened:,} open exceptions; an open S&OP cycle", flush=True)
    client = Client(HTTP_HOST="localhost")
    client.force_login(executive)
    caches["shared"].clear()
    start = time.perf_counter()
    assert client.get("/scorecard/").status_code == 200
    print(f"Scorecard, evidence read afresh (nothing kept): {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    scorecard_evidence_task()
    print(f"Background refresh of the evidence: {time.perf_counter() - start:.2f} s", flush=True)
    print("| Page (50 requests, PostgreSQL, 2 cores) | Median | p95 |\n|---|---:|---:|")
    timed_pages(client, "Scorecard, evidence kept", ["/scorecard/"] * REQUESTS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="time again on the data kept")
    arguments = parser.parse_args()
    bench(arguments.rows, arguments.reuse)


if __name__ == "__main__":
    main()
