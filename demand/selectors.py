"""Reads of the demand app."""

from datetime import date

import numpy as np
from django.db.models import Q, QuerySet

from demand.choices import ForecastKind
from demand.models import Forecast, Promotion
from sop_platform.arrays import query_columns

FORECAST_COLUMNS = {
    "item_id": "int",
    "location_id": "int",
    "period_start": "date",
    "as_of": "date",
    "quantity": "float",
}


def forecasts_latest_before_period(*, forecasts: QuerySet[Forecast]) -> dict[str, np.ndarray]:
    """Of ``forecasts``, per SKU-location and period the one made last before the period
    began (``as_of < period_start``: the shortest lag, lag 1 for weekly forecasts made each
    Monday); one query. Columns as in :data:`FORECAST_COLUMNS`, rows in no particular order.
    """
    rows = query_columns(forecasts.order_by(), FORECAST_COLUMNS)
    ahead = np.flatnonzero(rows["as_of"] < rows["period_start"])  # made before the period
    key = (rows["item_id"][ahead] << 32) | rows["location_id"][ahead]
    period = rows["period_start"][ahead].astype(np.int64)
    chosen = ahead[_latest_per_group(rows["as_of"][ahead], key, period)]
    return {name: values[chosen] for name, values in rows.items()}


def _latest_per_group(as_of: np.ndarray, *groups: np.ndarray) -> np.ndarray:
    """Index of the row made last (greatest ``as_of``) among the rows equal in every one of
    ``groups``, one per group, in the order of the groups (the first sorts first)."""
    order = np.lexsort((-as_of.astype(np.int64), *reversed(groups)))
    first = np.zeros(len(order), bool)
    first[:1] = True
    for group in groups:
        first[1:] |= np.diff(group[order]) != 0
    return order[first]


def forecasts_latest_by_lag(
    *, forecasts: QuerySet[Forecast], period_days: int
) -> dict[str, np.ndarray]:
    """Of ``forecasts``, per SKU-location, period and lag the one made last; one query. The
    lag-k forecast of a period beginning p is made in [p − k·``period_days`` days,
    p − (k − 1)·``period_days`` days) (demand.accuracy's rule). Columns as in
    :data:`FORECAST_COLUMNS` plus ``lag``, rows sorted by SKU-location, period and lag: the
    first of each SKU-location and period is :func:`forecasts_latest_before_period`'s."""
    rows = query_columns(forecasts.order_by(), FORECAST_COLUMNS)
    ahead = np.flatnonzero(rows["as_of"] < rows["period_start"])
    rows = {name: values[ahead] for name, values in rows.items()}
    days = (rows["period_start"] - rows["as_of"]).astype(np.int64)
    lag = -(-days // period_days)  # ceil
    key = (rows["item_id"] << 32) | rows["location_id"]
    period = rows["period_start"].astype(np.int64)
    chosen = _latest_per_group(rows["as_of"], key, period, lag)
    return {**{name: values[chosen] for name, values in rows.items()}, "lag": lag[chosen]}


FORWARD_RANK = {ForecastKind.CONSENSUS.value: 0, ForecastKind.STATISTICAL.value: 1}
"""Which kind a forward forecast prefers: the approved consensus, else the statistical one."""


def forecasts_forward(*, forecasts: QuerySet[Forecast], as_of: date) -> dict[str, np.ndarray]:
    """Of ``forecasts``, per SKU-location and period the figure the plan stands on at
    ``as_of``: the consensus made last on or before ``as_of``, else the statistical forecast
    made last on or before it (sales input is not the plan); one query. Columns as in
    :data:`FORECAST_COLUMNS` plus ``kind``, rows in no particular order; the caller limits
    ``forecasts`` to the periods and SKU-locations it wants."""
    chosen = forecasts.filter(as_of__lte=as_of, kind__in=list(FORWARD_RANK)).order_by()
    rows = query_columns(chosen, {**FORECAST_COLUMNS, "kind": "text"})
    key = (rows["item_id"] << 32) | rows["location_id"]
    period = rows["period_start"].astype(np.int64)
    rank = np.array([FORWARD_RANK[kind] for kind in rows["kind"]], dtype=np.int64)
    order = np.lexsort((-rows["as_of"].astype(np.int64), rank, period, key))
    first = np.ones(len(order), bool)  # per (SKU-location, period): the preferred one first
    first[1:] = (np.diff(key[order]) != 0) | (np.diff(period[order]) != 0)
    picked = order[first]
    return {name: values[picked] for name, values in rows.items()}


PROMOTION_COLUMNS = {"item_id": "int", "location_id": "float", "start": "date", "end": "date"}
"""A promotion's location is NULL (float NaN) when it covers every location of the item."""


def promotions_between(
    *, item_from: int, item_to: int, start: date, end: date, location_ids=()
) -> dict[str, np.ndarray]:
    """The promotions of items in [``item_from``, ``item_to``] overlapping [``start``,
    ``end``), at one of ``location_ids`` (any location when empty) or at every location;
    one query. Columns as in :data:`PROMOTION_COLUMNS`."""
    promotions = Promotion.objects.filter(
        item_id__gte=item_from, item_id__lte=item_to, start__lt=end, end__gte=start
    )
    if location_ids:
        promotions = promotions.filter(
            Q(location__isnull=True) | Q(location_id__in=list(location_ids))
        )
    return query_columns(promotions, PROMOTION_COLUMNS)
