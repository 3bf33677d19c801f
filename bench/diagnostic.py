"""Benchmark the S&OP diagnostic (governance.sop.diagnostic) on PostgreSQL at a million
SKU-locations: one evaluation read afresh, and one reusing kept evidence as pages do.

Usage (from the repository root)::

    .venv/bin/python bench/diagnostic.py                  # 1M SKU-locations
    .venv/bin/python bench/diagnostic.py --rows 100000

Creates the scratch database ``sop_bench_diagnostic_<n>``, migrates it and writes in SQL, at
100 locations: one active policy per SKU-location (nine in ten set by an accepted
recommendation of one whole-network run, approved by another user, with a creation and an
approval history row), the run's recommendations, supplier lanes with lead-time actuals at
the ten DCs, ten weeks of statistical forecasts per SKU-location and a year of KPI snapshots
(10 categories x 9 segments per location and week). Then times ``diagnostic_evaluate`` three
times afresh (the slowest queries listed) and once with ``max_age``. ``BENCH_ADMIN_URL``
names the server (default ``postgres://postgres@127.0.0.1:5432/postgres``).
"""

import argparse
import statistics
import time

from scratch import bench_users, fresh_database, setup_django

LOCATIONS = 100
DCS = 10  # the locations with supplier lanes

SQL = """
insert into inventory_location (id, source, loaded_at, updated_at, code, name, location_type,
  echelon, region)
select g, 'bench', now(), now(), 'L' || g, 'L' || g, case when g <= {dcs} then 'dc' else 'store'
  end, case when g <= {dcs} then 1 else 2 end, 'R' from generate_series(1, {locations}) g;
insert into inventory_item (id, source, loaded_at, updated_at, sku, description, category,
  business_unit, unit_cost, unit_of_measure, lifecycle_status)
select g, 'bench', now(), now(), 'S' || g, '', 'C' || (g % 10), '', 10, 'EA', 'active'
from generate_series(1, {items}) g;
insert into inventory_policyrun (id, status, trigger, description, scope, parameters, snapshot,
  algorithm_version, created_at, finished_at, total_batches, total_rows, timings,
  cancel_requested)
values (1, 'succeeded', 'schedule', '', '{{}}', '{{}}', '{{}}', 'bench', now() - interval '10 days',
  now() - interval '10 days', 1, {rows}, '{{}}', false);
insert into supply_supplier (id, source, loaded_at, updated_at, code, name)
values (1, 'bench', now(), now(), 'SUP', 'SUP');
insert into supply_supplierlane (id, source, loaded_at, updated_at, promised_lead_time_days, moq,
  lot_size, case_pack, order_cost, destination_id, item_id, supplier_id)
select (l - 1) * {items} + i, 'bench', now(), now(), 14, case when i % 3 = 0 then 50 else 0 end,
  1, case when i % 2 = 0 then 12 else 1 end, 0, l, i, 1
from generate_series(1, {dcs}) l, generate_series(1, {items}) i;
insert into supply_laneleadtimeactual (id, computed_at, as_of, window_start, received_lines,
  mean_lead_time_days, sd_lead_time_days, lane_id)
select id, now(), current_date - 3, current_date - 368, 6, 14, (id % 4)::float, id
from supply_supplierlane;
insert into inventory_policyrecommendation (id, batch_number, segment, service_class,
  service_target, service_type, demand_mean, demand_sd, demand_sd_source, demand_periods,
  capped_periods, demand_pattern, lead_time_mean, lead_time_sd, lead_time_basis, distribution,
  safety_stock, reorder_point, order_quantity, min_level, max_level, binding_constraint,
  stockout_reasons, excess_reasons, data_quality_reasons, blocked, item_id, location_id, run_id,
  ss_demand, ss_lead_time, is_latest, supplier_lane_id)
select (l - 1) * {items} + i, 1, 'AX', 'AX', 0.95, 'fill', 10, 3,
  case when i % 3 = 0 then 'history' else 'forecast_error' end, 52, 0, 'smooth', 2, 0.5,
  case when l <= {dcs} then 'actual' else 'transfer' end, 'normal', 12, 40, 60, 40, 100,
  case when i % 5 = 0 then 'moq' else 'none' end, '[]', '[]', '[]', false, i, l, 1, 8, 4, true,
  case when l <= {dcs} then (l - 1) * {items} + i end
from generate_series(1, {locations}) l, generate_series(1, {items}) i;
insert into inventory_inventorypolicy (id, source, loaded_at, updated_at, effective_from,
  safety_stock, reorder_point, min_level, max_level, order_quantity, service_target,
  service_type, policy_source, policy_version, last_optimized_at, status, item_id, location_id)
select (l - 1) * {items} + i, 'bench', now() - interval '200 days', now() - interval '10 days',
  date '2026-01-05', 12, 40, 40, 100, 60, case when i % 4 = 0 then 0.98 else 0.95 end, 'fill',
  case when i % 10 = 0 then 'manual' else 'system' end, 2, now() - interval '10 days', 'active',
  i, l
from generate_series(1, {locations}) l, generate_series(1, {items}) i;
insert into governance_policyproposal (id, safety_stock, reorder_point, min_level, max_level,
  order_quantity, service_target, service_type, base_version, kind, status, "current",
  recommended, justification, created_at, decided_at, decision_comment, version, decided_by_id,
  item_id, location_id, policy_id, proposed_by_id, recommendation_id, run_id)
select id, 12, 40, 40, 100, 60, 0.95, 'fill', 1, 'accepted', 'approved', '{{}}', '{{}}', '',
  now() - interval '11 days', now() - interval '10 days', '', 2, {manager}, item_id, location_id,
  id, {planner}, id, 1
from inventory_inventorypolicy where policy_source = 'system';
insert into inventory_historicalinventorypolicy (id, source, loaded_at, updated_at,
  effective_from, safety_stock, reorder_point, min_level, max_level, order_quantity,
  service_target, service_type, policy_source, policy_version, last_optimized_at, status,
  history_id, history_date, history_change_reason, history_type, history_user_id, item_id,
  location_id)
select id, source, loaded_at, loaded_at, effective_from, 12, 40, 40, 100, 60, service_target,
  service_type, 'manual', 1, null, 'active', id, loaded_at, 'load', '+', null, item_id,
  location_id
from inventory_inventorypolicy
union all
select id, source, loaded_at, updated_at, effective_from, 12, 40, 40, 100, 60, service_target,
  service_type, policy_source, 2, last_optimized_at, 'active', {rows} + id, updated_at,
  'approved', '~', {manager}, item_id, location_id
from inventory_inventorypolicy where policy_source = 'system';
insert into governance_kpisnapshot (period_start, category, segment, sku_locations,
  demand_periods, filled_periods, stockout_periods, expedite_count, forecast_ape_rows,
  demand_units, shipped_units, backorder_units, on_hand_units, inventory_value,
  in_transit_value, cogs_value, sales_value, carrying_cost, excess_value, obsolete_value,
  expedite_cost, write_off_value, forecast_units, forecast_actual_units, forecast_abs_error,
  forecast_ape_sum, computed_at, location_id)
select date_trunc('week', current_date - 364)::date + 7 * w, 'C' || c, s, 100, 90, 85, 3, 1, 80,
  1000, 950, 10, 5000, 50000, 1000, 9500, 14000, 240, 3000, 500, 50, 0, 1000, 1000, 100, 8,
  now(), l
from generate_series(0, 51) w, generate_series(0, 9) c,
  unnest(array['AX','AY','AZ','BX','BY','BZ','CX','CY','CZ']) s,
  generate_series(1, {locations}) l;
insert into demand_forecast (source, loaded_at, updated_at, period_start, quantity, kind, as_of,
  version, item_id, location_id)
select 'bench', now(), now(), date_trunc('week', current_date)::date - 7 * w, 10, 'statistical',
  date_trunc('week', current_date)::date - 7 * w - 7, '', i, l
from generate_series(1, 10) w, generate_series(1, {items}) i, generate_series(1, {locations}) l;
"""


def _write(rows: int) -> None:
    from django.db import connection

    planner, manager = bench_users("planner", "manager")
    sql = SQL.format(
        items=rows // LOCATIONS,
        rows=rows,
        locations=LOCATIONS,
        dcs=DCS,
        planner=planner.pk,
        manager=manager.pk,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.execute("ANALYZE")


def _evaluate(cycle, max_age: int = 0) -> tuple[float, list[dict]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from governance.sop.diagnostic import diagnostic_evaluate

    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        diagnostic_evaluate(cycle=cycle, max_age=max_age)
        seconds = time.perf_counter() - start
    return seconds, captured.captured_queries


def bench(rows: int) -> None:
    database = f"sop_bench_diagnostic_{rows}"
    fresh_database(database)
    setup_django(database)
    from django.core.cache import cache
    from django.utils import timezone

    from governance.sop.diagnostic import EVIDENCE_MAX_AGE
    from governance.sop.models import SopCycle

    start = time.perf_counter()
    _write(rows)
    print(f"{rows:,} SKU-locations (written in {time.perf_counter() - start:.0f} s):", flush=True)
    cycle = SopCycle.objects.create(month=timezone.localdate().replace(day=1))
    fresh = []
    for _ in range(3):
        cache.clear()
        seconds, queries = _evaluate(cycle)
        fresh.append(seconds)
    runs = ", ".join(f"{s:.2f}" for s in fresh)
    print(f"  afresh: median {statistics.median(fresh):.2f} s ({runs}; {len(queries)} queries)")
    for query in sorted(queries, key=lambda q: -float(q["time"]))[:5]:
        print(f"    {float(query['time']):.2f} s  {query['sql'][:90]}")
    seconds, queries = _evaluate(cycle, max_age=EVIDENCE_MAX_AGE)
    print(f"  reusing kept evidence: {seconds * 1000:.1f} ms ({len(queries)} queries)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    bench(parser.parse_args().rows)


if __name__ == "__main__":
    main()
