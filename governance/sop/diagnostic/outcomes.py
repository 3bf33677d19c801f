"""Checks 13–15, Outcome KPIs: monthly KPI trends over the quarter before the cycle's month
(governance.kpis), the last month against the first. A month's value is the KPI over the
weeks computed in it; flows (expedites) are taken per week, so a five-week month does not
look worse than a four-week one."""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db.models import Q
from django.db.models.functions import TruncMonth

from governance.kpis.definitions import KPI_BY_KEY
from governance.kpis.models import KpiSnapshot
from governance.kpis.selectors import kpi_series
from governance.sop.diagnostic.context import Context, Finding
from governance.sop.selectors import next_month, previous_month
from sop_platform.display import money, percent

# A quarter: long enough to show a direction, recent enough to be this review's business.
TREND_MONTHS = 3
# A share (fill rate, stock-out rate) moving less than half a point is flat: a month's rate
# moves that much from the calendar alone.
FLAT_POINTS = 0.005
# Other KPIs moving less than 2 % of the first month's value are flat.
FLAT_TOLERANCE = 0.02
# Turns may dip 5 % (stock built ahead of a season) and still count as stable.
TURNS_TOLERANCE = 0.05
PER_WEEK = ("expedite_count",)  # flows: compared per week computed
CHECK_KEYS = {
    13: ("fill_rate", "turns"),
    14: ("stockout_rate", "backorders", "expedite_count"),
    15: ("excess_value", "obsolete_value", "working_capital"),
}


@dataclass(frozen=True)
class Trend:
    """One KPI's value in the first and the last month of the window."""

    key: str
    first: float
    last: float

    @property
    def direction(self) -> str:
        """ "down", "flat" or "up": a share moving less than ``FLAT_POINTS``, another KPI
        less than ``FLAT_TOLERANCE`` of its first value, is flat."""
        share = KPI_BY_KEY[self.key].unit == "share"
        allowed = FLAT_POINTS if share else FLAT_TOLERANCE * abs(self.first)
        if self.last > self.first + allowed:
            return "up"
        return "down" if self.last < self.first - allowed else "flat"

    def words(self) -> str:
        """ "Stock-out rate 4.1 % → 3.2 % (down)"."""
        kpi = KPI_BY_KEY[self.key]
        shown = {"share": percent, "currency": money}.get(kpi.unit, lambda v: f"{v:,.1f}")
        per = " a week" if self.key in PER_WEEK else ""
        return f"{kpi.label} {shown(self.first)} → {shown(self.last)}{per} ({self.direction})"


def trend_months(cycle_month: date) -> list[date]:
    """The ``TREND_MONTHS`` months before the cycle's month, oldest first."""
    months = [previous_month(cycle_month)]
    while len(months) < TREND_MONTHS:
        months.insert(0, previous_month(months[0]))
    return months


@dataclass(frozen=True)
class Window:
    """The KPIs of checks 13–15 per month of the window, or why there are none."""

    label: str
    values: dict[str, np.ndarray]
    problem: str


def _window(ctx: Context) -> Window:
    """Every KPI the outcome checks read, per month, in one read of the snapshots."""
    months = trend_months(ctx.cycle.month)
    label = f"{months[0]:%B}–{months[-1]:%B %Y}"
    last_day = next_month(months[-1]) - timedelta(days=1)
    keys = sorted({key for keys in CHECK_KEYS.values() for key in keys})
    series = kpi_series(scope=ctx.scope, keys=keys, grain="month", first=months[0], last=last_day)
    if list(series.periods) != months or not _measured(ctx, months[0], last_day):
        found = len(series.periods) if list(series.periods) != months else 0
        problem = (
            f"KPI snapshots in your scope cover {found} of the {TREND_MONTHS} months {label}: "
            "refresh the KPIs to show a trend."
        )
        return Window(label, {}, problem)
    values = {key: np.asarray(series.values[key], dtype=float) for key in keys}
    for key in PER_WEEK:
        values[key] = values[key] / np.maximum(series.weeks, 1)
    return Window(label, values, "")


def _measured(ctx: Context, first: date, last: date) -> bool:
    """Whether the scope has snapshot cells in the window's first and last months (the
    computed weeks are the network's: a scope without cells would read as all zeros)."""
    ends = Q(period_start__lt=next_month(first)) | Q(period_start__gte=last.replace(day=1))
    cells = KpiSnapshot.objects.filter(ends, period_start__gte=first, period_start__lte=last)
    months = (
        ctx.scope.restrict(cells.order_by())
        .annotate(month=TruncMonth("period_start"))
        .values("month")
        .distinct()
    )
    return len(months) == 2


def _trends(ctx: Context, number: int) -> tuple[dict[str, Trend], str, str]:
    """The KPIs of check ``number`` measured in the window's first and last months, the
    window in words, and why there is no trend ('' when there is one)."""
    window = ctx.shared("kpi_window", lambda: _window(ctx))
    if window.problem:
        return {}, window.label, window.problem
    trends = {}
    for key in CHECK_KEYS[number]:
        values = window.values[key]
        if np.isfinite(values[0]) and np.isfinite(values[-1]):
            trends[key] = Trend(key, float(values[0]), float(values[-1]))
    if not trends:
        return {}, window.label, f"No KPI of this check is measured in {window.label}."
    return trends, window.label, ""


def _described(label: str, trends: dict[str, Trend]) -> str:
    words = "; ".join(trend.words() for trend in trends.values())
    return f"{label}, first month against last: {words}."


def check_service_and_turns(ctx: Context) -> Finding:
    """Check 13: fill rate did not fall (by half a point or more) while turns held (within
    5 %)."""
    trends, label, problem = _trends(ctx, 13)
    if problem or len(trends) < 2:
        return Finding(problem or f"Fill rate and turns are not both measured in {label}.", False)
    fill, turns = trends["fill_rate"], trends["turns"]
    holds = fill.direction != "down" and turns.last >= turns.first * (1 - TURNS_TOLERANCE)
    return Finding(_described(label, trends), holds)


def _downward(ctx: Context, number: int) -> Finding:
    """Yes when none of the check's KPIs rose and at least one fell (or all stayed at
    zero)."""
    trends, label, problem = _trends(ctx, number)
    if problem:
        return Finding(problem, False)
    directions = [trend.direction for trend in trends.values()]
    at_zero = all(trend.first == 0 and trend.last == 0 for trend in trends.values())
    answer = "up" not in directions and ("down" in directions or at_zero)
    return Finding(_described(label, trends), answer)


def check_shortages(ctx: Context) -> Finding:
    """Check 14: stock-outs, backorders and expedites trend downward."""
    return _downward(ctx, 14)


def check_excess_and_cash(ctx: Context) -> Finding:
    """Check 15: excess and obsolete stock and the working capital in inventory trend
    downward."""
    return _downward(ctx, 15)
