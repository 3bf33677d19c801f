"""Reads of the demand app."""

import numpy as np
from django.db.models import QuerySet

from demand.models import Forecast
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
    order = np.lexsort((-rows["as_of"][ahead].astype(np.int64), period, key))
    first = np.ones(len(order), bool)  # per (SKU-location, period): the latest as_of first
    first[1:] = (np.diff(key[order]) != 0) | (np.diff(period[order]) != 0)
    chosen = ahead[order[first]]
    return {name: values[chosen] for name, values in rows.items()}
