"""Cleaning a demand history before its statistics: outlier capping, forecast error, ABC cuts.

Vectorized over SKU-locations (rows) × periods (columns); NaN marks a missing period.
"""

import numpy as np
from numpy.typing import ArrayLike, NDArray

from inventory.engine.demand import abc_xyz

DEFAULT_OUTLIER_SIGMAS = 3.0
MIN_FORECAST_PAIRS = 8


def cap_outliers(
    history: ArrayLike, sigmas: float = DEFAULT_OUTLIER_SIGMAS
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Each row with values above mean + ``sigmas``·sd capped at that bound, and the count.

    Mean and sample sd (ddof=1) of the row's observed periods; one pass (the bound is not
    recomputed after capping); only high values are capped, since demand is bounded below by
    zero. A row with fewer than three observed periods is left as it is. This is winsorizing
    at μ + kσ, the usual cleansing of one-off spikes before estimating demand variability
    (Silver, Pyke & Peterson, 3rd ed., §4.8, on screening demand outliers).
    """
    h = np.atleast_2d(np.asarray(history, dtype=np.float64))
    observed = ~np.isnan(h)
    count = observed.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(h, axis=1) / count
        sd = np.sqrt(np.nansum((h - mean[:, None]) ** 2, axis=1) / (count - 1))
    bound = np.where(count >= 3, mean + sigmas * sd, np.inf)
    over = observed & (h > bound[:, None])
    return np.where(over, bound[:, None], h), over.sum(axis=1)


def forecast_error_sd(
    actual: ArrayLike, forecast: ArrayLike, min_pairs: int = MIN_FORECAST_PAIRS
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Root-mean-square forecast error per row, and the number of periods it is based on.

    Periods where both the actual and the forecast made before the period are known count;
    a row with fewer than ``min_pairs`` such periods gets NaN (the caller falls back to the
    history sd). RMSE = √(Σ(actual − forecast)² / n) estimates the sd of forecast errors used
    for safety stock (Silver, Pyke & Peterson, 3rd ed., §4.7; Chopra & Meindl ch. 12).
    """
    a = np.atleast_2d(np.asarray(actual, dtype=np.float64))
    f = np.atleast_2d(np.asarray(forecast, dtype=np.float64))
    paired = ~np.isnan(a) & ~np.isnan(f)
    pairs = paired.sum(axis=1)
    squares = np.where(paired, (a - f) ** 2, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rmse = np.sqrt(squares / pairs)
    return np.where(pairs >= min_pairs, rmse, np.nan), pairs


def abc_cutoffs(
    annual_value: ArrayLike, a_share: float = 0.8, b_share: float = 0.95
) -> tuple[float, float]:
    """Lowest annual value still in class A and in class B, for classifying rows in batches.

    Same Pareto rule as :func:`~inventory.engine.demand.abc_xyz`, computed once over the whole
    population so each batch can classify its own rows by comparing values with the cuts.
    Rows tied at a cut all join the higher class. inf when a class is empty.
    """
    value = np.asarray(annual_value, dtype=np.float64)
    value = np.sort(value[np.isfinite(value) & (value >= 0)])[::-1]
    total = value.sum()
    if total <= 0:
        return np.inf, np.inf
    before = (np.cumsum(value) - value) / total
    in_a, in_b = value[before < a_share], value[before < b_share]
    return (
        float(in_a[-1]) if in_a.size else np.inf,
        float(in_b[-1]) if in_b.size else np.inf,
    )


def abc_xyz_by_cutoffs(
    annual_value: ArrayLike,
    cv: ArrayLike,
    cutoffs: tuple[float, float],
    x_cv: float = 0.5,
    y_cv: float = 1.0,
) -> NDArray[np.str_]:
    """ABC-XYZ class per row, A/B by the population's ``cutoffs`` (see :func:`abc_cutoffs`)."""
    value = np.asarray(annual_value, dtype=np.float64)
    a_min, b_min = cutoffs
    abc = np.select([value >= a_min, value >= b_min], ["A", "B"], default="C")
    classes = abc_xyz(value, cv, x_cv=x_cv, y_cv=y_cv)
    return np.where(classes != "", np.char.add(abc, np.char.lstrip(classes, "ABC")), "")
