"""Lead-time demand from a row's own history: the sum of L + R periods, each drawn from the
periods the row has observed (their empirical distribution), instead of a fitted normal,
Poisson or negative binomial.

For intermittent and lumpy rows the shape matters more than the first two moments: orders of
exactly 2 units arriving twice in 43 periods put all their mass on 0, 2, 4, …, which a
moment-matched negative binomial smears over 1, 3, 5, … (and a normal over negative values).
Summing independent draws of the observed periods keeps the arrival rate, the sizes and their
rare large values as they were seen. This is the distribution that bootstrapping lead-time
demand from history approximates by sampling (Willemain, Smart & Schwarz (2004), *Int. J.
Forecasting* 20(3), 375–387, without their Markov arrivals and jittering); here it is computed
exactly, by convolution, so it has no sampling noise. With a non-zero-size distribution it is
the compound-binomial model of intermittent demand (Syntetos & Boylan (2021), *Intermittent
Demand Forecasting*, ch. 5).

- A fractional number of periods n = k + f sums k periods and one more with probability f
  (mean n·μ exactly).
- A lead time with standard deviation σ_L mixes the sums over L − √3σ_L, L, L + √3σ_L with
  weights 1/6, 2/3, 1/6 (a three-point Gauss–Hermite rule, exact for the mean and the variance
  of L, so the mixture has the moments of ``lead_time_demand``).
- Quantities are counted in whole units (rounded); only the first ``units`` values of the sum
  are tabulated: a draw of ``units`` or more can only put the sum beyond the table, so
  leaving it out is exact for the values kept. The FFT covers the whole support of the
  truncated sum, or, when that is longer than four tables, four tables with the pmf
  exponentially tilted so that what wraps around weighs less than 1e-14 (``_tilt``).
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray
from scipy.fft import irfft, next_fast_len, rfft

from inventory.engine.discrete import Table

_TILTED_LENGTH = 4  # FFT length in table lengths when the sum's support is longer
_ALIASING = 1e-14  # weight of the mass an FFT folds back (see _tilt)
_FFT_CELLS = 4_000_000  # rows × FFT length per block: bounds memory to about 100 MB
_WORKERS = -1  # FFTs over all cores (scipy.fft threads over rows)
_THREE_POINTS = (np.array([-np.sqrt(3.0), 0.0, np.sqrt(3.0)]), np.array([1 / 6, 2 / 3, 1 / 6]))


@dataclass(frozen=True)
class EmpiricalDemand:
    """Demand over ``length`` periods (sd ``length_sd``) as a sum of draws from each row's
    observed periods ``samples`` (rows × periods, whole units, NaN = not observed), a period
    drawn with probability proportional to its ``weights`` (one per column; equal when
    None)."""

    samples: NDArray[np.float64]
    length: NDArray[np.float64]
    length_sd: NDArray[np.float64]
    weights: NDArray[np.float64] | None = None

    @cached_property
    def _weights(self) -> NDArray[np.float64]:
        """Each observed period's probability of being drawn (rows × periods)."""
        w = np.ones(self.samples.shape[1]) if self.weights is None else self.weights
        w = np.where(np.isnan(self.samples), 0.0, w[None, :])
        return w / np.maximum(w.sum(axis=1, keepdims=True), 1e-300)

    @cached_property
    def period_mean(self) -> NDArray[np.float64]:
        observed = (~np.isnan(self.samples)).any(axis=1)
        mean = (self._weights * np.nan_to_num(self.samples)).sum(axis=1)
        return np.where(observed, mean, np.nan)

    @property
    def mean(self) -> NDArray[np.float64]:
        return self.length * self.period_mean

    @property
    def variance(self) -> NDArray[np.float64]:
        mu = self.period_mean
        spread = (self._weights * np.nan_to_num(self.samples - mu[:, None]) ** 2).sum(axis=1)
        return self.length * spread + mu**2 * self.length_sd**2

    def take(self, rows: NDArray) -> "EmpiricalDemand":
        """The subset of rows selected by a mask or index."""
        return EmpiricalDemand(
            self.samples[rows], self.length[rows], self.length_sd[rows], self.weights
        )

    def table(self, units: int) -> Table:
        """cdf and expected excess at s = 0 … units − 1, per row."""
        period = period_pmf(self.samples, units, self._weights)
        pmf = np.zeros_like(period)
        offsets, weights = _THREE_POINTS
        varies = self.length_sd > 0
        for offset, weight in zip(offsets, weights, strict=True):
            if offset != 0.0 and not varies.any():
                continue
            length = np.maximum(self.length + offset * self.length_sd, 0.0)
            share = np.where(varies, weight, 1.0 if offset == 0.0 else 0.0)
            pmf += share[:, None] * sum_pmf(period, length)
        return Table.from_pmf(pmf, self.mean)


def period_pmf(samples: NDArray, units: int, weights: NDArray) -> NDArray[np.float64]:
    """P(one period's demand = s) for s < ``units`` per row: the weight of the observed
    periods with that many units (rows × units; values of ``units`` or more are left out).
    ``weights`` (rows × periods) sum to 1 over each row's observed periods."""
    rows = samples.shape[0]
    observed = ~np.isnan(samples)
    values = np.minimum(np.where(observed, samples, units), units).astype(np.int64)
    flat = (np.arange(rows)[:, None] * (units + 1) + values)[observed]
    mass = np.bincount(flat, weights[observed], minlength=rows * (units + 1))
    return mass.reshape(rows, units + 1)[:, :units]


def sum_pmf(period: NDArray, length: NDArray) -> NDArray[np.float64]:
    """P(sum of ``length`` periods = s) for s < units per row, ``period`` the pmf of one
    period (rows × units) and ``length`` ≥ 0 possibly fractional: k = ⌊length⌋ periods plus
    one more with probability length − k."""
    rows, units = period.shape
    whole = np.floor(length).astype(np.int64)
    part = length - whole
    result = np.empty_like(period)
    for block in _blocks(rows, units, whole):
        support = units * (int(whole[block].max()) + 1)
        size = next_fast_len(min(support, _TILTED_LENGTH * units), real=True)
        tilt = _tilt(units, size) if size < support else np.ones(units)
        spectrum = rfft(period[block] * tilt, size, axis=1, workers=_WORKERS)
        extra = part[block, None] * spectrum + (1.0 - part[block, None])
        summed = irfft(_power(spectrum, whole[block]) * extra, size, axis=1, workers=_WORKERS)[
            :, :units
        ]
        result[block] = np.clip(summed / tilt, 0.0, 1.0)
    return result


def _tilt(units: int, size: int) -> NDArray[np.float64]:
    """θ^s for s < ``units`` with θ^size = ``_ALIASING``: convolving θ^s·p(s) gives
    θ^s·(p * q)(s), and what a circular FFT of ``size`` folds back onto s comes from s + size
    and beyond, damped by θ^size, so the sum can be computed on a short FFT (exponential
    windowing: Embrechts & Frei (2009), *Math. Methods Oper. Res.* 69(3), 497–508)."""
    return np.exp(np.arange(units) * (np.log(_ALIASING) / size))


def _power(spectrum: NDArray, exponent: NDArray) -> NDArray[np.complex128]:
    """``spectrum`` to each row's whole ``exponent`` by repeated squaring (multiplications
    only: several times faster than a complex power, which goes through log and exp)."""
    result = np.ones_like(spectrum)
    base, remaining = spectrum.copy(), exponent.copy()
    while remaining.any():
        odd = (remaining & 1).astype(bool)[:, None]
        np.multiply(result, base, out=result, where=odd)
        remaining >>= 1
        if remaining.any():
            np.multiply(base, base, out=base)
    return result


def _blocks(rows: int, units: int, whole: NDArray) -> list[NDArray]:
    """Row blocks sorted by length whose FFTs fit in ``_FFT_CELLS``."""
    order = np.argsort(whole, kind="stable")
    blocks, start = [], 0
    while start < rows:
        widest = units * (whole[order[start:]] + 1)  # ascending: a block's last is its widest
        fits = np.arange(1, widest.size + 1) * widest <= _FFT_CELLS
        end = start + max(1, int(fits.sum()))
        blocks.append(order[start:end])
        start = end
    return blocks
