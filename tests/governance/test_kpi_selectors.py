"""KPI selectors on snapshots written directly: trends per week and month, breakdowns by
dimension, the location scope failing closed, and a fixed number of queries."""

from datetime import date

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.kpis.models import KpiSnapshot
from governance.kpis.selectors import kpi_breakdown, kpi_latest_period, kpi_series
from governance.selectors import location_scope
from governance.services import location_scope_grant
from tests.factories import make_location

pytestmark = pytest.mark.django_db

W1, W2, W3 = date(2026, 1, 26), date(2026, 2, 2), date(2026, 2, 9)
KEYS = ["fill_rate", "inventory_value", "turns", "expedite_count", "stockout_rate"]


def _cell(period, location, category="Tools", segment="AX", **values) -> KpiSnapshot:
    defaults = {"sku_locations": 1, "computed_at": timezone.now()}
    return KpiSnapshot.objects.create(
        period_start=period,
        location=location,
        category=category,
        segment=segment,
        **{**defaults, **values},
    )


@pytest.fixture
def cells():
    """Two locations, three weeks (one in January, two in February)."""
    north, south = make_location("N"), make_location("S")
    _cell(W1, north, demand_units=10, shipped_units=8, inventory_value=100, cogs_value=52,
          demand_periods=2, stockout_periods=1)  # fmt: skip
    _cell(W1, south, "Parts", "", demand_units=10, shipped_units=10, inventory_value=300,
          cogs_value=26, demand_periods=1, expedite_count=2)  # fmt: skip
    _cell(W2, north, demand_units=20, shipped_units=20, inventory_value=200, cogs_value=10,
          demand_periods=2)  # fmt: skip
    _cell(W3, south, "Parts", "", demand_units=5, shipped_units=0, inventory_value=50,
          demand_periods=1, stockout_periods=1, expedite_count=1)  # fmt: skip
    return north, south


def test_weekly_series_sums_cells_then_computes(planner, cells):
    series = kpi_series(scope=location_scope(user=planner), keys=KEYS)
    assert series.periods == [W1, W2, W3]
    # W1: shipped (8 + 10) / demand (10 + 10) = 0.9; W2: 20/20; W3: 0/5.
    np.testing.assert_allclose(series.values["fill_rate"], [0.9, 1.0, 0.0])
    np.testing.assert_allclose(series.values["inventory_value"], [400, 200, 50])
    # W1 turns: COGS 78 x 52 weeks / inventory 400 = 10.14; W3 has no COGS: 0.
    np.testing.assert_allclose(series.values["turns"], [78 * 52 / 400, 10 * 52 / 200, 0])
    np.testing.assert_allclose(series.values["stockout_rate"], [1 / 3, 0, 1])


def test_monthly_series_averages_levels_and_sums_flows(planner, cells):
    series = kpi_series(scope=location_scope(user=planner), keys=KEYS, grain="month")
    assert series.periods == [date(2026, 1, 1), date(2026, 2, 1)]
    np.testing.assert_allclose(series.weeks, [1, 2])
    # February: inventory (200 + 50) / 2 weeks = 125; fill 20 / 25; expedites 0 + 1.
    np.testing.assert_allclose(series.values["inventory_value"], [400, 125])
    np.testing.assert_allclose(series.values["fill_rate"], [0.9, 0.8])
    np.testing.assert_allclose(series.values["expedite_count"], [2, 1])
    # February turns: COGS 10 a year is 10 x 52 / 2 = 260, over average inventory 125.
    np.testing.assert_allclose(series.values["turns"][1], 260 / 125)


def test_series_filters_and_span(planner, cells):
    north, _ = cells
    scope = location_scope(user=planner)
    series = kpi_series(scope=scope, keys=["fill_rate"], first=W2, locations=[north.pk])
    assert series.periods == [W2, W3]  # W3 is computed: north holds nothing there
    np.testing.assert_allclose(series.values["fill_rate"], [1.0, np.nan])
    parts = kpi_series(scope=scope, keys=["inventory_value"], category="Parts", last=W2)
    np.testing.assert_allclose(parts.values["inventory_value"], [300, 0])
    unsegmented = kpi_series(scope=scope, keys=["inventory_value"], segment="")
    np.testing.assert_allclose(unsegmented.values["inventory_value"], [300, 0, 50])


def test_breakdown_by_each_dimension(planner, cells):
    scope = location_scope(user=planner)
    rows = kpi_breakdown(scope=scope, keys=KEYS, dimension="location", first=W1, last=W3)
    assert [(row.label, row.value) for row in rows] == [("N", cells[0].pk), ("S", cells[1].pk)]
    # North: inventory (100 + 200 + 0) / 3 weeks = 100; fill (8 + 20) / 30.
    assert rows[0].values["inventory_value"] == pytest.approx(100)
    assert rows[0].values["fill_rate"] == pytest.approx(28 / 30)
    assert rows[1].values["expedite_count"] == 3
    by_segment = kpi_breakdown(scope=scope, keys=["fill_rate"], dimension="segment")
    assert [(row.value, row.label) for row in by_segment] == [("", "(none)"), ("AX", "AX")]
    assert by_segment[0].values["fill_rate"] == pytest.approx(10 / 15)
    by_category = kpi_breakdown(scope=scope, keys=["fill_rate"], dimension="category")
    assert [row.label for row in by_category] == ["Parts", "Tools"]


def test_scope_fails_closed(ungranted_planner, cells):
    scope = location_scope(user=ungranted_planner)
    assert kpi_series(scope=scope, keys=KEYS).periods == []
    assert kpi_breakdown(scope=scope, keys=KEYS) == []
    assert kpi_latest_period(scope=scope) is None


def test_scope_limits_to_granted_locations(ungranted_planner, cells):
    north, _ = cells
    location_scope_grant(user=ungranted_planner, locations=[north])
    scope = location_scope(user=ungranted_planner)
    series = kpi_series(scope=scope, keys=["inventory_value"])
    np.testing.assert_allclose(series.values["inventory_value"], [100, 200, 0])
    assert [row.label for row in kpi_breakdown(scope=scope, keys=KEYS)] == ["N"]
    assert kpi_latest_period(scope=scope) == W2


def test_unknown_keys_grain_and_dimension_are_refused(planner):
    scope = location_scope(user=planner)
    with pytest.raises(ValueError, match="nonsense"):
        kpi_series(scope=scope, keys=["nonsense"])
    with pytest.raises(ValueError, match="year"):
        kpi_series(scope=scope, keys=KEYS, grain="year")
    with pytest.raises(ValueError, match="colour"):
        kpi_breakdown(scope=scope, keys=KEYS, dimension="colour")


def test_empty_database(planner):
    scope = location_scope(user=planner)
    series = kpi_series(scope=scope, keys=KEYS, grain="month")
    assert series.periods == [] and len(series.values["fill_rate"]) == 0
    assert kpi_breakdown(scope=scope, keys=KEYS) == []
    assert kpi_latest_period(scope=scope) is None


def _queries(function, **kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        function(**kwargs)
    return len(queries)


def test_query_count_does_not_grow_with_cells(planner, cells):
    scope = location_scope(user=planner)
    few = [_queries(kpi_series, scope=scope, keys=KEYS, grain="month"),
           _queries(kpi_breakdown, scope=scope, keys=KEYS)]  # fmt: skip
    for number in range(30):
        _cell(date(2025, 1, 6), make_location(f"X{number}"), segment="BY")
    many = [_queries(kpi_series, scope=scope, keys=KEYS, grain="month"),
            _queries(kpi_breakdown, scope=scope, keys=KEYS)]  # fmt: skip
    assert few == many == [2, 2]
