"""The statistical baseline of a portfolio: per row, the method its demand class allows that
forecasts the holdout best, refitted on the whole history (pure numpy, vectorized over rows).

Steps: pack each row at its first record and clean promoted periods (``prepare``); classify
(``classify``); for established rows, fit each candidate on all but the last ``holdout``
periods and keep the one with the least holdout MAE (rows too short for a holdout take SES or
SBA); refit the winner on the whole history. New rows take their group's profile; rows
without demand forecast 0. Prediction intervals are normal: forecast ± z σ_h, clipped at 0.
"""

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike, NDArray

from demand.forecasting import classify as dc
from demand.forecasting.fit import Fit
from demand.forecasting.intermittent import croston, tsb
from demand.forecasting.metrics import mase
from demand.forecasting.prepare import pack
from demand.forecasting.smoothing import holt, holt_winters, ses

# demand.choices.ForecastMethod values (that module imports Django).
SES, HOLT, HOLT_WINTERS = "ses", "holt", "holt_winters"
CROSTON, SBA, TSB = "croston", "sba", "tsb"
CATEGORY_PROFILE, ZERO = "category_profile", "zero"

CANDIDATES = {
    dc.SMOOTH: (SES, HOLT, HOLT_WINTERS),
    dc.ERRATIC: (SES, HOLT, HOLT_WINTERS),
    dc.INTERMITTENT: (CROSTON, SBA, TSB),
    dc.LUMPY: (CROSTON, SBA, TSB),
}
"""Methods per class, simplest first (it wins ties)."""
DEFAULT = {dc.SMOOTH: SES, dc.ERRATIC: SES, dc.INTERMITTENT: SBA, dc.LUMPY: SBA}
"""The method of rows too short for a holdout."""
BLOCK_ROWS = 20_000
"""Rows fitted together: bounds the memory of the grids (Holt-Winters: rows × 12 × m)."""


@dataclass(frozen=True)
class ForecastResult:
    """Per row (aligned with the history's rows): class, chosen method and parameters, level
    and one-step error sd (units per period), holdout MASE, history periods fitted, and the
    forecast with its interval (rows × horizon, units per period, never negative)."""

    demand_class: NDArray
    method: NDArray
    alpha: NDArray
    beta: NDArray
    gamma: NDArray
    level: NDArray
    sigma: NDArray
    holdout_mase: NDArray
    periods: NDArray
    forecast: NDArray
    lower: NDArray
    upper: NDArray


def _fits(methods, y: NDArray, n: NDArray, horizon: int, m: int) -> dict[str, Fit]:
    """Each of ``methods`` fitted to the same rows (Croston and SBA share one recursion)."""
    fits: dict[str, Fit] = {}
    if CROSTON in methods or SBA in methods:
        fits[CROSTON], fits[SBA] = croston(y, n, horizon)
    runners = {
        SES: lambda: ses(y, n, horizon),
        HOLT: lambda: holt(y, n, horizon),
        HOLT_WINTERS: lambda: holt_winters(y, n, horizon, m),
        TSB: lambda: tsb(y, n, horizon),
    }
    fits.update({method: runners[method]() for method in methods if method in runners})
    return {method: fits[method] for method in methods}


def _batches(methods: tuple, rows: NDArray, n: NDArray, m: int, before: int = 0):
    """(methods, row indices) fitted together: Holt-Winters apart, on the rows with two full
    seasons of history and more than one season in the fitted part (``n − before``), and
    only for a season of 2 periods or more."""
    plain = tuple(name for name in methods if name != HOLT_WINTERS)
    yield plain, np.flatnonzero(rows)
    if HOLT_WINTERS in methods and m > 1:
        yield (HOLT_WINTERS,), np.flatnonzero(rows & (n >= 2 * m) & (n - before > m))


def _holdout(y, n, classes, holdout, m) -> tuple[NDArray, NDArray]:
    """(winning method, its holdout MASE) per row: candidates fitted on all but the last
    ``holdout`` periods, scored by MAE on them; rows too short keep their class default."""
    method = np.array([DEFAULT[c] for c in classes], dtype=object)
    score = np.full(len(y), np.nan)
    fit_n = n - holdout
    can = (fit_n >= dc.NEW_PERIODS) & (holdout > 0)
    window = np.where(np.arange(y.shape[1]) < fit_n[:, None], y, np.nan)
    actual = np.take_along_axis(
        y, np.clip(fit_n[:, None] + np.arange(holdout), 0, y.shape[1] - 1), axis=1
    )
    for methods in dict.fromkeys(CANDIDATES.values()):
        rows = can & np.isin(classes, [c for c in CANDIDATES if CANDIDATES[c] == methods])
        mae = np.full((len(y), len(methods)), np.nan)
        scaled = np.full((len(y), len(methods)), np.nan)
        for names, pick in _batches(methods, rows, n, m, holdout):
            if not len(pick):
                continue
            fits = _fits(names, np.nan_to_num(window[pick]), fit_n[pick], holdout, m)
            for name, fit in fits.items():
                k, forecast = methods.index(name), np.maximum(fit.forecast, 0.0)
                mae[pick, k] = np.abs(forecast - actual[pick]).mean(axis=1)
                scaled[pick, k] = mase(actual[pick], forecast, window[pick])
        scored = np.flatnonzero(~np.isnan(mae).all(axis=1))
        winner = np.nanargmin(mae[scored], axis=1)
        method[scored] = np.array(methods, dtype=object)[winner]
        score[scored] = scaled[scored, winner]
    return method, score


def _refit(out: dict, rows: NDArray, y, n, method, horizon: int, m: int) -> None:
    """Each row's winning method fitted on its whole history, written into ``out``."""
    for name in dict.fromkeys(method):
        pick = np.flatnonzero(method == name)
        fit = _fits((name,), np.nan_to_num(y[pick]), n[pick], horizon, m)[name]
        at = rows[pick]
        out["method"][at] = name
        for field in ("alpha", "beta", "gamma", "level", "sigma"):
            out[field][at] = getattr(fit, field)
        out["forecast"][at], out["sd"][at] = fit.forecast, fit.sd


def _new_items(out: dict, y: NDArray, n: NDArray, classes: NDArray, group: NDArray) -> None:
    """New rows: their own mean demand per period since the first record times their group's
    profile, the mean over the group's established rows of forecast / its mean (flat where
    the group has none); error sd: that mean times the group's mean σ / forecast mean (all
    established rows' where the group has none), the same at every step."""
    new = np.flatnonzero(classes == dc.NEW)
    if not len(new):
        return
    own = np.nansum(y[new], axis=1) / n[new]
    rate = out["forecast"].mean(axis=1)
    known = np.flatnonzero(np.isin(classes, list(CANDIDATES)) & (rate > 0))
    codes, index = np.unique(group, return_inverse=True)
    count = np.bincount(index[known], minlength=len(codes)).astype(np.float64)
    profile = np.ones((len(codes), out["forecast"].shape[1]))
    shape = out["forecast"][known] / rate[known, None]
    for j in range(profile.shape[1]):
        total = np.bincount(index[known], weights=shape[:, j], minlength=len(codes))
        profile[:, j] = np.where(count > 0, total / np.maximum(count, 1), 1.0)
    spread = out["sigma"][known] / rate[known]
    overall = spread.mean() if len(known) else 0.0
    by_group = np.bincount(index[known], weights=spread, minlength=len(codes))
    cv = np.where(count > 0, by_group / np.maximum(count, 1), overall)[index[new]]
    out["forecast"][new] = own[:, None] * profile[index[new]]
    out["sd"][new] = (own * cv)[:, None]
    out["method"][new], out["level"][new], out["sigma"][new] = CATEGORY_PROFILE, own, own * cv


def forecast_portfolio(
    history: ArrayLike,
    horizon: int = 26,
    holdout: int = 13,
    season_length: int = 52,
    promotion: ArrayLike | None = None,
    group: ArrayLike | None = None,
    interval: float = 0.90,
) -> ForecastResult:
    """Statistical baseline of every row of ``history`` (rows × periods, oldest first, NaN =
    no record): see the module docstring and docs/forecasting.md."""
    packed = pack(history, promotion)
    y, n = packed.values, packed.periods
    rows, width = y.shape
    classes = dc.classify(y, n)
    nan = np.full(rows, np.nan)
    out = {
        "method": np.full(rows, ZERO, dtype=object),
        **{field: nan.copy() for field in ("alpha", "beta", "gamma", "holdout_mase")},
        "level": np.zeros(rows),
        "sigma": np.zeros(rows),
        "forecast": np.zeros((rows, horizon)),
        "sd": np.zeros((rows, horizon)),
    }
    fitted = np.flatnonzero(np.isin(classes, list(CANDIDATES)))
    for start in range(0, len(fitted), BLOCK_ROWS):
        at = fitted[start : start + BLOCK_ROWS]
        reach = int(n[at].max())
        block_y, block_n = y[at, :reach], n[at]
        method, out["holdout_mase"][at] = _holdout(
            block_y, block_n, classes[at], holdout, season_length
        )
        _refit(out, at, block_y, block_n, method, horizon, season_length)
    groups = np.zeros(rows, dtype=np.int64) if group is None else np.asarray(group)
    _new_items(out, y, n, classes, groups)
    z = NormalDist().inv_cdf(0.5 + interval / 2)
    forecast, sd = out.pop("forecast"), out.pop("sd")
    return ForecastResult(
        demand_class=classes,
        periods=n,
        forecast=np.maximum(forecast, 0.0),
        lower=np.maximum(forecast - z * sd, 0.0),
        upper=np.maximum(forecast + z * sd, 0.0),
        **out,
    )
