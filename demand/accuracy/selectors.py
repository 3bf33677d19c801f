"""Reads of forecast accuracy: stored forecast snapshots against demand history by lag, per
SKU-location and pooled over the network, locations, categories and ABC classes, within the
user's location scope. Set-based: a fixed handful of queries into numpy grids
(SKU-locations × weeks), whatever the number of SKU-locations.

Lag rule: the lag-k forecast of the week beginning p is the one in force at p − 7(k − 1)
days, i.e. made last before then (:func:`demand.selectors.forecasts_latest_before_period`
picks the latest; lag 1 is that selector's own pick, the runs' and the bias rule's). A
consensus forecast (an approved override, written once) stays in force until replaced, so
any made before counts; statistical and sales forecasts are snapshots superseded by the next
one, so only those made in the week before count (``as_of`` in [p − 7k, p − 7(k − 1))): with
weekly runs, the same pick, without reading the other 25 snapshots of a 26-week horizon.
Kind: one kind, or the plan (:data:`PLANNED`): per SKU-location and week the consensus where
there is one, else the statistical forecast (as demand.selectors.forecasts_forward plans).
"""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db.models import DateField, ExpressionWrapper, F, QuerySet
from django.db.models.expressions import Combinable

from demand.accuracy.pooling import KEYS, group_sums, metrics_of, row_sums, total_sums
from demand.choices import ForecastKind
from demand.forecasting import metrics
from demand.models import DemandHistory, Forecast
from demand.selectors import forecasts_latest_before_period
from governance.escalations.reads import Grid, complete_weeks, keys_of, week_span
from governance.selectors import LocationScope
from inventory.models import Item, Location
from inventory.runs.inputs import index_in, pair_keys
from inventory.runs.models import SkuLocationSegment
from sop_platform.arrays import query_columns

Rows = dict[str, np.ndarray]
PLANNED = "planned"
"""The plan's forecast: the consensus where present, else the statistical one."""
WEEK = np.timedelta64(7, "D")
SCALE_WEEKS = 52
"""Weeks of history before the window whose naive MAE scales MASE (of the window, the
previous one and the trend alike, so that their MASE compare)."""
TREND_MONTHS = 12
ROLLING_MONTHS = 3
WORST = 20
"""SKU-locations listed by absolute error."""
NONE_LABEL = "(none)"
FEW = 1_000
CLASSES = "ABC"


def _days_before(days: int) -> Combinable:
    """The period's start less ``days`` days, as a date in SQL."""
    if not days:
        return F("period_start")
    return ExpressionWrapper(F("period_start") - timedelta(days=days), output_field=DateField())


def lagged_forecasts(*, forecasts: QuerySet[Forecast], lag: int, kind: str = PLANNED) -> Rows:
    """Of ``forecasts``, per SKU-location and week the lag-``lag`` forecast of ``kind``
    (module docstring); two queries for the plan, else one. Columns as in
    demand.selectors.FORECAST_COLUMNS. For the plan the statistical rows come first and the
    consensus rows last, so a grid keeping the last row of a cell (Grid.place) keeps the
    consensus."""
    made = forecasts.filter(as_of__lt=_days_before(7 * lag - 7))
    window = made.filter(as_of__gte=_days_before(7 * lag))
    kinds = [ForecastKind.STATISTICAL, ForecastKind.CONSENSUS] if kind == PLANNED else [kind]
    parts = [
        forecasts_latest_before_period(
            forecasts=(made if k == ForecastKind.CONSENSUS else window).filter(kind=k)
        )
        for k in kinds
    ]
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


@dataclass(frozen=True)
class AccuracyQuery:
    """What to measure: forecast kind, lag (weeks), window (weeks), the window's last week
    (its Monday; None: the last complete week) and the filters (None: not filtered)."""

    kind: str = PLANNED
    lag: int = 1
    weeks: int = 13
    last: date | None = None
    location_id: int | None = None
    category: str | None = None


@dataclass(frozen=True)
class Window:
    """The pooled metrics of one window of weeks (``first`` to ``last``, Mondays)."""

    first: date
    last: date
    values: dict[str, float]
    pairs: int


@dataclass(frozen=True)
class GroupRow:
    """The pooled metrics of one location, category or class over the window."""

    value: int | str
    label: str
    values: dict[str, float]
    pairs: int


@dataclass(frozen=True)
class SkuLocationRow:
    """One SKU-location's metrics over the window, with its totals."""

    item_id: int
    location_id: int
    sku: str
    location: str
    actual: float
    forecast: float
    abs_error: float
    values: dict[str, float]


@dataclass(frozen=True)
class AccuracyReport:
    """Everything the accuracy page and API show; ``trend``: (month, metrics over the three
    months ending with it)."""

    window: Window
    previous: Window
    trend: list[tuple[date, dict[str, float]]]
    breakdown: dict[str, list[GroupRow]]
    worst: list[SkuLocationRow]
    sku_locations: int


@dataclass(frozen=True)
class _Data:
    """Forecasts and actuals on one grid of SKU-locations × weeks (the last is the window's
    last week), and each row's MASE scale: the naive MAE of the SCALE_WEEKS before the
    window."""

    grid: Grid
    actual: np.ndarray
    forecast: np.ndarray
    scale: np.ndarray


def _restricted(queryset: QuerySet, scope: LocationScope, query: AccuracyQuery) -> QuerySet:
    queryset = scope.restrict(queryset)
    if query.location_id is not None:
        queryset = queryset.filter(location_id=query.location_id)
    if query.category is not None:
        queryset = queryset.filter(item__category=query.category)
    return queryset


def _weeks(query: AccuracyQuery, today: date) -> tuple[np.ndarray, np.ndarray]:
    """(the Mondays of demand read, those of forecasts read), oldest first, both to the
    window's last week: forecasts from the earliest window measured (the previous window, or
    the first rolling three months of the trend), demand also the SCALE_WEEKS before the
    window."""
    last = np.datetime64(query.last or complete_weeks(today, 1)[-1].astype(date), "D")
    month = last.astype("datetime64[M]") - (TREND_MONTHS + ROLLING_MONTHS - 2)
    trend_first = month.astype("datetime64[D]")
    trend_first += (-(trend_first.astype(np.int64) + 3)) % 7  # Monday on or after (1/1/1970: Thu)
    measured = min(trend_first, last - (2 * query.weeks - 1) * WEEK)
    first = min(measured, last - (query.weeks + SCALE_WEEKS - 1) * WEEK)
    return np.arange(first, last + WEEK, WEEK), np.arange(measured, last + WEEK, WEEK)


def _data(scope: LocationScope, query: AccuracyQuery, today: date) -> _Data:
    weeks, measured = _weeks(query, today)
    forecasts = _restricted(Forecast.objects.all(), scope, query).filter(
        period_start__range=week_span(measured)
    )
    rows = lagged_forecasts(forecasts=forecasts, lag=query.lag, kind=query.kind)
    grid = Grid(keys_of(rows), weeks)
    history = _restricted(DemandHistory.objects.all(), scope, query).filter(
        period_start__range=week_span(weeks)
    )
    demand = query_columns(
        history,
        {"item_id": "int", "location_id": "int", "period_start": "date", "quantity": "float"},
    )
    actual = grid.place(demand, "period_start", "quantity")
    start = len(weeks) - query.weeks
    scale = metrics.naive_mae(actual[:, start - SCALE_WEEKS : start])
    return _Data(grid, actual, grid.place(rows, "period_start", "quantity"), scale)


def _window_sums(data: _Data, columns: slice) -> dict[str, np.ndarray]:
    """Per row the pooled sums over ``columns``."""
    return row_sums(data.actual[:, columns], data.forecast[:, columns], data.scale)


def _values(pooled: dict[str, np.ndarray], at: int = 0) -> dict[str, float]:
    return {key: float(pooled[key][at]) for key in KEYS}


def _window(data: _Data, columns: slice) -> tuple[Window, dict[str, np.ndarray]]:
    sums = _window_sums(data, columns)
    total = total_sums(sums)
    weeks = data.grid.weeks[columns]
    window = Window(
        weeks[0].astype(date),
        weeks[-1].astype(date),
        _values(metrics_of(total)),
        int(total["pairs"][0]),
    )
    return window, sums


def _trend(data: _Data) -> list[tuple[date, dict[str, float]]]:
    """Per month of the last TREND_MONTHS (that of the last week last), the network's metrics
    over the weeks of the ROLLING_MONTHS months ending with it (a week is its Monday's)."""
    months = data.grid.weeks.astype("datetime64[M]")
    trend = []
    for month in np.arange(months[-1] - TREND_MONTHS + 1, months[-1] + 1):
        inside = np.flatnonzero((months > month - ROLLING_MONTHS) & (months <= month))
        sums = total_sums(_window_sums(data, slice(inside[0], inside[-1] + 1)))
        trend.append((month.astype("datetime64[D]").astype(date), _values(metrics_of(sums))))
    return trend


def _labels(model, ids: np.ndarray, field: str) -> np.ndarray:
    """``field`` of each of ``ids``; one query (of those rows when they are few, else of
    all: a query binds at most 65,535 parameters)."""
    wanted = np.unique(ids)
    rows = model.objects.order_by("pk")
    if len(wanted) <= FEW:
        rows = rows.filter(pk__in=wanted.tolist())
    rows = query_columns(rows, {"id": "int", field: "text"})
    at = index_in(rows["id"], ids)
    return np.where(at >= 0, rows[field][np.maximum(at, 0)], "")


def _classes(keys: np.ndarray) -> np.ndarray:
    """The stored ABC class (A, B, C; '' where none) of each SKU-location of ``keys``: one
    query of ids per class."""
    found = np.full(len(keys), "", dtype="<U1")
    for letter in CLASSES:
        rows = query_columns(
            SkuLocationSegment.objects.filter(segment__startswith=letter),
            {"item_id": "int", "location_id": "int"},
        )
        at = index_in(keys, pair_keys(rows["item_id"], rows["location_id"]))
        found[at[at >= 0]] = letter
    return found


def _grouped(sums: dict[str, np.ndarray], values: np.ndarray, labels: np.ndarray) -> list[GroupRow]:
    """One row per distinct value of ``values`` (rows' group), by label."""
    distinct, group = np.unique(values, return_inverse=True)
    pooled = group_sums(sums, group, len(distinct))
    measured = metrics_of(pooled)
    first = np.unique(group, return_index=True)[1]
    rows = [
        GroupRow(
            value=value.item(),
            label=str(labels[first[i]]) or NONE_LABEL,
            values=_values(measured, i),
            pairs=int(pooled["pairs"][i]),
        )
        for i, value in enumerate(distinct)
    ]
    return sorted(rows, key=lambda row: row.label)


def _breakdown(data: _Data, sums: dict[str, np.ndarray]) -> dict[str, list[GroupRow]]:
    """The window's metrics per location (by code), category and ABC class."""
    item_id, location_id = data.grid.item_id, data.grid.location_id
    codes = _labels(Location, location_id, "code")
    categories = _labels(Item, item_id, "category")
    classes = _classes(data.grid.keys)
    return {
        "location": _grouped(sums, location_id, codes),
        "category": _grouped(sums, categories, categories),
        "class": _grouped(sums, classes, classes),
    }


def _worst(data: _Data, sums: dict[str, np.ndarray], columns: slice) -> list[SkuLocationRow]:
    """The SKU-locations with the largest Σ|forecast − actual| over the window (ties by
    key), with their metrics (demand.forecasting.metrics)."""
    measured = np.flatnonzero(sums["pairs"] > 0)
    order = np.lexsort((data.grid.keys[measured], -sums["abs_error"][measured]))
    rows = measured[order[:WORST]]
    actual, forecast = data.actual[rows][:, columns], data.forecast[rows][:, columns]
    known = ~(np.isnan(actual) | np.isnan(forecast))
    before = data.actual[rows, columns.start - SCALE_WEEKS : columns.start]
    values = {
        "bias": metrics.bias(actual, forecast),
        "mape": metrics.mape(actual, forecast),
        "wape": metrics.wape(actual, forecast),
        "mase": metrics.mase(actual, forecast, before),
        "rmse": metrics.rmse(actual, forecast),
    }
    items, locations = data.grid.item_id[rows], data.grid.location_id[rows]
    skus, codes = _labels(Item, items, "sku"), _labels(Location, locations, "code")
    return [
        SkuLocationRow(
            item_id=int(items[i]),
            location_id=int(locations[i]),
            sku=str(skus[i]),
            location=str(codes[i]),
            actual=float(np.where(known[i], actual[i], 0).sum()),
            forecast=float(np.where(known[i], forecast[i], 0).sum()),
            abs_error=float(sums["abs_error"][row]),
            values={key: float(values[key][i]) for key in KEYS},
        )
        for i, row in enumerate(rows)
    ]


def forecast_accuracy(
    *, scope: LocationScope, query: AccuracyQuery, today: date
) -> AccuracyReport | None:
    """The accuracy of ``query``'s forecasts as of ``today`` within ``scope``: the window's
    and the previous window's pooled metrics, the rolling three-month trend by month, the
    breakdowns and the worst SKU-locations; None when there is no such forecast (or no
    location in scope: scopes fail closed)."""
    if scope.is_empty:
        return None
    data = _data(scope, query, today)
    if not len(data.grid.keys):
        return None
    end = len(data.grid.weeks)
    current = slice(end - query.weeks, end)
    window, sums = _window(data, current)
    previous, _ = _window(data, slice(end - 2 * query.weeks, end - query.weeks))
    return AccuracyReport(
        window=window,
        previous=previous,
        trend=_trend(data),
        breakdown=_breakdown(data, sums),
        worst=_worst(data, sums, current),
        sku_locations=len(data.grid.keys),
    )
