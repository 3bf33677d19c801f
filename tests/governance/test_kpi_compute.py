"""KPI snapshots of a small network computed by hand (docs/kpis.md, "Worked example";
the network is built in tests/governance/kpi_example.py).

Two locations (N, S), three items, four weeks of January 2026 (Mondays W0..W3). Settings:
carrying rate 26 % a year (0.5 % a week), excess cover 14 days, obsolete window 3 weeks.

SKU-location  cost/price  cell             what happens
A@N           10 / 15     N, Tools, AX     policy max 50 (excess in W0), forecasts, expedite
B@N            4 / none   N, Tools, ''     no policy (excess by cover in W1), receipts, two
                                           positions in W1 (the later counts), negative stock
                                           in W2, no position in W3
A@S           10 / 15     S, Tools, BY     a backorder and a stock-out in W0, excess by cover
C@S            2 / 3      S, Parts, ''     stock and only zero demand: obsolete from W2,
                                           written off in W3
"""

from datetime import timedelta

import numpy as np
import pytest

from demand.models import DemandHistory
from governance.kpis.definitions import KPI_BY_KEY, WEEKS_PER_MONTH
from governance.kpis.models import COMPONENTS, COUNTS, Expedite, KpiSnapshot, WriteOff
from governance.kpis.selectors import kpi_series
from governance.kpis.services import kpi_snapshots_compute
from governance.selectors import location_scope
from inventory.models import InventoryPosition
from tests.factories import make_item, make_location
from tests.governance.kpi_example import W, kpi_network  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


# Network totals per week, computed by hand (the arithmetic per SKU-location in docs/kpis.md).
EXPECTED = {
    # sku_locations: every SKU-location has a position, but B@N none in W3.
    "sku_locations": [4, 4, 4, 3],
    # demand with a position: W0 20+2+6+0; W1 30+14+3+0; W2 30+4+(none)+0; W3 0+0+0 (B@N's 5
    # has no position).
    "demand_units": [28, 47, 34, 0],
    # shipped = min(demand, max(on hand, 0) + receipts): W0 20+2+0; W1 30+min(14, 9+10)+3;
    # W2 min(30, 10) + min(4, 0+1).
    "shipped_units": [22, 47, 11, 0],
    "demand_periods": [3, 3, 2, 0],
    "filled_periods": [2, 3, 0, 0],
    "stockout_periods": [1, 0, 1, 0],  # A@S in W0 (0 on hand); B@N in W2 (-3)
    "backorder_units": [6, 0, 0, 0],
    # on hand, negative as 0: W0 60+100+0+50; W1 40+9+12+50; W2 10+0+12+50; W3 0+12+50.
    "on_hand_units": [210, 111, 72, 62],
    # at cost: W0 600+400+0+100; W1 400+36+120+100; W2 100+0+120+100; W3 0+120+100.
    "inventory_value": [1100, 656, 320, 220],
    "in_transit_value": [50, 0, 0, 0],  # 5 x 10; B@N's Monday position in W1 is superseded
    "cogs_value": [208, 386, 104, 0],  # W0 20x10 + 2x4; W1 300+56+30; W2 100+4
    "sales_value": [308, 551, 154, 0],  # W0 20x15 + 2x4 (B has no price: at cost)
    "carrying_cost": [5.5, 3.28, 1.6, 1.1],  # inventory value x 0.26 / 52
    # W0: A@N 60 above max 50 = 10 x 10. W1: B@N 9 above 14 days of 2 a week (4) = 5 x 4,
    # C@S 50 above 0 days of 0 = 50 x 2. W2, W3: A@S 12 above 14 days of (6+3)/2 = 9: 3 x 10,
    # and C@S 100.
    "excess_value": [100, 120, 130, 130],
    # C@S: no demand or forecast in the 3 weeks ending W2 (history from W0 covers them).
    "obsolete_value": [0, 0, 100, 100],
    "expedite_count": [0, 1, 0, 0],
    "expedite_cost": [0, 120, 0, 0],
    "write_off_value": [0, 0, 0, 30],
    # lag-1 forecasts: A@N 25 for 20 (W0), 20 for 30 (W1); B@N 2 for 4 (W2).
    "forecast_units": [25, 20, 2, 0],
    "forecast_actual_units": [20, 30, 4, 0],
    "forecast_abs_error": [5, 10, 2, 0],
    "forecast_ape_sum": [0.25, 1 / 3, 0.5, 0],
    "forecast_ape_rows": [1, 1, 1, 0],
}


def _totals() -> dict[str, np.ndarray]:
    fields = (*COUNTS, *COMPONENTS)
    totals = {name: np.zeros(4) for name in fields}
    for cell in KpiSnapshot.objects.all():
        for name in fields:
            totals[name][W.index(cell.period_start)] += getattr(cell, name)
    return totals


@pytest.mark.usefixtures("kpi_network")
def test_every_component_matches_the_hand_computation():
    kpi_snapshots_compute(first=W[0], last=W[3])
    totals = _totals()
    for name, expected in EXPECTED.items():
        np.testing.assert_allclose(totals[name], expected, err_msg=name, atol=1e-9)


@pytest.mark.usefixtures("kpi_network")
def test_cells_by_location_category_and_segment():
    written = kpi_snapshots_compute(first=W[0], last=W[3] + timedelta(days=6))
    cells = {(c.period_start, c.location.code, c.category, c.segment): c
             for c in KpiSnapshot.objects.select_related("location")}  # fmt: skip
    assert written == len(cells) == 15  # 4 cells a week, but B@N's none in W3
    assert (W[3], "N", "Tools", "") not in cells
    assert cells[W[1], "N", "Tools", "AX"].expedite_cost == 120
    assert cells[W[1], "N", "Tools", ""].excess_value == 20
    assert cells[W[0], "S", "Tools", "BY"].stockout_periods == 1
    assert cells[W[3], "S", "Parts", ""].write_off_value == 30
    assert cells[W[3], "S", "Parts", ""].obsolete_value == 100


@pytest.mark.usefixtures("kpi_network")
def test_kpis_of_the_example(planner):
    kpi_snapshots_compute(first=W[0], last=W[3])
    scope = location_scope(user=planner)
    weekly = kpi_series(scope=scope, keys=list(KPI_BY_KEY)).values
    np.testing.assert_allclose(weekly["fill_rate"], [22 / 28, 1, 11 / 34, np.nan])
    np.testing.assert_allclose(weekly["cycle_service"], [2 / 3, 1, 0, np.nan])
    np.testing.assert_allclose(weekly["stockout_rate"], [1 / 3, 0, 1 / 2, np.nan])
    # W0: turns = COGS 208 x 52 / 1,100; days of supply = 1,100 / (208 / 7).
    assert weekly["turns"][0] == pytest.approx(208 * 52 / 1100)
    assert weekly["days_of_supply"][0] == pytest.approx(1100 / (208 / 7))
    assert weekly["weeks_of_supply"][0] == pytest.approx(1100 / 208)
    assert weekly["gmroi"][0] == pytest.approx((308 - 208) * 52 / 1100)
    assert weekly["working_capital"][0] == pytest.approx(1100 + 50)
    assert weekly["inventory_to_sales"][0] == pytest.approx(1100 / (308 * WEEKS_PER_MONTH))
    assert weekly["forecast_bias"][0] == pytest.approx((25 - 20) / 20)
    np.testing.assert_allclose(weekly["mape"], [0.25, 1 / 3, 0.5, np.nan])
    np.testing.assert_allclose(weekly["wape"], [5 / 20, 10 / 30, 2 / 4, np.nan])
    # January (four Mondays): levels averaged over 4 weeks, flows summed.
    month = kpi_series(scope=scope, keys=list(KPI_BY_KEY), grain="month").values
    assert month["fill_rate"][0] == pytest.approx(80 / 109)
    assert month["inventory_value"][0] == pytest.approx(2296 / 4)
    assert month["turns"][0] == pytest.approx(698 * 52 / 4 / (2296 / 4))
    assert month["excess_value"][0] == pytest.approx(480 / 4)
    assert month["obsolete_value"][0] == pytest.approx(200 / 4)
    assert month["carrying_cost"][0] == pytest.approx(11.48)
    assert month["forecast_bias"][0] == pytest.approx((47 - 54) / 54)
    assert month["mape"][0] == pytest.approx((0.25 + 1 / 3 + 0.5) / 3)
    assert month["wape"][0] == pytest.approx(17 / 54)
    assert (month["expedite_count"][0], month["write_off_value"][0]) == (1, 30)


@pytest.mark.usefixtures("kpi_network")
def test_recompute_replaces_a_week():
    kpi_snapshots_compute(first=W[0], last=W[3])
    before = {(c.period_start, c.location_id, c.category, c.segment): c.inventory_value
              for c in KpiSnapshot.objects.all()}  # fmt: skip
    kpi_snapshots_compute(first=W[0], last=W[3])
    assert KpiSnapshot.objects.count() == len(before)
    InventoryPosition.objects.filter(as_of=W[2], on_hand=50).update(on_hand=70)  # C@S in W2
    kpi_snapshots_compute(first=W[2], last=W[2])
    after = {(c.period_start, c.location_id, c.category, c.segment): c.inventory_value
             for c in KpiSnapshot.objects.all()}  # fmt: skip
    changed = {key for key in before if before[key] != after[key]}
    assert [(key[0], after[key]) for key in changed] == [(W[2], 140)]  # 70 x 2


@pytest.mark.usefixtures("kpi_network")
def test_a_week_without_positions_is_emptied():
    kpi_snapshots_compute(first=W[0], last=W[3])
    InventoryPosition.objects.filter(as_of__gte=W[3]).delete()
    Expedite.objects.all().delete()
    WriteOff.objects.all().delete()
    kpi_snapshots_compute(first=W[3], last=W[3])
    assert not KpiSnapshot.objects.filter(period_start=W[3]).exists()
    assert KpiSnapshot.objects.filter(period_start=W[2]).count() == 4


def test_no_positions_at_all():
    assert kpi_snapshots_compute(first=W[0], last=W[1]) == 0
    assert not KpiSnapshot.objects.exists()


def test_demand_on_other_days_is_summed_by_week():
    item, location = make_item(unit_cost=1), make_location()
    for week in W[:2]:
        InventoryPosition.objects.create(item=item, location=location, as_of=week, on_hand=4)
    for day, quantity in ((W[0], 2), (W[0] + timedelta(days=2), 3), (W[1] + timedelta(days=6), 1)):
        DemandHistory.objects.create(item=item, location=location, period_start=day,
                                     quantity=quantity)  # fmt: skip
    kpi_snapshots_compute(first=W[0], last=W[1])
    totals = _totals()
    # W0: 2 + 3 = 5 demanded, 4 on hand shipped; W1: the Sunday's 1.
    np.testing.assert_allclose(totals["demand_units"][:2], [5, 1])
    np.testing.assert_allclose(totals["shipped_units"][:2], [4, 1])
