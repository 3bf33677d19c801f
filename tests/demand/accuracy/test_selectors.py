"""Forecast accuracy from stored rows (demand.accuracy.selectors): every metric by hand, the
lag and kind picks, the pooling by group, the scope."""

import math
from datetime import date

import pytest

from demand.accuracy.selectors import AccuracyQuery, forecast_accuracy
from governance.selectors import location_scope
from governance.services import location_scope_grant
from tests.demand.accuracy.fixtures import (
    CONSENSUS,
    SALES,
    STAT,
    TODAY,
    W,
    accuracy_network,
    demand,
    forecast,
)
from tests.factories import make_item, make_location

pytestmark = pytest.mark.django_db


def report(user, **query):
    return forecast_accuracy(
        scope=location_scope(user=user), query=AccuracyQuery(weeks=2, **query), today=TODAY
    )


def approx(values: dict, **expected) -> None:
    for key, value in expected.items():
        if value is None:
            assert math.isnan(values[key]), key
        else:
            assert values[key] == pytest.approx(value), key


def test_the_plan_at_lag_one_pooled_over_the_network(planner):
    accuracy_network()
    result = report(planner)
    # A: consensus 17 replaces statistical 15 on 16 Nov: errors +2, −3 on demand 10, 20;
    # B: errors +2, −2 on demand 0, 8 (MAPE skips the 0; no MASE: its naive MAE is 0).
    assert (result.window.first, result.window.last) == (date(2026, 11, 9), date(2026, 11, 16))
    approx(
        result.window.values,
        bias=-1 / 38,
        wape=9 / 38,
        mape=(2 / 10 + 3 / 20 + 2 / 8) / 3,
        rmse=math.sqrt((4 + 9 + 4 + 4) / 4),
        mase=(2 / 3 + 3 / 3) / 2,
    )
    assert result.window.pairs == 4 and result.sku_locations == 2


def test_each_sku_location_by_absolute_error(planner):
    net = accuracy_network()
    worst = report(planner).worst
    assert [(row.sku, row.location, row.abs_error) for row in worst] == [
        ("A", "DC-1", 5.0),
        ("B", "DC-2", 4.0),
    ]
    assert (worst[0].item_id, worst[0].location_id) == (net["a"].pk, net["dc1"].pk)
    assert (worst[0].actual, worst[0].forecast) == (30.0, 29.0)
    approx(
        worst[0].values, bias=-1 / 30, wape=5 / 30, mape=0.175, rmse=math.sqrt(6.5), mase=2.5 / 3
    )
    approx(worst[1].values, bias=0, wape=0.5, mape=0.25, rmse=2.0, mase=None)


def test_the_statistical_kind_and_lag_two(planner):
    accuracy_network()
    statistical = report(planner, kind=STAT).worst[0].values  # A: errors +2, −5
    approx(statistical, bias=-3 / 30, wape=7 / 30, mape=0.225, rmse=math.sqrt(14.5), mase=3.5 / 3)
    lag_two = report(planner, kind=STAT, lag=2)  # A only: errors −1, +1
    assert [row.sku for row in lag_two.worst] == ["A"]
    approx(lag_two.window.values, bias=0, wape=2 / 30, mape=0.075, rmse=1.0, mase=1 / 3)
    sales = report(planner, kind=SALES)  # 30 for 9 Nov against 10
    approx(sales.window.values, bias=2.0, wape=2.0, mape=2.0, rmse=20.0, mase=20 / 3)


def test_the_previous_window_and_the_rolling_trend(planner):
    accuracy_network()
    result = report(planner)
    # 26 Oct, 2 Nov: A only (+2 on 14, 0 on 10); MASE on the window's scale (A's 3).
    assert result.previous.first == date(2026, 10, 26)
    approx(result.previous.values, bias=2 / 24, wape=2 / 24, rmse=math.sqrt(2), mase=1 / 3)
    months = [month for month, _ in result.trend]
    assert months[0] == date(2025, 12, 1) and months[-1] == date(2026, 11, 1)
    assert len(months) == 12
    # November: Sep–Nov, every pair above; October: Aug–Oct, A's 26 Oct only.
    approx(result.trend[-1][1], bias=1 / 62, wape=11 / 62)
    approx(result.trend[-2][1], bias=2 / 14, wape=2 / 14)
    approx(result.trend[0][1], bias=None, wape=None)


def test_breakdowns_by_location_category_and_class(planner):
    accuracy_network()
    breakdown = report(planner).breakdown
    by = {name: {row.label: row for row in rows} for name, rows in breakdown.items()}
    assert list(by["location"]) == ["DC-1", "DC-2"]
    assert list(by["category"]) == ["Gadgets", "Widgets"]
    assert list(by["class"]) == ["A", "B"]
    approx(by["location"]["DC-1"].values, bias=-1 / 30, wape=5 / 30)
    approx(by["category"]["Gadgets"].values, wape=0.5, mase=None)
    approx(by["class"]["A"].values, rmse=math.sqrt(6.5))
    assert by["class"]["B"].pairs == 2


def test_filters_by_location_and_category(planner):
    net = accuracy_network()
    only_dc2 = report(planner, location_id=net["dc2"].pk)
    assert [row.sku for row in only_dc2.worst] == ["B"]
    widgets = report(planner, category="Widgets")
    approx(widgets.window.values, wape=5 / 30)
    assert report(planner, category="Nothing") is None


def test_a_planner_sees_only_the_locations_granted(ungranted_planner):
    net = accuracy_network()
    assert report(ungranted_planner) is None  # no grant: nothing
    location_scope_grant(user=ungranted_planner, locations=[net["dc2"]])
    ungranted_planner._location_scope = None
    result = report(ungranted_planner)
    assert [row.sku for row in result.worst] == ["B"]
    approx(result.window.values, wape=0.5)


def test_nothing_to_measure_without_forecasts(planner):
    assert report(planner) is None


def test_a_consensus_stays_in_force_until_the_week_a_snapshot_does_not(planner):
    item, dc = make_item("C"), make_location("DC-3")
    demand(item, dc, {W[2]: 10, W[9]: 10, W[16]: 10})
    forecast(item, dc, W[16], 14, lag=3, kind=CONSENSUS)  # approved 26 Oct for 16 Nov
    forecast(item, dc, W[16], 12, lag=3)  # a statistical snapshot of 26 Oct: lag 3 only
    forecast(item, dc, W[9], 11, lag=2)  # lag 2 only
    at = {lag: report(planner, lag=lag) for lag in (1, 2, 3, 4)}
    assert at[1].window.values["bias"] == pytest.approx(0.4)  # the consensus alone: +4 on 10
    assert at[2].window.values["bias"] == pytest.approx(5 / 20)  # +1 (stat, 9 Nov), +4
    assert at[3].window.values["bias"] == pytest.approx(0.4)  # consensus over the snapshot
    assert report(planner, lag=3, kind=STAT).window.values["bias"] == pytest.approx(0.2)
    assert at[4] is None  # made after 19 Oct: no lag-4 forecast
