"""A batch's policies from the history model (pure numpy): the engine's
``policies_from_history`` on the rows' history matrix, with the run's calibration and excess
cover.

- Demand is the history's own: returns (negative periods) are left out and reported
  (``RETURNS_IN_HISTORY``), and nothing is capped: a lumpy row's rare large order is what a
  high service level has to cover. The engine chooses each row's distribution from its
  pattern ('empirical' for intermittent, lumpy, erratic and slow rows).
- An empirical row uses no sd at all (its distribution is its history). A row the engine keeps
  parametric uses the forecast-error sd where the row has one, as the parametric model does:
  the engine picks the distribution from the history alone, so those rows are computed again
  with that sd (the rest keep the history sd).
- ``excess_cover_periods`` is the run's: the engine flags excess at its default cover, so the
  flag is set again here with the run's.
- Lot size and case pack go in as one multiple (their least common multiple as both: the same
  constraint). The engine counts a large row in fractional quanta and takes the LCM of the
  two scaled values on a 1/1000 grid, which for distinct values gives an absurd multiple
  (lot 120, pack 24 at a quantum of 1.37: order 2,771,875 units instead of 480).
"""

from dataclasses import fields, replace

import numpy as np

from inventory.engine import PolicyInputs, PolicyResult, Reason, demand_statistics
from inventory.engine.calibration import Calibration
from inventory.engine.demand import DemandStatistics
from inventory.engine.flags import BLOCKING, flag
from inventory.engine.from_history import policies_from_history
from inventory.runs.parameters import RunParameters


def history_policies(
    history: np.ndarray,
    x: PolicyInputs,
    forecast_sd: np.ndarray,
    params: RunParameters,
    calibration: Calibration | None,
) -> tuple[PolicyResult, dict[str, np.ndarray], PolicyInputs]:
    """(result, the demand columns that explain it, the inputs used) of ``x``'s rows from
    their ``history`` (rows × periods, NaN = no record); ``forecast_sd`` is each row's
    forecast-error sd per period (NaN without enough forecasts). ``x`` has NaN demand; its
    targets are corrected by ``calibration`` when given."""
    x = _one_multiple(x)
    if calibration is not None:
        x = replace(x, service_level=calibration.targets(history, x))
    result = policies_from_history(history, x)
    parametric = (result.distribution != "empirical") & (result.distribution != "")
    again = np.flatnonzero(parametric & ~np.isnan(forecast_sd))
    if len(again):
        with_sd = replace(x.take(again), demand_sd=forecast_sd[again])
        _merge(result, again, policies_from_history(history[again], with_sd))
    stats = demand_statistics(np.where(np.nan_to_num(history) < 0, 0.0, history))
    _excess_cover(result, x.on_hand, stats.mean, params.excess_cover_periods)
    return result, _columns(stats, result, forecast_sd), x


GRID = 1000  # lot sizes and case packs on a 1/1000 grid, as the engine takes them


def _one_multiple(x: PolicyInputs) -> PolicyInputs:
    """``x`` with lot size and case pack both their least common multiple (module docstring);
    invalid ones are left for the engine to report."""
    valid = np.isfinite(x.lot_size) & np.isfinite(x.case_pack)
    valid &= (x.lot_size > 0) & (x.case_pack > 0)
    lot, pack = (
        np.rint(np.where(valid, v, 1.0) * GRID).astype(np.int64) for v in (x.lot_size, x.case_pack)
    )
    multiple = np.where(valid, np.lcm(lot, pack) / GRID, x.lot_size)
    return replace(x, lot_size=multiple, case_pack=np.where(valid, multiple, x.case_pack))


def _merge(result: PolicyResult, rows: np.ndarray, part: PolicyResult) -> None:
    """Put ``part`` (the results of ``rows``) into ``result``, every field."""
    for column in fields(PolicyResult):
        whole, values = getattr(result, column.name), getattr(part, column.name)
        whole = whole.astype(np.result_type(whole, values))  # a copy, wide enough for text
        whole[rows] = values
        setattr(result, column.name, whole)


def _excess_cover(result: PolicyResult, on_hand, mean, cover: float) -> None:
    """Excess risk "on hand above max + ``cover`` periods of demand" with the run's cover."""
    reason = Reason.ON_HAND_ABOVE_MAX_PLUS_COVER
    skip = (result.data_quality_reasons & np.uint32(BLOCKING | Reason.POSITION_INVALID)) != 0
    with np.errstate(invalid="ignore"):
        over = (on_hand > result.max_level + cover * mean) & ~skip
    kept = result.excess_reasons & ~np.uint32(reason)
    result.excess_reasons = (kept | flag(over, reason)).astype(np.uint32)


def _columns(
    stats: DemandStatistics, result: PolicyResult, forecast_sd: np.ndarray
) -> dict[str, np.ndarray]:
    """The recommendation's demand columns: the history's figures, the sd the engine used."""
    empirical = result.distribution == "empirical"
    forecast = ~np.isnan(forecast_sd) & ~empirical
    source = np.where(forecast, "forecast_error", "history")
    return {
        "demand_mean": np.where(stats.periods > 0, stats.mean, np.nan),
        "demand_sd": np.where(forecast, forecast_sd, stats.sd),
        "demand_sd_source": np.where(empirical, "empirical", source),
        "demand_periods": stats.periods,
        "capped_periods": np.zeros(len(stats.periods), np.int64),
        "demand_pattern": stats.pattern,
    }
