"""Integer reorder levels for slow movers under Poisson and negative-binomial demand.

When lead-time demand is a few units, the normal approximation misstates the tail (the
classic complaint about z·σ·√L for class-C items). These functions pick the smallest integer
level that meets the target exactly under the discrete distribution.
Units: demand over the protection interval, in units.
"""

import numpy as np
from numpy.typing import NDArray
from scipy.special import pdtr
from scipy.stats import nbinom, poisson

_SEARCH_TAIL = 1e-12


def negbin_parameters(mean: NDArray, variance: NDArray) -> tuple[NDArray, NDArray]:
    """(n, p) of the negative binomial with this mean and variance (variance > mean)."""
    p = mean / variance
    return mean * p / (1.0 - p), p


def discrete_loss(level: NDArray, mean: NDArray, variance: NDArray, poisson_rows: NDArray):
    """Expected units short E[(X − s)⁺] at integer level s.

    Poisson: (μ − s)(1 − F(s)) + μ·p(s). Negative binomial NB(n, p): μ·(1 − F_{n+1}(s − 1))
    − s·(1 − F_n(s)), from j·NB(j; n, p) = μ·NB(j − 1; n + 1, p).
    Source: Silver, Pyke & Peterson, 3rd ed., §B.5 (Poisson); Hadley & Whitin (1963) (NB).
    """
    s = np.asarray(level, dtype=np.float64)
    loss_poisson = (mean - s) * (1.0 - pdtr(s, mean)) + mean * poisson.pmf(s, mean)
    safe_var = np.where(poisson_rows, mean * 2.0 + 1.0, variance)
    n, p = negbin_parameters(mean, safe_var)
    tail_next = 1.0 - np.where(s >= 1, nbinom.cdf(s - 1, n + 1.0, p), 0.0)
    loss_negbin = mean * tail_next - s * (1.0 - nbinom.cdf(s, n, p))
    return np.maximum(np.where(poisson_rows, loss_poisson, loss_negbin), 0.0)


def discrete_cdf(level: NDArray, mean: NDArray, variance: NDArray, poisson_rows: NDArray):
    """P(X ≤ s) under the row's distribution."""
    safe_var = np.where(poisson_rows, mean * 2.0 + 1.0, variance)
    n, p = negbin_parameters(mean, safe_var)
    return np.where(poisson_rows, pdtr(level, mean), nbinom.cdf(level, n, p))


def discrete_cycle_level(alpha: NDArray, mean: NDArray, variance: NDArray, poisson_rows: NDArray):
    """Smallest integer s with P(X ≤ s) ≥ α."""
    safe_var = np.where(poisson_rows, mean * 2.0 + 1.0, variance)
    n, p = negbin_parameters(mean, safe_var)
    return np.where(poisson_rows, poisson.ppf(alpha, mean), nbinom.ppf(alpha, n, p))


def discrete_fill_level(
    shortage_allowed: NDArray, mean: NDArray, variance: NDArray, poisson_rows: NDArray
) -> NDArray[np.float64]:
    """Smallest integer s with E[(X − s)⁺] ≤ ``shortage_allowed`` (= (1 − β)·Q), found by a
    vectorized bisection over integers (the loss falls as s rises)."""
    low = np.zeros_like(mean)
    high = np.maximum(discrete_cycle_level(1.0 - _SEARCH_TAIL, mean, variance, poisson_rows), 1)
    while np.any(high - low > 0):
        middle = np.floor((low + high) / 2.0)
        meets = discrete_loss(middle, mean, variance, poisson_rows) <= shortage_allowed
        high = np.where(meets, middle, high)
        low = np.where(meets, low, middle + 1.0)
    return high
