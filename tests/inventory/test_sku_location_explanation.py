"""The SKU-location page's pure parts: the explanation against the engine and by hand, what
moved, and the projection on a hand-computed example."""

import math
import subprocess
import sys
from datetime import date
from types import SimpleNamespace

import numpy as np
import plotly.graph_objects as go
import pytest

from inventory.engine import PolicyInputs, compute_policies
from inventory.engine.calibration import Calibration, CalibrationGroup
from inventory.sku_location import charts
from inventory.sku_location.explanation import (
    OrderTerms,
    RunContext,
    explain,
    moved,
    safety_stock_change,
)
from inventory.sku_location.projection import (
    Arrival,
    horizon,
    order_arrival,
    period_of,
    project,
)

CONTINUOUS = RunContext(
    review_period=0.0,
    period_days=7,
    demand_model="parametric",
    optimized=False,
    calibration=None,
    holding_rate=0.25,
    periods_per_year=365 / 7,
    default_order_cost=50.0,
)
TERMS = OrderTerms(order_cost=50.0, unit_cost=10.0)


def engine_row(run: RunContext = CONTINUOUS, **given) -> tuple[SimpleNamespace, object]:
    """One row through ``compute_policies`` and the recommendation the run would store."""
    values = {
        "demand_mean": 10.0,
        "demand_sd": 4.0,
        "lead_time_mean": 2.0,
        "lead_time_sd": 0.5,
        "service_level": 0.95,
        "service_type": "cycle",
    } | given
    x = PolicyInputs(
        **values,
        review_period=run.review_period,
        unit_cost=TERMS.unit_cost,
        holding_rate=run.holding_rate,
        order_cost=TERMS.order_cost,
        periods_per_year=run.periods_per_year,
        moq=0.0,
        lot_size=1.0,
        case_pack=1.0,
        shelf_life=np.inf,
        max_stock=np.inf,
        on_hand=0.0,
        on_order=0.0,
        allocated=0.0,
        backordered=0.0,
    )
    r = compute_policies(x)
    rec = SimpleNamespace(
        demand_mean=values["demand_mean"],
        demand_sd=values["demand_sd"],
        demand_sd_source="history",
        demand_pattern="smooth",
        demand_periods=52,
        lead_time_mean=values["lead_time_mean"],
        lead_time_sd=values["lead_time_sd"],
        service_target=values["service_level"],
        service_type=values["service_type"],
        distribution=str(r.distribution[0]),
        safety_stock=float(r.safety_stock[0]),
        ss_demand=float(r.ss_demand[0]),
        ss_lead_time=float(r.ss_lead_time[0]),
        reorder_point=float(r.reorder_point[0]),
        order_quantity=float(r.order_quantity[0]),
        binding_constraint=str(r.binding_constraint[0]),
    )
    return rec, r


def test_cycle_service_by_hand_and_by_the_engine():
    # d = 10, σ_d = 4, L = 2, σ_L = 0.5: σ_LTD = √(2·16 + 100·0.25) = √57; z(95 %) = 1.6449.
    rec, r = engine_row()
    e = explain(rec, CONTINUOUS, TERMS)
    assert e.ltd_sd == pytest.approx(math.sqrt(57)) == pytest.approx(r.ltd_sd[0])
    assert e.ltd_mean == pytest.approx(20.0)
    assert e.factor_kind == "z"
    assert e.factor == pytest.approx(1.644854, abs=1e-6) == pytest.approx(r.safety_factor[0])
    assert e.safety_stock == pytest.approx(1.644854 * math.sqrt(57), rel=1e-6)
    assert e.demand_share == pytest.approx(32 / 57) and e.lead_time_share == pytest.approx(25 / 57)
    assert e.level == pytest.approx(20.0 + e.safety_stock)
    # EOQ √(2 · 10·365/7 · 50 / (10 · 0.25)) = 144.4
    assert e.economic_quantity == pytest.approx(math.sqrt(2 * 10 * 365 / 7 * 50 / 2.5))
    numbers = {step.symbol: step.numbers for step in e.steps}
    assert numbers["σ_LTD"] == "√(2.00 × 4.00² + 10.00² × 0.50²)"
    assert numbers["ROP"] == f"10.00 × 2.00 + {e.safety_stock:,.1f}"
    assert "normal" in e.distribution_reason and "20" in e.distribution_reason


@pytest.mark.parametrize("review", [0.0, 2.0])
def test_fill_rate_factor_is_the_engines(review):
    run = RunContext(**{**CONTINUOUS.__dict__, "review_period": review})
    rec, r = engine_row(
        run, demand_mean=40.0, demand_sd=12.0, service_type="fill", service_level=0.98
    )
    e = explain(rec, run, TERMS)
    assert e.distribution == "normal" and e.factor_kind == "k"
    assert e.ltd_sd == pytest.approx(r.ltd_sd[0], rel=1e-12)
    assert e.factor == pytest.approx(r.safety_factor[0], rel=1e-9)
    assert e.k_one_term is not None and e.periodic is (review > 0)
    assert {s.symbol for s in e.steps} >= {"k", "SS", "S" if review else "ROP"}


def test_a_slow_mover_is_discrete_and_its_factor_implied():
    rec, r = engine_row(demand_mean=1.5, demand_sd=2.0)
    e = explain(rec, CONTINUOUS, TERMS)
    assert e.distribution == "negbin" == r.distribution[0]
    assert e.factor_kind == "implied"
    assert e.factor == pytest.approx(r.safety_factor[0], rel=1e-9)
    assert "negative binomial" in e.distribution_reason
    assert any("not a z-factor" in step.formula for step in e.steps)


def test_calibration_corrects_the_target_of_the_rows_group():
    group = CalibrationGroup("lumpy", "fill", 40, 0.95, 0.9, 0.95, 0.5)
    run = RunContext(
        **{
            **CONTINUOUS.__dict__,
            "demand_model": "history",
            "calibration": Calibration((group,), 26, 3),
        }
    )
    rec, _ = engine_row(service_type="fill")
    rec.demand_pattern, rec.distribution = "lumpy", "empirical"
    e = explain(rec, run, TERMS)
    assert e.calibration_factor == 0.5
    assert e.target_used == pytest.approx(0.975)  # 1 − (1 − 0.95) × 0.5
    assert "lumpy" in e.distribution_reason


def test_a_blocked_row_has_no_explanation():
    rec, _ = engine_row()
    rec.safety_stock = None
    assert explain(rec, CONTINUOUS, TERMS) is None


def test_what_moved_and_the_safety_stock_change_split():
    before, _ = engine_row()
    after, _ = engine_row(demand_mean=12.0, service_level=0.98)
    rows = {row.label: row for row in moved(before, after)}
    assert set(rows) == {"Mean demand d (per period)", "Service target"}
    assert rows["Mean demand d (per period)"].change == pytest.approx(0.2)
    assert rows["Service target"].before == "95 %" and rows["Service target"].after == "98 %"
    split = safety_stock_change(
        explain(before, CONTINUOUS, TERMS), explain(after, CONTINUOUS, TERMS)
    )
    assert split.from_variability + split.from_factor == pytest.approx(split.total)
    assert split.from_variability > 0 and split.from_factor > 0


def test_projection_by_hand():
    # Start 15, demand 10 a period; a PO line of 30 arrives in period 2, the recommended
    # order of 40 in period 4. End of period: 5, −5, 15, 5, 35, 25.
    projection = project(
        start_stock=15.0,
        demand_per_period=10.0,
        arrivals=[Arrival(2, 30.0, "PO-1/1"), Arrival(4, 40.0, "Recommended order")],
        periods=6,
        first_day=date(2026, 11, 23),
        period_days=7,
        reorder_point=30.0,
        safety_stock=15.0,
    )
    assert projection.on_hand == [5.0, -5.0, 15.0, 5.0, 35.0, 25.0]
    assert projection.on_order == [70.0, 70.0, 40.0, 40.0, 0.0, 0.0]
    assert projection.position == [75.0, 65.0, 55.0, 45.0, 35.0, 25.0]
    assert projection.first_below_safety_stock == 0 and projection.first_shortage == 1
    assert projection.starts[2] == date(2026, 12, 7)
    assert [a.label for a in projection.arrivals[4]] == ["Recommended order"]


def test_projection_periods_and_arrivals():
    first = date(2026, 11, 23)
    assert period_of(date(2026, 11, 1), first, 7) == 0  # past due: at once
    assert period_of(date(2026, 12, 6), first, 7) == 1
    assert order_arrival(0.0, 2.0) == 2
    assert order_arrival(1.5, 2.0) == 4
    assert order_arrival(0.0, 2.3) == 3
    assert horizon(2, 0.0) == 13 and horizon(20, 2.0) == 26 and horizon(80, 0) == 52


def test_the_explanation_and_the_projection_are_pure():
    code = (
        "import sys, inventory.sku_location.explanation, inventory.sku_location.projection; "
        "print('django' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_charts_are_valid_plotly_figures():
    projection = project(
        start_stock=15.0,
        demand_per_period=10.0,
        arrivals=[Arrival(2, 30.0, "PO-1/1")],
        periods=4,
        first_day=date(2026, 11, 23),
        period_days=7,
        reorder_point=30.0,
        safety_stock=15.0,
    )
    day = date(2026, 11, 23)
    figures = [
        charts.demand_figure([(day, 4.0)], [charts.ForecastPoint(day, 5.0, 3.0, 7.0)], day),
        charts.projection_figure(projection),
        charts.lead_time_figure([charts.LeadTimePoint(day, 16.0, 14.0, "SUP-1")]),
        charts.split_figure(8.0, 2.0),
    ]
    for figure in figures:
        go.Figure(figure)  # plotly.py validates every trace and layout property
