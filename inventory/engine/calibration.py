"""Calibration: make the promised service what the policies deliver on the row's own demand.

A model fitted to a history promises its service *in sample*. Out of sample the promise slips,
most on intermittent and lumpy rows: the rate and the sizes are estimated from a handful of
orders, and the rows whose demand grows weigh most in an aggregate fill rate. Calibration
measures the slip without looking ahead and corrects it:

1. rolling origins inside the history: at each origin o (the last ``window`` periods, the
   ``window`` before them, ...), policies are computed from the periods before o only and
   replayed (engine.backtest) over the ``window`` periods after it;
2. per group of rows (demand pattern at the latest origin × service type; rows without
   demand before the origin left out: no level serves them) the achieved service
   (units served / demanded, or periods without a stock-out) is set against the promise
   (the targets, weighted as the achieved figure is);
3. the group's allowed shortfall is scaled: target' = 1 − (1 − target) · factor, with
   factor ← factor · (1 − promised) / (1 − achieved), repeated ``iterations`` times (each
   time replaying the corrected targets), bounded to [``MIN_FACTOR``, ``MAX_FACTOR``].

A group whose achieved service rests on fewer than ``GROUP_MIN_ROWS`` effective rows is too
small to measure its own factor. Rows count by their weight in the achieved figure (units
demanded for fill rows): the effective number is Kish's (Σw)² / Σw² (Kish (1965), *Survey
Sampling*, §11.7), so 22 rows whose units come mostly from two count as about 10. Such a
group backs off to its parent, the factor calibrated over all rows of its service type (group
'any'), as hierarchical estimators shrink sparse cells to their parent (Gelman & Hill (2007),
*Data Analysis Using Regression and Multilevel/Hierarchical Models*, ch. 12). That one is
calibrated first; the groups large enough then get their own with the small groups' rows
held at it.

The final policies use the factor of the group each row is in on its full history. This is
the empirical calibration of probabilistic forecasts by rolling-origin evaluation (Tashman
(2000), *Int. J. Forecasting* 16(4), 437–450) applied to the service a policy delivers.
"""

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from inventory.engine.backtest import backtest
from inventory.engine.demand import demand_statistics
from inventory.engine.from_history import clean_history, policies_from_history
from inventory.engine.inputs import PolicyInputs

MIN_FACTOR, MAX_FACTOR = 0.02, 4.0
MAX_TARGET = 0.9995
MIN_TRAINING_PERIODS = 26
GROUP_MIN_ROWS = 20  # smaller groups take the factor of all rows of their service type
POOLED = "any"


@dataclass(frozen=True)
class CalibrationGroup:
    """The evidence of one group: how many rows, the promise, what was achieved before and
    after the correction, and the correction (factor on the allowed shortfall)."""

    pattern: str
    service_type: str
    rows: int
    promised: float
    achieved_before: float
    achieved_after: float
    factor: float
    effective_rows: float | None = None  # Kish's; None in calibrations stored before it


@dataclass(frozen=True)
class Calibration:
    """Correction factors by (pattern, service type), with their evidence."""

    groups: tuple[CalibrationGroup, ...]
    window: int
    origins: int

    def factor(self, pattern: NDArray, service_type: NDArray) -> NDArray[np.float64]:
        """Each row's factor: its group's, else its service type's pooled 'any' group's,
        else 1."""
        factor = np.ones(len(pattern))
        for group in sorted(self.groups, key=lambda g: g.pattern != POOLED):
            rows = service_type == group.service_type
            if group.pattern != POOLED:
                rows &= pattern == group.pattern
            factor[rows] = group.factor
        return np.where(pattern == "none", 1.0, factor)

    def targets(self, history: ArrayLike, inputs: PolicyInputs) -> NDArray[np.float64]:
        """The corrected service target of each row of ``inputs``, by its pattern in
        ``history``."""
        pattern = demand_statistics(clean_history(history)[0]).pattern
        return corrected(inputs.service_level, self.factor(pattern, inputs.service_type))

    def evidence(self) -> list[dict]:
        """One record per group, for the run's log and page."""
        return [group.__dict__.copy() for group in self.groups]


def corrected(target: NDArray, factor: NDArray) -> NDArray[np.float64]:
    """target' = 1 − (1 − target)·factor, within [target·0, ``MAX_TARGET``]."""
    return np.clip(1.0 - (1.0 - target) * factor, 0.0, np.maximum(MAX_TARGET, target))


def calibrate(
    history: ArrayLike,
    inputs: PolicyInputs,
    *,
    window: int = 26,
    origins: int = 3,
    iterations: int = 6,
    sample: int | None = 20_000,
    seed: int = 0,
) -> Calibration:
    """Calibration factors from rolling origins inside ``history`` (see the module
    docstring). ``sample`` rows at most (drawn with ``seed``) keep it fast on large
    batches."""
    h = np.atleast_2d(np.asarray(history, dtype=np.float64))
    rows = _sample(len(inputs), sample, seed)
    h, x = h[rows], inputs.take(rows)
    cuts = [h.shape[1] - window * k for k in range(1, origins + 1)]
    cuts = [c for c in cuts if c >= MIN_TRAINING_PERIODS]
    if not cuts:
        return Calibration((), window, 0)
    folds = [_Fold(h[:, : c + window], x, window) for c in cuts]
    weight = sum(fold.weight(x) for fold in folds)
    keys = _keys(folds[0].pattern, x.service_type, weight)
    pooled = np.char.startswith(keys, f"{POOLED}|")
    factor, groups = np.ones(len(x)), []
    if pooled.any():  # small groups back off to the factor of all rows of their type
        every = np.where(keys == "", "", np.char.add(f"{POOLED}|", x.service_type.astype(str)))
        factor, shared = _iterate(folds, x, factor, every, iterations)
        found = _groups(every, weight, factor, *shared)
        groups += [g for g in found if g.service_type in _types(keys)]
        factor = np.where(pooled, factor, 1.0)
    own = np.where(pooled, "", keys)
    factor, evidence = _iterate(folds, x, factor, own, iterations)
    groups += _groups(own, weight, factor, *evidence)
    return Calibration(tuple(sorted(groups, key=_order)), window, len(cuts))


def _iterate(folds, x: PolicyInputs, factor: NDArray, keys: NDArray, iterations: int):
    """The factors of the groups ``keys`` names (other rows keep theirs) after
    ``iterations`` corrections, with (promised, achieved before, achieved after) per group."""
    before = None
    for step in range(iterations + 1):
        promised, achieved = _measure(folds, x, factor, keys)
        before = before if before is not None else achieved
        if step == iterations:
            break
        factor = _update(factor, keys, promised, achieved)
    return factor, (promised, before, achieved)


def _types(keys: NDArray) -> set[str]:
    """The service types that have a pooled group."""
    return {str(key).split("|")[1] for key in keys if str(key).startswith(f"{POOLED}|")}


def _order(group: CalibrationGroup) -> tuple[str, str]:
    return group.pattern, group.service_type


class _Fold:
    """One rolling origin: the history up to the end of its window, the rows' patterns at
    the origin."""

    def __init__(self, history: NDArray, x: PolicyInputs, window: int):
        self.history, self.window = history, window
        training = clean_history(history[:, :-window])[0]
        self.pattern = demand_statistics(training).pattern

    def weight(self, x: PolicyInputs) -> NDArray[np.float64]:
        """Each row's weight in its group's achieved service over the window: units demanded
        for fill rows, the window's periods for cycle rows with demand in it."""
        demand = np.maximum(np.nan_to_num(self.history[:, -self.window :], nan=0.0), 0.0)
        units = demand.sum(axis=1)
        return np.where(x.service_type == "fill", units, self.window * (units > 0))

    def replay(self, x: PolicyInputs) -> tuple[NDArray, NDArray]:
        """(weight, achieved) per row: units and fill for fill rows, periods and periods
        without a stock-out for cycle rows."""
        policy = policies_from_history(self.history[:, : -self.window], x)
        result = backtest(self.history, x, policy, self.window)
        weight = self.weight(x)
        fill = x.service_type == "fill"
        achieved = np.where(fill, result.served, result.cycle_service * weight)
        return weight, achieved


def _keys(pattern: NDArray, service_type: NDArray, weight: NDArray) -> NDArray[np.str_]:
    """'pattern|service type' per row, groups of too few effective rows pooled, '' for rows
    left out."""
    keys = np.char.add(np.char.add(pattern.astype(str), "|"), service_type.astype(str))
    small = np.zeros(len(keys), dtype=bool)
    for key in np.unique(keys):
        rows = keys == key
        small[rows] = effective_rows(weight[rows]) < GROUP_MIN_ROWS
    keys = np.where(small, np.char.add(f"{POOLED}|", service_type.astype(str)), keys)
    return np.where(pattern == "none", "", keys)


def effective_rows(weight: NDArray) -> float:
    """Kish's effective number of rows of a weighted total: (Σw)² / Σw² (0 without
    weight)."""
    squares = float(np.square(weight).sum())
    return float(weight.sum()) ** 2 / squares if squares > 0 else 0.0


def _measure(folds, x: PolicyInputs, factor: NDArray, keys: NDArray):
    """(promised, achieved) per group key, over all folds, at the given factors."""
    corrected_x = replace(x, service_level=corrected(x.service_level, factor))
    weight, served, promise = np.zeros(len(x)), np.zeros(len(x)), np.zeros(len(x))
    for fold in folds:
        w, s = fold.replay(corrected_x)
        weight, served, promise = weight + w, served + s, promise + w * x.service_level
    promised, achieved = {}, {}
    for key in np.unique(keys[keys != ""]):
        rows = keys == key
        total = weight[rows].sum()
        if total > 0:
            promised[key], achieved[key] = promise[rows].sum() / total, served[rows].sum() / total
    return promised, achieved


def _update(factor: NDArray, keys: NDArray, promised: dict, achieved: dict) -> NDArray:
    """Scale each group's factor by its shortfall ratio."""
    updated = factor.copy()
    for key in promised:
        rows = keys == key
        ratio = (1.0 - promised[key]) / max(1.0 - achieved[key], 1e-6)
        updated[rows] = np.clip(factor[rows] * ratio, MIN_FACTOR, MAX_FACTOR)
    return updated


def _groups(keys, weight, factor, promised, before, after) -> tuple[CalibrationGroup, ...]:
    groups = []
    for key in sorted(promised):
        rows = keys == key
        pattern, service_type = key.split("|")
        groups.append(
            CalibrationGroup(
                pattern=pattern,
                service_type=service_type,
                rows=int(rows.sum()),
                promised=round(float(promised[key]), 4),
                achieved_before=round(float(before[key]), 4),
                achieved_after=round(float(after[key]), 4),
                factor=round(float(factor[rows][0]), 4),
                effective_rows=round(effective_rows(weight[rows]), 1),
            )
        )
    return tuple(groups)


def _sample(count: int, sample: int | None, seed: int) -> NDArray[np.int64]:
    if sample is None or count <= sample:
        return np.arange(count)
    return np.sort(np.random.default_rng(seed).choice(count, sample, replace=False))
