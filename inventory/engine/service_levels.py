"""Service levels optimized across a portfolio: the least stock value for an aggregate fill
rate, or the most fill for a stock-value budget, instead of one target for every row.

A uniform 95 % gives an expensive slow mover the same protection as a cheap fast one. The
same aggregate fill (units served / units demanded over all rows) costs far less with high
service on cheap items and lower service on expensive ones. This is the classic
multi-item service-constrained problem, solved by marginal analysis (the Lagrangian
relaxation's greedy form): Silver, Pyke & Peterson, 3rd ed., §7.10 and §8.3 ("fill rate
aggregated over a population of items").

1. Each row's curve (engine.curves) is read off one table per row: its levels at its two
   bounds (``SERVICE_RANGE`` or the row's own), ``LEVELS`` levels between the two, the
   model's fill rate at each and the expected stock value, (SS + Q/2) × unit cost with
   Q = d·R for periodic review (SPP eq. (7.8)). The order quantity is the one the policy at
   the upper bound gets.
2. Each step between neighbouring levels of a row lowers the expected units short per
   period by Δshort and costs Δvalue; its efficiency is Δshort / Δvalue. Efficiencies are
   "ironed" (each replaced by the largest at or after it in its row) so a row's steps are
   taken in order even where its curve is not convex.
3. All rows' steps are taken in decreasing efficiency until the aggregate fill is reached or
   the budget spent. The stopping step is a single row's, so the result lands within one
   step of the asked figure. Rows are taken ``from_history.BATCH_ROWS`` at a time and only
   the steps around the stop are sorted (``engine.portfolio.chosen_for``), so memory stays
   bounded whatever the population; the frontier (stock value against aggregate fill,
   monotone) is read off the batches' summed step summaries.
4. Each row's policy is the one at its chosen level (``finalize``: no table built again).

With a :class:`~inventory.engine.calibration.Calibration`, policies are set at the corrected
targets and each point's fill is the promise the correction keeps (1 − (1 − model fill) /
factor), so the optimization spends stock where it delivers out of sample.
"""

from dataclasses import dataclass, fields, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from inventory.engine.calibration import Calibration, corrected
from inventory.engine.curves import FillCurve, fill_curve
from inventory.engine.from_history import HistoryModel, history_model, row_batches, threaded
from inventory.engine.inputs import PolicyInputs, PolicyResult, concatenated
from inventory.engine.policies import (
    DEFAULT_EXCESS_COVER_PERIODS,
    PolicyBasis,
    capped_quantity,
    policy_basis,
)
from inventory.engine.portfolio import (
    PortfolioCurves,
    StepSummary,
    chosen_for,
    frontier,
    summarize_steps,
)

SERVICE_RANGE = (0.5, 0.999)
"""Default bounds of every row's fill target."""
LEVELS = 48
"""Levels evaluated per row, evenly spaced between its levels at the two bounds."""
FRONTIER_POINTS = 41
_TARGETS = (1e-6, 1.0 - 1e-6)  # a fill target the policy computation accepts


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
    ``max_service`` bound each row's target (scalars or per row; e.g. service classes).
    Rows are taken ``from_history.BATCH_ROWS`` at a time, ``ENGINE_THREADS`` batches at once
    (engine.portfolio); the result is the one sort's of all of them."""
    if (aggregate_fill is None) == (budget is None):
        raise ValueError("Give either aggregate_fill or budget.")
    history = np.atleast_2d(np.asarray(history, dtype=np.float64))
    lower, upper = (
        np.broadcast_to(np.asarray(SERVICE_RANGE[i] if given is None else given), len(inputs))
        for i, given in enumerate((min_service, max_service))
    )
    if np.any(lower > upper):
        raise ValueError("min_service is above max_service for some rows.")
    batches = row_batches(len(inputs))
    curves = threaded(
        lambda b: portfolio_curves(history[b], inputs.take(b), lower[b], upper[b], calibration),
        batches,
    )
    summary = sum((summarize_steps(c) for c in curves[1:]), summarize_steps(curves[0]))
    chosen = chosen_for(curves, summary, aggregate_fill=aggregate_fill, budget=budget)
    finals = threaded(
        lambda batch: finalize(history[batch[0]], inputs.take(batch[0]), *batch[1:]),
        list(zip(batches, curves, chosen, strict=True)),
    )
    fill, value = _totals(summary, curves, chosen)
    frontier_fill, frontier_value = frontier(summary, FRONTIER_POINTS)
    promised = np.concatenate([promised for promised, _ in finals])
    policy = concatenated([policy for _, policy in finals])
    return ServiceLevelResult(promised, policy, fill, value, frontier_fill, frontier_value)


def _totals(summary: StepSummary, curves: list[PortfolioCurves], chosen: list[NDArray]):
    """(aggregate fill, stock value) at the chosen levels."""
    short = value = 0.0
    for c, k in zip(curves, chosen, strict=True):
        at = (np.arange(len(k)), k)
        short, value = short + float(c.short[at].sum()), value + float(c.value[at].sum())
    return summary.fill(short), value


def portfolio_curves(
    history: ArrayLike, inputs: PolicyInputs, lower: NDArray, upper: NDArray, calibration
) -> PortfolioCurves:
    """Each row at ``LEVELS`` levels from its level at fill target ``lower`` (corrected
    first when calibrated) to its level at ``upper``, read off one table per row
    (engine.curves), with the order quantity its policy at ``upper`` gets."""
    x = replace(inputs, service_type="fill", service_level=np.clip(upper, *_TARGETS))
    model = history_model(history, x)
    low, high = (
        _corrected(model, np.clip(bound, *_TARGETS), calibration) for bound in (lower, upper)
    )
    basis = policy_basis(model.scaled, model.samples, model.weights)
    quantity, curve = _curve(basis, low, high)
    return _priced(model, basis, quantity, curve, calibration)


def _corrected(model: HistoryModel, targets: NDArray, calibration) -> NDArray:
    """``targets``, corrected by the calibration of each row's pattern when there is one."""
    if calibration is None:
        return targets
    factor = calibration.factor(model.pattern, model.inputs.service_type)
    return np.clip(corrected(targets, factor), *_TARGETS)


def _curve(basis: PolicyBasis, low: NDArray, high: NDArray) -> tuple[NDArray, FillCurve]:
    """(order quantity, curve), in quanta. The quantity is what ``compute_policies`` gives
    the policy at ``high``: rounded, then capped with that policy's safety stock (shelf life,
    capacity); the rows a cap changed get their curve again at the capped quantity."""
    x, p = basis.x, basis.protection
    curve = fill_curve(x, p, basis.first, low, high, LEVELS)
    with np.errstate(invalid="ignore"):
        quantity = capped_quantity(basis, curve.level[:, -1] - p.mean)[0]
    changed = np.flatnonzero(quantity != basis.first)
    if changed.size:
        again = fill_curve(
            x.take(changed), p.take(changed), quantity[changed], low[changed], high[changed], LEVELS
        )
        curve.level[changed], curve.fill[changed] = again.level, again.fill
    return quantity, curve


def _priced(
    model: HistoryModel, basis: PolicyBasis, quantity: NDArray, curve: FillCurve, calibration
) -> PortfolioCurves:
    """The curves in units with each level's promise, units short a period and expected
    stock value (SS + Q/2) × unit cost, Q = d·R when periodic; rows without a policy have
    no level, fill 1, no demand and no value."""
    x, blocked = model.inputs, basis.blocked
    level = np.where(blocked[:, None], np.nan, curve.level * model.quantum[:, None])
    model_fill = np.where(blocked[:, None], 1.0, curve.fill)
    demand = np.where(blocked, 0.0, np.nan_to_num(x.demand_mean))
    promised = _promised(model_fill, model, calibration)
    cycle = np.where(x.review_period > 0, demand * x.review_period, quantity * model.quantum)
    safety = np.maximum(level - (basis.protection.mean * model.quantum)[:, None], 0.0)
    value = np.nan_to_num((safety + cycle[:, None] / 2.0) * x.unit_cost[:, None])
    return PortfolioCurves(model_fill, (1.0 - promised) * demand[:, None], value, demand, level)


def _promised(model_fill: NDArray, model: HistoryModel, calibration) -> NDArray:
    """The fill each row is expected to deliver at each level: the model's, or with a
    calibration the promise its correction keeps (1 − (1 − model fill) / factor)."""
    if calibration is None:
        return model_fill
    factor = calibration.factor(model.pattern, model.inputs.service_type)[:, None]
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
    policy at that level with its model fill (``HistoryModel.policies_at``, no table built),
    or, for rows whose order quantity follows their safety stock (continuous review with a
    shelf life or a capacity), ``policies_from_history`` at that fill
    (``excess_cover_periods`` as there)."""
    x = chosen_inputs(inputs, curves, chosen)
    at = (np.arange(len(x)), chosen)
    model = history_model(history, x)
    policy = model.policies_at(curves.level[at], curves.model_fill[at], excess_cover_periods)
    follows = np.flatnonzero(_quantity_follows_safety(model.inputs))
    if follows.size:
        searched = history_model(np.asarray(history)[follows], x.take(follows))
        policy = _merged(policy, follows, searched.policies(excess_cover_periods))
    short = curves.short[at]
    promised = 1.0 - short / np.where(curves.demand > 0, curves.demand, 1.0)
    return promised, policy


def _quantity_follows_safety(x: PolicyInputs) -> NDArray[np.bool_]:
    """Rows whose capped order quantity ``compute_policies`` derives from the safety stock of
    the uncapped one and whose level in turn depends on the quantity: continuous review
    with a shelf life or a capacity."""
    return (x.review_period == 0) & (np.isfinite(x.shelf_life) | np.isfinite(x.max_stock))


def _merged(result: PolicyResult, rows: NDArray, other: PolicyResult) -> PolicyResult:
    """``result`` with ``rows`` taken from ``other`` (which holds just those rows)."""
    merged = {}
    for f in fields(PolicyResult):
        values = getattr(result, f.name).copy()
        values[rows] = getattr(other, f.name)
        merged[f.name] = values
    return PolicyResult(**merged)


def chosen_inputs(inputs: PolicyInputs, curves: PortfolioCurves, chosen: NDArray) -> PolicyInputs:
    """``inputs`` with each row's fill target the model's fill at its ``chosen`` level: what
    ``policies_from_history`` sets that level from."""
    model_fill = curves.model_fill[np.arange(len(inputs)), chosen]
    return replace(inputs, service_level=np.clip(model_fill, *_TARGETS), service_type="fill")
