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
_FFT_CELLS = 250_000  # rows × FFT length per block: 4 MB of spectrum, squared in cache
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
    def _filled(self) -> NDArray[np.float64]:
        """``samples`` with 0 where not observed (weighed 0)."""
        return np.where(np.isnan(self.samples), 0.0, self.samples)

    @cached_property
    def period_mean(self) -> NDArray[np.float64]:
        observed = (~np.isnan(self.samples)).any(axis=1)
        mean = (self._weights * self._filled).sum(axis=1)
        return np.where(observed, mean, np.nan)

    @property
    def mean(self) -> NDArray[np.float64]:
        return self.length * self.period_mean

    @cached_property
    def _period_spread(self) -> NDArray[np.float64]:
        """Variance of one period's demand."""
        return (self._weights * (self._filled - self.period_mean[:, None]) ** 2).sum(axis=1)

    @property
    def variance(self) -> NDArray[np.float64]:
        return self.length * self._period_spread + self.period_mean**2 * self.length_sd**2

    def over(self, length: NDArray) -> "EmpiricalDemand":
        """The same periods summed over ``length`` periods instead, sharing the per-period
        statistics (computed here when they were not yet)."""
        other = EmpiricalDemand(self.samples, length, self.length_sd, self.weights)
        for name in _PERIOD_STATISTICS:
            other.__dict__[name] = getattr(self, name)
        return other

    def take(self, rows: NDArray) -> "EmpiricalDemand":
        """The subset of rows selected by a mask or index (with the per-period statistics
        computed so far)."""
        other = EmpiricalDemand(
            self.samples[rows], self.length[rows], self.length_sd[rows], self.weights
        )
        for name in _PERIOD_STATISTICS:
            if name in self.__dict__:
                other.__dict__[name] = self.__dict__[name][rows]
        return other

    def table(self, units: int) -> Table:
        """cdf and expected excess at s = 0 … units − 1, per row."""
        return _tables((self,), units)[0]

    def tables_with(self, prior: "EmpiricalDemand", units: int) -> tuple[Table, Table]:
        """This demand's table and ``prior``'s (the same rows' periods over another length),
        with the period distribution, its spectrum and its powers computed once."""
        interval, before = _tables((self, self.over(prior.length)), units)
        return interval, before


_PERIOD_STATISTICS = ("_weights", "_filled", "period_mean")


def _tables(demands: tuple[EmpiricalDemand, ...], units: int) -> list[Table]:
    """The tables of ``demands``: the same rows' periods (and lead-time sd) summed over
    different lengths."""
    first = demands[0]
    period = period_pmf(first.samples, units, first._weights)
    offsets, weights = _THREE_POINTS
    varies = first.length_sd > 0
    pmfs = [np.zeros_like(period) for _ in demands]
    for offset, weight in zip(offsets, weights, strict=True):
        if offset != 0.0 and not varies.any():
            continue
        lengths = [np.maximum(d.length + offset * d.length_sd, 0.0) for d in demands]
        share = np.where(varies, weight, 1.0 if offset == 0.0 else 0.0)[:, None]
        for pmf, summed in zip(pmfs, sum_pmfs(period, lengths), strict=True):
            pmf += share * summed
    return [Table.from_pmf(pmf, d.mean) for pmf, d in zip(pmfs, demands, strict=True)]


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


def sum_pmfs(period: NDArray, lengths: list[NDArray]) -> list[NDArray[np.float64]]:
    """P(sum of ``length`` periods = s) for s < units per row, for each of ``lengths``:
    ``period`` is the pmf of one period (rows × units), a length ≥ 0 possibly fractional
    (k = ⌊length⌋ periods plus one more with probability length − k). One spectrum of the
    period and one series of its squarings serve all lengths."""
    rows, units = period.shape
    wholes = [np.floor(length).astype(np.int64) for length in lengths]
    parts = [length - whole for length, whole in zip(lengths, wholes, strict=True)]
    results = [np.empty_like(period) for _ in lengths]
    for block in _blocks(rows, units, np.max(wholes, axis=0)):
        support = units * (int(max(whole[block].max() for whole in wholes)) + 1)
        size = next_fast_len(min(support, _TILTED_LENGTH * units), real=True)
        tilt = _tilt(units, size) if size < support else None
        tilted = period[block] if tilt is None else period[block] * tilt
        spectrum = rfft(tilted, size, axis=1, workers=_WORKERS)
        powers = _powers(spectrum, [whole[block] for whole in wholes])
        for result, power, part in zip(results, powers, parts, strict=True):
            if part[block].any():
                extra = part[block, None] * spectrum + (1.0 - part[block, None])
                power *= extra
            summed = irfft(power, size, axis=1, workers=_WORKERS)[:, :units]
            if tilt is not None:
                summed /= tilt
            result[block] = np.clip(summed, 0.0, 1.0)
    return results


def _tilt(units: int, size: int) -> NDArray[np.float64]:
    """θ^s for s < ``units`` with θ^size = ``_ALIASING``: convolving θ^s·p(s) gives
    θ^s·(p * q)(s), and what a circular FFT of ``size`` folds back onto s comes from s + size
    and beyond, damped by θ^size, so the sum can be computed on a short FFT (exponential
    windowing: Embrechts & Frei (2009), *Math. Methods Oper. Res.* 69(3), 497–508)."""
    return np.exp(np.arange(units) * (np.log(_ALIASING) / size))


def _powers(spectrum: NDArray, exponents: list[NDArray]) -> list[NDArray[np.complex128]]:
    """``spectrum`` to each row's whole exponent, for each of ``exponents``, by repeated
    squaring (multiplications only: several times faster than a complex power, which goes
    through log and exp); the squarings are shared."""
    results = [np.ones_like(spectrum) for _ in exponents]
    base, remaining = spectrum.copy(), [exponent.copy() for exponent in exponents]
    while any(r.any() for r in remaining):
        for result, exponent in zip(results, remaining, strict=True):
            odd = (exponent & 1).astype(bool)[:, None]
            np.multiply(result, base, out=result, where=odd)
            exponent >>= 1
        if any(r.any() for r in remaining):
            np.multiply(base, base, out=base)
    return results


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
