"""Forecasts as the optimization run's demand input, time-phased policies and the preview
(inventory/runs/forecast_level.py, phased.py, forecast_preview.py; docs/runs.md).

One SKU at one DC: 50 weeks of history averaging 10.6 a week (10, 11, 10, 11, 11 repeated),
a supplier lane promising 14 days (L = 2 weeks), 30 on hand, a 95 % cycle-service target.
Runs are planned as of AS_OF (a Monday) with RUNS_SYNC, their tasks run inline.
"""

import math
from datetime import date, timedelta

import numpy as np
import pytest
from django.urls import reverse
from scipy.stats import norm

from demand.choices import ForecastKind
from demand.models import DemandHistory, Forecast, Promotion
from inventory.models import InventoryPosition, Location, ServiceLevelClass
from inventory.runs.forecast_level import at_level
from inventory.runs.forecast_preview import PreviewError, policy_preview
from inventory.runs.forms import RunStartForm
from inventory.runs.models import PolicyRecommendation, RecommendationPeriod
from inventory.runs.parameters import ParameterError, RunParameters, parameters_build
from inventory.runs.scope import RunScope
from inventory.runs.services import policy_run_start
from tests.factories import make_item, make_location, make_supplier, make_supplier_lane

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 1)  # a Monday
WEEK = timedelta(days=7)
PATTERN = (10, 11, 10, 11, 11)  # mean 10.6, sd 0.5025 (ddof 1, over 50 weeks)
HISTORY = [PATTERN[i % 5] for i in range(50)]
HORIZON = 26
TARGET = 0.95
LEAD_WEEKS = 2
STARTS = [AS_OF + i * WEEK for i in range(HORIZON)]


@pytest.fixture
def sku(settings):
    """The SKU-location (item, location) with history, lane, stock and service classes."""
    settings.RUNS_SYNC = True
    item = make_item("SKU-1", unit_cost=10)
    location = make_location("DC-1")
    make_supplier_lane(make_supplier(), item, location, promised_lead_time_days=7 * LEAD_WEEKS)
    DemandHistory.objects.bulk_create(
        DemandHistory(
            item=item, location=location, period_start=AS_OF - (50 - i) * WEEK, quantity=q
        )
        for i, q in enumerate(HISTORY)
    )
    InventoryPosition.objects.create(item=item, location=location, as_of=AS_OF, on_hand=30)
    ServiceLevelClass.objects.bulk_create(
        ServiceLevelClass(code=a + x, target=TARGET, service_type="cycle")
        for a in "ABC"
        for x in "XYZ"
    )
    return item, location


def forecasts(item, location, quantities, kind=ForecastKind.CONSENSUS, made=AS_OF - WEEK):
    """One forecast per week from AS_OF, made on ``made``."""
    Forecast.objects.bulk_create(
        Forecast(
            item=item,
            location=location,
            period_start=start,
            quantity=q,
            kind=kind,
            as_of=made,
        )
        for start, q in zip(STARTS, quantities, strict=False)
    )


@pytest.fixture
def planned(django_capture_on_commit_callbacks):
    """Start a run as of AS_OF and let it finish; its one recommendation."""

    def run(**parameters) -> PolicyRecommendation:
        with django_capture_on_commit_callbacks(execute=True):
            started = policy_run_start(
                scope=RunScope(), parameters={"as_of": AS_OF.isoformat(), **parameters}
            )
        return PolicyRecommendation.objects.select_related("run").get(run=started)

    return run


LEVELS = ("safety_stock", "reorder_point", "max_level", "recommended_qty", "demand_mean")


@pytest.mark.parametrize("demand_model", ["history", "parametric"])
def test_the_preview_is_the_runs_result_for_the_plan_it_read(sku, planned, demand_model):
    forecasts(*sku, [1000.0] * HORIZON)
    rec = planned(demand_model=demand_model)
    assert rec.reorder_point > 1000.0 * LEAD_WEEKS and rec.recommended_qty > 0
    preview = policy_preview(rec, [1000.0] * HORIZON, STARTS)
    for name in LEVELS:
        assert preview[name] == pytest.approx(getattr(rec, name), rel=1e-9), name
    assert preview["forecast_mean"] == pytest.approx(1000.0)
    assert preview["demand_source"] == "consensus"
    assert preview["periods"] == []  # a flat plan: no time-phased levels


def test_the_preview_moves_with_the_plan(sku, planned):
    forecasts(*sku, [1000.0] * HORIZON)
    rec = planned(demand_model="parametric")
    doubled = policy_preview(rec, [2000.0] * HORIZON, STARTS)
    # Parametric: ROP = d·L + z·σ_d·√L, the same σ_d (the history's) and z.
    assert doubled["reorder_point"] - rec.reorder_point == pytest.approx(1000.0 * LEAD_WEEKS)
    assert doubled["safety_stock"] == pytest.approx(rec.safety_stock)
    assert doubled["demand_mean"] == pytest.approx(2000.0)
    # Periods the plan does not give keep the run's forecast: only the first week at 0.
    first_week_only = policy_preview(rec, [0.0], STARTS[:1])
    assert first_week_only["forecast_mean"] == pytest.approx(500.0)  # (0 + 1000) / 2


def test_the_preview_refuses_a_plan_it_cannot_place(sku, planned):
    forecasts(*sku, [1000.0] * HORIZON)
    rec = planned(demand_model="parametric")
    with pytest.raises(PreviewError, match="plan: 2 quantities for 1 period starts"):
        policy_preview(rec, [1.0, 2.0], STARTS[:1])
    with pytest.raises(PreviewError, match="plan: a quantity is negative"):
        policy_preview(rec, [-1.0], STARTS[:1])


COMPARED = (
    "segment",
    "service_target",
    "demand_mean",
    "demand_sd",
    "demand_sd_source",
    "distribution",
    "safety_stock",
    "reorder_point",
    "order_quantity",
    "max_level",
    "expected_service",
    "recommended_qty",
    "periods_until_order",
    "order_date",
)


def test_the_issues_example_a_consensus_of_1000_moves_the_policy(sku, planned):
    """History averaging 10.6 a week, an approved consensus of 1,000 a week."""
    before = planned()
    assert (before.demand_source, before.forecast_mean) == ("history", None)
    assert before.demand_mean == pytest.approx(10.6)
    forecasts(*sku, [1000.0] * HORIZON)
    after = planned()
    assert after.demand_source == "consensus"
    assert after.forecast_mean == pytest.approx(1000.0)
    assert after.demand_mean == pytest.approx(1000.0)
    assert after.safety_stock > 10 * before.safety_stock
    assert after.reorder_point > 1000.0 * LEAD_WEEKS > before.reorder_point
    assert not RecommendationPeriod.objects.exists()  # a flat forecast: no periods


def test_parametric_levels_at_the_consensus_by_hand(sku, planned):
    """ROP = d·L + z·σ_d·√L with d the consensus and σ_d the history's sd (no forecast has
    an actual yet): SPP §4.7 with a forecast mean."""
    forecasts(*sku, [1000.0] * HORIZON)
    rec = planned(demand_model="parametric")
    sd = float(np.std(HISTORY, ddof=1))
    safety = norm.ppf(TARGET) * sd * math.sqrt(LEAD_WEEKS)
    assert rec.demand_sd == pytest.approx(sd)
    assert rec.safety_stock == pytest.approx(safety, rel=1e-6)
    assert rec.reorder_point == pytest.approx(1000.0 * LEAD_WEEKS + safety, rel=1e-6)


def test_without_a_consensus_the_statistical_baseline_is_the_level(sku, planned):
    item, location = sku
    forecasts(item, location, [300.0] * HORIZON, ForecastKind.STATISTICAL, AS_OF - 2 * WEEK)
    forecasts(item, location, [500.0] * HORIZON, ForecastKind.STATISTICAL)  # the newer one
    forecasts(item, location, [9.0] * HORIZON, ForecastKind.SALES)  # sales input: not the plan
    # A consensus made after the run's as_of is not known to it.
    forecasts(item, location, [1000.0] * HORIZON, made=AS_OF + timedelta(days=1))
    rec = planned()
    assert rec.demand_source == "statistical"
    assert rec.forecast_mean == pytest.approx(500.0)


def test_a_consensus_period_in_the_interval_wins_it(sku, planned):
    item, location = sku
    forecasts(item, location, [500.0] * HORIZON, ForecastKind.STATISTICAL)
    forecasts(item, location, [100.0])  # consensus for the first week only
    rec = planned(demand_model="parametric")
    assert rec.demand_source == "consensus"
    assert rec.forecast_mean == pytest.approx((100.0 + 500.0) / LEAD_WEEKS)


def test_use_forecasts_false_reproduces_the_results_without_forecasts(sku, planned):
    without = planned()
    forecasts(*sku, [1000.0] * HORIZON)
    off = planned(use_forecasts=False)
    assert off.run.parameters["use_forecasts"] is False
    for name in COMPARED:
        assert getattr(off, name) == getattr(without, name), name
    assert (off.demand_source, off.forecast_mean) == ("history", None)


def test_a_promotion_lifts_its_periods_and_the_order_placed_now(sku, planned):
    """Periodic review R = 1, L = 2: the order now arrives in week 2 and must cover weeks
    2-4, where a promotion triples week 4: order-up-to S_2 = 3·f_2 + SS, with f_2 =
    (100 + 100 + 300) / 3, instead of S_0 = 3 × 100 + SS; the order now rises by 200."""
    item, location = sku
    forecasts(item, location, [100.0] * HORIZON)
    flat = planned(demand_model="parametric", review_period=1)
    assert not RecommendationPeriod.objects.exists()
    forecasts(item, location, [100.0] * 4 + [300.0], made=AS_OF - timedelta(days=1))
    Promotion.objects.create(
        item=item, start=STARTS[4], end=STARTS[4] + timedelta(days=6), uplift=3
    )
    promoted = planned(demand_model="parametric", review_period=1)
    assert promoted.forecast_mean == pytest.approx(100.0)  # weeks 0-2: no promotion yet
    assert promoted.reorder_point == pytest.approx(flat.reorder_point)
    assert promoted.recommended_qty == pytest.approx(flat.recommended_qty + 200.0, abs=1.0)
    periods = list(promoted.periods.order_by("period_start"))
    assert [p.period_start for p in periods] == STARTS
    assert [p.is_promotion for p in periods] == [i == 4 for i in range(HORIZON)]
    assert periods[4].forecast == 300.0 and periods[0].forecast == 100.0
    safety = periods[0].safety_stock
    for t, level in enumerate((100, 100, 500 / 3, 500 / 3, 500 / 3, 100)):
        assert periods[t].order_up_to == pytest.approx(3 * level + safety, rel=1e-6), t
        assert periods[t].safety_stock == pytest.approx(safety)
    assert periods[0].order_up_to == pytest.approx(promoted.max_level)


def test_a_forecast_varying_within_ten_percent_is_not_time_phased(sku, planned):
    forecasts(*sku, [100.0, 105.0] * (HORIZON // 2))
    planned(demand_model="parametric")
    assert not RecommendationPeriod.objects.exists()
    forecasts(*sku, [100.0, 125.0] * (HORIZON // 2), made=AS_OF - timedelta(days=1))
    seasonal = planned(demand_model="parametric", review_period=1)
    assert seasonal.periods.count() == HORIZON


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ({"use_forecasts": "maybe"}, "use_forecasts: 'maybe' is not true or false."),
        ({"forecast_horizon": 0}, "forecast_horizon: 0 is outside [1, 156]."),
        ({"forecast_horizon": 2.5}, "forecast_horizon: 2.5 is not a whole number."),
    ],
)
def test_forecast_parameters_are_checked(given, error):
    with pytest.raises(ParameterError) as raised:
        parameters_build(given, service_classes={})
    assert str(raised.value) == error


def test_forecast_parameters_default_and_read_back():
    params = parameters_build(
        {"use_forecasts": "false", "forecast_horizon": 13}, service_classes={}
    )
    assert (params.use_forecasts, params.forecast_horizon) == (False, 13)
    assert parameters_build({}, service_classes={}).use_forecasts is True
    stored = {**params.as_json()}
    del stored["use_forecasts"]  # a run stored before forecasts were an input
    assert RunParameters.from_json(stored).use_forecasts is False


def past_forecasts(item, location, lag: int, error: float) -> None:
    """A forecast of every history week made ``lag`` weeks before it, ``error`` too high."""
    Forecast.objects.bulk_create(
        Forecast(
            item=item,
            location=location,
            period_start=AS_OF - (50 - i) * WEEK,
            quantity=q + error,
            kind=ForecastKind.STATISTICAL,
            as_of=AS_OF - (50 - i + lag) * WEEK,
        )
        for i, q in enumerate(HISTORY)
    )


def test_sigma_is_the_error_of_forecasts_made_a_lead_time_ahead(sku, planned):
    """L = 2 weeks: the RMSE of the lag-2 forecasts (3), not of the lag-1 ones (1)."""
    past_forecasts(*sku, lag=1, error=1.0)
    lag_one = planned(demand_model="parametric")
    assert (lag_one.demand_sd, lag_one.demand_sd_source) == (pytest.approx(1.0), "forecast_error")
    past_forecasts(*sku, lag=2, error=3.0)
    lead_time = planned(demand_model="parametric")
    assert (lead_time.demand_sd, lead_time.demand_sd_source) == (
        pytest.approx(3.0),
        "forecast_error",
    )


def test_the_sku_location_page_explains_the_forecast_level_and_the_periods(
    sku, planned, client, planner
):
    item, location = sku
    forecasts(item, location, [100.0] * 4 + [300.0] + [100.0] * (HORIZON - 5))
    Promotion.objects.create(item=item, start=STARTS[4], end=STARTS[4], uplift=3)
    rec = planned(review_period=1)
    client.force_login(planner)
    response = client.get(reverse("inventory:sku-location", args=[item.pk, location.pk]))
    text = response.content.decode()
    assert "the mean of the approved consensus forecast over the protection interval" in text
    assert "forecast level 100" in text and "scaled to it, give the shape" in text
    assert [p.pk for p in response.context["phased"]] == list(
        rec.periods.order_by("period_start").values_list("pk", flat=True)
    )
    table = text.split('id="phased-heading"')[1].split("</table>")[0]
    assert table.count("<tr>") == HORIZON + 1 and table.count("Promotion</span>") == 1
    assert STARTS[4].strftime("%-d %b %Y") in table


def test_a_page_without_forecasts_says_the_level_is_the_historys(sku, planned, client, planner):
    rec = planned()
    client.force_login(planner)
    response = client.get(reverse("inventory:sku-location", args=[rec.item_id, rec.location_id]))
    text = response.content.decode()
    assert "observed periods of history since its first demand (no forward forecast)" in text
    assert 'id="phased-heading"' not in text


def test_the_run_form_passes_the_forecast_parameters(sku):
    form = RunStartForm(
        data={"use_forecasts": "false", "forecast_horizon": "13"},
        locations=Location.objects.all(),
    )
    assert form.is_valid(), form.errors
    assert form.parameters() == {"use_forecasts": False, "forecast_horizon": 13}


def test_at_level_keeps_the_shape_or_passes_the_level_by_hand():
    """Row 0: 8 periods of mean 1 scaled ×10 (shape kept); row 1: no demand (m = 0), the
    level passed as the mean; row 2: 3 periods (too few), passed; row 3: no forecast."""
    history = np.full((4, 8), np.nan)
    history[0] = [0, 2, 0, 2, 1, 1, 0, 2]
    history[0] = [1, 2, 0, 2, 1, 0, 0, 2]
    history[2, -3:] = [4, 5, 6]
    history[3] = 7.0
    level = np.array([10.0, 3.0, 50.0, np.nan])
    planned_history, mean = at_level(history, level)
    assert np.array_equal(planned_history[0], history[0] * 10)
    assert np.array_equal(planned_history[1:], history[1:], equal_nan=True)
    assert np.array_equal(mean, [np.nan, 3.0, 50.0, np.nan], equal_nan=True)
