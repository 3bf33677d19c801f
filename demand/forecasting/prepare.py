"""History as the fitters read it (pure numpy): each row left-packed to start at its first
record, missing periods after it counted as zero demand, promoted periods cleaned.

A row's history starts at its first record (a recorded zero counts: the item was on sale and
did not sell); NaN before it means the item was not yet sold there and is ignored. A NaN
after it is a period without a record, i.e. without sales: 0.

The methods run one loop over time for all rows at once; packing every row to start at
column 0 lets them share that loop while each row keeps its own length ``n``.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

CLEANING_ALPHA = 0.2
"""Smoothing constant of the level that stands in for promoted periods."""


@dataclass(frozen=True)
class Packed:
    """Rows left-packed at their first record: ``values`` rows × periods (0 where a period
    after it has no record, NaN past each row's end), ``periods`` per row (0: no record),
    ``start`` the column of the first record in the caller's history."""

    values: NDArray
    periods: NDArray
    start: NDArray


def first_record(history: NDArray) -> NDArray:
    """Column of each row's first record; the number of columns where it has none."""
    known = ~np.isnan(history)
    return np.where(known.any(axis=1), known.argmax(axis=1), history.shape[1])


def shift_left(values: NDArray, start: NDArray, fill: float | bool) -> NDArray:
    """Each row moved ``start`` columns left, ``fill`` in the columns freed at its end."""
    cols = np.arange(values.shape[1])
    source = start[:, None] + cols
    inside = source < values.shape[1]
    taken = np.take_along_axis(values, np.minimum(source, values.shape[1] - 1), axis=1)
    return np.where(inside, taken, fill)


def pack(history: ArrayLike, promotion: ArrayLike | None = None) -> Packed:
    """Left-pack ``history`` (rows × periods, oldest first, NaN = no record) at each row's first
    record; a NaN after it is a period without sales (0). Promoted periods (``promotion``, bool
    rows × periods) are cleaned by ``clean_promotions``."""
    history = np.atleast_2d(np.asarray(history, dtype=np.float64))
    start = first_record(history)
    periods = history.shape[1] - start
    values = np.nan_to_num(shift_left(history, start, np.nan), nan=0.0)
    values[np.arange(history.shape[1]) >= periods[:, None]] = np.nan
    if promotion is not None:
        promoted = shift_left(np.atleast_2d(np.asarray(promotion, dtype=bool)), start, False)
        values = clean_promotions(values, promoted)
    return Packed(values, periods, start)


def clean_promotions(values: NDArray, promoted: NDArray) -> NDArray:
    """Promoted periods replaced by the fitted value of simple exponential smoothing
    (α = ``CLEANING_ALPHA``) run over the other periods: the level just before the promoted
    one. Promoted periods before a row's first unpromoted one take the mean of its unpromoted
    periods; a row promoted throughout is left as it is."""
    cleaned = values.copy()
    level = np.full(len(values), np.nan)
    for t in range(values.shape[1]):
        y, promo = values[:, t], promoted[:, t] & ~np.isnan(values[:, t])
        cleaned[promo, t] = level[promo]
        update = ~promo & ~np.isnan(y)
        smoothed = np.where(np.isnan(level), y, level + CLEANING_ALPHA * (y - level))
        level = np.where(update, smoothed, level)
    kept = ~promoted & ~np.isnan(values)
    count = kept.sum(axis=1)
    mean = np.where(kept, values, 0.0).sum(axis=1) / np.maximum(count, 1)
    mean[count == 0] = np.nan
    fill = np.isnan(cleaned) & ~np.isnan(values)
    cleaned[fill] = np.broadcast_to(mean[:, None], values.shape)[fill]
    still = np.isnan(cleaned) & ~np.isnan(values)
    cleaned[still] = values[still]
    return cleaned
