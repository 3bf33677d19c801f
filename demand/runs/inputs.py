"""What one forecast batch reads, with a fixed handful of set-based queries into numpy.

A batch covers the SKU-locations of the run's scope whose item id lies in [item_from,
item_to] and that have demand history in the window or a stock position (the optimization
runs' SKU-locations: an item stocked but never sold is forecast too, from its category).
Rows are sorted by (item id, location id); every array is aligned with them.
"""

from dataclasses import dataclass

import numpy as np
from django.db.models import IntegerField
from django.db.models.functions import Cast

from demand.models import DemandHistory, Promotion
from demand.runs.parameters import ForecastParameters
from inventory.models import Item
from inventory.runs.inputs import (
    ALL_ITEMS,
    PairKeyed,
    index_in,
    pair_keys,
    rows_of,
    scoped,
    sku_locations,
)
from inventory.runs.scope import RunScope
from sop_platform.arrays import query_columns
from sop_platform.scan import aggregated_columns

HISTORY_COLUMNS = {
    "item_id": "int",
    "location_id": "int",
    "period_start": "date",
    "quantity": "float",
    "promoted": "int",
}


@dataclass
class ForecastInputs(PairKeyed):
    """A batch's inputs. ``history`` and ``promotion`` are rows × history periods, oldest
    first (NaN: no record); ``group`` the item's category as a code (same category, same
    code within the batch)."""

    keys: np.ndarray  # sorted pair keys (inventory.runs.inputs.pair_keys)
    history: np.ndarray
    promotion: np.ndarray
    group: np.ndarray

    def __len__(self) -> int:
        return len(self.keys)


def history_rows(
    scope: RunScope, params: ForecastParameters, item_from: int, item_to: int
) -> dict[str, np.ndarray]:
    """Demand history of the window in the scope and item range, one entry per record:
    ``item_id``, ``location_id``, ``period`` (index in the window), ``quantity``, ``promoted``."""
    queryset = scoped(DemandHistory.objects, scope, item_from, item_to).filter(
        period_start__gte=params.window_start, period_start__lt=params.as_of
    )
    rows = aggregated_columns(
        queryset.annotate(promoted=Cast("is_promotion", IntegerField())), HISTORY_COLUMNS
    )
    start = np.datetime64(params.window_start, "D")
    period = (rows.pop("period_start") - start).astype(np.int64) // params.period_days
    return {**rows, "period": period}


def forecast_keys(
    scope: RunScope,
    params: ForecastParameters,
    item_from: int,
    item_to: int,
    history: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Sorted keys of the SKU-locations forecast: with history in the window or a stock
    position (of the scope's pairs, when it names pairs). ``history``: the rows, when read."""
    stocked = sku_locations(scope, item_from, item_to, params.as_of)
    if history is None:
        window = scoped(DemandHistory.objects, scope, item_from, item_to).filter(
            period_start__gte=params.window_start, period_start__lt=params.as_of
        )
        history = query_columns(window.distinct(), {"item_id": "int", "location_id": "int"})
    sold = pair_keys(history["item_id"], history["location_id"])
    if scope.pairs:  # other pairs' rows came with the scope's items and locations
        sold = sold[index_in(stocked, sold) >= 0]
    return np.union1d(stocked, sold)


def forecast_inputs(
    scope: RunScope, params: ForecastParameters, item_from: int, item_to: int
) -> ForecastInputs:
    """Read a batch's inputs (four queries, whatever its size)."""
    rows = history_rows(scope, params, item_from, item_to)
    keys = forecast_keys(scope, params, item_from, item_to, rows)
    history = np.full((len(keys), params.history_periods), np.nan)
    promotion = np.zeros(history.shape, dtype=bool)
    row, period = rows_of(keys, rows["item_id"], rows["location_id"]), rows["period"]
    ok = (row >= 0) & (period >= 0) & (period < params.history_periods)
    history[row[ok], period[ok]] = rows["quantity"][ok]
    promotion[row[ok], period[ok]] = rows["promoted"][ok] == 1
    return ForecastInputs(
        keys=keys, history=history, promotion=promotion, group=_groups(keys, item_from, item_to)
    )


def _groups(keys: np.ndarray, item_from: int, item_to: int) -> np.ndarray:
    """Each row's item category as an integer code (one query)."""
    items = query_columns(
        Item.objects.filter(pk__gte=item_from, pk__lte=item_to).order_by("pk"),
        {"id": "int", "category": "text"},
    )
    _, codes = np.unique(items["category"], return_inverse=True)
    found = index_in(items["id"], keys >> 32)
    return np.where(found >= 0, codes[np.maximum(found, 0)], -1).astype(np.int64)


def plan_keys(scope: RunScope, params: ForecastParameters) -> np.ndarray:
    """Every SKU-location the run forecasts, sorted (for cutting it into batches)."""
    return forecast_keys(scope, params, *ALL_ITEMS)


@dataclass(frozen=True)
class HorizonPromotions:
    """The promotions touching a batch's horizon: one entry per promotion, ``location_id``
    -1 for every location, ``start`` / ``end`` as ``datetime64[D]`` (inclusive)."""

    item_id: np.ndarray
    location_id: np.ndarray
    start: np.ndarray
    end: np.ndarray
    uplift: np.ndarray


def horizon_promotions(
    params: ForecastParameters, item_from: int, item_to: int
) -> HorizonPromotions:
    """Promotions of the batch's items overlapping the forecast horizon (one query)."""
    starts = params.period_starts()
    last_day = np.datetime64(starts[-1], "D") + params.period_days - 1
    rows = query_columns(
        Promotion.objects.filter(
            item_id__gte=item_from,
            item_id__lte=item_to,
            start__lte=last_day.item(),
            end__gte=params.as_of,
        ),
        {
            "item_id": "int",
            "location_id": "float",
            "start": "date",
            "end": "date",
            "uplift": "float",
        },
    )
    location = rows["location_id"]
    return HorizonPromotions(
        item_id=rows["item_id"],
        location_id=np.where(np.isnan(location), -1, location).astype(np.int64),
        start=rows["start"],
        end=rows["end"],
        uplift=rows["uplift"],
    )
