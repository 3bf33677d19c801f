"""Reads of the executive scorecard beside the diagnostic: the KPI trends of the last twelve
months and the backlog of open exceptions, within a location scope (an empty scope sees
nothing). Both come out as plain JSON-ready data, so the sign-off can store exactly what the
page showed (governance.sop.summary)."""

import hashlib
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TypeVar

import numpy as np
from django.core.cache import caches
from django.db.models import Count, Q, Sum
from django.utils import timezone

from governance.choices import OPEN_EXCEPTION_STATUSES, ExceptionKind
from governance.kpis.definitions import KPI_BY_KEY
from governance.kpis.selectors import kpi_latest_period, kpi_series
from governance.models import PlanningException
from governance.selectors import LocationScope
from governance.sop.selectors import next_month, previous_month

T = TypeVar("T")

TREND_MONTHS = 12
# The seed's headline KPIs (004 §7): one chart each; excess and obsolete share one chart.
TREND_CHARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Fill rate", ("fill_rate",)),
    ("Inventory turns", ("turns",)),
    ("Stock-out rate", ("stockout_rate",)),
    ("Inventory value", ("inventory_value",)),
    ("Excess and obsolete value", ("excess_value", "obsolete_value")),
    ("Working capital in inventory", ("working_capital",)),
    ("Forecast bias", ("forecast_bias",)),
)
TREND_KEYS = tuple(key for _, keys in TREND_CHARTS for key in keys)
# Ages of open exceptions, in days since they were raised: (label, older than, up to).
AGE_BUCKETS = (("≤ 7 days", 0, 7), ("8–30 days", 7, 30), ("31–90 days", 30, 90))
AGE_OLDEST = "> 90 days"
KEEP_SECONDS = 3600  # how long the shared cache holds a computed value at all
BACKLOG_MAX_AGE = 300
"""Seconds a page may reuse the backlog's counts: counting a million open exceptions takes
about half a second on PostgreSQL (docs/sop.md, "The scorecard")."""


def trend_months(month: date) -> tuple[date, date]:
    """The first and last day of the twelve months ending with ``month``."""
    first = month
    for _ in range(TREND_MONTHS - 1):
        first = previous_month(first)
    return first, next_month(month) - timedelta(days=1)


def kpi_trends(*, scope: LocationScope, month: date, max_age: int = 0) -> list[dict]:
    """The headline KPIs per month over the twelve months ending with ``month``: one entry
    per chart with its title, unit, which way is better, formulas, periods and series
    (None where a month has no value). ``max_age``: trends computed at most that many
    seconds ago are reused (a GROUP BY over every snapshot cell of the year: a quarter of a
    second at 100 locations)."""
    key = _scope_key(f"sop-trends:{month.isoformat()}", scope)
    return _reused(key, max_age, lambda: _trends_computed(scope, month))


def _trends_computed(scope: LocationScope, month: date) -> list[dict]:
    first, last = trend_months(month)
    # The week in progress has stock but no demand until it closes: it would read as a week
    # without sales (turns, fill rate), so the trends end with the last week with demand.
    closed = kpi_latest_period(scope=scope, with_demand=True)
    last = min(last, closed) if closed is not None else last
    series = kpi_series(scope=scope, keys=TREND_KEYS, grain="month", first=first, last=last)
    periods = [period.isoformat() for period in series.periods]
    charts = []
    for title, keys in TREND_CHARTS:
        kpis = [KPI_BY_KEY[key] for key in keys]
        charts.append(
            {
                "key": "_".join(keys),
                "title": title,
                "unit": kpis[0].unit,
                "better": kpis[0].better,
                "formula": "; ".join(f"{kpi.label}: {kpi.formula}" for kpi in kpis),
                "periods": periods,
                "series": [
                    {"key": kpi.key, "label": kpi.label, "values": _plain(series.values[kpi.key])}
                    for kpi in kpis
                ],
            }
        )
    return charts


def _plain(values: np.ndarray) -> list[float | None]:
    """Array values as JSON numbers, None for NaN."""
    return [None if np.isnan(value) else round(float(value), 6) for value in values]


def exception_backlog(*, scope: LocationScope, max_age: int = 0) -> dict:
    """Open exceptions in scope by kind: how many, how old, how many overdue, money at risk
    (kinds with none open left out), as of when they were counted. ``max_age``: a count at
    most that many seconds old is reused (pages pass :data:`BACKLOG_MAX_AGE`; a sign-off
    counts afresh)."""
    key = _scope_key("sop-backlog", scope)
    return _reused(key, max_age, lambda: _backlog_counted(scope, timezone.now()))


def _scope_key(prefix: str, scope: LocationScope) -> str:
    """A shared-cache key of what ``scope`` sees: its locations, hashed."""
    locations = "all" if scope.whole_network else ",".join(map(str, sorted(scope.location_ids)))
    return f"{prefix}:" + hashlib.sha256(locations.encode()).hexdigest()


def _reused(key: str, max_age: int, compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned at most ``max_age`` seconds ago when the shared
    cache still holds it (0: always compute); what is computed is kept for later callers."""
    now = timezone.now()
    kept = caches["shared"].get(key) if max_age > 0 else None
    if kept is not None and now - kept[0] <= timedelta(seconds=max_age):
        return kept[1]
    value = compute()
    caches["shared"].set(key, (now, value), KEEP_SECONDS)
    return value


def _backlog_counted(scope: LocationScope, now: datetime) -> dict:
    """The backlog counted now: one GROUP BY over the open exceptions in scope."""
    today = timezone.localdate(now)
    aged = {
        f"age_{upper}": Count("pk", filter=Q(created_at__gt=now - timedelta(days=upper)))
        for _, _, upper in AGE_BUCKETS
    }
    rows = (
        scope.restrict(PlanningException.objects.filter(status__in=OPEN_EXCEPTION_STATUSES))
        .values("kind")
        .annotate(
            count=Count("pk"),
            overdue=Count("pk", filter=Q(due_date__lt=today)),
            money=Sum("money_at_risk"),
            **aged,
        )
        .order_by()
    )
    by_kind = {row["kind"]: row for row in rows}
    kinds = [
        _backlog_kind(value, label, by_kind[value])
        for value, label in ExceptionKind.choices
        if value in by_kind
    ]
    return {
        "as_of": now.isoformat(),
        "ages": [label for label, _, _ in AGE_BUCKETS] + [AGE_OLDEST],
        "kinds": kinds,
        "count": sum(kind["count"] for kind in kinds),
        "overdue": sum(kind["overdue"] for kind in kinds),
        "money": sum(kind["money"] for kind in kinds),
    }


def _backlog_kind(kind: str, label: str, row: dict) -> dict:
    """One kind's backlog row: counts per age bucket from the cumulative counts."""
    cumulative = [row[f"age_{upper}"] for _, _, upper in AGE_BUCKETS] + [row["count"]]
    ages = [cumulative[0]] + [b - a for a, b in zip(cumulative, cumulative[1:], strict=False)]
    return {
        "kind": kind,
        "label": label,
        "count": row["count"],
        "overdue": row["overdue"],
        "money": float(row["money"] or 0),
        "ages": ages,
    }
