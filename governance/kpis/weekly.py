"""What happened to one SKU-location in one week, from its stock, demand and receipts: pure
numpy (no Django), elementwise over arrays of any shape, so the KPI snapshots and the
escalation rules judge service the same way. Definitions: docs/kpis.md.

Units throughout: quantities in the item's units per week; NaN demand means the week has no
demand row (counted as no demand); NaN stock means no stock position (counted as none).
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WeeklyService:
    """Per SKU-location-week (arrays shaped like the inputs):

    * ``shipped``: units shipped from stock, min(demand, max(on hand, 0) + receipts);
    * ``demand_period``: the week had demand above zero;
    * ``filled``: ...and all of it was shipped;
    * ``stockout``: ...and the week opened with no stock on hand (on hand <= 0).
    """

    shipped: np.ndarray
    demand_period: np.ndarray
    filled: np.ndarray
    stockout: np.ndarray


def stock_of(on_hand: np.ndarray) -> np.ndarray:
    """Units on hand counted as stock: max(on hand, 0), NaN (no position) as 0."""
    return np.fmax(np.asarray(on_hand, dtype=float), 0.0)  # fmax: NaN loses to 0


def or_zero(values: np.ndarray | float) -> np.ndarray:
    """``values`` with NaN as 0 (cheaper than np.nan_to_num, which also looks for inf)."""
    values = np.asarray(values, dtype=float)
    return np.where(np.isnan(values), 0.0, values)


def weekly_service(
    *, demand: np.ndarray, on_hand: np.ndarray, receipts: np.ndarray | float = 0.0
) -> WeeklyService:
    """Shipments, filled weeks and stock-outs of each SKU-location-week from its demand, the
    stock on hand opening the week (may be negative) and the units received in it."""
    demand, stock = or_zero(demand), stock_of(on_hand)
    shipped = np.minimum(demand, stock + or_zero(receipts))
    demand_period = demand > 0
    return WeeklyService(
        shipped=shipped,
        demand_period=demand_period,
        filled=demand_period & (shipped >= demand),
        stockout=demand_period & ~(stock > 0),
    )


def days_of_cover(*, on_hand: np.ndarray, weekly_demand: np.ndarray) -> np.ndarray:
    """Days the stock on hand lasts at a weekly demand rate: max(on hand, 0) / (demand / 7);
    infinite where there is stock and no demand, 0 where there is no stock."""
    stock = stock_of(on_hand)
    daily = np.asarray(weekly_demand, dtype=float) / 7.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(stock > 0, stock / daily, 0.0)


def excess_units(
    *, on_hand: np.ndarray, max_level: np.ndarray, weekly_demand: np.ndarray, cover_days: float
) -> np.ndarray:
    """Units on hand beyond the policy's max level, or, where there is no policy (NaN max),
    beyond ``cover_days`` days of the average weekly demand; none where neither is known."""
    stock = stock_of(on_hand)
    limit = np.where(
        np.isnan(max_level), np.asarray(weekly_demand, dtype=float) * cover_days / 7.0, max_level
    )
    return np.where(np.isnan(limit), 0.0, np.maximum(stock - limit, 0))
