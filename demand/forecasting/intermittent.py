"""Intermittent-demand methods over all rows at once (pure numpy).

- Croston (1972), "Forecasting and stock control for intermittent demands", *ORQ* 23(3):
  smooth the non-zero sizes z and the intervals p between them with the same α, updated only
  in periods with demand; forecast z / p per period.
- SBA, Syntetos & Boylan (2005), "The accuracy of intermittent demand estimates", *IJF* 21(2):
  Croston's forecast times (1 − α/2), which removes its bias.
- TSB, Teunter, Syntetos & Babai (2011), "Intermittent demand: linking forecasting to inventory
  obsolescence", *EJOR* 214(3): smooth the probability of demand π every period (β) and the
  size z in periods with demand (α); forecast π z.

Initial states are the in-sample means, as ``init = "mean"`` of Kourentzes' R package
tsintermittent: z_0 = mean non-zero size, p_0 = ADI (periods per period with demand), π_0 = the
share of periods with demand. The interval to a row's first demand is unknown (the history
may start with it), so that demand updates z only. Parameters per row: the grid point
with the least in-sample one-step SSE of that method's own forecast.

Prediction intervals (an approximation: these methods have no agreed stochastic model) use the
SES variance σ² (1 + (h − 1) a²), a = α (TSB: the larger of α and β), with σ the method's
one-step in-sample error sd.
"""

import numpy as np
from numpy.typing import NDArray

from demand.forecasting.fit import Fit, best, grid, sigma, steps, take

CROSTON_ALPHAS = grid((0.05, 0.1, 0.15, 0.2, 0.3))[0]
TSB_GRID = grid((0.05, 0.1, 0.2, 0.3), (0.02, 0.05, 0.1, 0.2))
"""α (size), β (probability)."""


def _starts(y: NDArray, n: NDArray) -> tuple[NDArray, NDArray]:
    """(mean non-zero size, share of periods with demand) over each row's ``n`` periods."""
    y = np.where(np.arange(y.shape[1]) < n[:, None], y, 0.0)
    positive = y > 0
    count = positive.sum(axis=1)
    return y.sum(axis=1) / np.maximum(count, 1), count / np.maximum(n, 1)


def _flat(level: NDArray, sd: NDArray, a: NDArray, horizon: int) -> tuple[NDArray, NDArray]:
    """Flat forecast and the SES-style error sd per step."""
    h = steps(horizon)
    return np.repeat(level[:, None], horizon, axis=1), sd[:, None] * np.sqrt(
        1 + (h - 1) * a[:, None] ** 2
    )


def _result(level, sse, column, a, n, horizon, beta=None) -> Fit:
    sd = sigma(take(sse, column), n)
    spread = a if beta is None else np.maximum(a, beta)
    forecast, band = _flat(take(level, column), sd, spread, horizon)
    unused = np.full(len(n), np.nan)
    return Fit(a, unused if beta is None else beta, unused, forecast[:, 0], sd, forecast, band)


def croston(
    y: NDArray, n: NDArray, horizon: int, alphas: NDArray = CROSTON_ALPHAS
) -> tuple[Fit, Fit]:
    """(Croston, SBA) fitted to left-packed ``y`` (0 past each row's ``n``); one recursion,
    each method choosing its own α."""
    size0, share = _starts(y, n)
    alpha = alphas[None, :]
    rows, width = len(y), len(alphas)
    size = np.repeat(size0[:, None], width, axis=1)
    interval = np.repeat((1 / np.maximum(share, 1e-12))[:, None], width, axis=1)
    since = np.zeros(rows)  # periods since the last demand; 0 before the first
    sse_croston, sse_sba = np.zeros((rows, width)), np.zeros((rows, width))
    for t in range(int(n.max(initial=0))):
        active = (t < n)[:, None]
        rate = size / interval
        for sse, pred in ((sse_croston, rate), (sse_sba, (1 - alpha / 2) * rate)):
            sse += np.where(active, (y[:, t, None] - pred) ** 2, 0.0)
        since = since + 1
        demand = active[:, 0] & (y[:, t] > 0)
        size = np.where(demand[:, None], size + alpha * (y[:, t, None] - size), size)
        seen = (demand & (since < t + 1))[:, None]
        interval = np.where(seen, interval + alpha * (since[:, None] - interval), interval)
        since = np.where(demand, 0.0, since)
    rate = size / interval
    fits = []
    for sse, scale in ((sse_croston, 1.0), (sse_sba, 1 - alpha / 2)):
        column = best(sse)
        fits.append(_result(rate * scale, sse, column, alphas[column], n, horizon))
    return fits[0], fits[1]


def tsb(y: NDArray, n: NDArray, horizon: int, params: tuple = TSB_GRID) -> Fit:
    """Teunter–Syntetos–Babai fitted to left-packed ``y`` (0 past each row's ``n``);
    ``params`` = (α, β) grid."""
    size0, share0 = _starts(y, n)
    alpha, beta = (p[None, :] for p in params)
    width = len(params[0])
    size = np.repeat(size0[:, None], width, axis=1)
    share = np.repeat(share0[:, None], width, axis=1)
    sse = np.zeros((len(y), width))
    for t in range(int(n.max(initial=0))):
        active = (t < n)[:, None]
        sse += np.where(active, (y[:, t, None] - share * size) ** 2, 0.0)
        demand = active & (y[:, t, None] > 0)
        size = np.where(demand, size + alpha * (y[:, t, None] - size), size)
        share = np.where(active, share + beta * (demand - share), share)
    column = best(sse)
    return _result(share * size, sse, column, params[0][column], n, horizon, params[1][column])
