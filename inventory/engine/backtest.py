"""Replay of a policy on real demand: what service it would have given and what stock it would
have held over the last periods of a history, row by row and in total.

The replay (vectorized over rows, one step a period):
1. what arrives this period is added to the net stock;
2. the period's demand (missing and negative periods count as 0) is served from the stock on
   hand as far as it goes; the rest is backordered and served later (it counts as short);
3. at a review (every R periods; every period when R = 0) an order is placed when the
   inventory position (net stock + on order) is at or below the reorder point s, for
   S − position raised to the MOQ and to a multiple of the lot size and the case pack; it
   arrives L periods later, in time for the period after that (lead time rounded to whole
   periods, fixed at its mean);
4. the stock on hand at the period's end is counted.

A policy is replayed as (s, S): the reorder point and the order-up-to level. This is the
legacy min/max exactly, and the engine's (R, S) policy with s = S; the engine's (s, Q) policy
is replayed as (s, s + Q). The replay starts ``warmup`` periods (L + R by default) before the
measured periods with the net stock at S and nothing on order, and runs through the history's
own demand, so the measured periods start from a state the policy itself produced.
Fill rate = units served from stock / units demanded (Silver, Pyke & Peterson, 3rd ed., §7.2.1);
"periods without a stock-out" is the share of measured periods whose demand was all served.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from inventory.engine.inputs import PolicyInputs
from inventory.engine.lot_sizing import round_order_quantity


@dataclass(frozen=True)
class StockLevels:
    """The two levels a replay needs per row: order when the position is at or below
    ``reorder_point``, up to ``order_up_to``. A ``PolicyResult`` has both."""

    reorder_point: NDArray[np.float64]
    order_up_to: NDArray[np.float64]


@dataclass(frozen=True)
class BacktestResult:
    """Per row over the measured periods; totals as properties."""

    demand: NDArray[np.float64]  # units demanded
    served: NDArray[np.float64]  # units served from stock on hand
    stockout_periods: NDArray[np.int64]
    periods: int
    average_on_hand: NDArray[np.float64]  # units at period ends
    unit_cost: NDArray[np.float64]
    orders: NDArray[np.int64]

    @property
    def fill(self) -> NDArray[np.float64]:
        """Fill rate per row (NaN without demand)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.demand > 0, self.served / self.demand, np.nan)

    @property
    def cycle_service(self) -> NDArray[np.float64]:
        """Share of measured periods without a stock-out, per row."""
        return 1.0 - self.stockout_periods / max(self.periods, 1)

    @property
    def average_value(self) -> NDArray[np.float64]:
        """Average stock value on hand per row (units × unit cost)."""
        return self.average_on_hand * self.unit_cost

    @property
    def total_fill(self) -> float:
        """Aggregate fill rate: units served / units demanded over all rows."""
        demand = float(self.demand.sum())
        return float(self.served.sum()) / demand if demand > 0 else float("nan")

    @property
    def total_value(self) -> float:
        """Average stock value on hand, summed over the rows with a known unit cost."""
        return float(np.nansum(self.average_value))

    def select(self, rows: NDArray) -> "BacktestResult":
        """The result of the selected rows only."""
        return BacktestResult(
            self.demand[rows],
            self.served[rows],
            self.stockout_periods[rows],
            self.periods,
            self.average_on_hand[rows],
            self.unit_cost[rows],
            self.orders[rows],
        )


def backtest(
    history: ArrayLike,
    inputs: PolicyInputs,
    policy: StockLevels,
    holdout: int,
    *,
    warmup: int | None = None,
) -> BacktestResult:
    """Replay ``policy`` over the last ``holdout`` periods of ``history`` (rows × periods,
    oldest first); see the module docstring. Rows whose levels are NaN (blocked) hold no
    stock and serve nothing."""
    demand = np.nan_to_num(np.atleast_2d(np.asarray(history, dtype=np.float64)), nan=0.0)
    demand = np.maximum(demand, 0.0)
    rows, total = demand.shape
    if not 0 < holdout <= total:
        raise ValueError(f"holdout must be between 1 and {total} periods, not {holdout}.")
    lead = np.round(np.nan_to_num(inputs.lead_time_mean)).astype(np.int64)
    review = np.round(np.nan_to_num(inputs.review_period)).astype(np.int64)
    if warmup is None:
        warmup = int((lead + np.maximum(review, 1)).max(initial=0))
    start = max(total - holdout - warmup, 0)
    s = np.nan_to_num(np.asarray(policy.reorder_point, dtype=np.float64), nan=-np.inf)
    big_s = np.nan_to_num(np.asarray(policy.order_up_to, dtype=np.float64), nan=0.0)
    replay = _Replay(inputs, s, big_s, lead, review, total - start)
    measured = total - holdout
    for t in range(start, total):
        replay.step(t - start, demand[:, t], counted=t >= measured)
    return BacktestResult(
        demand=demand[:, measured:].sum(axis=1),
        served=replay.served,
        stockout_periods=replay.stockouts,
        periods=holdout,
        average_on_hand=replay.on_hand_total / holdout,
        unit_cost=inputs.unit_cost,
        orders=replay.orders,
    )


class _Replay:
    """The state of a replay: net stock, orders due, and the counters of measured periods."""

    def __init__(self, x: PolicyInputs, s, big_s, lead, review, steps: int):
        rows = len(x)
        self.x, self.s, self.big_s, self.lead, self.review = x, s, big_s, lead, review
        self.net = np.maximum(big_s, 0.0)
        self.due = np.zeros((rows, steps + int(lead.max(initial=0)) + 2))
        self.served = np.zeros(rows)
        self.stockouts = np.zeros(rows, dtype=np.int64)
        self.on_hand_total = np.zeros(rows)
        self.orders = np.zeros(rows, dtype=np.int64)
        self.index = np.arange(rows)

    def step(self, t: int, demand: NDArray, *, counted: bool) -> None:
        """One period: receive, serve, review, count."""
        self.net += self.due[:, t]
        served = np.clip(np.minimum(self.net, demand), 0.0, None)
        self.net -= demand
        position = self.net + self.due[:, t + 1 :].sum(axis=1)
        reviewing = (self.review <= 0) | (t % np.maximum(self.review, 1) == 0)
        ordering = reviewing & (position <= self.s) & (self.big_s > position)
        if ordering.any():
            need = np.where(ordering, self.big_s - position, 0.0)
            x = self.x
            quantity = round_order_quantity(need, x.moq, x.lot_size, x.case_pack).quantity
            quantity = np.where(ordering, quantity, 0.0)
            self.due[self.index, t + 1 + self.lead] += quantity
        if counted:
            self.served += served
            self.stockouts += served < demand - 1e-9
            self.on_hand_total += np.maximum(self.net, 0.0)
            self.orders += ordering
