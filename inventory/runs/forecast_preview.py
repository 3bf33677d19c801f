"""A recommendation's policy under another demand plan: what its run would have recommended
had ``plan`` been the forward forecast (the consensus plan page's preview).

The same code path as the run's batches: the SKU-location's inputs are read by
``runs.inputs.batch_inputs`` with the run's parameters (as of the run's date: history, lead
time, σ, stock, order terms), the plan replaces the forward forecast of the periods it gives,
and ``runs.pipeline.plan_batch`` plans the row with the run's segmentation, calibration and
(optimized runs) threshold. So, for the plan the run read, the preview is the run's own
result. Its ``recommended_qty`` is before the location's shared storage capacity
(runs.capacity), which a run applies across a location after its batches.
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import numpy as np

from inventory.runs.calibration import calibration_from_snapshot
from inventory.runs.forecast_level import CONSENSUS
from inventory.runs.inputs import BatchInputs, batch_inputs
from inventory.runs.models import PolicyRecommendation
from inventory.runs.parameters import RunParameters
from inventory.runs.pipeline import plan_batch
from inventory.runs.planning import SegmentationPlan
from inventory.runs.scope import RunScope

PREVIEW_FIELDS = (
    "safety_stock",
    "reorder_point",
    "max_level",
    "recommended_qty",
    "demand_mean",
    "forecast_mean",
)
PERIOD_FIELDS = ("forecast", "safety_stock", "reorder_point", "order_up_to")


class PreviewError(ValueError):
    """The plan or the recommendation cannot be previewed; the message says why."""


def policy_preview(
    recommendation: PolicyRecommendation, plan: Sequence[float], period_starts: Sequence[date]
) -> dict:
    """The levels of ``recommendation``'s SKU-location with demand from ``plan`` (units per
    period, ``plan[i]`` for the period starting ``period_starts[i]``; periods before the
    run's as_of or beyond its forecast horizon are left out, periods the plan does not give
    keep the forecast the run read): ``safety_stock``, ``reorder_point``, ``max_level``,
    ``recommended_qty``, ``demand_mean``, ``forecast_mean`` (None where the engine computed
    none), ``demand_source`` and ``periods`` (the time-phased levels, [] when flat). About
    ten queries."""
    if len(plan) != len(period_starts):
        raise PreviewError(f"plan: {len(plan)} quantities for {len(period_starts)} period starts.")
    run = recommendation.run
    params = replace(RunParameters.from_json(run.parameters), use_forecasts=True)
    item, location = recommendation.item_id, recommendation.location_id
    inputs = batch_inputs(RunScope(pairs=((item, location),)), params, item, item)
    _with_plan(inputs, params, np.asarray(plan, dtype=np.float64), period_starts)
    threshold = None
    if params.optimized:
        threshold = run.snapshot.get("portfolio", {}).get("threshold")
        if threshold is None:
            raise PreviewError("run: its service levels were never optimized (no threshold).")
    _, planned = plan_batch(
        inputs,
        params,
        SegmentationPlan.from_snapshot(run.snapshot, params.as_of).cutoffs,
        stored_segment=np.array([recommendation.segment]),
        calibration=calibration_from_snapshot(run.snapshot),
        threshold=threshold,
    )
    columns = planned.columns
    periods = planned.periods
    return {
        **{name: _number(columns[name][0]) for name in PREVIEW_FIELDS},
        "demand_source": str(columns["demand_source"][0]),
        "periods": [
            {
                "period_start": periods["period_start"][i].item(),
                "is_promotion": bool(periods["is_promotion"][i]),
                **{name: _number(periods[name][i]) for name in PERIOD_FIELDS},
            }
            for i in range(len(periods["row"]))
        ],
    }


def _with_plan(
    inputs: BatchInputs, params: RunParameters, plan: np.ndarray, starts: Sequence[date]
) -> None:
    """Put ``plan`` into the one row's forward forecast, as consensus periods."""
    offset = np.array([(start - params.as_of).days for start in starts], dtype=np.int64)
    period = offset // params.period_days
    inside = (period >= 0) & (period < params.forecast_horizon) & np.isfinite(plan)
    if (plan[inside] < 0).any():
        raise PreviewError("plan: a quantity is negative.")
    inputs.forward[0, period[inside]] = plan[inside]
    inputs.forward_source[0, period[inside]] = CONSENSUS


def _number(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None
