"""Orders cut to fit a shared capacity: the orders of several SKU-locations compete for one
location's storage, so no single row's policy can respect it (docs/runs.md, "Capacity").

Units: quantities in units of each row's item; cover in planning periods.
"""

import numpy as np
from numpy.typing import ArrayLike, NDArray

from inventory.engine.lot_sizing import order_multiple

_TOLERANCE = 1e-9  # 12.000000001 of a multiple of 12 is one multiple, not none


def orders_trimmed(
    group: ArrayLike,
    quantity: ArrayLike,
    cover: ArrayLike,
    excess: ArrayLike,
    moq: ArrayLike,
    lot_size: ArrayLike,
    case_pack: ArrayLike,
) -> NDArray[np.float64]:
    """Each order's quantity after its group sheds ``excess[group]`` units (nothing where the
    excess is ≤ 0), taken from the orders with the most ``cover`` first (NaN cover counts as
    infinite: nothing says the row needs stock). An order cut is rounded down to a multiple
    of its lot size and case pack, and to nothing below its MOQ, so a cut may shed more than
    asked, never less: a group sheds its whole excess or all its orders.

    Greedy by cover, like the "most periods of supply first" rule of thumb for rationing
    scarce capacity (Silver, Pyke & Peterson, 3rd ed., §10.3.2, allocation by runout time).
    """
    q = np.asarray(quantity, np.float64)
    if not len(q):
        return q.copy()
    group, cover, moq, step = (
        np.broadcast_to(np.asarray(values), q.shape)
        for values in (group, cover, moq, order_multiple(lot_size, case_pack))
    )
    cover = np.nan_to_num(cover.astype(np.float64), nan=np.inf)
    order = np.lexsort((-cover, group))  # by group, most cover first
    g, qs = group[order], q[order]
    ahead = np.cumsum(qs) - qs  # quantity before each order, over every group
    first = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    ahead -= np.repeat(ahead[first], np.diff(np.r_[first, len(g)]))  # ... within its group
    shed = np.clip(np.asarray(excess, np.float64)[g] - ahead, 0.0, qs)
    kept = np.floor((qs - shed) / step[order] + _TOLERANCE) * step[order]
    kept = np.where(kept < moq[order] - _TOLERANCE, 0.0, kept)
    result = q.copy()
    result[order] = np.where(shed > 0, kept, qs)
    return result
