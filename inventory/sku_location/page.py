"""What the SKU-location page shows, put together from the selectors' reads, the explanation,
the projection and the charts. No writes; the view only translates HTTP."""

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.utils import timezone

from governance.proposals import PROPOSE
from inventory.engine import PolicyInputs
from inventory.engine.backtest import StockLevels, backtest
from inventory.models import InventoryPolicy, InventoryPosition, Item, Location
from inventory.runs.calibration import calibration_from_snapshot
from inventory.runs.models import PolicyRecommendation, PolicyRun
from inventory.runs.parameters import RunParameters
from inventory.runs.replay import replay_sentence
from inventory.sku_location import charts, selectors
from inventory.sku_location.explanation import (
    DEMAND_SOURCE_TEXT,
    INPUTS,
    POLICY_FIELDS,
    RESULTS,
    OrderTerms,
    RunContext,
    compared,
    explain,
    moved,
    safety_stock_change,
)
from inventory.sku_location.projection import (
    Arrival,
    Projection,
    horizon,
    order_arrival,
    period_of,
    project,
)
from sop_platform.display import percent
from supply.models import SupplierLane

VIEW_RECOMMENDATIONS = "inventory.view_policyrecommendation"
DEFAULT_HISTORY_PERIODS = 104
FORECAST_AHEAD_PERIODS = 26


def run_parameters(run: PolicyRun) -> RunParameters:
    """The run's parameters as it stored them."""
    return RunParameters.from_json(run.parameters)


def run_context(run: PolicyRun) -> RunContext:
    """What the explanation needs of the run that made a recommendation."""
    params = run_parameters(run)
    return RunContext(
        review_period=params.review_period,
        period_days=params.period_days,
        demand_model=params.demand_model,
        optimized=params.optimized,
        calibration=calibration_from_snapshot(run.snapshot) if params.calibrate else None,
        holding_rate=params.holding_rate,
        periods_per_year=params.periods_per_year,
        default_order_cost=params.default_order_cost,
    )


def order_terms(item: Item, lanes: list[SupplierLane]) -> OrderTerms:
    """The primary lane's terms (the run's default order cost without a lane) and the item's
    unit cost."""
    cost = None if item.unit_cost is None else float(item.unit_cost)
    if not lanes:
        return OrderTerms(unit_cost=cost)
    lane = lanes[0]
    return OrderTerms(
        moq=lane.moq,
        lot_size=lane.lot_size,
        case_pack=lane.case_pack,
        order_cost=float(lane.order_cost),
        unit_cost=cost,
    )


def sku_location_context(*, user, item: Item, location: Location) -> dict:
    """Everything the page shows about ``item`` at ``location``."""
    rec = selectors.latest_recommendation(item=item, location=location)
    lanes = selectors.supplier_lanes(item=item, location=location)
    terms = order_terms(item, lanes)
    policy = selectors.policy_now(item=item, location=location)
    position = selectors.stock_position(item=item, location=location)
    context = {
        "item": item,
        "location": location,
        "rec": rec,
        "policy": policy,
        "position": position,
        "proposal": selectors.open_proposal(item=item, location=location),
        "lanes": lanes,
        "transfer_lane": selectors.transfer_lane(location=location),
        "exceptions": selectors.exceptions_of(item=item, location=location),
        "exceptions_shown": selectors.EXCEPTIONS_SHOWN,
        "audit": selectors.audit_timeline(user=user, item=item, location=location),
        "audit_shown": selectors.AUDIT_SHOWN,
        "can_propose": bool(
            rec and not rec.blocked and user.has_perms([PROPOSE, VIEW_RECOMMENDATIONS])
        ),
    }
    context |= _lead_times(item, location)
    if rec is None:
        context |= _demand(item, location, None, None)
        return context
    params = run_parameters(rec.run)
    explanation = explain(rec, run_context(rec.run), terms)
    context |= {
        "params": params,
        "explanation": explanation,
        "demand_source_text": DEMAND_SOURCE_TEXT.get(rec.demand_source, ""),
        "phased": selectors.recommendation_periods(rec=rec),
        "reasons": _reasons(rec),
        "against_policy": _against_policy(policy, rec, terms),
        "split_chart": (
            charts.split_figure(explanation.ss_demand, explanation.ss_lead_time)
            if explanation and explanation.safety_stock > 0
            else None
        ),
    }
    context |= _previous(rec, params, explanation, terms)
    context |= _demand(item, location, rec, params)
    context |= _projection(rec, params, position, item, location)
    context["backtest"] = _backtest(rec, params, policy, terms, context["history_window"])
    return context


def _reasons(rec: PolicyRecommendation) -> list[tuple[str, str]]:
    """(kind, code) of every reason of the recommendation."""
    return [
        (kind, code)
        for kind, codes in (
            ("stockout", rec.stockout_reasons),
            ("excess", rec.excess_reasons),
            ("data", rec.data_quality_reasons),
        )
        for code in codes
    ]


def _against_policy(policy: InventoryPolicy | None, rec, terms: OrderTerms) -> dict | None:
    """The policy in force against the recommendation, field by field, and the safety stock
    change in money (at today's unit cost)."""
    if policy is None:
        return None
    rows = compared(policy, rec, POLICY_FIELDS)
    money = None
    if terms.unit_cost is not None and rec.safety_stock is not None:
        money = (rec.safety_stock - policy.safety_stock) * terms.unit_cost
    return {"rows": rows, "safety_stock_money": money}


RUN_FIGURES = (
    ("demand_model", "Demand model", lambda v: v or "—"),
    ("review_period", "Review period R (periods)", lambda v: f"{v:g}"),
    ("target_used", "Target the level was set for", percent),
)


def _run_figures(params: RunParameters, explanation) -> dict:
    """What a run decided for the row beyond its stored inputs: the demand model, the review
    period, the target after calibration."""
    return {
        "demand_model": params.demand_model,
        "review_period": params.review_period,
        "target_used": explanation.target_used if explanation else None,
    }


def _previous(rec, params: RunParameters, explanation, terms: OrderTerms) -> dict:
    """What moved since the recommendation of the run before: its inputs, the run's choices
    and the results, and the safety stock change split into variability and factor."""
    previous = selectors.previous_recommendation(rec=rec)
    if previous is None:
        return {"previous": None}
    before = explain(previous, run_context(previous.run), terms)
    figures = (
        _run_figures(run_parameters(previous.run), before),
        _run_figures(params, explanation),
    )
    split = safety_stock_change(before, explanation) if before and explanation else None
    return {
        "previous": previous,
        "moved_inputs": moved(previous, rec, INPUTS) + moved(*figures, RUN_FIGURES),
        "moved_results": moved(previous, rec, RESULTS),
        "ss_change": split,
    }


def _demand(item, location, rec, params: RunParameters | None) -> dict:
    """The demand chart: the history from the run's window start (the last
    ``DEFAULT_HISTORY_PERIODS`` periods without a recommendation) and the forecasts up to
    ``FORECAST_AHEAD_PERIODS`` periods ahead, each period's the latest made before it, with
    the band ± the σ_d the engine used."""
    period_days = params.period_days if params else settings.PLANNING_PERIOD_DAYS
    today = timezone.localdate()
    since = (
        params.window_start
        if params
        else today - timedelta(days=period_days * DEFAULT_HISTORY_PERIODS)
    )
    until = today + timedelta(days=period_days * FORECAST_AHEAD_PERIODS)
    history = selectors.demand_rows(item=item, location=location, since=since)
    versions = selectors.forecast_rows(item=item, location=location, since=since, until=until)
    sigma = rec.demand_sd if rec and rec.demand_sd is not None else 0.0
    forecast = _latest_before(versions, sigma)
    as_of = params.as_of if params else None
    figure = charts.demand_figure(history, forecast, as_of)
    return {
        "history_window": history,
        "demand_periods_shown": len(history),
        "forecast_periods_shown": len(forecast),
        "demand_chart": figure if history or forecast else None,
    }


def _latest_before(versions, sigma: float) -> list[charts.ForecastPoint]:
    """Per period, the latest forecast made before it (as the runs measure forecast error);
    rows come by period then version."""
    latest = {period: quantity for period, made, quantity in versions if made < period}
    return [
        charts.ForecastPoint(period, value, max(value - sigma, 0.0), value + sigma)
        for period, value in latest.items()
    ]


def _projection(rec, params: RunParameters, position: InventoryPosition | None, item, location):
    """The projection from the newest stock record, or none without one or a policy."""
    open_lines = selectors.open_order_lines(item=item, location=location)
    if position is None or rec.blocked or rec.demand_mean is None or rec.reorder_point is None:
        return {"projection": None, "open_lines": open_lines}
    first_day, days = params.as_of, params.period_days
    arrivals = [Arrival(0, position.in_transit, "In transit")] if position.in_transit else []
    arrivals += [
        Arrival(
            period_of(line.promised_date, first_day, days),
            line.quantity - line.received,
            f"{line.po_number}/{line.line_number}",
        )
        for line in open_lines
    ]
    order = _next_order(rec)
    arrive = order_arrival(order[0], rec.lead_time_mean or 0.0) if order else 0
    if order:
        arrivals.append(Arrival(arrive, order[1], "Recommended order"))
    projection = project(
        start_stock=position.on_hand - position.allocated - position.backordered,
        demand_per_period=rec.demand_mean,
        arrivals=arrivals,
        periods=horizon(arrive, params.review_period),
        first_day=first_day,
        period_days=days,
        reorder_point=rec.reorder_point,
        safety_stock=rec.safety_stock,
    )
    return {
        "projection": projection,
        "projection_rows": _projection_rows(projection),
        "projection_chart": charts.projection_figure(projection),
        "open_lines": open_lines,
        "next_order": order,
        "next_order_arrival": first_day + timedelta(days=days * arrive),
        "shortage_from": _start_of(projection, projection.first_shortage),
        "below_safety_from": _start_of(projection, projection.first_below_safety_stock),
    }


def _start_of(projection: Projection, period: int | None) -> date | None:
    return None if period is None else projection.starts[period]


def _next_order(rec: PolicyRecommendation) -> tuple[float, float] | None:
    """(periods from the run's as-of date, quantity) of the recommended order: the one to
    place now, else the next one (an order quantity when the position reaches the reorder
    point); None when unknown."""
    if rec.recommended_qty:
        return 0.0, rec.recommended_qty
    if rec.periods_until_order is None or not math.isfinite(rec.periods_until_order):
        return None
    return rec.periods_until_order, rec.order_quantity


def _projection_rows(projection: Projection) -> list[dict]:
    return [
        {
            "start": projection.starts[t],
            "arrivals": projection.arrivals[t],
            "on_hand": projection.on_hand[t],
            "on_order": projection.on_order[t],
            "below_safety": projection.on_hand[t] < projection.safety_stock - 1e-9,
            "short": projection.on_hand[t] < -1e-9,
        }
        for t in range(projection.periods)
    ]


def _lead_times(item: Item, location: Location) -> dict:
    """The lead-time chart: every fully received line of the lane(s), actual against
    promised."""
    lines = selectors.received_order_lines(item=item, location=location)
    points = [
        charts.LeadTimePoint(
            received=line.last_receipt,
            actual_days=(line.last_receipt - line.order_date).days,
            promised_days=(line.promised_date - line.order_date).days,
            supplier=line.supplier.code,
        )
        for line in lines
    ]
    figure = charts.lead_time_figure(points) if points else None
    return {"received_lines": len(points), "lead_time_chart": figure}


@dataclass(frozen=True)
class RowReplay:
    """One policy replayed on this SKU-location's demand over the run's replay periods."""

    name: str
    reorder_point: float
    order_up_to: float
    demand: float
    served: float
    fill: float | None
    periods_without_stockout: float
    average_on_hand: float
    orders: int


def _backtest(rec, params: RunParameters, policy, terms: OrderTerms, history) -> dict | None:
    """This SKU-location's replay (``engine.backtest``), as the run replays its policies:
    the recommended levels and the policy in force on the demand of the run's last
    ``backtest_periods`` periods, warmed up over the window before them; the run's own
    summary beside it. None when the run replayed nothing."""
    summary = rec.run.snapshot.get("backtest")
    periods = min(params.backtest_periods, params.history_periods)
    if not summary or periods <= 0 or rec.reorder_point is None:
        return None
    grid = _history_grid(history, params)
    x = PolicyInputs(
        demand_mean=rec.demand_mean,
        demand_sd=rec.demand_sd,
        lead_time_mean=rec.lead_time_mean,
        lead_time_sd=rec.lead_time_sd,
        review_period=params.review_period,
        service_level=rec.service_target,
        service_type=rec.service_type or "fill",
        unit_cost=terms.unit_cost if terms.unit_cost is not None else np.nan,
        holding_rate=params.holding_rate,
        order_cost=terms.order_cost if terms.order_cost is not None else params.default_order_cost,
        periods_per_year=params.periods_per_year,
        moq=terms.moq,
        lot_size=terms.lot_size,
        case_pack=terms.case_pack,
        shelf_life=np.inf,
        max_stock=np.inf,
        on_hand=0.0,
        on_order=0.0,
        allocated=0.0,
        backordered=0.0,
    )
    sides = [("Recommended policy", rec.reorder_point, rec.max_level)]
    if policy is not None:
        sides.append(("Policy in force", policy.reorder_point, policy.max_level))
    replays = [_replay(grid, x, periods, *side) for side in sides]
    return {"periods": periods, "rows": replays, "run_sentence": replay_sentence(summary)}


def _history_grid(history: list[tuple[date, float]], params: RunParameters) -> np.ndarray:
    """The run's history window as one row of periods (NaN where no record)."""
    grid = np.full((1, params.history_periods), np.nan)
    for day, quantity in history:
        period = (day - params.window_start).days // params.period_days
        if 0 <= period < params.history_periods:
            grid[0, period] = quantity
    return grid


def _replay(grid, x: PolicyInputs, periods: int, name: str, s: float, big_s: float):
    levels = StockLevels(np.array([s]), np.array([big_s]))
    result = backtest(grid, x, levels, periods, warmup=grid.shape[1] - periods)
    fill = float(result.fill[0])
    return RowReplay(
        name=name,
        reorder_point=s,
        order_up_to=big_s,
        demand=float(result.demand[0]),
        served=float(result.served[0]),
        fill=fill if math.isfinite(fill) else None,
        periods_without_stockout=float(result.cycle_service[0]),
        average_on_hand=float(result.average_on_hand[0]),
        orders=int(result.orders[0]),
    )
