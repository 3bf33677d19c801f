"""Integer levels for slow movers under Poisson and negative-binomial demand.

When lead-time demand is a few units, the normal approximation misstates the tail (the
classic complaint about z·σ·√L for class-C items). Here each row's probabilities over its
whole support are tabulated at once (rows × units, by the distributions' recurrences), so the
smallest integer level meeting a target is read off the table for every row together.
Units: demand over an interval, in units.

Sources: Silver, Pyke & Peterson, 3rd ed., §B.5 (Poisson tables and loss); the negative
binomial recurrence p(j + 1) = p(j)·(n + j)/(j + 1)·(1 − p) (Johnson, Kemp & Kotz,
*Univariate Discrete Distributions*, ch. 5).
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

_CHUNK_CELLS = 250_000  # rows × units per table: 2 MB arrays stay in cache and bound memory
_MAX_UNITS = 1 << 22  # a table this long means the row is not a slow mover


@dataclass(frozen=True)
class DiscreteDemand:
    """Demand over an interval: Poisson where ``poisson`` holds, else negative binomial with
    the given variance (> mean)."""

    mean: NDArray[np.float64]
    variance: NDArray[np.float64]
    poisson: NDArray[np.bool_]

    def take(self, rows: NDArray) -> "DiscreteDemand":
        """The subset of rows selected by a mask or index."""
        return DiscreteDemand(self.mean[rows], self.variance[rows], self.poisson[rows])

    def tables_with(self, prior: "DiscreteDemand", units: int) -> tuple["Table", "Table"]:
        """This demand's table and ``prior``'s."""
        return self.table(units), prior.table(units)

    def table(self, units: int) -> "Table":
        """pmf, cdf and expected excess E[(X − s)⁺] for s = 0 … units − 1, per row."""
        j = np.arange(units, dtype=np.float64)
        mean = self.mean[:, None]
        negbin = ~self.poisson & (self.variance > self.mean)
        p = np.where(negbin, self.mean / np.where(negbin, self.variance, 1.0), 1.0)[:, None]
        n = np.where(negbin[:, None], mean * p / np.where(p < 1, 1.0 - p, 1.0), 0.0)
        ratio = np.where(
            negbin[:, None], (n + j[:-1]) / (j[:-1] + 1.0) * (1.0 - p), mean / (j[:-1] + 1.0)
        )
        first = np.where(negbin[:, None], n * np.log(np.where(negbin[:, None], p, 1.0)), -mean)
        log_pmf = np.concatenate([first, first + np.cumsum(np.log(ratio), axis=1)], axis=1)
        return Table.from_pmf(np.exp(log_pmf), self.mean)


@dataclass(frozen=True)
class Table:
    """Per-row tabulated distribution: ``cdf[r, s]`` = P(X ≤ s), ``excess[r, s]`` =
    E[(X − s)⁺]. Beyond the table the cdf is 1 and the excess 0."""

    cdf: NDArray[np.float64]
    excess: NDArray[np.float64]

    @classmethod
    def from_pmf(cls, pmf: NDArray, mean: NDArray) -> "Table":
        """The table of ``pmf`` (rows × units: P(X = s), the tail beyond left out) for
        distributions of the given means: E[(X − s)⁺] = μ − s + Σ_{i<s} F(i)."""
        cdf = np.minimum(np.cumsum(pmf, axis=1), 1.0)
        below = np.concatenate([np.zeros((len(cdf), 1)), np.cumsum(cdf[:, :-1], axis=1)], 1)
        excess = np.maximum(mean[:, None] - np.arange(cdf.shape[1]) + below, 0.0)
        return cls(cdf=cdf, excess=excess)

    def excess_at(self, level: NDArray) -> NDArray[np.float64]:
        """E[(X − s)⁺] at one integer level per row (0 beyond the table)."""
        return _lookup(self.excess, level, beyond=0.0)

    def cdf_at(self, level: NDArray) -> NDArray[np.float64]:
        """P(X ≤ s) at one integer level per row (1 beyond the table)."""
        return _lookup(self.cdf, level, beyond=1.0)


def _lookup(values: NDArray, level: NDArray, *, beyond: float) -> NDArray[np.float64]:
    index = np.clip(level, 0, values.shape[1] - 1).astype(np.int64)
    found = np.take_along_axis(values, index[:, None], axis=1)[:, 0]
    return np.where(level >= values.shape[1], beyond, np.where(level < 0, np.nan, found))


@dataclass(frozen=True)
class DiscretePolicy:
    """Per row: the integer level, P(X ≤ level) and the expected shortage per cycle there."""

    level: NDArray[np.float64]
    cycle_service: NDArray[np.float64]
    shortage: NDArray[np.float64]


def discrete_policy(
    interval: DiscreteDemand,
    prior: DiscreteDemand,
    *,
    alpha: NDArray,
    allowed: NDArray,
    delta: NDArray,
    fill: NDArray[np.bool_],
    floor: NDArray,
) -> DiscretePolicy:
    """The smallest integer level meeting each row's target, never below ``floor``, with
    the service it gives. Cycle rows: P(X ≤ s) ≥ α. Fill rows: shortage per cycle
    E[(X_a − s)⁺] − E[(X_b − s − Δ)⁺] ≤ ``allowed`` (see engine.shortage).

    Tables start at mean + 4 sd + 3 units and double for the rows whose answer lies
    beyond, so a rare lumpy row with a long tail does not enlarge everyone's table. Where
    s + Δ lies beyond the table the second term counts as 0, which can only raise s.
    """
    count = len(interval.mean)
    level, cdf, shortage = np.full(count, np.nan), np.zeros(count), np.zeros(count)

    def solve(rows: NDArray, a: Table, b: Table) -> NDArray:
        size = a.excess.shape[1]
        shifted = _shifted_excess(b, np.arange(size)[None, :] + delta[rows, None])
        found = np.where(
            fill[rows],
            _first(a.excess - shifted <= allowed[rows, None]),
            _first(a.cdf >= alpha[rows, None]),
        )
        level[rows] = np.maximum(found, floor[rows])
        cdf[rows] = a.cdf_at(level[rows])
        shortage[rows] = a.excess_at(level[rows]) - b.excess_at(level[rows] + delta[rows])
        return level[rows]

    _tabulate(interval, prior, _initial_units(interval), solve)
    return DiscretePolicy(level=level, cycle_service=cdf, shortage=np.maximum(shortage, 0.0))


def discrete_curve(
    interval: DiscreteDemand,
    prior: DiscreteDemand,
    *,
    allowed: NDArray,
    delta: NDArray,
    floor: NDArray,
    points: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(levels, shortage per cycle at each; rows × ``points``) of fill-rate rows: the
    smallest integer levels, never below ``floor``, whose shortage is within each row's two
    allowances ``allowed`` (rows × 2, the lower bound's first), and ``points`` levels evenly
    spaced between them (rounded up), all read off one table per row. Tables double until
    they hold each row's highest level plus Δ, so every shortage is exact."""
    count = len(interval.mean)
    level, shortage = np.full((count, points), np.nan), np.full((count, points), np.nan)
    spacing = np.linspace(0.0, 1.0, points)[None, :]

    def solve(rows: NDArray, a: Table, b: Table) -> NDArray:
        size = a.excess.shape[1]
        net = a.excess - _shifted_excess(b, np.arange(size)[None, :] + delta[rows, None])
        low, high = (
            np.maximum(_first(net <= allowed[rows, bound, None]), floor[rows]) for bound in (0, 1)
        )
        grid = np.ceil(low[:, None] + spacing * (high - low)[:, None] - 1e-9)
        level[rows] = grid
        index = np.minimum(grid, size - 1).astype(np.int64)
        shortage[rows] = np.maximum(np.take_along_axis(net, index, axis=1), 0.0)
        return high + delta[rows]

    _tabulate(interval, prior, _initial_units(interval) + np.ceil(delta).astype(np.int64), solve)
    return level, shortage


def _tabulate(interval: DiscreteDemand, prior: DiscreteDemand, units: NDArray, solve) -> None:
    """Tables of every row, ``units`` long at first (doubled for the rows whose answer lies
    beyond), passed chunk by chunk to ``solve(rows, interval table, prior table)``, which
    returns the highest index each row needed. Continuous review: the prior is the
    interval's distribution, so one table serves both."""
    own_prior = (prior.mean != interval.mean) | (prior.variance != interval.variance)
    pending = np.arange(len(interval.mean))
    while pending.size and units[pending].max() <= _MAX_UNITS:
        unresolved = []
        for rows, size in table_chunks(pending, units[pending], own_prior[pending]):
            chunk = interval.take(rows)
            if own_prior[rows[0]]:
                a, b = chunk.tables_with(prior.take(rows), size)
            else:
                a = b = chunk.table(size)
            unresolved.append(rows[solve(rows, a, b) >= size - 1])
        pending = np.concatenate(unresolved)
        units[pending] *= 2


def _initial_units(demand: DiscreteDemand) -> NDArray[np.int64]:
    return np.ceil(demand.mean + 4.0 * np.sqrt(demand.variance) + 3.0).astype(np.int64)


def _shifted_excess(table: Table, levels: NDArray) -> NDArray[np.float64]:
    """E[(X − s)⁺] on a grid of levels per row (0 beyond the table)."""
    index = np.clip(levels, 0, table.excess.shape[1] - 1).astype(np.int64)
    found = np.take_along_axis(table.excess, index, axis=1)
    return np.where(levels >= table.excess.shape[1], 0.0, found)


def _first(meets: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Index of the first True per row (the table's length when none is)."""
    return np.where(meets.any(axis=1), meets.argmax(axis=1), meets.shape[1]).astype(np.float64)


def table_chunks(rows: NDArray[np.int64], units: NDArray[np.int64], kind: NDArray[np.bool_]):
    """Groups of ``rows`` of one ``kind`` with similar table sizes (within a factor of 2,
    rounded up to a power of two so no row pays for a much longer tail than its own), each
    small enough to tabulate in bounded memory, with the table size they share."""
    sizes = 2 ** np.ceil(np.log2(np.maximum(units, 1))).astype(np.int64)
    groups = sizes * 2 + kind
    for group in np.unique(groups):
        members, size = rows[groups == group], int(group // 2)
        per_chunk = max(1, _CHUNK_CELLS // int(size))
        for start in range(0, members.size, per_chunk):
            yield members[start : start + per_chunk], int(size)
