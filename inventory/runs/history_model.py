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
- Excess risk uses the run's ``excess_cover_periods``.
"""

from dataclasses import fields, replace

import numpy as np

from inventory.engine import PolicyInputs, PolicyResult, demand_statistics
from inventory.engine.calibration import Calibration
from inventory.engine.from_history import clean_history, policies_from_history
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
    if calibration is not None:
        x = replace(x, service_level=calibration.targets(history, x))
    cover = params.excess_cover_periods
    result = policies_from_history(history, x, excess_cover_periods=cover)
    parametric = (result.distribution != "empirical") & (result.distribution != "")
    again = np.flatnonzero(parametric & ~np.isnan(forecast_sd))
    if len(again):
        with_sd = replace(x.take(again), demand_sd=forecast_sd[again])
        again_result = policies_from_history(history[again], with_sd, excess_cover_periods=cover)
        _merge(result, again, again_result)
    return result, history_columns(history, result, forecast_sd), x


def _merge(result: PolicyResult, rows: np.ndarray, part: PolicyResult) -> None:
    """Put ``part`` (the results of ``rows``) into ``result``, every field."""
    for column in fields(PolicyResult):
        whole, values = getattr(result, column.name), getattr(part, column.name)
        whole = whole.astype(np.result_type(whole, values))  # a copy, wide enough for text
        whole[rows] = values
        setattr(result, column.name, whole)


def history_columns(
    history: np.ndarray, result: PolicyResult, forecast_sd: np.ndarray
) -> dict[str, np.ndarray]:
    """The recommendation's demand columns: the history's figures as the engine reads it
    (returns left out, from the first demand on: ``from_history.clean_history``), the sd
    the engine used (``forecast_sd`` where a row kept a parametric distribution and has
    one)."""
    stats = demand_statistics(clean_history(history)[0])
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
