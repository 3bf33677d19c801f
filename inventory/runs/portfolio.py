"""Optimized service levels in a run (``service_mode`` 'optimized'; pure numpy, no database).

Instead of each SKU-location's class target, fill targets chosen across the whole run: the
least stock value for an aggregate fill rate, or the most fill within a stock-value budget.
That needs one multiplier for every row of every batch, found in two passes (engine.portfolio):

1. **Curves** (pass 1): each batch computes its rows' curves between their bounds
   (:func:`service_bounds`, :func:`curves_of`) and stores only their step summary
   (:func:`step_summary`, some 130 kB whatever the batch's size).
2. **Solve** (once, when every pass-1 batch is done): the summaries add up and
   ``engine.portfolio.threshold_for`` finds the one threshold at which the whole run reaches
   the asked aggregate fill or stays within the budget (:func:`portfolio_solve`).
3. **Policies** (pass 2): each batch reloads its curves (runs.curves_cache) or computes
   them again (the same inputs give the same curves), takes its steps at or above the
   threshold and finalizes its rows (:func:`portfolio_policies`): the fill promised per row
   becomes its service target, the policy at that level its recommendation.

Rows are planned on their history alone (no forecast-error sd): the final policy is read off
the same curves the threshold was found on.
"""

from dataclasses import dataclass

import numpy as np

from inventory.engine import PolicyInputs, PolicyResult
from inventory.engine.calibration import Calibration
from inventory.engine.portfolio import (
    THRESHOLDS,
    PortfolioCurves,
    StepSummary,
    chosen_at,
    summarize_steps,
    threshold_for,
)
from inventory.engine.service_levels import (
    SERVICE_RANGE,
    chosen_inputs,
    finalize,
    portfolio_curves,
)
from inventory.runs.history_model import history_columns
from inventory.runs.parameters import RunParameters

SUMS = ("rows", "at_lower", "at_upper", "short", "value", "demand", "reloaded")
"""A pass-2 batch's sums: SKU-locations with a policy, how many sit at their lower and at
their upper bound, over all rows the units short a period the promises allow, the expected
stock value and the units demanded a period at the chosen levels; and 1 when the batch
reloaded pass 1's curves (runs.curves_cache) instead of computing them again."""


def service_bounds(target: np.ndarray, params: RunParameters) -> tuple[np.ndarray, np.ndarray]:
    """Each row's (lowest, highest) fill target: [min_service, max_service] (the engine's
    ``SERVICE_RANGE`` where not given), or its class's ``target`` ± ``service_band`` within
    them when the run gives a band (rows without a class target keep the whole range)."""
    low = SERVICE_RANGE[0] if params.min_service is None else params.min_service
    high = SERVICE_RANGE[1] if params.max_service is None else params.max_service
    lower, upper = np.full(len(target), low), np.full(len(target), high)
    if params.service_band is not None:
        known = np.isfinite(target)
        band = params.service_band
        lower = np.where(known, np.clip(target - band, low, high), lower)
        upper = np.where(known, np.clip(target + band, low, high), upper)
    return lower, upper


def curves_of(
    history: np.ndarray,
    x: PolicyInputs,
    target: np.ndarray,
    params: RunParameters,
    calibration: Calibration | None,
) -> PortfolioCurves:
    """The rows' curves between their bounds (``x`` with NaN demand: the history's own)."""
    lower, upper = service_bounds(target, params)
    return portfolio_curves(history, x, lower, upper, calibration)


def step_summary(curves: PortfolioCurves | None) -> StepSummary:
    """Pass 1 of a batch: its rows' steps summed above every threshold of the grid (zeros for
    a batch without rows: ``curves`` None)."""
    if curves is None:
        zeros = np.zeros(THRESHOLDS.size)
        return StepSummary(zeros, zeros.copy(), 0.0, 0.0, 0.0)
    return summarize_steps(curves)


@dataclass(frozen=True)
class PortfolioPlan:
    """Pass 2 of a batch: the policies, their demand columns, the fill promised per row (NaN
    where no policy could be computed), the batch's :data:`SUMS` and the inputs the
    policies were computed from (each row's target the model fill of its chosen level)."""

    result: PolicyResult
    columns: dict[str, np.ndarray]
    promised: np.ndarray
    sums: dict[str, float]
    chosen: PolicyInputs


def portfolio_policies(
    history: np.ndarray,
    x: PolicyInputs,
    target: np.ndarray,
    params: RunParameters,
    calibration: Calibration | None,
    threshold: float,
    curves: PortfolioCurves | None = None,
) -> PortfolioPlan:
    """Pass 2 of a batch: every row at the level the run's threshold gives it. ``curves``:
    pass 1's, when kept (runs.curves_cache); computed again otherwise."""
    if curves is None or len(curves.demand) != len(x):
        curves = curves_of(history, x, target, params, calibration)
    chosen = chosen_at(curves, threshold)
    cover = params.excess_cover_periods
    promised, result = finalize(history, x, curves, chosen, excess_cover_periods=cover)
    columns = history_columns(history, result, np.full(len(x), np.nan))
    planned = ~np.isnan(result.reorder_point)
    at = (np.arange(len(chosen)), chosen)
    last = curves.model_fill.shape[1] - 1
    sums = {
        "rows": float(planned.sum()),
        "at_lower": float((planned & (chosen == 0)).sum()),
        "at_upper": float((planned & (chosen == last) & (chosen > 0)).sum()),
        "short": float(curves.short[at].sum()),
        "value": float(curves.value[at].sum()),
        "demand": float(curves.demand.sum()),
    }
    promised = np.where(planned, promised, np.nan)
    return PortfolioPlan(result, columns, promised, sums, chosen_inputs(x, curves, chosen))


# --- the solve between the passes, and what pass 2 gave -------------------------------------


def portfolio_solve(summaries: list[StepSummary], params: RunParameters) -> dict:
    """The run's threshold from its pass-1 batches' summaries, as the snapshot keeps it
    (``snapshot['portfolio']``): what was asked, the threshold (units short a period removed
    per unit of stock value; ``engine.portfolio.threshold_for``), the expected model
    aggregate fill and stock value, and the reach of the bounds (every row at its lower
    bound; every step taken)."""
    total = sum(summaries[1:], summaries[0])
    asked = asked_of(params)
    threshold = threshold_for(total, **asked)
    fill, value = total.totals(threshold)
    lowest = 1.0 - total.start_short / total.demand if total.demand > 0 else 1.0
    highest, most = total.totals(THRESHOLDS[0])
    return {
        "asked": asked,
        "batches": len(summaries),
        "threshold": threshold,
        "expected": {"fill": fill, "stock_value": value},
        "demand": total.demand,
        "reach": {
            "lowest": {"fill": lowest, "stock_value": total.start_value},
            "highest": {"fill": highest, "stock_value": most},
        },
    }


def portfolio_outcome(batch_sums: list[dict]) -> dict:
    """What pass 2 gave, from its batches' sums: the model aggregate fill (1 − units short /
    units demanded, the promises' shortfall) and the expected stock value at the chosen
    levels, SKU-locations with a policy and how many sit at their lower and upper bound, and
    how many pass-2 batches reloaded pass 1's curves."""
    total = {key: sum(s.get(key, 0.0) for s in batch_sums) for key in SUMS}
    fill = 1.0 - total["short"] / total["demand"] if total["demand"] > 0 else None
    rows, lower, upper = (int(total[key]) for key in ("rows", "at_lower", "at_upper"))
    return {
        "fill": fill,
        "stock_value": total["value"],
        "sku_locations": rows,
        "at_lower": lower,
        "at_upper": upper,
        "between": rows - lower - upper,
        "batches_reloading_curves": int(total["reloaded"]),
    }


def asked_of(params: RunParameters) -> dict[str, float]:
    """What an optimized run asks: {'aggregate_fill': f} or {'budget': b}."""
    if params.aggregate_fill is not None:
        return {"aggregate_fill": params.aggregate_fill}
    return {"budget": params.budget}


def asked_text(asked: dict) -> str:
    """'aggregate fill 95.0 %' or 'budget 1,200,000'."""
    if "aggregate_fill" in asked:
        return f"aggregate fill {asked['aggregate_fill'] * 100:.1f} %"
    return f"budget {asked['budget']:,.0f}"


def percent(value: float | None) -> str:
    """0.95037 as '95.04 %' (an em dash when unknown)."""
    return "—" if value is None else f"{value * 100:.2f} %"


def solve_text(figures: dict) -> tuple[str, str | None]:
    """The log line of the solve, and a warning when the ask is beyond the bounds' reach."""
    expected, reach = figures["expected"], figures["reach"]
    low, high = reach["lowest"], reach["highest"]
    line = (
        f"Pass 1 done ({figures['batches']:,} batches): one threshold for the whole run, "
        f"{asked_text(figures['asked'])} asked; expected model aggregate fill "
        f"{percent(expected['fill'])} at stock value {expected['stock_value']:,.0f} (the "
        f"bounds allow {percent(low['fill'])} at {low['stock_value']:,.0f} to "
        f"{percent(high['fill'])} at {high['stock_value']:,.0f}). Pass 2 queued."
    )
    asked = figures["asked"]
    warning = None
    if "aggregate_fill" in asked and asked["aggregate_fill"] > high["fill"]:
        warning = (
            f"The asked aggregate fill {percent(asked['aggregate_fill'])} is beyond the "
            f"bounds' reach ({percent(high['fill'])}): every step is taken."
        )
    elif "budget" in asked and asked["budget"] < low["stock_value"]:
        warning = (
            f"The budget {asked['budget']:,.0f} is below the stock value with every "
            f"SKU-location at its lower bound ({low['stock_value']:,.0f})."
        )
    return line, warning


def outcome_text(outcome: dict) -> str:
    """The log line of what pass 2 gave."""
    return (
        f"Optimized service levels: model aggregate fill {percent(outcome['fill'])} at stock "
        f"value {outcome['stock_value']:,.0f}; of {outcome['sku_locations']:,} SKU-locations "
        f"with a policy, {outcome['at_lower']:,} at their lower bound, {outcome['at_upper']:,} "
        f"at their upper bound."
    )
