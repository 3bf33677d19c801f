"""Forecasts as the optimization run's demand input, time-phased policies and the preview
(inventory/runs/forecast_level.py, phased.py, forecast_preview.py; docs/runs.md).

One SKU at one DC: 50 weeks of history averaging 10.6 a week (10, 11, 10, 11, 11 repeated),
a supplier lane promising 14 days (L = 2 weeks), 30 on hand, a 95 % cycle-service target.
Runs are planned as of AS_OF (a Monday) with RUNS_SYNC, their tasks run inline.
"""

from datetime import date, timedelta

import pytest

from demand.choices import ForecastKind
from demand.models import DemandHistory, Forecast
from inventory.models import InventoryPosition, ServiceLevelClass
from inventory.runs.forecast_preview import PreviewError, policy_preview
from inventory.runs.models import PolicyRecommendation
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
