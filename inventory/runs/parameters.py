"""The knobs of a run, with their defaults, validated once when the run starts."""

from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from inventory.engine.history import DEFAULT_OUTLIER_SIGMAS, MIN_FORECAST_PAIRS

DEFAULT_BATCH_SIZE = 10_000
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
    ``as_of``.
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
        """The parameters stored on a run."""
        return cls(**{**data, "as_of": date.fromisoformat(data["as_of"])})


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
    for name, value in given.items():
        values[name] = _number(name, value)
    return RunParameters(**values, service_classes=service_classes)


INTEGER_PARAMETERS = (
    "history_periods",
    "min_forecast_pairs",
    "batch_size",
    "segmentation_max_age_days",
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
