"""One batch's planning, pure numpy: demand statistics → segment → service target → engine
(parametric, or from the history itself; the class's target, or the level the run's
optimized threshold gives) → comparison with the active policy → exceptions → replay of the
new and the current policies. Reads nothing, writes nothing."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import NamedTuple

import numpy as np

from demand.accuracy.sigma import lead_time_error_sd, lead_time_lag
from governance.choices import ExceptionKind, Severity
from inventory.choices import LeadTimeBasis
from inventory.engine import (
    PolicyInputs,
    PolicyResult,
    Reason,
    compute_policies,
    demand_statistics,
)
from inventory.engine.backtest import StockLevels
from inventory.engine.calibration import Calibration
from inventory.engine.flags import BLOCKING, reason_codes
from inventory.engine.from_history import policies_from_history
from inventory.engine.history import abc_xyz_by_cutoffs, cap_outliers
from inventory.engine.portfolio import PortfolioCurves
from inventory.runs.forecast_level import ForecastLevel, at_level, forecast_level
from inventory.runs.history_model import history_policies
from inventory.runs.inputs import BatchInputs
from inventory.runs.order_dates import order_dates
from inventory.runs.parameters import RunParameters
from inventory.runs.phased import Model, period_columns, phased_policies, pre_built
from inventory.runs.portfolio import curves_of, portfolio_policies
from inventory.runs.replay import replay_sums
from sop_platform.arrays import ids_or_none

FALLBACK_CLASS = "CZ"
"""Service class of a SKU-location that cannot be segmented (no demand statistics)."""


@dataclass
class PlannedBatch:
    """Recommendation columns (one row per planned SKU-location) and the exceptions raised."""

    columns: dict[str, np.ndarray]
    reasons: dict[str, list[list[str]]]  # stockout / excess / data_quality code lists per row
    # row, kind, severity, codes, detail, money at risk (currency)
    exceptions: list[tuple[int, str, str, list[str], str, float]]
    blocked: np.ndarray
    replay: dict[str, float] = field(default_factory=dict)  # sums: see runs.replay
    portfolio: dict[str, float] = field(default_factory=dict)  # optimized: runs.portfolio.SUMS
    periods: dict[str, np.ndarray] = field(default_factory=dict)  # runs.phased.period_columns


@dataclass
class Demand:
    """Demand figures per row after outlier capping."""

    mean: np.ndarray
    sd: np.ndarray
    sd_source: np.ndarray
    periods: np.ndarray
    capped: np.ndarray
    pattern: np.ndarray
    history_sd: np.ndarray


def demand_of(inputs: BatchInputs, params: RunParameters) -> Demand:
    """Capped history statistics; sigma from forecast errors where there are enough pairs:
    those of the forecasts made a lead time ahead, else of the latest made before each
    period (demand.accuracy.sigma)."""
    capped, capped_count = cap_outliers(inputs.history, params.outlier_sigmas)
    stats = demand_statistics(capped)
    lead = inputs.lead_time_days / params.period_days
    lags = np.unique(lead_time_lag(lead)) if inputs.lead_forecast is not None else np.zeros(0)
    # Each row of ``lead_forecast`` holds the row's own lag: it serves as every lag's grid.
    by_lag = {**dict.fromkeys(lags[lags > 1].tolist(), inputs.lead_forecast), 1: inputs.forecast}
    error_sd = lead_time_error_sd(capped, by_lag, lead, params.min_forecast_pairs).sd
    from_forecast = ~np.isnan(error_sd)
    return Demand(
        mean=np.where(stats.periods > 0, stats.mean, np.nan),
        sd=np.where(from_forecast, error_sd, stats.sd),
        sd_source=np.where(from_forecast, "forecast_error", "history"),
        periods=stats.periods,
        capped=capped_count,
        pattern=stats.pattern,
        history_sd=stats.sd,
    )


def segments_of(
    demand: Demand, unit_cost: np.ndarray, params: RunParameters, cutoffs: tuple[float, float]
) -> np.ndarray:
    """ABC-XYZ class; an unknown cost counts as C, and zero demand as CZ."""
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = demand.history_sd / demand.mean
    value = demand.mean * params.periods_per_year * np.where(np.isnan(unit_cost), 0.0, unit_cost)
    classes = abc_xyz_by_cutoffs(value, cv, cutoffs)
    return np.where((classes == "") & (demand.mean == 0), "CZ", classes)


def plan_batch(
    inputs: BatchInputs,
    params: RunParameters,
    cutoffs: tuple[float, float],
    segments: tuple[str, ...] = (),
    stored_segment: np.ndarray | None = None,
    calibration: Calibration | None = None,
    threshold: float | None = None,
    curves: PortfolioCurves | None = None,
) -> tuple[np.ndarray, PlannedBatch]:
    """The rows kept (by the scope's segments) and their recommendations and exceptions.

    A row's class is its ``stored_segment`` (the network's stored segmentation) when it has
    one, else its ABC-XYZ class against the network's ``cutoffs``. With the history model,
    ``calibration`` (the run's) corrects each row's target before the engine sets its levels.
    With optimized service levels (pass 2), ``threshold`` is the run's (an efficiency, see
    runs.portfolio) and sets every row's level on the
    rows' ``curves`` (pass 1's, computed again when not given).
    """
    if params.optimized and threshold is None:
        raise ValueError("An optimized run plans its policies at the run's threshold.")
    demand, segment, rows = _kept(inputs, params, cutoffs, segments, stored_segment)
    optimized = (threshold, curves)
    return rows, _plan(inputs, params, demand, segment, rows, calibration, optimized)


def portfolio_rows(
    inputs: BatchInputs,
    params: RunParameters,
    cutoffs: tuple[float, float],
    segments: tuple[str, ...] = (),
    stored_segment: np.ndarray | None = None,
) -> tuple[np.ndarray, PolicyInputs, np.ndarray]:
    """The history, the engine inputs (demand left NaN) and the class targets of the rows
    :func:`plan_batch` plans: what an optimized run's curves are computed from, in both
    passes."""
    rows, x, target = _portfolio_rows(inputs, params, cutoffs, segments, stored_segment)
    return inputs.history[rows], x, target


def _portfolio_rows(inputs, params, cutoffs, segments, stored_segment):
    """(rows planned, their engine inputs with demand left NaN, their class targets)."""
    _, segment, rows = _kept(inputs, params, cutoffs, segments, stored_segment)
    _, target, kind = _service(segment[rows], params)
    return rows, _engine_inputs(inputs, params, rows, target, kind), target


def batch_curves(
    inputs: BatchInputs,
    params: RunParameters,
    cutoffs: tuple[float, float],
    segments: tuple[str, ...] = (),
    stored_segment: np.ndarray | None = None,
    calibration: Calibration | None = None,
) -> PortfolioCurves | None:
    """Pass 1 of an optimized run's batch: the curves of the rows it plans (None without
    rows), at their forecast's level as pass 2 plans them; ``runs.portfolio.step_summary``
    sums them up."""
    rows, x, target = _portfolio_rows(inputs, params, cutoffs, segments, stored_segment)
    if not len(x):
        return None
    return curves_of(*forecast_demand(inputs, rows, x), target, params, calibration)


def forecast_demand(
    inputs: BatchInputs, rows: np.ndarray, x: PolicyInputs
) -> tuple[np.ndarray, PolicyInputs]:
    """The history and the engine inputs of the planned ``rows`` at their forecast's level,
    as the history model and optimized service levels plan them (runs.forecast_level)."""
    history, mean = at_level(inputs.history[rows], _level(inputs, rows, x).mean)
    return history, replace(x, demand_mean=mean)


def calibration_rows(
    inputs: BatchInputs,
    params: RunParameters,
    cutoffs: tuple[float, float],
    segments: tuple[str, ...] = (),
    stored_segment: np.ndarray | None = None,
) -> tuple[np.ndarray, PolicyInputs]:
    """The history and the engine inputs of the rows :func:`plan_batch` would plan with the
    history model, before calibration, without forecast errors and without the forward
    forecast (the demand is the history's alone): what the run's calibration measures."""
    history, x, _ = portfolio_rows(inputs, params, cutoffs, segments, stored_segment)
    if params.optimized:  # the optimized targets are fill rates: calibrate those
        x = replace(x, service_type=np.full(len(x), "fill"))
    return history, x


def _kept(
    inputs, params, cutoffs, segments, stored_segment
) -> tuple[Demand, np.ndarray, np.ndarray]:
    """(demand figures, segment of every row, the rows kept by the scope's segments)."""
    demand = demand_of(inputs, params)
    segment = segments_of(demand, inputs.unit_cost, params, cutoffs)
    if stored_segment is not None:
        segment = np.where(stored_segment != "", stored_segment, segment)
    keep = np.isin(segment, segments) if segments else np.ones(len(segment), bool)
    return demand, segment, np.flatnonzero(keep)


def _service(segment: np.ndarray, params: RunParameters) -> tuple[np.ndarray, ...]:
    classes = params.service_classes or {}
    code = np.where(np.isin(segment, list(classes)), segment, FALLBACK_CLASS)
    names, row_class = np.unique(code, return_inverse=True)  # look each class up once
    targets = np.array([classes.get(c, [np.nan])[0] for c in names], dtype=np.float64)
    kinds = np.array([classes.get(c, [None, ""])[1] for c in names], dtype="<U8")
    row_class = row_class.ravel()
    known = np.isin(code, list(classes))
    return np.where(known, code, ""), targets[row_class], kinds[row_class]


def _engine_inputs(inputs: BatchInputs, params: RunParameters, rows, target, kind) -> PolicyInputs:
    """The engine's inputs of ``rows`` (demand left NaN: the model fills it in)."""
    pick = lambda values: values[rows]  # noqa: E731
    period = float(params.period_days)
    unknown = np.full(len(rows), np.nan)
    return PolicyInputs(
        demand_mean=unknown,
        demand_sd=unknown,
        lead_time_mean=pick(inputs.lead_time_days) / period,
        lead_time_sd=pick(inputs.lead_time_sd_days) / period,
        review_period=params.review_period,
        service_level=target,
        service_type=kind,
        unit_cost=pick(inputs.unit_cost),
        holding_rate=params.holding_rate,
        order_cost=pick(inputs.order_cost),
        periods_per_year=params.periods_per_year,
        moq=pick(inputs.moq),
        lot_size=pick(inputs.lot_size),
        case_pack=pick(inputs.case_pack),
        shelf_life=pick(inputs.shelf_life_days) / period,
        max_stock=np.inf,  # a location's capacity is shared: runs.capacity, after the batches
        on_hand=pick(inputs.on_hand),
        on_order=pick(inputs.on_order),
        allocated=pick(inputs.allocated),
        backordered=pick(inputs.backordered),
        max_order=pick(inputs.lane_capacity),  # the supplier ships this much a period at most
    )


class _Policies(NamedTuple):
    """The engine's result, the demand columns behind it, the inputs it was computed from,
    the target and type each row was planned for, an optimized batch's sums, the rows'
    forecast level, the same model at any demand level (``runs.phased.Model``: the
    time-phased levels), and how the same model at the same targets is fitted on a shorter
    history (None: the parametric model, whose demand figures come from the whole window)."""

    result: PolicyResult
    columns: dict[str, np.ndarray]
    x: PolicyInputs
    target: np.ndarray
    kind: np.ndarray
    portfolio: dict[str, float]
    level: ForecastLevel
    model: Model
    refit: Callable[[np.ndarray], PolicyResult] | None = None


def _level(inputs: BatchInputs, rows: np.ndarray, x: PolicyInputs) -> ForecastLevel:
    """The forecast level of the planned ``rows`` (engine inputs ``x``)."""
    forward = [None if a is None else a[rows] for a in (inputs.forward, inputs.forward_source)]
    promotion = None if inputs.promotion is None else inputs.promotion[rows]
    return forecast_level(*forward, promotion, x)


def _policies(
    inputs: BatchInputs,
    params: RunParameters,
    demand: Demand,
    rows: np.ndarray,
    x: PolicyInputs,
    calibration: Calibration | None,
    optimized: tuple[int | None, PortfolioCurves | None],
) -> _Policies:
    """The rows' policies by the run's demand model and service mode: at the class's target
    (``x.service_level``), or, optimized, at the promise the run's threshold gives each row
    (a fill rate, the row's new target); at the forecast's level where the row has one
    (runs.forecast_level). The replay's refit stays on the history."""
    target, kind = x.service_level, x.service_type
    level = _level(inputs, rows, x)
    history = inputs.history[rows]
    cover = params.excess_cover_periods
    if params.optimized:
        threshold, curves = optimized
        planned_history, mean = at_level(history, level.mean)
        given = replace(x, demand_mean=mean)
        plan = portfolio_policies(
            planned_history, given, target, params, calibration, threshold, curves
        )
        fill = np.full(len(rows), "fill")
        own = replace(plan.chosen, demand_mean=x.demand_mean)  # the history's own level
        refit = partial(_refit_portfolio, own, cover)
        model = partial(_portfolio_at, own, history, cover)
        columns = _forecast_columns(plan.columns, level)
        return _Policies(
            plan.result, columns, x, plan.promised, fill, plan.sums, level, model, refit
        )
    if params.demand_model == "history":
        forecast_sd = np.where(demand.sd_source == "forecast_error", demand.sd, np.nan)[rows]
        planned_history, mean = at_level(history, level.mean)
        result, columns, used = history_policies(
            planned_history, replace(x, demand_mean=mean), forecast_sd, params, calibration
        )
        refit = partial(_refit_history, x, forecast_sd, params, calibration)
        own = replace(used, demand_mean=x.demand_mean)
        model = partial(_history_at, own, history, forecast_sd, params)
        columns = _forecast_columns(columns, level)
        return _Policies(result, columns, used, target, kind, {}, level, model, refit)
    x = replace(x, demand_mean=demand.mean[rows], demand_sd=demand.sd[rows])
    model = partial(_parametric_at, x, cover)
    result = model(np.arange(len(rows)), level.mean)
    columns = _forecast_columns(_demand_columns(demand, rows), level)
    x = replace(x, demand_mean=columns["demand_mean"])
    return _Policies(result, columns, x, target, kind, {}, level, model)


def _forecast_columns(columns: dict[str, np.ndarray], level: ForecastLevel) -> dict:
    """The demand columns with the forecast's level as the demand mean where a row has one,
    where it came from and the level itself."""
    return {
        **columns,
        "demand_mean": np.where(level.known, level.mean, columns["demand_mean"]),
        "demand_source": level.source,
        "forecast_mean": level.mean,
    }


def _parametric_at(x: PolicyInputs, cover: float, rows: np.ndarray, level: np.ndarray):
    """The parametric model's policies of ``rows`` at demand ``level`` (NaN: the history's
    mean)."""
    mean = np.where(np.isnan(level), x.demand_mean[rows], level)
    return compute_policies(replace(x.take(rows), demand_mean=mean), excess_cover_periods=cover)


def _history_at(x, history, forecast_sd, params, rows: np.ndarray, level: np.ndarray):
    """The history model's policies of ``rows`` at demand ``level`` (``x``: their inputs at
    the calibrated targets, demand NaN)."""
    planned_history, mean = at_level(history[rows], level)
    given = replace(x.take(rows), demand_mean=mean)
    return history_policies(planned_history, given, forecast_sd[rows], params, None)[0]


def _portfolio_at(chosen: PolicyInputs, history, cover: float, rows, level) -> PolicyResult:
    """An optimized run's policies of ``rows`` at demand ``level``, at their chosen fill."""
    planned_history, mean = at_level(history[rows], level)
    given = replace(chosen.take(rows), demand_mean=mean)
    return policies_from_history(planned_history, given, excess_cover_periods=cover)


def _refit_portfolio(chosen: PolicyInputs, cover: float, history: np.ndarray) -> PolicyResult:
    return policies_from_history(history, chosen, excess_cover_periods=cover)


def _refit_history(
    x: PolicyInputs,
    forecast_sd: np.ndarray,
    params: RunParameters,
    calibration: Calibration | None,
    history: np.ndarray,
) -> PolicyResult:
    return history_policies(history, x, forecast_sd, params, calibration)[0]


def _replayed(planned: _Policies, history: np.ndarray, params: RunParameters) -> StockLevels:
    """Our levels the replay measures: out of sample (``params.replay_out_of_sample``), the
    same model at the same targets fitted on the periods before the replayed ones; else the
    recommended levels."""
    if planned.refit is None or not params.replay_out_of_sample:
        return StockLevels(planned.result.reorder_point, planned.result.order_up_to)
    fitted = planned.refit(history[:, : -params.backtest_periods])
    return StockLevels(fitted.reorder_point, fitted.order_up_to)


def _demand_columns(demand: Demand, rows: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "demand_mean": demand.mean[rows],
        "demand_sd": demand.sd[rows],
        "demand_sd_source": demand.sd_source[rows],
        "demand_periods": demand.periods[rows],
        "capped_periods": demand.capped[rows],
        "demand_pattern": demand.pattern[rows],
    }


def _plan(
    inputs: BatchInputs,
    params: RunParameters,
    demand: Demand,
    segment: np.ndarray,
    rows: np.ndarray,
    calibration: Calibration | None,
    optimized: tuple[int | None, PortfolioCurves | None] = (None, None),
) -> PlannedBatch:
    pick = lambda values: values[rows]  # noqa: E731
    code, target, kind = _service(pick(segment), params)
    x = _engine_inputs(inputs, params, rows, target, kind)
    planned = _policies(inputs, params, demand, rows, x, calibration, optimized)
    result, x, target, kind = planned.result, planned.x, planned.target, planned.kind
    phased = phased_policies(planned.level, x, planned.model)
    if phased is not None:
        result = pre_built(result, phased, x, planned.columns["demand_mean"])
    current = pick(inputs.current_safety_stock)
    with np.errstate(invalid="ignore", divide="ignore"):
        change = (result.safety_stock - current) / current
    large = np.isfinite(current) & ~np.isnan(result.safety_stock)
    large &= np.where(
        current > 0, np.abs(change) > params.change_tolerance, result.safety_stock > 0
    )
    blocked = (result.data_quality_reasons & np.uint32(BLOCKING)) != 0
    basis = pick(inputs.lead_time_basis)
    reasons = {
        "stockout": _codes(result.stockout_reasons),
        "excess": _codes(result.excess_reasons),
        "data_quality": _codes(result.data_quality_reasons, extra=basis),
    }
    columns = {
        "item_id": pick(inputs.item_id),
        "location_id": pick(inputs.location_id),
        "segment": pick(segment),
        "service_class": code,
        "service_target": target,
        "service_type": kind,
        **planned.columns,
        "lead_time_mean": x.lead_time_mean,
        "lead_time_sd": x.lead_time_sd,
        "lead_time_basis": basis,
        "distribution": result.distribution,
        "safety_stock": result.safety_stock,
        "ss_demand": result.ss_demand,
        "ss_lead_time": result.ss_lead_time,
        "reorder_point": result.reorder_point,
        "order_quantity": result.order_quantity,
        "min_level": result.min_level,
        "max_level": result.max_level,
        "expected_service": result.expected_service,
        "inventory_position": result.inventory_position,
        "recommended_qty": result.recommended_qty,
        "periods_until_order": result.periods_until_order,
        "order_date": order_dates(params.as_of, params.period_days, result.periods_until_order),
        "supplier_lane_id": ids_or_none(pick(inputs.supplier_lane_id)),
        "binding_constraint": result.binding_constraint,
        "current_safety_stock": current,
        "current_reorder_point": pick(inputs.current_reorder_point),
        "policy_id": ids_or_none(pick(inputs.current_policy_id)),
        "safety_stock_change": np.where(np.isfinite(change), change, np.nan),
    }
    exceptions = _exceptions(result, reasons, blocked, large, change, _at_risk(result, x, current))
    replayed = replay_sums(
        inputs.history[rows],
        x,
        _replayed(planned, inputs.history[rows], params),
        StockLevels(pick(inputs.current_reorder_point), pick(inputs.current_max_level)),
        params.backtest_periods,
        target,
    )
    periods = period_columns(phased, params.as_of, params.period_days)
    return PlannedBatch(columns, reasons, exceptions, blocked, replayed, planned.portfolio, periods)


def _codes(masks: np.ndarray, extra: np.ndarray | None = None) -> list[list[str]]:
    """Reason names per row, computed once per distinct mask."""
    unique, inverse = np.unique(masks, return_inverse=True)
    names = [reason_codes(int(mask)) for mask in unique]
    codes = [names[i] for i in inverse.ravel()]
    if extra is not None:  # lead time not from actual receipts: say where it came from
        for row in np.flatnonzero(extra == LeadTimeBasis.PROMISED.value):
            codes[row] = [*codes[row], "LEAD_TIME_PROMISED"]
    return codes


MONEY_AT_RISK_MAX = 99_999_999_999_999.99  # PlanningException.money_at_risk's digits


def _at_risk(result: PolicyResult, x: PolicyInputs, current: np.ndarray) -> dict[str, np.ndarray]:
    """Money at risk per row for each kind of exception, at unit cost (docs/governance.md):
    stock-out, the shortfall of the inventory position to the reorder point; excess, the stock
    on hand above the max level or above what sells within its shelf life, whichever is lower;
    large policy change, the change of safety stock; data quality, the reorder point (a
    blocked policy has none: the lead-time demand). An unknown cost or quantity counts 0."""
    cost = np.nan_to_num(x.unit_cost, nan=0.0)
    with np.errstate(invalid="ignore"):
        sellable = np.fmin(result.max_level, x.demand_mean * x.shelf_life)
        units = {
            ExceptionKind.STOCKOUT_RISK: result.reorder_point - result.inventory_position,
            ExceptionKind.EXCESS_RISK: x.on_hand - sellable,
            ExceptionKind.LARGE_POLICY_CHANGE: np.abs(result.safety_stock - current),
            ExceptionKind.DATA_QUALITY: np.where(
                np.isnan(result.reorder_point),
                x.demand_mean * x.lead_time_mean,
                result.reorder_point,
            ),
        }
    return {
        kind: np.clip(np.nan_to_num(np.maximum(q, 0.0) * cost, nan=0.0), 0, MONEY_AT_RISK_MAX)
        for kind, q in units.items()
    }


def _exceptions(result, reasons, blocked, large, change, at_risk) -> list[tuple]:
    found = []

    def add(row, kind, severity, codes, detail) -> None:
        found.append((row, kind, severity, codes, detail, round(float(at_risk[kind][row]), 2)))

    for row in np.flatnonzero(result.data_quality_reasons != 0):
        severity = Severity.HIGH if blocked[row] else Severity.MEDIUM
        detail = "Policy blocked until resolved." if blocked[row] else "Policy computed."
        add(row, ExceptionKind.DATA_QUALITY, severity, reasons["data_quality"][row], detail)
    both = np.uint32(Reason.POSITION_BELOW_SAFETY_STOCK | Reason.ON_HAND_BELOW_LEAD_TIME_DEMAND)
    for row in np.flatnonzero(result.stockout_risk):
        severity = Severity.HIGH if result.stockout_reasons[row] == both else Severity.MEDIUM
        add(row, ExceptionKind.STOCKOUT_RISK, severity, reasons["stockout"][row], "")
    shelf = np.uint32(Reason.ON_HAND_BEYOND_SHELF_LIFE)
    for row in np.flatnonzero(result.excess_risk):
        severity = Severity.HIGH if result.excess_reasons[row] & shelf else Severity.MEDIUM
        add(row, ExceptionKind.EXCESS_RISK, severity, reasons["excess"][row], "")
    for row in np.flatnonzero(large):
        detail = (
            f"Safety stock {change[row]:+.0%} against the active policy."
            if np.isfinite(change[row])
            else "Safety stock from zero in the active policy."
        )
        add(row, ExceptionKind.LARGE_POLICY_CHANGE, Severity.MEDIUM, [], detail)
    return found
