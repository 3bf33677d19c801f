"""Policies straight from a demand history (rows × periods, oldest first): returns left out,
each row's lead-time demand distribution chosen from its demand pattern, then the same
policy computation as :func:`~inventory.engine.policies.compute_policies`.

Which distribution (docs/engine.md, "Policies from history"):
- **empirical** (engine.empirical: the sum of L + R draws of the row's observed periods) for
  intermittent, lumpy and erratic rows, and for smooth rows whose demand over L + R is below
  ``DISCRETE_MEAN_LIMIT`` units: their shape (how often, which sizes, the rare large order) is
  what sets a high-service level, and a fitted two-parameter family misses it;
- **auto** (normal, or Poisson / negative binomial for slow movers) for smooth rows with
  larger volumes, where the central limit theorem holds over the lead time, and for rows with
  fewer than ``EMPIRICAL_MIN_PERIODS`` observed periods.
Tables count each row in its own quantum (``quanta``), so fractional and very large quantities
are tabulated as finely as a bounded table allows.
A caller's own choice (``demand_distribution`` other than 'auto') is kept, and so is 'auto'
for a row whose demand mean the caller gave (a forecast): the history's shape would not match
that level.
"""

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from inventory.engine.demand import DemandStatistics, demand_statistics, lead_time_demand
from inventory.engine.flags import Reason, flag
from inventory.engine.inputs import PolicyInputs, PolicyResult, concatenated
from inventory.engine.levels import DISCRETE_MEAN_LIMIT
from inventory.engine.lot_sizing import order_multiple
from inventory.engine.policies import (
    DEFAULT_EXCESS_COVER_PERIODS,
    FLOAT_OUTPUTS,
    compute_policies,
    policies_at_levels,
)

T = TypeVar("T")

EMPIRICAL_MIN_PERIODS = 8
"""Fewer observed periods than this: too few to trust a row's own shape."""
DEFAULT_HALF_LIFE = 26.0
"""Periods after which a period counts half as much (half a year of weeks)."""
QUANTA_PER_TABLE = 256
"""A row's lead-time demand (mean + 4 sd) spans at most this many of its quanta."""
BATCH_ROWS = 25_000
"""Rows modelled at a time: every row's policy is its own, so batches only bound the memory
the history's copies and the tables take, whatever the population."""
ENGINE_THREADS = os.cpu_count() or 1
"""Batches modelled at once: numpy and scipy.fft release the GIL on whole arrays, so threads
over row batches use every core (docs/benchmarks.md, "Policies from history: speed")."""


def clean_history(history: ArrayLike, periods: int | None = None):
    """(history with returns taken out, rows that had returns). Negative periods are returns,
    never demand: they become 0 (the period had no demand) and the row is reported. Only the
    last ``periods`` columns are kept when given."""
    h = np.atleast_2d(np.asarray(history, dtype=np.float64))
    if periods is not None:
        h = h[:, -periods:]
    returns = np.nan_to_num(h, nan=0.0) < 0
    return since_first_demand(np.where(returns, 0.0, h)), returns.any(axis=1)


def since_first_demand(history: NDArray) -> NDArray[np.float64]:
    """``history`` with the periods before each row's first demand marked as no record
    (NaN): a row's history starts when its item was first asked for. Zeros before it say
    when the item was introduced, not how often it sells (MAN: 110 of its 3,451 items were
    first asked for in the last 6 of 124 training weeks; counted from week 1 their rate was
    a twentieth of what they then sold). A row without any demand keeps its zeros."""
    if history.shape[1] == 0:
        return history
    demanded = np.nan_to_num(history, nan=0.0) > 0
    first = np.where(demanded.any(axis=1), demanded.argmax(axis=1), 0)
    before = np.arange(history.shape[1])[None, :] < first[:, None]
    return np.where(before, np.nan, history)


@dataclass(frozen=True)
class HistoryModel:
    """A history as the engine models it: returns left out (``had_returns`` says where),
    missing statistics and 'auto' distributions filled in from it (``inputs``, in units),
    each row counted in its own ``quantum``; ``samples`` is the history in quanta,
    ``weights`` the recency weight of each period, ``pattern`` each row's demand pattern."""

    inputs: PolicyInputs
    pattern: NDArray[np.str_]
    quantum: NDArray[np.float64]
    samples: NDArray[np.float64]
    weights: NDArray[np.float64] | None
    had_returns: NDArray[np.bool_]

    @cached_property
    def scaled(self) -> PolicyInputs:
        """``inputs`` counted in quanta: what the policy computation works on."""
        return in_quanta(self.inputs, self.quantum)

    def policies(self, excess_cover_periods: float) -> PolicyResult:
        """Every row's policy (``compute_policies`` in quanta, the result in units)."""
        result = compute_policies(
            self.scaled,
            excess_cover_periods=excess_cover_periods,
            samples=self.samples,
            sample_weights=self.weights,
        )
        return self.in_units(result)

    def policies_at(
        self, level: NDArray, service: NDArray, excess_cover_periods: float
    ) -> PolicyResult:
        """Every row's policy at its given ``level`` (units) with model ``service``
        (``policies_at_levels`` in quanta, the result in units)."""
        result = policies_at_levels(
            self.scaled,
            level / self.quantum,
            service,
            excess_cover_periods=excess_cover_periods,
            samples=self.samples,
            sample_weights=self.weights,
        )
        return self.in_units(result)

    def in_units(self, result: PolicyResult) -> PolicyResult:
        """A result computed in quanta back in units, rows with returns reported."""
        result = from_quanta(result, self.quantum, _multiple(self.inputs))
        result.data_quality_reasons |= flag(self.had_returns, Reason.RETURNS_IN_HISTORY)
        return result


def history_model(
    history: ArrayLike,
    inputs: PolicyInputs,
    *,
    periods: int | None = None,
    half_life: float | None = DEFAULT_HALF_LIFE,
) -> HistoryModel:
    """The :class:`HistoryModel` of ``history`` for the rows of ``inputs`` (``periods``,
    ``half_life`` as in :func:`policies_from_history`)."""
    clean, had_returns = clean_history(history, periods)
    if clean.shape[0] != len(inputs):
        raise ValueError(f"history has {clean.shape[0]} rows; inputs have {len(inputs)}.")
    stats = demand_statistics(clean)
    x = _with_statistics(inputs, stats)
    quantum = quanta(clean, x)
    return HistoryModel(
        inputs=x,
        pattern=stats.pattern,
        quantum=quantum,
        samples=np.round(clean / quantum[:, None]),
        weights=recency_weights(clean.shape[1], half_life),
        had_returns=had_returns,
    )


def policies_from_history(
    history: ArrayLike,
    inputs: PolicyInputs,
    *,
    periods: int | None = None,
    half_life: float | None = DEFAULT_HALF_LIFE,
    excess_cover_periods: float = DEFAULT_EXCESS_COVER_PERIODS,
) -> PolicyResult:
    """The policy of every row of ``inputs`` from its ``history`` (NaN = no record, negative =
    returns). ``inputs.demand_mean`` / ``demand_sd`` may be NaN: they are then estimated from
    the history. The result's ``distribution`` says which distribution set each row's levels;
    rows with returns carry ``RETURNS_IN_HISTORY`` among their data-quality reasons.
    ``half_life`` (periods; None = every period alike) weighs recent periods more in the
    empirical distribution: a period ``half_life`` periods older counts half as much.
    ``excess_cover_periods`` is as in ``compute_policies``. Rows are taken ``BATCH_ROWS``
    at a time, ``ENGINE_THREADS`` batches at once."""
    history = np.atleast_2d(np.asarray(history, dtype=np.float64))
    if history.shape[0] != len(inputs):
        raise ValueError(f"history has {history.shape[0]} rows; inputs have {len(inputs)}.")

    def batch_policies(rows: slice) -> PolicyResult:
        model = history_model(
            history[rows], inputs.take(rows), periods=periods, half_life=half_life
        )
        return model.policies(excess_cover_periods)

    return concatenated(threaded(batch_policies, row_batches(len(inputs))))


def row_batches(count: int) -> list[slice]:
    """``count`` rows in batches of ``BATCH_ROWS`` (one, empty, when there are none)."""
    return [slice(start, start + BATCH_ROWS) for start in range(0, max(count, 1), BATCH_ROWS)]


def threaded(work: Callable[[Any], T], items: list) -> list[T]:
    """``work`` of each of ``items``, in order, ``ENGINE_THREADS`` at a time."""
    if len(items) < 2 or ENGINE_THREADS < 2:
        return [work(item) for item in items]
    with ThreadPoolExecutor(ENGINE_THREADS) as pool:
        return list(pool.map(work, items))


def recency_weights(periods: int, half_life: float | None) -> NDArray[np.float64] | None:
    """Weight of each period, oldest first: 1 for the latest, halving every ``half_life``
    periods (None when every period counts alike)."""
    if half_life is None:
        return None
    return 0.5 ** ((periods - 1 - np.arange(periods)) / half_life)


def quanta(clean: NDArray, x: PolicyInputs) -> NDArray[np.float64]:
    """The unit each row's quantities are counted in by the tables: 1 for whole units; a
    power of ten below 1 for rows with fractional demand (0.5 m, 0.003 kg: the smallest
    demand is at least one unit); larger where the lead-time demand would need more than
    ``QUANTA_PER_TABLE`` units (a lumpy row ordering thousands), so every table stays small."""
    positive = np.where(clean > 0, clean, np.inf)
    smallest = positive.min(axis=1, initial=np.inf)
    whole = np.all(np.isnan(clean) | (clean == np.round(clean)), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        fine = np.where(whole | ~np.isfinite(smallest), 1.0, 10.0 ** np.floor(np.log10(smallest)))
        mean, sd = lead_time_demand(
            x.demand_mean, x.demand_sd, x.lead_time_mean, x.lead_time_sd, x.review_period
        )
        coarse = np.nan_to_num((mean + 4.0 * sd) / QUANTA_PER_TABLE, nan=0.0)
    return np.maximum(np.minimum(fine, 1.0), coarse)


_QUANTITIES = ("moq", "lot_size", "case_pack", "max_stock", "max_order", "on_hand", "on_order")
_QUANTITY_INPUTS = ("demand_mean", "demand_sd", *_QUANTITIES, "allocated", "backordered")
_RATIOS = ("expected_service", "safety_factor", "periods_until_order")
_QUANTITY_OUTPUTS = tuple(name for name in FLOAT_OUTPUTS if name not in _RATIOS)


def in_quanta(x: PolicyInputs, quantum: NDArray) -> PolicyInputs:
    """``x`` with quantities counted in ``quantum`` units and the unit cost per quantum.
    Lot size and case pack both become their least common multiple first (the same
    constraint): two values scaled by a fractional quantum have no sensible common multiple
    on the rounding grid (lot 120 and pack 24 at a quantum of 1.37 gave 2,771,875)."""
    multiple = _multiple(x)
    invalid = np.isnan(multiple)  # left as they are, for validation to report
    x = replace(
        x,
        lot_size=np.where(invalid, x.lot_size, multiple),
        case_pack=np.where(invalid, x.case_pack, multiple),
    )
    scaled = {name: getattr(x, name) / quantum for name in _QUANTITY_INPUTS}
    return replace(x, **scaled, unit_cost=x.unit_cost * quantum)


def from_quanta(result: PolicyResult, quantum: NDArray, multiple: NDArray) -> PolicyResult:
    """``result`` with its quantities back in units, order quantities snapped to whole
    ``multiple``s (the scaling leaves them a hair off)."""
    result = replace(result, **{n: getattr(result, n) * quantum for n in _QUANTITY_OUTPUTS})
    with np.errstate(invalid="ignore"):
        snap = np.isfinite(multiple) & (multiple > 0)
        for name in ("order_quantity", "recommended_qty"):
            values = getattr(result, name)
            snapped = np.round(values / np.where(snap, multiple, 1.0)) * multiple
            setattr(result, name, np.where(snap, snapped, values))
    return result


def _multiple(x: PolicyInputs) -> NDArray[np.float64]:
    """Each row's order multiple (lcm of lot size and case pack); NaN where either is
    invalid (validation reports it)."""
    valid = np.isfinite(x.lot_size) & np.isfinite(x.case_pack)
    with np.errstate(invalid="ignore"):
        valid &= (x.lot_size > 0) & (x.case_pack > 0)
    multiple = order_multiple(np.where(valid, x.lot_size, 1.0), np.where(valid, x.case_pack, 1.0))
    return np.where(valid, multiple, np.nan)


def with_history_statistics(inputs: PolicyInputs, clean: NDArray) -> PolicyInputs:
    """``inputs`` with missing demand mean / sd estimated from ``clean`` history and 'auto'
    rows given the distribution their pattern calls for (module docstring)."""
    return _with_statistics(inputs, demand_statistics(clean))


def _with_statistics(inputs: PolicyInputs, stats: DemandStatistics) -> PolicyInputs:
    """``inputs`` completed from the history's ``stats`` (``with_history_statistics``)."""
    mean = np.where(np.isnan(inputs.demand_mean), stats.mean, inputs.demand_mean)
    sd = np.where(np.isnan(inputs.demand_sd), stats.sd, inputs.demand_sd)
    interval_mean, _ = lead_time_demand(
        mean, sd, inputs.lead_time_mean, inputs.lead_time_sd, inputs.review_period
    )
    with np.errstate(invalid="ignore"):
        shaped = (stats.pattern != "smooth") | (interval_mean < DISCRETE_MEAN_LIMIT)
    empirical = (
        (inputs.demand_distribution == "auto")
        & np.isnan(inputs.demand_mean)  # a caller's own mean (a forecast) keeps 'auto'
        & (stats.periods >= EMPIRICAL_MIN_PERIODS)
        & (stats.nonzero_periods > 0)
        & shaped
    )
    distribution = np.where(empirical, "empirical", inputs.demand_distribution)
    return replace(inputs, demand_mean=mean, demand_sd=sd, demand_distribution=distribution)
