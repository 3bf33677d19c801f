"""When each recommended order is placed, as a date: the engine counts in planning periods
from the run's as-of date; pages, exports and the ERP want a day."""

from datetime import date

import numpy as np

MAX_DAYS_AHEAD = 36_525
"""Orders further out than a century (a row with almost no demand) get no date."""


def order_dates(as_of: date, period_days: int, periods_until_order: np.ndarray) -> np.ndarray:
    """``as_of`` + ``periods_until_order`` × ``period_days`` days, floored to a whole day (an
    order due now is dated ``as_of``); NaT where the engine gave no finite, non-negative
    number of periods or the date lies beyond :data:`MAX_DAYS_AHEAD`."""
    with np.errstate(invalid="ignore"):
        days = np.floor(np.asarray(periods_until_order, np.float64) * period_days)
        known = np.isfinite(days) & (days >= 0) & (days <= MAX_DAYS_AHEAD)
    dates = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[D]")
    dates[known] = np.datetime64(as_of, "D") + days[known].astype(np.int64)
    return dates
