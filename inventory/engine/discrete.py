"""Integer levels for slow movers under Poisson and negative-binomial demand.

When lead-time demand is a few units, the normal approximation misstates the tail (the
classic complaint about z·σ·√L for class-C items). These functions pick the smallest integer
level that meets the target exactly under the discrete distribution.
Units: demand over an interval, in units.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import pdtr
from scipy.stats import nbinom, poisson

_SEARCH_TAIL = 1e-12


@dataclass(frozen=True)
class DiscreteDemand:
    """Demand over an interval: Poisson where ``poisson`` holds, else negative binomial with
    the given variance (> mean)."""

    mean: NDArray[np.float64]
    variance: NDArray[np.float64]
    poisson: NDArray[np.bool_]

    def negbin(self) -> tuple[NDArray, NDArray]:
        """(n, p) of the negative binomial with this mean and variance; harmless values on
        Poisson rows, which never use them."""
        variance = np.where(
            self.poisson | (self.variance <= self.mean), self.mean * 2.0 + 1.0, self.variance
        )
        p = self.mean / variance
        return self.mean * p / (1.0 - p), p

    def cdf(self, level: NDArray) -> NDArray[np.float64]:
        """P(X ≤ s)."""
        n, p = self.negbin()
        return np.where(self.poisson, pdtr(level, self.mean), nbinom.cdf(level, n, p))

    def quantile(self, alpha: NDArray) -> NDArray[np.float64]:
        """Smallest integer s with P(X ≤ s) ≥ α."""
        n, p = self.negbin()
        return np.where(self.poisson, poisson.ppf(alpha, self.mean), nbinom.ppf(alpha, n, p))

    def excess(self, level: NDArray) -> NDArray[np.float64]:
        """E[(X − s)⁺] at integer s ≥ 0.

        Poisson: (μ − s)(1 − F(s)) + μ·p(s). Negative binomial NB(n, p): μ·(1 − F_{n+1}(s − 1))
        − s·(1 − F_n(s)), from j·NB(j; n, p) = μ·NB(j − 1; n + 1, p).
        Source: Silver, Pyke & Peterson, 3rd ed., §B.5 (Poisson); Hadley & Whitin (1963) (NB).
        """
        s = np.asarray(level, dtype=np.float64)
        mean = self.mean
        by_poisson = (mean - s) * (1.0 - pdtr(s, mean)) + mean * poisson.pmf(s, mean)
        n, p = self.negbin()
        tail_next = 1.0 - np.where(s >= 1, nbinom.cdf(s - 1, n + 1.0, p), 0.0)
        by_negbin = mean * tail_next - s * (1.0 - nbinom.cdf(s, n, p))
        return np.maximum(np.where(self.poisson, by_poisson, by_negbin), 0.0)

    def take(self, rows: NDArray) -> "DiscreteDemand":
        """The subset of rows selected by a mask or index."""
        return DiscreteDemand(self.mean[rows], self.variance[rows], self.poisson[rows])


def discrete_shortage(
    level: NDArray, a: DiscreteDemand, b: DiscreteDemand, delta: NDArray
) -> NDArray[np.float64]:
    """Units short per cycle, E[(X_a − s)⁺] − E[(X_b − s − Δ)⁺] (see engine.shortage)."""
    return np.maximum(a.excess(level) - b.excess(level + delta), 0.0)


def discrete_fill_level(
    allowed: NDArray, a: DiscreteDemand, b: DiscreteDemand, delta: NDArray
) -> NDArray[np.float64]:
    """Smallest integer s whose shortage per cycle is at most ``allowed`` = (1 − β)·Q, by a
    vectorized bisection over integers (the shortage falls as s rises)."""
    low = np.zeros_like(a.mean)
    high = np.maximum(a.quantile(1.0 - _SEARCH_TAIL), 1.0)
    while np.any(high > low):
        middle = np.floor((low + high) / 2.0)
        meets = discrete_shortage(middle, a, b, delta) <= allowed
        high = np.where(meets, middle, high)
        low = np.where(meets, low, middle + 1.0)
    return high
