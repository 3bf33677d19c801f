"""The run-wide stage before the batches: which SKU-locations, cut into which batches, which
ABC-XYZ segmentation (always the whole network's), the calibration of the history model
(``runs.calibration``), and what the inputs look like (the snapshot).

Segmentation is stable: a SKU-location gets the same class, hence the same service target,
whatever the run's scope or the starting user's locations. A whole-network run recomputes it
and stores it (``NetworkSegmentation``, one ``SkuLocationSegment`` per classified
SKU-location); a scoped run reuses the stored classes when they are fresh enough, and
otherwise classifies its rows against cut-offs computed over the whole network.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db.models import Count, Max, Sum

from demand.models import DemandHistory
from inventory.choices import SegmentationSource
from inventory.engine.history import abc_cutoffs
from inventory.models import InventoryPosition, Item
from inventory.runs.calibration import calibration_plan
from inventory.runs.inputs import ALL_ITEMS, index_in, scoped, sku_locations
from inventory.runs.parameters import RunParameters
from inventory.runs.scope import RunScope
from inventory.runs.selectors import segmentation_fresh, segmentation_newest
from sop_platform.arrays import query_columns
from supply.models import LaneLeadTimeActual


@dataclass(frozen=True)
class SegmentationPlan:
    """Where a run's ABC-XYZ classes come from (``source``) and the date of the demand behind
    them (``as_of``). Rows with no stored class are classified against ``cutoffs``, the
    network's (A, B) cut-offs; ``stored_id`` is the stored segmentation a REUSED run reads."""

    source: SegmentationSource
    cutoffs: tuple[float, float]
    as_of: date
    stored_id: int | None = None

    @property
    def stored_cutoffs(self) -> list[float | None]:
        """The cut-offs as stored (JSON has no infinity: an empty class's cut-off is null)."""
        return [c if math.isfinite(c) else None for c in self.cutoffs]

    def as_snapshot(self) -> dict:
        """The run's record of it."""
        snapshot = {
            "abc_cutoffs": self.stored_cutoffs,
            "segmentation": self.source.value,
            "segmentation_as_of": self.as_of.isoformat(),
        }
        if self.stored_id is not None:
            snapshot["segmentation_id"] = self.stored_id
        return snapshot

    @classmethod
    def from_snapshot(cls, snapshot: dict, as_of: date) -> "SegmentationPlan":
        """The plan a run's snapshot records (a run planned before stored segmentation
        existed only classified against its cut-offs)."""
        stored = snapshot.get("abc_cutoffs", [None, None])
        return cls(
            source=SegmentationSource(snapshot.get("segmentation", SegmentationSource.COMPUTED)),
            cutoffs=tuple(math.inf if c is None else c for c in stored),
            as_of=date.fromisoformat(snapshot.get("segmentation_as_of", as_of.isoformat())),
            stored_id=snapshot.get("segmentation_id"),
        )


@dataclass(frozen=True)
class RunPlan:
    """Batches as (first item id, last item id, SKU-locations), segmentation and snapshot."""

    batches: list[tuple[int, int, int]]
    segmentation: SegmentationPlan
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


def run_plan_build(scope: RunScope, params: RunParameters, seed: int = 0) -> RunPlan:
    """Everything the batches share; ``seed`` (the run id) draws the calibration sample."""
    keys = sku_locations(scope, *ALL_ITEMS, params.as_of)
    values, read = annual_values(scope, params, keys)
    segmentation = segmentation_plan(scope, params, values)
    calibration = calibration_plan(scope, params, keys, segmentation, seed)
    return RunPlan(
        batches=batches_cut(keys, params.batch_size),
        segmentation=segmentation,
        snapshot={
            "sku_locations": len(keys),
            **read,
            **_as_of_dates(scope, params),
            **segmentation.as_snapshot(),
            **({"calibration": calibration} if calibration is not None else {}),
        },
    )


def segmentation_plan(
    scope: RunScope, params: RunParameters, values: np.ndarray
) -> SegmentationPlan:
    """The run's segmentation, always over the whole network (``values``: the annual values
    of the run's SKU-locations, see :func:`annual_values`).

    - A whole-network run recomputes the cut-offs from ``values`` and stores its classes,
      unless a segmentation of a later date is stored (a run planning the past computes
      without storing).
    - A scoped run (locations, categories, segments or pairs, including a whole-network ask
      narrowed to the user's locations) reuses the newest stored segmentation at most
      ``segmentation_max_age_days`` older than ``as_of``; with none, it computes the cut-offs
      from every SKU-location of the network, not only its scope's, and stores nothing.
    """
    if scope.is_whole_network:
        newest = segmentation_newest()
        stores = newest is None or newest.as_of <= params.as_of
        source = SegmentationSource.RECOMPUTED if stores else SegmentationSource.COMPUTED
        return SegmentationPlan(source, abc_cutoffs(values), params.as_of)
    stored = segmentation_fresh(as_of=params.as_of, max_age_days=params.segmentation_max_age_days)
    if stored is not None:
        return SegmentationPlan(SegmentationSource.REUSED, stored.cutoffs, stored.as_of, stored.pk)
    network = RunScope()
    keys = sku_locations(network, *ALL_ITEMS, params.as_of)
    network_values, _ = annual_values(network, params, keys)
    return SegmentationPlan(SegmentationSource.COMPUTED, abc_cutoffs(network_values), params.as_of)


def _as_of_dates(scope: RunScope, params: RunParameters) -> dict:
    positions = scoped(InventoryPosition.objects, scope, *ALL_ITEMS)
    latest_position = positions.filter(as_of__lte=params.as_of).aggregate(v=Max("as_of"))["v"]
    computed = LaneLeadTimeActual.objects.aggregate(v=Max("computed_at"))["v"]
    return {
        "positions_as_of": latest_position.isoformat() if latest_position else None,
        "lead_times_computed_at": computed.isoformat() if computed else None,
    }
