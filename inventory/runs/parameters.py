"""The knobs of a run, with their defaults, validated once when the run starts."""

import math
from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from inventory.engine.from_history import EMPIRICAL_MIN_PERIODS
from inventory.engine.history import DEFAULT_OUTLIER_SIGMAS, MIN_FORECAST_PAIRS
from inventory.engine.service_levels import SERVICE_RANGE

DEFAULT_BATCH_SIZE = 10_000
DEMAND_MODELS = ("history", "parametric")
"""``history``: the engine's ``policies_from_history`` on the batch's history matrix (the
lead-time demand distribution chosen per row from its pattern); ``parametric``: the capped
history's mean and sd (or the forecast error) through ``compute_policies``, as before."""
SERVICE_MODES = ("classes", "optimized")
"""``classes``: each SKU-location's target is its ABC-XYZ class's (``ServiceLevelClass``);
``optimized``: fill targets chosen across the run's SKU-locations for the least stock value at
an aggregate fill rate, or the most fill within a stock-value budget (``runs.portfolio``)."""
OPTIMIZED_ONLY = ("aggregate_fill", "budget", "min_service", "max_service", "service_band")
"""Parameters of the optimized mode, refused with service classes."""
DEFAULT_BACKTEST_PERIODS = 13
DEFAULT_FORECAST_HORIZON = 26
DEFAULT_SEGMENTATION_MAX_AGE_DAYS = 35
"""A scoped run reuses a stored segmentation at most this old: the monthly run's, plus slack."""


class ParameterError(ValueError):
    """A parameter out of range; the message names it."""


@dataclass(frozen=True)
class RunParameters:
    """Units: periods of ``period_days`` days; money in currency; rates per year.

    ``as_of`` is the first day after the history window (the current period's start): the
    window is the ``history_periods`` periods before it. ``service_classes`` maps each
    ABC-XYZ segment's class code to ``[target, service type]``, copied from
    ``ServiceLevelClass`` at start so the run can be reproduced. A scoped run reuses the
    stored segmentation when it is at most ``segmentation_max_age_days`` days older than
    ``as_of``. ``demand_model`` is one of :data:`DEMAND_MODELS`; ``calibrate`` (history model
    only) corrects the targets by the run's calibration; each batch replays its policies and
    the current ones over its last ``backtest_periods`` periods (0: no replay).

    ``service_mode`` is one of :data:`SERVICE_MODES`. Optimized (history model only): exactly
    one of ``aggregate_fill`` (units served from stock / units demanded over the run's
    SKU-locations, in (0, 1)) and ``budget`` (expected average stock value, currency); each
    row's fill target stays within [``min_service``, ``max_service``], narrowed to its class's
    target ± ``service_band`` when a band is given. None with service classes.

    ``use_forecasts``: the demand level is the forward forecast (approved consensus, else the
    statistical baseline) over the lead time + review period, read ``forecast_horizon``
    periods ahead of ``as_of`` (docs/runs.md, "Forecasts as the demand input"); off, the
    history's alone.
    """

    as_of: date
    period_days: int
    history_periods: int = 104
    outlier_sigmas: float = DEFAULT_OUTLIER_SIGMAS
    min_forecast_pairs: int = MIN_FORECAST_PAIRS
    review_period: float = 0.0
    holding_rate: float = 0.25
    default_order_cost: float = 50.0
    change_tolerance: float = 0.5
    excess_cover_periods: float = 4.0
    batch_size: int = DEFAULT_BATCH_SIZE
    segmentation_max_age_days: int = DEFAULT_SEGMENTATION_MAX_AGE_DAYS
    demand_model: str = "history"
    calibrate: bool = True
    backtest_periods: int = DEFAULT_BACKTEST_PERIODS
    service_mode: str = "classes"
    aggregate_fill: float | None = None
    budget: float | None = None
    min_service: float | None = None
    max_service: float | None = None
    service_band: float | None = None
    service_classes: dict | None = None
    use_forecasts: bool = True
    forecast_horizon: int = DEFAULT_FORECAST_HORIZON

    @property
    def optimized(self) -> bool:
        """Service levels optimized across the run (two passes over the batches)."""
        return self.service_mode == "optimized"

    @property
    def replay_out_of_sample(self) -> bool:
        """The replay measures policies fitted on the periods before the replayed ones: the
        history model, with at least ``EMPIRICAL_MIN_PERIODS`` periods left to fit on (else
        the replayed policies are the recommended ones, fitted on the same periods)."""
        fit = self.history_periods - self.backtest_periods
        return self.demand_model == "history" and fit >= EMPIRICAL_MIN_PERIODS

    @property
    def window_start(self) -> date:
        """First day of the history window."""
        return self.as_of - timedelta(days=self.period_days * self.history_periods)

    @property
    def periods_per_year(self) -> float:
        """Planning periods in a year."""
        return 365.0 / self.period_days

    def as_json(self) -> dict:
        """Stored form on the run."""
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict) -> "RunParameters":
        """The parameters stored on a run (a run stored before the demand model was a
        parameter planned parametrically, without calibration or replay)."""
        return cls(**{**LEGACY, **data, "as_of": date.fromisoformat(data["as_of"])})


LEGACY = {
    "demand_model": "parametric",
    "calibrate": False,
    "backtest_periods": 0,
    "use_forecasts": False,
}
"""What a run stored before these parameters existed did."""


PARAMETER_LIMITS = {
    "history_periods": (4, 520),
    "outlier_sigmas": (1.0, 10.0),
    "min_forecast_pairs": (2, 520),
    "review_period": (0.0, 52.0),
    "holding_rate": (0.001, 5.0),
    "default_order_cost": (0.0, 1e9),
    "change_tolerance": (0.0, 100.0),
    "excess_cover_periods": (0.0, 520.0),
    "batch_size": (1, 1_000_000),
    "segmentation_max_age_days": (0, 3650),
    "backtest_periods": (0, 520),
    "forecast_horizon": (1, 156),
}


def parameters_build(given: dict | None = None, *, service_classes: dict) -> RunParameters:
    """Defaults overridden by ``given``; raises :class:`ParameterError` naming a bad one."""
    given = dict(given or {})
    known = {f.name for f in fields(RunParameters)} - {"period_days", "service_classes"}
    unknown = sorted(set(given) - known)
    if unknown:
        raise ParameterError(f"parameters: unknown {', '.join(unknown)}.")
    as_of = given.pop("as_of", None)
    values = {"as_of": planning_as_of(as_of), "period_days": settings.PLANNING_PERIOD_DAYS}
    values |= _model(given.pop("demand_model", None), given.pop("calibrate", None))
    values |= _service_mode(given, values["demand_model"])
    if given.get("use_forecasts") not in (None, ""):
        values["use_forecasts"] = _boolean("use_forecasts", given.pop("use_forecasts"))
    given.pop("use_forecasts", None)
    for name, value in given.items():
        values[name] = _number(name, value)
    if "backtest_periods" not in values:  # a short history replays all of it by default
        periods = values.get("history_periods", RunParameters.history_periods)
        values["backtest_periods"] = min(DEFAULT_BACKTEST_PERIODS, periods)
    params = RunParameters(**values, service_classes=service_classes)
    if params.backtest_periods > params.history_periods:
        raise ParameterError(
            f"backtest_periods: {params.backtest_periods} is more than the "
            f"{params.history_periods} history periods."
        )
    return params


def _model(demand_model, calibrate) -> dict:
    """``demand_model`` and ``calibrate`` checked; calibration defaults to on with the history
    model, and is refused with the parametric one (it corrects the history model's targets)."""
    model = "history" if demand_model in (None, "") else demand_model
    model = model.strip().lower() if isinstance(model, str) else model
    if model not in DEMAND_MODELS:
        choices = " or ".join(repr(m) for m in DEMAND_MODELS)
        raise ParameterError(f"demand_model: {demand_model!r} is not {choices}.")
    wanted = model == "history" if calibrate in (None, "") else _boolean("calibrate", calibrate)
    if wanted and model != "history":
        raise ParameterError("calibrate: only the 'history' demand model is calibrated.")
    return {"demand_model": model, "calibrate": wanted}


def _service_mode(given: dict, demand_model: str) -> dict:
    """``service_mode`` and the optimized mode's parameters (taken out of ``given``), checked:
    optimized needs the history model and exactly one of ``aggregate_fill`` and ``budget``;
    the bounds default to ``engine.service_levels.SERVICE_RANGE``."""
    service_mode = given.pop("service_mode", None)
    mode = "classes" if service_mode in (None, "") else service_mode
    mode = mode.strip().lower() if isinstance(mode, str) else mode
    if mode not in SERVICE_MODES:
        choices = " or ".join(repr(m) for m in SERVICE_MODES)
        raise ParameterError(f"service_mode: {service_mode!r} is not {choices}.")
    taken = {name: given.pop(name) for name in OPTIMIZED_ONLY if name in given}
    asked = {name: value for name, value in taken.items() if value not in (None, "")}
    if mode == "classes":
        if asked:
            raise ParameterError(f"{next(iter(asked))}: only with service_mode 'optimized'.")
        return {"service_mode": mode}
    if demand_model != "history":
        raise ParameterError("service_mode: 'optimized' needs the 'history' demand model.")
    if "aggregate_fill" not in asked and "budget" not in asked:
        raise ParameterError("service_mode: 'optimized' needs aggregate_fill or budget.")
    if "aggregate_fill" in asked and "budget" in asked:
        raise ParameterError("budget: give aggregate_fill or budget, not both.")
    low, high = SERVICE_RANGE
    values = {"service_mode": mode, "min_service": low, "max_service": high}
    for name, value in asked.items():
        values[name] = _fraction(name, value) if name != "budget" else _float(name, value)
    if "budget" in values and not 0 < values["budget"] < math.inf:
        raise ParameterError(f"budget: {values['budget']:g} is not a positive stock value.")
    if values["min_service"] >= values["max_service"]:
        raise ParameterError(
            f"max_service: {values['max_service']:g} is not above min_service "
            f"{values['min_service']:g}."
        )
    return values


def _fraction(name: str, value) -> float:
    """``value`` as a number strictly between 0 and 1 (a band may be 0)."""
    number = _float(name, value)
    low_ok = number >= 0 if name == "service_band" else number > 0
    if not (low_ok and number < 1):
        bracket = "[" if name == "service_band" else "("
        raise ParameterError(f"{name}: {number:g} is outside {bracket}0, 1).")
    return number


BOOLEAN_TEXTS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _boolean(name: str, value) -> bool:
    """``value`` as a boolean: True/False, or their text from a command line."""
    if isinstance(value, bool):
        return value
    answer = BOOLEAN_TEXTS.get(str(value).strip().lower())
    if answer is None:
        raise ParameterError(f"{name}: {value!r} is not true or false.")
    return answer


INTEGER_PARAMETERS = (
    "history_periods",
    "min_forecast_pairs",
    "batch_size",
    "segmentation_max_age_days",
    "backtest_periods",
    "forecast_horizon",
)


def _number(name: str, value) -> float | int:
    """``value`` as the parameter's type, within its limits; refuses booleans and fractions."""
    low, high = PARAMETER_LIMITS[name]
    number = _float(name, value)
    if name in INTEGER_PARAMETERS:
        if not number.is_integer():
            raise ParameterError(f"{name}: {value!r} is not a whole number.")
        number = int(number)
    if not low <= number <= high:
        raise ParameterError(f"{name}: {number} is outside [{low}, {high}].")
    return number


def _float(name: str, value) -> float:
    """``value`` as a float; refuses booleans and text that is no number."""
    try:
        if isinstance(value, bool):
            raise TypeError
        return float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name}: {value!r} is not a number.") from None


def planning_as_of(value) -> date:
    """The given date, or the start of the current period (Monday for weekly planning)."""
    if value in (None, ""):
        today = timezone.localdate()
        if settings.PLANNING_PERIOD_DAYS == 7:
            return today - timedelta(days=today.weekday())
        return today
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ParameterError(f"as_of: {value!r} is not a date (YYYY-MM-DD).") from None
