"""Portfolio service levels over a population too large for one array: each batch's curves,
their steps and what the steps add up to, and the one multiplier for all batches (the
optimizer, ``service_levels.optimize_service_levels``, and runs over a million SKU-locations
both plan in batches).

1. Each batch computes its rows' curves (``service_levels.portfolio_curves``) and
   summarizes its steps (:func:`summarize_steps`): for every efficiency threshold of a fixed
   grid (``THRESHOLDS``), the units short a period its steps at or above that efficiency
   remove and the stock value they add — a few kilobytes, whatever the batch's size.
2. The summaries add up (:meth:`StepSummary.__add__`); :func:`threshold_for` finds the one
   threshold (the Lagrange multiplier's inverse) at which the whole population reaches the
   aggregate fill, or stays within the budget.
3. Each batch takes its steps at or above that threshold (:func:`chosen_at`) and finalizes
   its rows (``service_levels.finalize``).

Taking every step at or above one threshold is the Lagrangian solution of the whole
population (ironed efficiencies make each row's steps a prefix), the same as one sort of all
steps up to the grid: neighbouring thresholds differ by 1.2 %. For an aggregate fill the
threshold is interpolated between the two around it, so the steps in between are shared out
and the fill lands close to the asked one (a budget stays at a point of the grid, at or just
below). :func:`chosen_for` removes the grid: it sorts the steps of the one grid interval
where the sort of all steps stops, and so takes exactly the steps that sort takes.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

THRESHOLDS = np.logspace(-15.0, 5.0, 4001)
"""Efficiencies (units short a period removed per unit of stock value) at which steps are
summarized: 200 a decade."""
_LOG_THRESHOLDS = np.log(THRESHOLDS)
_EDGES = np.concatenate([[0.0], THRESHOLDS, [np.inf]])  # the grid with its two ends


@dataclass(frozen=True)
class PortfolioCurves:
    """Per row (rows × levels): the model's fill, the units short per period the promise
    allows (after calibration), the expected stock value and the level (units: reorder
    point, order-up-to when periodic; NaN for rows without a policy); each row's demand per
    period."""

    model_fill: NDArray[np.float64]
    short: NDArray[np.float64]
    value: NDArray[np.float64]
    demand: NDArray[np.float64]
    level: NDArray[np.float64]


def ironed_steps(curves: PortfolioCurves) -> tuple[NDArray, NDArray, NDArray]:
    """(gain, cost, ironed efficiency) of every step between neighbouring levels (rows ×
    levels − 1): units short a period removed, stock value added, and the efficiency each
    step is taken at (the largest at or after it in its row)."""
    gain = np.maximum(curves.short[:, :-1] - curves.short[:, 1:], 0.0)
    cost = curves.value[:, 1:] - curves.value[:, :-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        efficiency = np.where(cost > 0, gain / cost, np.where(gain > 0, np.inf, 0.0))
    return gain, cost, np.maximum.accumulate(efficiency[:, ::-1], axis=1)[:, ::-1]


@dataclass(frozen=True)
class StepSummary:
    """What a batch's steps add up to at each of ``THRESHOLDS``, with where it starts."""

    gain: NDArray[np.float64]  # units short a period removed by steps at or above it
    cost: NDArray[np.float64]  # stock value those steps add
    start_short: float  # units short a period with every row at its lower bound
    start_value: float  # stock value with every row at its lower bound
    demand: float  # units demanded a period

    def __add__(self, other: "StepSummary") -> "StepSummary":
        return StepSummary(
            self.gain + other.gain,
            self.cost + other.cost,
            self.start_short + other.start_short,
            self.start_value + other.start_value,
            self.demand + other.demand,
        )

    def totals(self, threshold: float) -> tuple[float, float]:
        """(aggregate fill, stock value) taking every step at or above ``threshold``: exact
        at a point of ``THRESHOLDS``, interpolated in its logarithm between two."""
        gain, cost = (_interpolated(values, threshold) for values in (self.gain, self.cost))
        return self.fill(self.start_short - gain), self.start_value + cost

    def fill(self, short: float) -> float:
        """The aggregate fill with ``short`` units short a period."""
        return 1.0 - short / self.demand if self.demand > 0 else 1.0

    def needed(self, aggregate_fill: float) -> float:
        """Units short a period the steps must remove to reach ``aggregate_fill``."""
        return self.start_short - (1.0 - aggregate_fill) * self.demand

    def as_json(self) -> dict:
        """Stored form (lists of floats)."""
        return {
            "gain": self.gain.tolist(),
            "cost": self.cost.tolist(),
            "start_short": self.start_short,
            "start_value": self.start_value,
            "demand": self.demand,
        }

    @classmethod
    def from_json(cls, data: dict) -> "StepSummary":
        return cls(
            np.asarray(data["gain"], dtype=np.float64),
            np.asarray(data["cost"], dtype=np.float64),
            float(data["start_short"]),
            float(data["start_value"]),
            float(data["demand"]),
        )


def summarize_steps(curves: PortfolioCurves) -> StepSummary:
    """The batch's steps summed above every threshold: each step counted in the grid
    interval its efficiency falls in, the intervals summed from the top."""
    gain, cost, efficiency = (values.ravel() for values in ironed_steps(curves))
    above = np.searchsorted(THRESHOLDS, efficiency, side="right")  # thresholds it reaches
    gains, costs = (
        np.cumsum(np.bincount(above, values, THRESHOLDS.size + 1)[::-1])[::-1][1:]
        for values in (gain, cost)
    )
    return StepSummary(
        gain=gains,
        cost=costs,
        start_short=float(curves.short[:, 0].sum()),
        start_value=float(curves.value[:, 0].sum()),
        demand=float(curves.demand.sum()),
    )


def threshold_for(
    summary: StepSummary, *, aggregate_fill: float | None = None, budget: float | None = None
) -> float:
    """The efficiency to take steps at. For ``aggregate_fill``: between the highest point of
    ``THRESHOLDS`` reaching it and the next, interpolated in its logarithm so the gain of the
    steps in between is shared out (the lowest point, taking every step, when none reaches
    it). For ``budget``: the lowest point within it (the highest when none is), never over."""
    _asked(aggregate_fill, budget)
    if budget is not None:
        within = np.flatnonzero(summary.cost <= budget - summary.start_value + 1e-9)
        return float(THRESHOLDS[within[0] if within.size else -1])
    needed = summary.needed(aggregate_fill)
    reaching = np.flatnonzero(summary.gain >= needed - 1e-9)
    if not reaching.size:
        return float(THRESHOLDS[0])
    k = int(reaching[-1])
    if k == THRESHOLDS.size - 1 or summary.gain[k] == summary.gain[k + 1]:
        return float(THRESHOLDS[k])
    share = (summary.gain[k] - needed) / (summary.gain[k] - summary.gain[k + 1])
    return float(np.exp(_LOG_THRESHOLDS[k] + share * (_LOG_THRESHOLDS[k + 1] - _LOG_THRESHOLDS[k])))


def chosen_at(curves: PortfolioCurves, threshold: float) -> NDArray[np.int64]:
    """Each row's level index taking its steps at or above ``threshold``."""
    return (ironed_steps(curves)[2] >= threshold).sum(axis=1)


def chosen_for(
    batches: list[PortfolioCurves],
    summary: StepSummary,
    *,
    aggregate_fill: float | None = None,
    budget: float | None = None,
) -> list[NDArray[np.int64]]:
    """Each batch's level indices after one sort of every step of ``batches`` (``summary``
    their summed summary) by ironed efficiency, ties in order of position (row after row,
    batch after batch), taken until the aggregate fill is reached (all of them when it
    cannot be) or while the budget lasts: marginal analysis, exactly, with only the steps
    of the grid interval where the sort stops held and sorted."""
    _asked(aggregate_fill, budget)
    low, high = _interval(summary, aggregate_fill, budget)
    gain, cost, efficiency, position, (taken_gain, taken_cost) = _between(batches, low, high)
    order = np.lexsort((position, -efficiency))
    if aggregate_fill is not None:
        needed = summary.needed(aggregate_fill) - taken_gain - 1e-12
        reached = np.searchsorted(np.cumsum(gain[order]), needed) + 1
        count = 0 if needed <= 0 else min(int(reached), order.size)
    else:
        remaining = budget - summary.start_value - taken_cost
        count = int(np.searchsorted(np.cumsum(cost[order]), remaining, side="right"))
    last = (efficiency[order[count - 1]], position[order[count - 1]]) if count else (high, np.inf)
    chosen, offset = [], 0
    for curves in batches:
        ironed = ironed_steps(curves)[2]
        at = offset + np.arange(ironed.size).reshape(ironed.shape)
        chosen.append(((ironed > last[0]) | ((ironed == last[0]) & (at <= last[1]))).sum(axis=1))
        offset += ironed.size
    return chosen


def frontier(summary: StepSummary, points: int) -> tuple[NDArray, NDArray]:
    """(aggregate fill, least stock value) at ``points`` fills evenly spaced from every row
    at its lower bound to every step taken (interpolated between the grid's points)."""
    lowest, highest = summary.fill(summary.start_short), summary.totals(THRESHOLDS[0])[0]
    pairs = [(lowest, summary.start_value)] + [
        summary.totals(threshold_for(summary, aggregate_fill=fill))
        for fill in np.linspace(lowest, highest, points)[1:]
    ]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


def _asked(aggregate_fill: float | None, budget: float | None) -> None:
    if (aggregate_fill is None) == (budget is None):
        raise ValueError("Give either aggregate_fill or budget.")


def _interval(summary: StepSummary, aggregate_fill, budget) -> tuple[float, float]:
    """(low, high): the grid interval where the sort of all steps stops. Every step at or
    above ``high`` is taken, none below ``low``."""
    if aggregate_fill is not None:
        reaching = np.flatnonzero(summary.gain >= summary.needed(aggregate_fill) - 1e-9)
        highest = int(reaching[-1]) if reaching.size else -1  # the last point reaching it
        return float(_EDGES[highest + 1]), float(_EDGES[highest + 2])
    within = np.flatnonzero(summary.cost <= budget - summary.start_value + 1e-9)
    lowest = int(within[0]) if within.size else THRESHOLDS.size  # the first point within it
    return float(_EDGES[lowest]), float(_EDGES[lowest + 1])


def _between(batches: list[PortfolioCurves], low: float, high: float):
    """(gain, cost, efficiency, position) of every step of efficiency in [low, high), and
    (gain, cost) of all steps at or above ``high``."""
    parts, gain_above, cost_above, offset = [], 0.0, 0.0, 0
    for curves in batches:
        gain, cost, efficiency = (values.ravel() for values in ironed_steps(curves))
        above = efficiency >= high
        gain_above += float(gain[above].sum())
        cost_above += float(cost[above].sum())
        inside = np.flatnonzero((efficiency >= low) & ~above)
        parts.append((gain[inside], cost[inside], efficiency[inside], inside + offset))
        offset += efficiency.size
    gain, cost, efficiency, position = (
        np.concatenate(values) for values in zip(*parts, strict=True)
    )
    return gain, cost, efficiency, position, (gain_above, cost_above)


def _interpolated(values: NDArray, threshold: float) -> float:
    """A summary array (one value per point of ``THRESHOLDS``) at ``threshold``."""
    return float(np.interp(np.log(threshold), _LOG_THRESHOLDS, values))
