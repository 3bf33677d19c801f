"""Reads of the consensus plan: the plan of one SKU-location period by period (statistical
baseline with its interval, sales input, consensus in force, promotions), its recent
history, the overrides' audit trail, and the overrides awaiting a manager.

Each read is one query whatever the horizon or the number of forecast versions.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from demand.choices import ForecastKind, OverrideStatus
from demand.models import DemandHistory, Forecast, ForecastOverride, ForecastSettings, Promotion
from governance.selectors import location_scope
from inventory.models import Item, Location

HISTORY_PERIODS = 26
HISTORY_SHOWN = 50
TRACKED = (  # (field, label): what the override history compares row by row
    ("status", "Status"),
    ("quantity", "Quantity"),
    ("decision_comment", "Decision comment"),
)


def forecast_settings() -> ForecastSettings:
    """The demand plan's settings (the seeded row pk 1; the defaults if it is missing)."""
    return ForecastSettings.objects.filter(pk=1).first() or ForecastSettings(pk=1)


def plan_start() -> date:
    """The first period a planner may override: the current week's Monday (today when
    planning in days or months)."""
    today = timezone.localdate()
    if settings.PLANNING_PERIOD_DAYS == 7:
        return today - timedelta(days=today.weekday())
    return today


def latest_statistical(*, item: Item, location: Location, periods: list[date]) -> dict[date, float]:
    """Each period's statistical forecast made last (the baseline of an override); periods
    without one are absent."""
    rows = Forecast.objects.filter(
        item=item, location=location, kind=ForecastKind.STATISTICAL, period_start__in=periods
    ).order_by("period_start", "as_of")
    return dict(rows.values_list("period_start", "quantity"))  # the latest as_of last wins


@dataclass
class PlanPeriod:
    """One future period of the plan; quantities in units per period, None where absent."""

    start: date
    statistical: float | None = None
    lower: float | None = None
    upper: float | None = None
    statistical_as_of: date | None = None
    sales: float | None = None
    consensus: float | None = None
    consensus_as_of: date | None = None
    pending: ForecastOverride | None = None
    promotions: list[Promotion] = field(default_factory=list)

    @property
    def plan(self) -> float | None:
        """What the policy uses: the consensus in force, else the statistical baseline."""
        return self.consensus if self.consensus is not None else self.statistical


@dataclass(frozen=True)
class ConsensusPlan:
    """The plan of one SKU-location: its future periods and the last periods of history."""

    periods: list[PlanPeriod]
    history: list[tuple[date, float]]
    promotions: list[Promotion]


def consensus_plan(
    *, item: Item, location: Location, history_periods: int = HISTORY_PERIODS
) -> ConsensusPlan:
    """The plan over the settings' horizon from the current period: the periods the
    forecasts name (weekly steps when there are none), each with its latest statistical and
    sales forecast, the consensus in force (latest made by today), the override awaiting
    approval and the promotions covering it. Five queries."""
    first, step = plan_start(), timedelta(days=settings.PLANNING_PERIOD_DAYS)
    horizon = forecast_settings().horizon_periods
    end = first + step * horizon
    forecasts = Forecast.objects.filter(
        item=item, location=location, period_start__gte=first, period_start__lt=end
    ).order_by("period_start", "as_of")
    periods: dict[date, PlanPeriod] = {}
    for row in forecasts:
        _take(periods.setdefault(row.period_start, PlanPeriod(row.period_start)), row)
    if not periods:
        periods = {first + step * k: PlanPeriod(first + step * k) for k in range(horizon)}
    for override in pending_overrides_of(item=item, location=location, since=first):
        if override.period_start in periods:
            periods[override.period_start].pending = override
    promotions = list(promotions_of(item=item, location=location, since=first - step))
    for period in periods.values():
        period.promotions = [
            p for p in promotions if p.start < period.start + step and p.end >= period.start
        ]
    since = first - step * history_periods
    history = DemandHistory.objects.filter(
        item=item, location=location, period_start__gte=since, period_start__lt=first
    ).order_by("period_start")
    return ConsensusPlan(
        periods=sorted(periods.values(), key=lambda p: p.start),
        history=list(history.values_list("period_start", "quantity")),
        promotions=promotions,
    )


def _take(period: PlanPeriod, row: Forecast) -> None:
    """Keep ``row`` in its period when it is its kind's latest (rows come oldest first)."""
    if row.kind == ForecastKind.STATISTICAL:
        period.statistical, period.lower, period.upper = row.quantity, row.lower, row.upper
        period.statistical_as_of = row.as_of
    elif row.kind == ForecastKind.SALES:
        period.sales = row.quantity
    elif row.as_of <= timezone.localdate():  # a consensus dated ahead is not in force yet
        period.consensus, period.consensus_as_of = row.quantity, row.as_of


def pending_overrides_of(*, item: Item, location: Location, since: date) -> QuerySet:
    """The SKU-location's overrides awaiting approval from ``since``, with their authors."""
    return ForecastOverride.objects.filter(
        item=item, location=location, period_start__gte=since, status=OverrideStatus.PENDING
    ).select_related("created_by")


def promotions_of(*, item: Item, location: Location, since: date) -> QuerySet[Promotion]:
    """Promotions of the item at the location (or at every location) ending from ``since``."""
    return Promotion.objects.filter(
        Q(location=location) | Q(location__isnull=True), item=item, end__gte=since
    ).order_by("start", "pk")


def promotions_in_scope(*, user: AbstractBaseUser) -> QuerySet[Promotion]:
    """Promotions at the user's locations and those of every location (none for an empty
    scope: scopes fail closed)."""
    promotions = Promotion.objects.select_related("item", "location")
    scope = location_scope(user=user)
    if scope.whole_network or scope.is_empty:
        return scope.restrict(promotions)
    return promotions.filter(Q(location__in=scope.location_ids) | Q(location__isnull=True))


@dataclass(frozen=True)
class OverrideChange:
    """One row of an override's audit trail: who did what when, and what it changed."""

    when: datetime
    who: str
    override_id: int
    period_start: date
    action: str
    status: str
    quantity: float
    baseline: float | None
    rationale: str
    reason: str
    changes: list[tuple[str, object, object]]


def override_history(
    *, item: Item, location: Location, limit: int = HISTORY_SHOWN
) -> list[OverrideChange]:
    """The audit trail of the SKU-location's ``limit`` newest overrides, newest change
    first, each with the fields it changed (before → after). Two queries."""
    newest = ForecastOverride.objects.filter(item=item, location=location).values("pk")[:limit]
    rows = (
        ForecastOverride.history.filter(id__in=list(newest.values_list("pk", flat=True)))
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    changes, previous = [], {}
    for row in rows:
        before = previous.get(row.id)
        changes.append(_change(row, before))
        previous[row.id] = row
    return changes[::-1]


def _change(row, before) -> OverrideChange:
    moved = [
        (label, getattr(before, name), getattr(row, name))
        for name, label in TRACKED
        if before is not None and getattr(before, name) != getattr(row, name)
    ]
    return OverrideChange(
        when=row.history_date,
        who=row.history_user.get_username() if row.history_user else "",
        override_id=row.id,
        period_start=row.period_start,
        action=row.get_history_type_display(),
        status=OverrideStatus(row.status).label,
        quantity=row.quantity,
        baseline=row.baseline,
        rationale=row.rationale,
        reason=row.history_change_reason or "",
        changes=moved,
    )


def overrides_in_scope(*, user: AbstractBaseUser) -> QuerySet[ForecastOverride]:
    """Overrides at the user's locations, with their SKU-location and people (fail closed)."""
    overrides = ForecastOverride.objects.select_related(
        "item", "location", "created_by", "decided_by"
    )
    return location_scope(user=user).restrict(overrides)


def overrides_awaiting(*, user: AbstractBaseUser) -> QuerySet[ForecastOverride]:
    """The overrides awaiting approval at the user's locations, oldest first."""
    pending = overrides_in_scope(user=user).filter(status=OverrideStatus.PENDING)
    return pending.order_by("created_at", "pk")


def overrides_by(*, user: AbstractBaseUser) -> QuerySet[ForecastOverride]:
    """The user's own overrides at their locations, newest first."""
    return overrides_in_scope(user=user).filter(created_by=user)
