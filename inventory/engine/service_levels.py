"""Service levels optimized across a portfolio: the least stock value for an aggregate fill
rate, or the most fill for a stock-value budget, instead of one target for every row.

A uniform 95 % gives an expensive slow mover the same protection as a cheap fast one. The
same aggregate fill (units served / units demanded over all rows) costs far less with high
service on cheap items and lower service on expensive ones. This is the classic
multi-item service-constrained problem, solved by marginal analysis (the Lagrangian
relaxation's greedy form): Silver, Pyke & Peterson, 3rd ed., §7.10 and §8.3 ("fill rate
aggregated over a population of items").

1. Each row's policy is computed at its two bounds (``SERVICE_RANGE`` or the row's own),
   and ``LEVELS`` levels between the two are evaluated from one table per row
   (engine.curves): the model's fill rate and the expected stock value,
   (SS + Q/2) × unit cost with Q = d·R for periodic review (SPP eq. (7.8)).
2. Each step between neighbouring levels of a row lowers the expected units short per
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
from inventory.engine.curves import fill_at_levels
from inventory.engine.demand import demand_statistics
from inventory.engine.from_history import (
    clean_history,
    policies_from_history,
    with_history_statistics,
)
from inventory.engine.inputs import PolicyInputs, PolicyResult
from inventory.engine.policies import DEFAULT_EXCESS_COVER_PERIODS

SERVICE_RANGE = (0.5, 0.999)
"""Default bounds of every row's fill target."""
LEVELS = 48
"""Levels evaluated per row, evenly spaced between its levels at the two bounds."""
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
        np.asarray(SERVICE_RANGE[0] if min_service is None else min_service), len(inputs)
    )
    upper = np.broadcast_to(
        np.asarray(SERVICE_RANGE[1] if max_service is None else max_service), len(inputs)
    )
    if np.any(lower > upper):
        raise ValueError("min_service is above max_service for some rows.")
    curves = portfolio_curves(history, inputs, lower, upper, calibration)
    steps = _Steps(curves)
    if aggregate_fill is not None:
        taken = steps.until_fill(aggregate_fill)
    else:
        taken = steps.until_budget(budget)
    promised, policy = finalize(history, inputs, curves, steps.chosen(taken))
    fill, value = steps.totals(taken)
    frontier_fill, frontier_value = steps.frontier()
    return ServiceLevelResult(promised, policy, fill, value, frontier_fill, frontier_value)


@dataclass(frozen=True)
class PortfolioCurves:
    """Per row (rows × levels): the model's fill, the units short per period the promise
    allows (after calibration) and the expected stock value; each row's demand per period."""

    model_fill: NDArray[np.float64]
    short: NDArray[np.float64]
    value: NDArray[np.float64]
    demand: NDArray[np.float64]


def portfolio_curves(
    history: ArrayLike, inputs: PolicyInputs, lower: NDArray, upper: NDArray, calibration
) -> PortfolioCurves:
    """Each row at ``LEVELS`` levels from its policy at ``lower`` to its policy at ``upper``,
    read off one table per row (engine.curves)."""
    x = replace(inputs, service_type="fill")
    low, high = (_policy(history, x, bound, calibration) for bound in (lower, upper))
    steps = np.linspace(0.0, 1.0, LEVELS)[None, :]
    levels = low.reorder_point[:, None] + steps * (high.reorder_point - low.reorder_point)[:, None]
    quantity = high.order_quantity
    model_fill = fill_at_levels(history, x, np.nan_to_num(levels), np.nan_to_num(quantity))
    demand = with_history_statistics(x, clean_history(history)[0]).demand_mean
    blocked = np.isnan(high.reorder_point) | np.isnan(low.reorder_point)
    demand = np.where(blocked, 0.0, np.nan_to_num(demand))
    promised = _promised(model_fill, history, x, calibration)
    cycle = np.where(x.review_period > 0, demand * x.review_period, quantity)
    safety = np.maximum(levels - high.ltd_mean[:, None], 0.0)
    value = np.nan_to_num((safety + cycle[:, None] / 2.0) * x.unit_cost[:, None])
    return PortfolioCurves(model_fill, (1.0 - promised) * demand[:, None], value, demand)


def _policy(history, x: PolicyInputs, targets, calibration) -> PolicyResult:
    """The policy at ``targets`` (corrected first when calibrated)."""
    x = replace(x, service_level=targets)
    if calibration is not None:
        x = replace(x, service_level=calibration.targets(history, x))
    return policies_from_history(history, x)


def _promised(model_fill: NDArray, history, x: PolicyInputs, calibration) -> NDArray:
    """The fill each row is expected to deliver at each level: the model's, or with a
    calibration the promise its correction keeps (1 − (1 − model fill) / factor)."""
    if calibration is None:
        return model_fill
    pattern = demand_statistics(clean_history(history)[0]).pattern
    factor = calibration.factor(pattern, x.service_type)[:, None]
    return np.clip(1.0 - (1.0 - model_fill) / factor, 0.0, 1.0)


def finalize(
    history: ArrayLike,
    inputs: PolicyInputs,
    curves: PortfolioCurves,
    chosen: NDArray,
    *,
    excess_cover_periods: float = DEFAULT_EXCESS_COVER_PERIODS,
) -> tuple[NDArray[np.float64], PolicyResult]:
    """(the fill promised per row, the policy) at each row's ``chosen`` level index: the
    policy is ``policies_from_history`` at the model's fill of that level
    (``excess_cover_periods`` as there)."""
    x = chosen_inputs(inputs, curves, chosen)
    policy = policies_from_history(history, x, excess_cover_periods=excess_cover_periods)
    short = curves.short[np.arange(len(inputs)), chosen]
    promised = 1.0 - short / np.where(curves.demand > 0, curves.demand, 1.0)
    return promised, policy


def chosen_inputs(inputs: PolicyInputs, curves: PortfolioCurves, chosen: NDArray) -> PolicyInputs:
    """``inputs`` with each row's fill target the model's fill at its ``chosen`` level: what
    ``policies_from_history`` sets that level from."""
    model_fill = curves.model_fill[np.arange(len(inputs)), chosen]
    return replace(inputs, service_level=np.clip(model_fill, 1e-6, 1.0 - 1e-6), service_type="fill")


def ironed_steps(curves: PortfolioCurves) -> tuple[NDArray, NDArray, NDArray]:
    """(gain, cost, ironed efficiency) of every step between neighbouring levels (rows ×
    levels − 1): units short a period removed, stock value added, and the efficiency each
    step is taken at (the largest at or after it in its row)."""
    gain = np.maximum(curves.short[:, :-1] - curves.short[:, 1:], 0.0)
    cost = curves.value[:, 1:] - curves.value[:, :-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        efficiency = np.where(cost > 0, gain / cost, np.where(gain > 0, np.inf, 0.0))
    return gain, cost, np.maximum.accumulate(efficiency[:, ::-1], axis=1)[:, ::-1]


class _Steps:
    """Every row's steps between grid points, sorted by ironed efficiency (module docstring)."""

    def __init__(self, curves: PortfolioCurves):
        self.curves = curves
        gain, cost, ironed = ironed_steps(curves)
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
