"""Forecast-error metrics pooled over groups of SKU-locations (pure numpy, no Django).

Per SKU-location the metrics are demand.forecasting.metrics' (Hyndman & Koehler 2006). A
group's (the network, a location, a category, an ABC class) pools every (actual, forecast)
pair of its SKU-locations under the same definitions, e = f − a over the pairs:

- bias = Σe / Σa (positive: over-forecast); WAPE = Σ|e| / Σa;
- MAPE = mean of |e| / a over the pairs with a > 0;
- RMSE = √(Σe² / n);
- MASE = mean of |e| / s over the pairs, s = the SKU-location's in-sample naive MAE before
  the window (H&K's MASE across series: each series' errors scaled by its own naive MAE);
  SKU-locations whose s is 0 or unknown are left out of it.

So the pooled figures are each row's sums added up, then divided: sums per row
(:func:`row_sums`), per group (:func:`group_sums`), ratios (:func:`metrics_of`).
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Metric:
    """One forecast-error metric as the page and the API show it."""

    key: str
    label: str
    unit: str  # "share" or "units" or "ratio"
    better: str  # "zero" (closer to 0) or "down"
    formula: str


METRICS = (
    Metric("bias", "Bias", "share", "zero", "Σ(forecast − actual) / Σ actual"),
    Metric("mape", "MAPE", "share", "down", "mean of |forecast − actual| / actual (actual > 0)"),
    Metric("wape", "WAPE", "share", "down", "Σ|forecast − actual| / Σ actual"),
    Metric(
        "mase",
        "MASE",
        "ratio",
        "down",
        "mean |forecast − actual| / in-sample MAE of the naive forecast (52 weeks before)",
    ),
    Metric("rmse", "RMSE", "units", "down", "√(mean (forecast − actual)²), units per week"),
)
KEYS = tuple(metric.key for metric in METRICS)
SUMS = (
    "pairs",
    "actual",
    "error",
    "abs_error",
    "sq_error",
    "positive",
    "ape",
    "scaled",
    "scaled_pairs",
)


def row_sums(actual: NDArray, forecast: NDArray, scale: NDArray) -> dict[str, NDArray]:
    """Per row (rows × periods in, NaN = unknown) the sums the pooled metrics divide:
    pairs n, Σa, Σe, Σ|e|, Σe², pairs with a > 0, Σ|e|/a over them, Σ|e|/s and its pairs
    (s = ``scale`` per row, used where finite and > 0)."""
    known = ~(np.isnan(actual) | np.isnan(forecast))
    a = np.where(known, actual, 0.0)
    e = np.where(known, forecast - a, 0.0)
    absolute = np.abs(e)
    positive = known & (a > 0)
    scaled = np.isfinite(scale) & (scale > 0)
    pairs = known.sum(axis=1).astype(np.float64)
    abs_error = absolute.sum(axis=1)
    return {
        "pairs": pairs,
        "actual": a.sum(axis=1),
        "error": e.sum(axis=1),
        "abs_error": abs_error,
        "sq_error": (e * e).sum(axis=1),
        "positive": positive.sum(axis=1).astype(np.float64),
        "ape": np.where(positive, absolute / np.where(positive, a, 1.0), 0.0).sum(axis=1),
        "scaled": np.where(scaled, abs_error / np.where(scaled, scale, 1.0), 0.0),
        "scaled_pairs": np.where(scaled, pairs, 0.0),
    }


def group_sums(sums: dict[str, NDArray], group: NDArray, groups: int) -> dict[str, NDArray]:
    """The rows' sums added up per group (``group``: 0 … ``groups`` − 1 per row)."""
    return {
        name: np.bincount(group, weights=values, minlength=groups) for name, values in sums.items()
    }


def total_sums(sums: dict[str, NDArray]) -> dict[str, NDArray]:
    """The rows' sums added up into one group (the network)."""
    return {name: np.array([values.sum()]) for name, values in sums.items()}


def _ratio(num: NDArray, den: NDArray) -> NDArray:
    ok = den > 0
    return np.where(ok, num / np.where(ok, den, 1.0), np.nan)


def metrics_of(sums: dict[str, NDArray]) -> dict[str, NDArray]:
    """bias, MAPE, WAPE, MASE, RMSE of each group's sums; NaN where undefined (no pair, no
    demand, no scale)."""
    return {
        "bias": _ratio(sums["error"], sums["actual"]),
        "mape": _ratio(sums["ape"], sums["positive"]),
        "wape": _ratio(sums["abs_error"], sums["actual"]),
        "mase": _ratio(sums["scaled"], sums["scaled_pairs"]),
        "rmse": np.sqrt(_ratio(sums["sq_error"], sums["pairs"])),
    }
