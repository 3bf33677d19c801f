"""The projected inventory of one SKU-location over the coming periods (pure, no database):
the net stock today, plus what is on order when it arrives (stock in transit at once, open
purchase-order lines at their promised dates, the recommended order one lead time after it is
placed), minus the mean demand of every period; set against the reorder point and the safety
stock.

Period 0 is the run's first period (its as-of date); an arrival in period t is on hand before
period t's demand (as ``engine.backtest`` receives before it serves); figures are at each
period's end. A negative projected stock is demand short (backordered).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

MIN_PERIODS, MAX_PERIODS = 13, 52
EXTRA_PERIODS = 4
"""Periods shown after the recommended order's arrival and one review period."""


@dataclass(frozen=True)
class Arrival:
    """Units arriving in a period (0-based), and what they are."""

    period: int
    quantity: float
    label: str


@dataclass(frozen=True)
class Projection:
    """Per period (``periods`` of them): its start date, the arrivals, the projected stock on
    hand and the stock still on order at the period's end, their sum (the inventory
    position); the levels it is set against; the first period below the safety stock and the
    first with a shortage (None when there is none)."""

    starts: list[date]
    arrivals: list[list[Arrival]]
    on_hand: list[float]
    on_order: list[float]
    reorder_point: float
    safety_stock: float
    demand_per_period: float

    @property
    def periods(self) -> int:
        return len(self.on_hand)

    @property
    def position(self) -> list[float]:
        return [stock + due for stock, due in zip(self.on_hand, self.on_order, strict=True)]

    @property
    def first_below_safety_stock(self) -> int | None:
        return next((t for t, v in enumerate(self.on_hand) if v < self.safety_stock - 1e-9), None)

    @property
    def first_shortage(self) -> int | None:
        return next((t for t, v in enumerate(self.on_hand) if v < -1e-9), None)


def project(
    *,
    start_stock: float,
    demand_per_period: float,
    arrivals: Sequence[Arrival],
    periods: int,
    first_day: date,
    period_days: int,
    reorder_point: float,
    safety_stock: float,
) -> Projection:
    """Projected stock at the end of each of ``periods`` periods: ``start_stock`` + arrivals
    up to and in the period − ``demand_per_period`` × periods elapsed; on order: arrivals
    after it. Arrivals beyond the horizon stay on order; those before period 0 count in it."""
    by_period: list[list[Arrival]] = [[] for _ in range(periods)]
    for arrival in arrivals:
        if arrival.period < periods:
            by_period[max(arrival.period, 0)].append(arrival)
    total_due = sum(a.quantity for a in arrivals)
    on_hand, on_order, received = [], [], 0.0
    for t in range(periods):
        received += sum(a.quantity for a in by_period[t])
        on_hand.append(start_stock + received - demand_per_period * (t + 1))
        on_order.append(total_due - received)
    return Projection(
        starts=[first_day + timedelta(days=period_days * t) for t in range(periods)],
        arrivals=by_period,
        on_hand=on_hand,
        on_order=on_order,
        reorder_point=reorder_point,
        safety_stock=safety_stock,
        demand_per_period=demand_per_period,
    )


def period_of(day: date, first_day: date, period_days: int) -> int:
    """The period (0-based from ``first_day``) a date falls in; a date before it: period 0
    (an order past due is expected at once)."""
    return max((day - first_day).days // period_days, 0)


def order_arrival(periods_until_order: float, lead_time: float) -> int:
    """The period an order placed ``periods_until_order`` periods from now arrives in: the
    first whole period after it is placed plus the lead time (both in periods)."""
    return max(math.ceil(periods_until_order + lead_time - 1e-9), 0)


def horizon(arrival: int, review_period: float) -> int:
    """Periods to show: past the recommended order's arrival and a review period, at least
    ``MIN_PERIODS`` and at most ``MAX_PERIODS``."""
    wanted = arrival + math.ceil(review_period) + EXTRA_PERIODS
    return min(max(wanted, MIN_PERIODS), MAX_PERIODS)
