"""The knobs of a forecast run, with their defaults (``ForecastSettings`` pk 1), validated once
when the run starts."""

from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta

from django.conf import settings

from demand.models import ForecastSettings
from inventory.runs.parameters import DEFAULT_BATCH_SIZE, ParameterError, planning_as_of

DEFAULT_HISTORY_PERIODS = 104
DEFAULT_INTERVAL = 0.90
LIMITS = {  # name: (lowest, highest, whole number)
    "horizon_periods": (1, 156, True),
    "holdout_periods": (0, 104, True),
    "season_length": (2, 104, True),
    "history_periods": (4, 520, True),
    "batch_size": (1, 1_000_000, True),
    "interval": (0.5, 0.995, False),
}


@dataclass(frozen=True)
class ForecastParameters:
    """Units: periods of ``period_days`` days (weeks starting on Monday by default).

    The run fits the ``history_periods`` periods before ``as_of`` (its last
    ``holdout_periods`` held out to choose each row's method) and forecasts
    ``horizon_periods`` periods from ``as_of`` on, with a central prediction interval of
    coverage ``interval``.
    """

    as_of: date
    period_days: int
    horizon_periods: int
    holdout_periods: int
    season_length: int
    history_periods: int = DEFAULT_HISTORY_PERIODS
    interval: float = DEFAULT_INTERVAL
    batch_size: int = DEFAULT_BATCH_SIZE

    @property
    def window_start(self) -> date:
        """First day of the history window."""
        return self.as_of - timedelta(days=self.period_days * self.history_periods)

    def period_starts(self) -> list[date]:
        """First day of each forecast period."""
        step = timedelta(days=self.period_days)
        return [self.as_of + step * k for k in range(self.horizon_periods)]

    def as_json(self) -> dict:
        """Stored form on the run."""
        return {**asdict(self), "as_of": self.as_of.isoformat()}

    @classmethod
    def from_json(cls, data: dict) -> "ForecastParameters":
        """The parameters stored on a run."""
        return cls(**{**data, "as_of": date.fromisoformat(data["as_of"])})


def forecast_parameters_build(given: dict | None = None) -> ForecastParameters:
    """``ForecastSettings`` (horizon, holdout, season length) and the defaults, overridden by
    ``given``; raises :class:`ParameterError` naming the first bad parameter."""
    given = dict(given or {})
    known = {f.name for f in fields(ForecastParameters)} - {"period_days"}
    unknown = sorted(set(given) - known)
    if unknown:
        raise ParameterError(f"parameters: unknown {', '.join(unknown)}.")
    stored = ForecastSettings.objects.filter(pk=1).first() or ForecastSettings()
    values = {
        "as_of": planning_as_of(given.pop("as_of", None)),
        "period_days": settings.PLANNING_PERIOD_DAYS,
        "horizon_periods": stored.horizon_periods,
        "holdout_periods": stored.holdout_periods,
        "season_length": stored.season_length,
    }
    values |= {name: _checked(name, value) for name, value in given.items()}
    params = ForecastParameters(**values)
    if params.period_days == 7 and params.as_of.weekday() != 0:
        raise ParameterError(f"as_of: {params.as_of} is not a Monday (weeks start on Mondays).")
    if params.holdout_periods >= params.history_periods:
        raise ParameterError(
            f"holdout_periods: {params.holdout_periods} leaves nothing of the "
            f"{params.history_periods} history periods to fit."
        )
    return params


def _checked(name: str, value) -> int | float:
    """``value`` as the parameter's type within its limits; refuses booleans, text that is no
    number and fractions of a whole-number parameter."""
    low, high, whole = LIMITS[name]
    try:
        if isinstance(value, bool):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name}: {value!r} is not a number.") from None
    if whole and not number.is_integer():
        raise ParameterError(f"{name}: {value!r} is not a whole number.")
    if not low <= number <= high:
        raise ParameterError(f"{name}: {value!r} is outside [{low}, {high}].")
    return int(number) if whole else number
