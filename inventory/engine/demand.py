"""Demand statistics, lead-time demand and segmentation, vectorized over SKU-locations.

Units: demand per period; lead times and review periods in periods.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49


def lead_time_demand(
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    lead_time_mean: ArrayLike,
    lead_time_sd: ArrayLike = 0.0,
    review_period: ArrayLike = 0.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mean and standard deviation of demand over the protection interval L + R.

    mean = d·(L + R);  sd = √((L + R)·σ_d² + d²·σ_L²)  (independent per-period demand, lead
    time independent of demand; the review period R is fixed, so only L varies).
    Source: Chopra & Meindl, *Supply Chain Management*, ch. 12 (σ_L formula with uncertain
    lead time); Silver, Pyke & Peterson, 3rd ed., §7.12.
    """
    d, sd, lt, lt_sd, r = (
        np.asarray(x, dtype=np.float64)
        for x in (demand_mean, demand_sd, lead_time_mean, lead_time_sd, review_period)
    )
    interval = lt + r
    return d * interval, np.sqrt(interval * sd * sd + d * d * lt_sd * lt_sd)


@dataclass(frozen=True)
class DemandStatistics:
    """Per-row statistics of a demand history (SKU-locations × periods)."""

    mean: NDArray[np.float64]  # mean demand per observed period
    sd: NDArray[np.float64]  # sample standard deviation per period (ddof=1)
    periods: NDArray[np.int64]  # observed (non-missing) periods
    nonzero_periods: NDArray[np.int64]
    adi: NDArray[np.float64]  # average inter-demand interval, periods
    cv2: NDArray[np.float64]  # squared coefficient of variation of non-zero sizes
    pattern: NDArray[np.str_]  # smooth / erratic / intermittent / lumpy / none


def demand_statistics(history: ArrayLike) -> DemandStatistics:
    """Mean, sd, ADI, CV² and the Syntetos–Boylan pattern of each row of ``history``.

    NaN marks a missing period and is ignored. ADI = observed periods / non-zero periods;
    CV² = (sd / mean)² of the non-zero sizes (population sd). Pattern: smooth (ADI < 1.32,
    CV² < 0.49), erratic (ADI < 1.32, CV² ≥ 0.49), intermittent (ADI ≥ 1.32, CV² < 0.49),
    lumpy (ADI ≥ 1.32, CV² ≥ 0.49); 'none' for a row with no non-zero demand.
    Source: Syntetos, Boylan & Croston (2005), *J. Oper. Res. Soc.* 56(5), 495–503.
    """
    h = np.atleast_2d(np.asarray(history, dtype=np.float64))
    observed = ~np.isnan(h)
    periods = observed.sum(axis=1)
    values = np.where(observed, h, 0.0)
    mean = _safe_divide(values.sum(axis=1), periods)
    squares = np.where(observed, (h - mean[:, None]) ** 2, 0.0).sum(axis=1)
    sd = np.sqrt(_safe_divide(squares, periods - 1))
    nonzero = observed & (h > 0)
    count = nonzero.sum(axis=1)
    size_mean = _safe_divide(np.where(nonzero, h, 0.0).sum(axis=1), count)
    size_var = _safe_divide(
        np.where(nonzero, (h - size_mean[:, None]) ** 2, 0.0).sum(axis=1), count
    )
    cv2 = _safe_divide(size_var, size_mean**2)
    adi = _safe_divide(periods.astype(np.float64), count)
    return DemandStatistics(mean, sd, periods, count, adi, cv2, _pattern(adi, cv2, count))


def _pattern(adi: NDArray, cv2: NDArray, count: NDArray) -> NDArray[np.str_]:
    frequent, steady = adi < ADI_CUTOFF, cv2 < CV2_CUTOFF
    pattern = np.select(
        [frequent & steady, frequent, steady],
        ["smooth", "erratic", "intermittent"],
        default="lumpy",
    )
    return np.where(count > 0, pattern, "none")


def _safe_divide(numerator: ArrayLike, denominator: ArrayLike) -> NDArray[np.float64]:
    """numerator / denominator, NaN where the denominator is not positive."""
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    ok = den > 0
    return np.where(ok, num / np.where(ok, den, 1.0), np.nan)


def abc_xyz(
    annual_value: ArrayLike,
    cv: ArrayLike,
    a_share: float = 0.8,
    b_share: float = 0.95,
    x_cv: float = 0.5,
    y_cv: float = 1.0,
) -> NDArray[np.str_]:
    """ABC-XYZ class per row, e.g. 'AX'.

    ABC by Pareto share of annual value (demand × unit cost): rows sorted by value descending
    are A while the cumulative share *before* them is below ``a_share`` (so the row that
    crosses 80 % is still A), B below ``b_share``, then C. XYZ by coefficient of variation of
    demand per period: X below ``x_cv``, Y below ``y_cv``, else Z. A row with a missing value
    or cv gets '' (unclassifiable).
    Source: Silver, Pyke & Peterson, 3rd ed., §3.6 (ABC); Scholz-Reiter et al. (2012) (XYZ).
    """
    value = np.asarray(annual_value, dtype=np.float64)
    cv_arr = np.asarray(cv, dtype=np.float64)
    valid = np.isfinite(value) & (value >= 0) & np.isfinite(cv_arr) & (cv_arr >= 0)
    clean = np.where(valid, value, 0.0)
    order = np.argsort(-clean, kind="stable")
    total = clean.sum()
    before = np.empty_like(clean)
    before[order] = (np.cumsum(clean[order]) - clean[order]) / (total if total > 0 else 1.0)
    abc = np.select([before < a_share, before < b_share], ["A", "B"], default="C")
    xyz = np.select([cv_arr < x_cv, cv_arr < y_cv], ["X", "Y"], default="Z")
    return np.where(valid, np.char.add(abc, xyz), "")
