"""Service levels optimized across a portfolio: the least stock value for an aggregate fill
rate, or the most fill for a stock-value budget, instead of one target for every row.

A uniform 95 % gives an expensive slow mover the same protection as a cheap fast one. The
same aggregate fill (units served / units demanded over all rows) costs far less with high
service on cheap items and lower service on expensive ones. This is the classic
multi-item service-constrained problem, solved by marginal analysis (the Lagrangian
relaxation's greedy form): Silver, Pyke & Peterson, 3rd ed., §7.10 and §8.3 ("fill rate
aggregated over a population of items").

1. Each row is evaluated at a grid of targets (``GRID``, within its own bounds) by
   :func:`~inventory.engine.from_history.policies_from_history`: the model's fill rate and
   the expected stock value, (SS + Q/2) × unit cost with Q = d·R for periodic review
   (SPP eq. (7.8)).
2. Each step between neighbouring grid points of a row lowers the expected units short per
   period by Δshort and costs Δvalue; its efficiency is Δshort / Δvalue. Efficiencies are
   "ironed" (each replaced by the largest at or after it in its row) so a row's steps are
   taken in order even where its curve is not convex.
3. All rows' steps are taken in decreasing efficiency (one sort) until the aggregate fill is
   reached or the budget spent. The stopping step is a single row's, so the result lands
   within one step of the asked figure. The path of all steps is the frontier: stock value
   against aggregate fill, monotone by construction.

With a :class:`~inventory.engine.calibration.Calibration`, policies are set at the corrected
targets and each point's fill is the promise the correction keeps (1 − (1 − model fill) /
factor), so the optimization spends stock where it delivers out of sample.
"""

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from inventory.engine.calibration import Calibration
from inventory.engine.demand import demand_statistics
from inventory.engine.from_history import (
    clean_history,
    policies_from_history,
    with_history_statistics,
)
from inventory.engine.inputs import PolicyInputs, PolicyResult

GRID = np.array(
    [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.975, 0.98]
    + [0.985, 0.99, 0.993, 0.995, 0.997, 0.998, 0.999]
)
FRONTIER_POINTS = 41


@dataclass(frozen=True)
class ServiceLevelResult:
    """The optimized targets per row, their policy, the aggregate fill and stock value they
    are expected to give, and the frontier (stock value against aggregate fill)."""

    service_level: NDArray[np.float64]
    policy: PolicyResult
    expected_fill: float
    stock_value: float
    frontier_fill: NDArray[np.float64]
    frontier_value: NDArray[np.float64]

    @property
    def frontier(self) -> NDArray[np.float64]:
        """Rows of (aggregate fill, stock value), fill increasing."""
        return np.column_stack([self.frontier_fill, self.frontier_value])


def optimize_service_levels(
    history: ArrayLike,
    inputs: PolicyInputs,
    *,
    aggregate_fill: float | None = None,
    budget: float | None = None,
    min_service: ArrayLike | None = None,
    max_service: ArrayLike | None = None,
    calibration: Calibration | None = None,
) -> ServiceLevelResult:
    """Fill-rate targets per row minimizing stock value for ``aggregate_fill``, or maximizing
    the aggregate fill within ``budget`` (stock value); one of the two. ``min_service`` /
    ``max_service`` bound each row's target (scalars or per row; e.g. service classes)."""
    if (aggregate_fill is None) == (budget is None):
        raise ValueError("Give either aggregate_fill or budget.")
    lower = np.broadcast_to(
        np.asarray(GRID[0] if min_service is None else min_service), len(inputs)
    )
    upper = np.broadcast_to(
        np.asarray(GRID[-1] if max_service is None else max_service), len(inputs)
    )
    if np.any(lower > upper):
        raise ValueError("min_service is above max_service for some rows.")
    curves = _curves(history, inputs, lower, upper, calibration)
    steps = _Steps(curves)
    if aggregate_fill is not None:
        taken = steps.until_fill(aggregate_fill)
    else:
        taken = steps.until_budget(budget)
    chosen = steps.chosen(taken)
    targets = curves.targets[np.arange(len(inputs)), chosen]
    policy = _policy(history, inputs, targets, calibration)
    fill, value = steps.totals(taken)
    frontier_fill, frontier_value = steps.frontier()
    return ServiceLevelResult(targets, policy, fill, value, frontier_fill, frontier_value)


@dataclass(frozen=True)
class _Curves:
    """Per row (rows × grid points): the target, expected units short per period and
    expected stock value; and each row's demand per period."""

    targets: NDArray[np.float64]
    short: NDArray[np.float64]
    value: NDArray[np.float64]
    demand: NDArray[np.float64]


def _curves(history, inputs: PolicyInputs, lower, upper, calibration) -> _Curves:
    """Evaluate every row at every grid target (clipped to its bounds)."""
    fills, values, targets = [], [], []
    demand = np.nan_to_num(with_history_statistics(inputs, clean_history(history)[0]).demand_mean)
    for target in GRID:
        row_target = np.clip(target, lower, upper)
        result = _policy(history, inputs, row_target, calibration)
        fills.append(_promised(result, inputs, history, calibration))
        values.append(_stock_value(result, inputs, demand))
        targets.append(row_target)
    fill = np.nan_to_num(np.column_stack(fills), nan=1.0)
    short = (1.0 - fill) * demand[:, None]
    return _Curves(np.column_stack(targets), short, np.nan_to_num(np.column_stack(values)), demand)


def _policy(history, inputs, targets, calibration) -> PolicyResult:
    """The policy at ``targets`` (fill rates; corrected first when calibrated)."""
    x = replace(inputs, service_level=targets, service_type="fill")
    if calibration is not None:
        x = replace(x, service_level=calibration.targets(history, x))
    return policies_from_history(history, x)


def _promised(result: PolicyResult, inputs, history, calibration) -> NDArray[np.float64]:
    """The fill each row is expected to deliver: the model's, or with a calibration the
    promise its corrected target keeps."""
    if calibration is None:
        return result.expected_service
    pattern_factor = calibration.factor(_patterns(history), np.full(len(inputs), "fill"))
    return 1.0 - (1.0 - result.expected_service) / pattern_factor


def _patterns(history) -> NDArray[np.str_]:
    return demand_statistics(clean_history(history)[0]).pattern


def _stock_value(result: PolicyResult, inputs: PolicyInputs, demand) -> NDArray[np.float64]:
    """Expected average stock value: (SS + Q/2) × unit cost, Q = d·R when periodic."""
    cycle = np.where(inputs.review_period > 0, demand * inputs.review_period, result.order_quantity)
    return (result.safety_stock + cycle / 2.0) * inputs.unit_cost


class _Steps:
    """Every row's steps between grid points, sorted by ironed efficiency (module docstring)."""

    def __init__(self, curves: _Curves):
        self.curves = curves
        gain = np.maximum(curves.short[:, :-1] - curves.short[:, 1:], 0.0)
        cost = curves.value[:, 1:] - curves.value[:, :-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            efficiency = np.where(cost > 0, gain / cost, np.where(gain > 0, np.inf, 0.0))
        ironed = np.maximum.accumulate(efficiency[:, ::-1], axis=1)[:, ::-1]
        self.order = np.argsort(-ironed.ravel(), kind="stable")
        self.row = (self.order // gain.shape[1]).astype(np.int64)
        self.gain = np.cumsum(gain.ravel()[self.order])
        self.cost = np.cumsum(cost.ravel()[self.order])
        self.demand = float(curves.demand.sum())
        self.start_short = float(curves.short[:, 0].sum())
        self.start_value = float(curves.value[:, 0].sum())

    def until_fill(self, fill: float) -> int:
        """How many steps reach an aggregate ``fill`` (all of them when it cannot be)."""
        needed = self.start_short - (1.0 - fill) * self.demand
        return int(min(np.searchsorted(self.gain, needed - 1e-12) + 1, self.gain.size))

    def until_budget(self, budget: float) -> int:
        """How many steps stay within a stock-value ``budget``."""
        return int(np.searchsorted(self.cost, budget - self.start_value, side="right"))

    def chosen(self, taken: int) -> NDArray[np.int64]:
        """Each row's grid point after ``taken`` steps."""
        return np.bincount(self.row[:taken], minlength=self.curves.short.shape[0])

    def totals(self, taken: int) -> tuple[float, float]:
        """(aggregate fill, stock value) after ``taken`` steps."""
        gain = self.gain[taken - 1] if taken else 0.0
        cost = self.cost[taken - 1] if taken else 0.0
        return self._fill(self.start_short - gain), self.start_value + cost

    def frontier(self) -> tuple[NDArray, NDArray]:
        """(aggregate fill, least stock value) at up to ``FRONTIER_POINTS`` fills evenly
        spaced from the rows' lower bounds to their upper bounds."""
        lowest, highest = self.totals(0)[0], self.totals(self.gain.size)[0]
        fills = np.linspace(lowest, highest, FRONTIER_POINTS)
        at = np.unique([0, *(self.until_fill(f) for f in fills[1:])])
        pairs = [self.totals(int(t)) for t in at]
        return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])

    def _fill(self, short: float) -> float:
        return 1.0 - short / self.demand if self.demand > 0 else 1.0
