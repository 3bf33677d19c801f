"""The run-wide stage before the batches: which SKU-locations, cut into which batches, the ABC
cut-offs of the whole scope, and what the inputs look like (the snapshot)."""

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.db.models import Count, Max, Sum

from demand.models import DemandHistory
from inventory.engine.history import abc_cutoffs
from inventory.models import InventoryPosition, Item
from inventory.runs.inputs import index_in, scoped, sku_locations
from inventory.runs.parameters import RunParameters
from inventory.runs.scope import RunScope
from sop_platform.arrays import query_columns
from supply.models import LaneLeadTimeActual

ALL_ITEMS = (0, 2**62)


@dataclass(frozen=True)
class RunPlan:
    """Batches as (first item id, last item id, SKU-locations), cut-offs and snapshot."""

    batches: list[tuple[int, int, int]]
    cutoffs: tuple[float, float]
    snapshot: dict


def batches_cut(keys: np.ndarray, batch_size: int) -> list[tuple[int, int, int]]:
    """Consecutive item-id ranges of about ``batch_size`` SKU-locations each; an item's
    locations are never split, so one batch can exceed the size by less than one item."""
    items = keys >> 32
    batches, start = [], 0
    while start < len(keys):
        end = min(start + batch_size, len(keys))
        # extend to the end of the last item
        end = int(np.searchsorted(items, items[end - 1], side="right"))
        batches.append((int(items[start]), int(items[end - 1]), end - start))
        start = end
    return batches


def annual_values(
    scope: RunScope, params: RunParameters, keys: np.ndarray
) -> tuple[np.ndarray, dict]:
    """Demand value of the last year (periods before as_of) per planned SKU-location with
    demand in it (units a year × unit cost, 0 where the cost is unknown), and what was read."""
    periods = min(round(params.periods_per_year), params.history_periods)
    first = params.as_of - timedelta(days=params.period_days * periods)
    totals = query_columns(
        scoped(
            DemandHistory.objects.filter(period_start__gte=first, period_start__lt=params.as_of),
            scope,
            *ALL_ITEMS,
        )
        .values("item_id", "location_id")
        .annotate(total=Sum("quantity"), periods=Count("pk"), last=Max("period_start"))
        .order_by(),
        {
            "item_id": "int",
            "location_id": "int",
            "total": "float",
            "periods": "int",
            "last": "date",
        },
    )
    costs = query_columns(Item.objects.order_by("pk"), {"id": "int", "unit_cost": "float"})
    cost = costs["unit_cost"][np.maximum(index_in(costs["id"], totals["item_id"]), 0)]
    with np.errstate(invalid="ignore", divide="ignore"):
        per_year = totals["total"] / totals["periods"] * params.periods_per_year
    value = per_year * np.where(np.isnan(cost), 0.0, cost)
    wanted = index_in(keys, (totals["item_id"] << 32) | totals["location_id"]) >= 0
    last = totals["last"][wanted]
    read = {
        "demand_rows_last_year": int(totals["periods"][wanted].sum()),
        "sku_locations_with_demand_last_year": int(wanted.sum()),
        "demand_history_as_of": str(last.max()) if len(last) else None,
    }
    return value[wanted], read


def run_plan_build(scope: RunScope, params: RunParameters) -> RunPlan:
    """Everything the batches share."""
    keys = sku_locations(scope, *ALL_ITEMS, params.as_of)
    values, read = annual_values(scope, params, keys)
    return RunPlan(
        batches=batches_cut(keys, params.batch_size),
        cutoffs=abc_cutoffs(values),
        snapshot={"sku_locations": len(keys), **read, **_as_of_dates(scope, params)},
    )


def _as_of_dates(scope: RunScope, params: RunParameters) -> dict:
    positions = scoped(InventoryPosition.objects, scope, *ALL_ITEMS)
    latest_position = positions.filter(as_of__lte=params.as_of).aggregate(v=Max("as_of"))["v"]
    computed = LaneLeadTimeActual.objects.aggregate(v=Max("computed_at"))["v"]
    return {
        "positions_as_of": latest_position.isoformat() if latest_position else None,
        "lead_times_computed_at": computed.isoformat() if computed else None,
    }
