"""Order quantities: the economic order quantity and rounding to supplier constraints.

Units: quantities in units of the item, costs in currency, demand per year for EOQ.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

# Lot sizes and case packs may be fractional (kg, litres); multiples are found on this grid.
_GRID = 1000


def eoq(annual_demand: ArrayLike, order_cost: ArrayLike, annual_holding_cost: ArrayLike) -> NDArray:
    """Economic order quantity √(2·D·S / H): D units per year, S currency per order,
    H currency per unit per year. NaN where H ≤ 0 or D, S < 0.

    Source: Chopra & Meindl, *Supply Chain Management*, ch. 11 (Q* = √(2DS/hC));
    Silver, Pyke & Peterson, 3rd ed., eq. (5.4).
    """
    d, s, h = (
        np.asarray(x, dtype=np.float64) for x in (annual_demand, order_cost, annual_holding_cost)
    )
    valid = (h > 0) & (d >= 0) & (s >= 0)
    return np.where(
        valid, np.sqrt(2.0 * np.where(valid, d * s / np.where(valid, h, 1.0), 0.0)), np.nan
    )


BINDING_NAMES = np.array(["none", "moq", "multiple", "max_qty", "infeasible"])


@dataclass(frozen=True)
class RoundedQuantity:
    """A quantity rounded to supplier constraints, and which constraint decided it."""

    quantity: NDArray[np.float64]
    binding_code: NDArray[np.int8]  # index into BINDING_NAMES

    @property
    def binding(self) -> NDArray[np.str_]:
        """none / moq / multiple / max_qty / infeasible, per row."""
        return BINDING_NAMES[self.binding_code]


def order_multiple(lot_size: ArrayLike, case_pack: ArrayLike) -> NDArray[np.float64]:
    """Least common multiple of lot size and case pack (both > 0, on a 1/1000 grid)."""
    lot = np.rint(np.asarray(lot_size, dtype=np.float64) * _GRID).astype(np.int64)
    pack = np.rint(np.asarray(case_pack, dtype=np.float64) * _GRID).astype(np.int64)
    return np.lcm(np.maximum(lot, 1), np.maximum(pack, 1)) / _GRID


def round_order_quantity(
    qty: ArrayLike,
    moq: ArrayLike = 0.0,
    lot_size: ArrayLike = 1.0,
    case_pack: ArrayLike = 1.0,
    max_qty: ArrayLike = np.inf,
) -> RoundedQuantity:
    """Smallest quantity ≥ ``qty`` and ≥ ``moq`` that is a multiple of both lot size and case
    pack and not above ``max_qty``.

    ``binding`` names what decided the result: 'none' (qty was already valid), 'moq' (raised
    to the MOQ), 'multiple' (rounded up to the lot/case multiple), 'max_qty' (the cap forced
    the largest valid multiple below the request, still ≥ MOQ), 'infeasible' (no multiple
    lies between the MOQ and the cap: the smallest valid multiple ≥ MOQ is returned, above
    the cap, so the supplier's terms are honoured and the row can be flagged).
    A quantity ≤ 0 stays 0 (nothing to order). NaN inputs give NaN.
    """
    q, minimum, cap = (np.asarray(x, dtype=np.float64) for x in (qty, moq, max_qty))
    step = order_multiple(lot_size, case_pack)
    q, minimum, cap, step = np.broadcast_arrays(q, minimum, cap, step)
    wanted = np.maximum(q, minimum)
    # Tolerance keeps 12.000000001 from becoming the next multiple because of float error.
    up = np.maximum(np.ceil(wanted / step - 1e-9), 1.0) * step  # at least one multiple
    capped_down = np.floor(cap / step + 1e-9) * step
    floor_ok = capped_down >= minimum - 1e-9
    over_cap = up > cap + 1e-9
    result = np.where(over_cap & floor_ok, capped_down, up)
    binding = np.select(
        [q <= 0, over_cap & floor_ok, over_cap, minimum > q, up > q + 1e-9], [0, 3, 4, 1, 2], 0
    ).astype(np.int8)
    return RoundedQuantity(quantity=np.where(q <= 0, 0.0, result), binding_code=binding)
