"""The knobs of a run, with their defaults, validated once when the run starts."""

from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from inventory.engine.history import DEFAULT_OUTLIER_SIGMAS, MIN_FORECAST_PAIRS

DEFAULT_BATCH_SIZE = 10_000
DEMAND_MODELS = ("history", "parametric")
"""``history``: the engine's ``policies_from_history`` on the batch's history matrix (the
lead-time demand distribution chosen per row from its pattern); ``parametric``: the capped
history's mean and sd (or the forecast error) through ``compute_policies``, as before."""
DEFAULT_BACKTEST_PERIODS = 13
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
    service_classes: dict | None = None

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


LEGACY = {"demand_model": "parametric", "calibrate": False, "backtest_periods": 0}
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
}


def parameters_build(given: dict | None = None, *, service_classes: dict) -> RunParameters:
    """Defaults overridden by ``given``; raises :class:`ParameterError` naming a bad one."""
    given = dict(given or {})
    known = {f.name for f in fields(RunParameters)} - {"period_days", "service_classes"}
    unknown = sorted(set(given) - known)
    if unknown:
        raise ParameterError(f"parameters: unknown {', '.join(unknown)}.")
    as_of = given.pop("as_of", None)
    values = {"as_of": _as_of(as_of), "period_days": settings.PLANNING_PERIOD_DAYS}
    values |= _model(given.pop("demand_model", None), given.pop("calibrate", None))
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
)


def _number(name: str, value) -> float | int:
    """``value`` as the parameter's type, within its limits; refuses booleans and fractions."""
    low, high = PARAMETER_LIMITS[name]
    try:
        if isinstance(value, bool):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name}: {value!r} is not a number.") from None
    if name in INTEGER_PARAMETERS:
        if not number.is_integer():
            raise ParameterError(f"{name}: {value!r} is not a whole number.")
        number = int(number)
    if not low <= number <= high:
        raise ParameterError(f"{name}: {number} is outside [{low}, {high}].")
    return number


def _as_of(value) -> date:
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
