"""The fill rate a row's policy gives at many levels at once, from one table per row: what the
portfolio optimizer (engine.service_levels) trades against stock value.

The same model as :func:`~inventory.engine.from_history.policies_from_history`: the history
cleaned of returns, the distribution chosen per row, each row counted in its own quantum;
the fill of level S is 1 − shortage(S) / (d·R, or Q) with the shortage formulas of
engine.shortage (normal rows) and engine.discrete (tabulated rows, every level read off one
table instead of one search per target).
"""

import numpy as np
from numpy.typing import ArrayLike, NDArray

from inventory.engine.discrete import table_chunks
from inventory.engine.from_history import (
    DEFAULT_HALF_LIFE,
    clean_history,
    in_quanta,
    quanta,
    recency_weights,
    with_history_statistics,
)
from inventory.engine.inputs import PolicyInputs
from inventory.engine.levels import Protection, fill_quantity, protection, shortage_delta
from inventory.engine.shortage import normal_shortage


def fill_at_levels(
    history: ArrayLike,
    inputs: PolicyInputs,
    levels: NDArray,
    quantity: NDArray,
    *,
    half_life: float | None = DEFAULT_HALF_LIFE,
) -> NDArray[np.float64]:
    """The model's fill rate of each row (rows × k) at each of its ``levels`` (rows × k, in
    units: order-up-to S when periodic, reorder point s otherwise), with order quantity
    ``quantity`` (units, per row)."""
    clean = clean_history(history)[0]
    x = with_history_statistics(inputs, clean)
    quantum = quanta(clean, x)
    scaled = in_quanta(x, quantum)
    samples = np.round(clean / quantum[:, None])
    p = protection(scaled, samples, recency_weights(clean.shape[1], half_life))
    level = levels / quantum[:, None]
    q = quantity / quantum
    delta = shortage_delta(p, q)[:, None]
    shortage = normal_shortage(
        level,
        p.mean[:, None],
        p.sd[:, None],
        p.prior_mean[:, None],
        p.prior_sd[:, None],
        delta,
    )
    tabulated = np.flatnonzero(p.discrete)
    if tabulated.size:
        shortage[tabulated] = _tabulated_shortage(p, tabulated, level[tabulated], delta[tabulated])
    per_cycle = fill_quantity(scaled, q)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(per_cycle > 0, 1.0 - np.maximum(shortage, 0.0) / per_cycle, 1.0)
    return np.clip(fill, 0.0, 1.0)


def _tabulated_shortage(p: Protection, rows: NDArray, level: NDArray, delta: NDArray):
    """Shortage per cycle at integer ``level`` (rounded up) of the tabulated rows, each row's
    tables long enough for its highest level plus Δ."""
    level = np.ceil(level - 1e-9)
    units = np.ceil(np.nanmax(level + delta, axis=1, initial=0.0)).astype(np.int64) + 2
    shortage = np.empty_like(level)
    kinds = p.empirical[rows]
    for chunk, size in table_chunks(np.arange(rows.size), units, kinds):
        interval, prior = p.discrete_interval(rows[chunk])
        a = interval.table(size)
        b = prior.table(size) if _own_prior(interval, prior) else a
        shortage[chunk] = _excess(a.excess, level[chunk]) - _excess(
            b.excess, level[chunk] + delta[chunk]
        )
    return shortage


def _own_prior(interval, prior) -> bool:
    return bool(np.any(interval.mean != prior.mean))


def _excess(table: NDArray, levels: NDArray) -> NDArray[np.float64]:
    """E[(X − s)⁺] at levels per row (0 beyond the table; μ − s below 0)."""
    index = np.clip(levels, 0, table.shape[1] - 1).astype(np.int64)
    found = np.take_along_axis(table, index, axis=1)
    return np.where(levels >= table.shape[1], 0.0, found)
