"""What to generate: sizes, seed, calendar, and the random streams of each stage."""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

SOURCE = "demo"
"""``source`` of every generated row except the legacy ERP policies."""
ERP_SOURCE = "erp"
"""``source`` of the legacy min/max policies, which stand for what the ERP holds today."""

FORECAST_HORIZON_WEEKS = 13
STOCK_WARM_UP_WEEKS = 13
"""First history weeks without a stock position: the stock simulation starts from a guess of
the stock (nothing on order yet) and settles in about a quarter."""
LAG_FORECAST_WEEKS = 13
MIN_SKUS, MIN_LOCATIONS, MIN_WEEKS = 1, 2, 8

# Independent random streams: one per stage, so adding a draw to one stage does not shift the
# numbers of another. Values are arbitrary but must never change (they are part of the seed).
STREAM_ITEMS, STREAM_NETWORK, STREAM_DEFECTS = 1, 2, 3
STREAM_DEMAND, STREAM_SUPPLIERS, STREAM_ORDERS, STREAM_STOCK = 4, 5, 6, 7
STREAM_HISTORY = 8


@dataclass(frozen=True)
class DemoSpec:
    """Size, seed and calendar of a demo network.

    History covers the ``weeks`` complete weeks before ``end_date`` (a Monday); forecasts start
    on ``end_date``. Week index ``t`` starts on ``first_monday + 7 t`` days. Stock positions
    are written for ``end_date`` and every Monday of the last ``stock_weeks`` history weeks
    (when None: all but the warm-up, see ``stock_history_weeks``).
    """

    skus: int
    locations: int
    weeks: int
    seed: int
    end_date: date
    stock_weeks: int | None = None

    def errors(self) -> list[str]:
        """Every reason these arguments cannot be generated (empty when valid)."""
        problems = []
        if self.skus < MIN_SKUS:
            problems.append(f"--skus must be at least {MIN_SKUS} (got {self.skus}).")
        if self.locations < MIN_LOCATIONS:
            problems.append(
                f"--locations must be at least {MIN_LOCATIONS}: one central and one regional "
                f"location (got {self.locations})."
            )
        if self.weeks < MIN_WEEKS:
            problems.append(f"--weeks must be at least {MIN_WEEKS} (got {self.weeks}).")
        if self.stock_weeks is not None and self.stock_weeks < 0:
            problems.append(f"--stock-weeks must be zero or positive (got {self.stock_weeks}).")
        if self.seed < 0:
            problems.append(f"--seed must be zero or positive (got {self.seed}).")
        if self.end_date.weekday() != 0:
            problems.append(
                f"--end-date {self.end_date.isoformat()} is a {self.end_date:%A}; "
                "periods start on Mondays, so pass a Monday."
            )
        return problems

    @property
    def sku_locations(self) -> int:
        """Number of SKU-locations: every item is stocked everywhere."""
        return self.skus * self.locations

    @property
    def stock_history_weeks(self) -> int:
        """History weeks with a weekly stock position: the most recent ones, after the
        simulation's warm-up (``STOCK_WARM_UP_WEEKS``, at most a quarter of the history)."""
        kept = self.weeks - min(STOCK_WARM_UP_WEEKS, self.weeks // 4)
        return kept if self.stock_weeks is None else min(self.stock_weeks, kept)

    @property
    def first_monday(self) -> date:
        """Start of the first history week."""
        return self.end_date - timedelta(weeks=self.weeks)

    def week_starts(self, first: int, count: int) -> np.ndarray:
        """Mondays of week indices ``first .. first+count-1`` as ``datetime64[D]``."""
        start = np.datetime64(self.first_monday, "D")
        return start + 7 * np.arange(first, first + count)

    def rng(self, stream: int, *keys: int) -> np.random.Generator:
        """Random generator of one stage (and chunk): same spec and keys, same numbers."""
        return np.random.default_rng([self.seed, stream, *keys])


def monday_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())
