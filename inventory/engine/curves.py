"""The fill rate of a row's levels between its two targets, from one table per row: what the
portfolio optimizer (engine.service_levels) trades against stock value.

The same model as :func:`~inventory.engine.policies.compute_policies` (and so
``policies_from_history``), on its inputs in quanta: the level at each target is the one
the policy sets (normal rows: the level ``stock_for_service`` solves; tabulated rows: the
smallest whole level meeting it, never below the mean rounded up), ``points`` levels are
evenly spaced between the two (tabulated rows: rounded up to whole quanta), and each level's
fill is 1 − shortage(S) / (d·R, or Q) with the shortage formulas of engine.shortage (normal
rows, analytically) and engine.discrete (tabulated rows: both targets and every level read off
one table, ``discrete_curve``).
"""

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from inventory.engine.discrete import discrete_curve
from inventory.engine.inputs import PolicyInputs
from inventory.engine.levels import Protection, fill_quantity, shortage_delta, stock_for_service
from inventory.engine.shortage import normal_shortage


@dataclass(frozen=True)
class FillCurve:
    """Per row (rows × points): levels in the row's quanta (order-up-to S when periodic,
    reorder point s otherwise), increasing, and the model's fill rate at each."""

    level: NDArray[np.float64]
    fill: NDArray[np.float64]


def fill_curve(
    x: PolicyInputs,
    p: Protection,
    quantity: NDArray,
    lower: NDArray,
    upper: NDArray,
    points: int,
) -> FillCurve:
    """Each row's curve from its level at fill target ``lower`` to its level at ``upper``
    (per row), with order quantity ``quantity``; ``x`` and ``p`` in quanta, as
    ``compute_policies`` has them (every row a fill-rate row)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        fill_q, delta = fill_quantity(x, quantity), shortage_delta(p, quantity)
        level, shortage = np.empty((len(x), points)), np.empty((len(x), points))
        normal = np.flatnonzero(~p.discrete)
        level[normal], shortage[normal] = _normal_curve(
            x.take(normal), p.take(normal), quantity[normal], lower[normal], upper[normal], points
        )
        allowed = (1.0 - np.column_stack([lower, upper])) * fill_q[:, None]
        for rows in (np.flatnonzero(p.discrete & ~p.empirical), np.flatnonzero(p.empirical)):
            if rows.size:
                level[rows], shortage[rows] = discrete_curve(
                    *p.discrete_interval(rows),
                    allowed=allowed[rows],
                    delta=delta[rows],
                    floor=np.ceil(p.mean[rows]),
                    points=points,
                )
        per_cycle = fill_q[:, None]
        fill = np.where(per_cycle > 0, 1.0 - np.maximum(shortage, 0.0) / per_cycle, 1.0)
    return FillCurve(level, np.clip(fill, 0.0, 1.0))


def _normal_curve(
    x: PolicyInputs, p: Protection, quantity: NDArray, lower: NDArray, upper: NDArray, points: int
) -> tuple[NDArray, NDArray]:
    """(levels, shortage per cycle) of normal rows: the levels ``stock_for_service`` sets at
    the two targets and ``points`` levels evenly spaced between them."""
    low, high = (
        stock_for_service(replace(x, service_level=target), p, quantity).level
        for target in (lower, upper)
    )
    level = low[:, None] + np.linspace(0.0, 1.0, points)[None, :] * (high - low)[:, None]
    shortage = normal_shortage(
        level,
        p.mean[:, None],
        p.sd[:, None],
        p.prior_mean[:, None],
        p.prior_sd[:, None],
        shortage_delta(p, quantity)[:, None],
    )
    return level, shortage
