"""Everything one batch needs, read with a fixed handful of set-based queries into numpy.

A batch covers the SKU-locations of the run's scope whose item id lies in
[item_from, item_to]. Rows are the batch's SKU-locations sorted by (item id, location id);
every array below is aligned with them. No query count depends on the batch size.
"""

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.db import connection
from django.db.models import Q, QuerySet

from demand.accuracy.sigma import lead_time_lag
from demand.models import DemandHistory, Forecast
from demand.selectors import forecasts_forward, forecasts_latest_by_lag, promotions_between
from governance.choices import OPEN_EXCEPTION_STATUSES, RUN_EXCEPTION_KINDS
from governance.models import PlanningException
from inventory.choices import LeadTimeBasis, PolicyStatus
from inventory.models import (
    InventoryPolicy,
    InventoryPosition,
    Item,
    NetworkLane,
    SkuLocationSegment,
)
from inventory.runs.parameters import RunParameters
from inventory.runs.scope import RunScope
from sop_platform.arrays import query_columns
from sop_platform.scan import aggregated_columns
from supply.choices import LeadTimeSource
from supply.models import SupplierLane
from supply.selectors import lead_time_for_lanes

ALL_ITEMS = (0, 2**62)
"""An item-id range holding every item."""


@dataclass
class BatchInputs:
    """A batch's inputs. Quantities in units, lead times in days, NaN where unknown."""

    item_id: np.ndarray
    location_id: np.ndarray
    history: np.ndarray  # rows × periods, NaN = no row for that period
    forecast: np.ndarray  # rows × periods: latest forecast made before each period
    unit_cost: np.ndarray
    shelf_life_days: np.ndarray
    on_hand: np.ndarray
    on_order: np.ndarray
    allocated: np.ndarray
    backordered: np.ndarray
    lead_time_days: np.ndarray
    lead_time_sd_days: np.ndarray
    lead_time_basis: np.ndarray
    moq: np.ndarray
    lot_size: np.ndarray
    case_pack: np.ndarray
    order_cost: np.ndarray
    supplier_lane_id: np.ndarray  # the supplier lane whose terms these are (NaN: none)
    lane_capacity: np.ndarray  # most that lane ships per period (inf: unlimited)
    current_safety_stock: np.ndarray
    current_reorder_point: np.ndarray
    current_max_level: np.ndarray  # the active policy's max / order-up-to level
    current_policy_id: np.ndarray  # the active policy's id (NaN where none)
    open_exceptions: dict[str, np.ndarray]  # id, item_id, location_id, kind
    # Forward forecast (``params.use_forecasts``; None without): rows × horizon periods from
    # as_of, units per period (NaN = none), the kind each period used ('consensus',
    # 'statistical', '' = none), whether a promotion covers it.
    # rows × periods: the forecast of each period made one lead time before it (lag L =
    # demand.accuracy.sigma.lead_time_lag of the row's lead time; None: not read).
    lead_forecast: np.ndarray | None = None
    forward: np.ndarray | None = None
    forward_source: np.ndarray | None = None
    promotion: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.item_id)


def pair_keys(item_id: np.ndarray, location_id: np.ndarray) -> np.ndarray:
    """One sortable int64 per (item, location)."""
    return (np.asarray(item_id, np.int64) << 32) | np.asarray(location_id, np.int64)


class PairKeyed:
    """Rows keyed by :func:`pair_keys` (``keys``): the item and location of each."""

    keys: np.ndarray

    @property
    def item_id(self) -> np.ndarray:
        """Item id of each row."""
        return self.keys >> 32

    @property
    def location_id(self) -> np.ndarray:
        """Location id of each row."""
        return self.keys & 0xFFFFFFFF


def index_in(sorted_values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Position of each wanted value in ``sorted_values``, -1 where it is absent."""
    wanted = np.asarray(wanted, np.int64)
    if not len(sorted_values):
        return np.full(len(wanted), -1)
    index = np.minimum(np.searchsorted(sorted_values, wanted), len(sorted_values) - 1)
    return np.where(sorted_values[index] == wanted, index, -1)


def rows_of(keys: np.ndarray, item_id: np.ndarray, location_id: np.ndarray) -> np.ndarray:
    """Index into sorted ``keys`` of each (item, location), -1 where it is not a batch row."""
    return index_in(keys, pair_keys(item_id, location_id))


def scoped(queryset: QuerySet, scope: RunScope, item_from: int, item_to: int, *, loc="location"):
    """``queryset`` restricted to the batch's items and the scope's locations and categories;
    for a scope of pairs, to the items and locations its pairs name (a superset of the pairs:
    the rows of other pairs are left out later, by key)."""
    queryset = queryset.filter(item_id__gte=item_from, item_id__lte=item_to)
    if scope.location_ids:
        queryset = queryset.filter(**{f"{loc}_id__in": scope.location_ids})
    if scope.categories:
        queryset = queryset.filter(item__category__in=scope.categories)
    if scope.pairs:
        pairs = np.array(scope.pairs, dtype=np.int64).reshape(-1, 2)
        pairs = pairs[(pairs[:, 0] >= item_from) & (pairs[:, 0] <= item_to)]
        queryset = queryset.filter(
            item_id__in=np.unique(pairs[:, 0]).tolist(),
            **{f"{loc}_id__in": np.unique(pairs[:, 1]).tolist()},
        )
    return queryset


def sku_locations(scope: RunScope, item_from: int, item_to: int, as_of) -> np.ndarray:
    """Sorted keys of the SKU-locations planned: those with a stock position, plus the
    scope's explicit pairs (planned even without one, to be flagged)."""
    if scope.pairs:
        pairs = np.array(scope.pairs, dtype=np.int64).reshape(-1, 2)
        inside = (pairs[:, 0] >= item_from) & (pairs[:, 0] <= item_to)
        return np.unique(pair_keys(pairs[inside, 0], pairs[inside, 1]))
    positions = scoped(
        InventoryPosition.objects.filter(as_of__lte=as_of), scope, item_from, item_to
    )
    found = query_columns(positions.distinct(), {"item_id": "int", "location_id": "int"})
    return np.unique(pair_keys(found["item_id"], found["location_id"]))


def batch_inputs(
    scope: RunScope, params: RunParameters, item_from: int, item_to: int
) -> BatchInputs:
    """Read the batch's inputs (about ten queries, whatever its size)."""
    keys = sku_locations(scope, item_from, item_to, params.as_of)
    items, locations = keys >> 32, keys & 0xFFFFFFFF
    window = (scope, item_from, item_to)
    lanes = _lead_times(keys, params, *window)
    lead = lanes["lead_time_days"] / params.period_days
    history, forecasts = _history(keys, params, *window), _forecasts(keys, params, lead, *window)
    stock = _positions(keys, params, *window)
    current = _active_policies(keys, params, *window)
    item_data = _items(items, item_from, item_to)
    forward = _forward(keys, params, *window) if params.use_forecasts else {}
    return BatchInputs(
        item_id=items,
        location_id=locations,
        history=history,
        **forecasts,
        **item_data,
        **stock,
        **lanes,
        **current,
        open_exceptions=_open_exceptions(*window),
        **forward,
    )


def stored_segments(
    segmentation_id: int, item_from: int, item_to: int, inputs: BatchInputs
) -> np.ndarray:
    """The class each batch row has in the stored segmentation, '' where it has none (one
    query)."""
    rows = query_columns(
        SkuLocationSegment.objects.filter(
            segmentation_id=segmentation_id, item_id__gte=item_from, item_id__lte=item_to
        ),
        {"item_id": "int", "location_id": "int", "segment": "text"},
    )
    found = np.full(len(inputs), "", dtype="<U2")
    row = rows_of(
        pair_keys(inputs.item_id, inputs.location_id), rows["item_id"], rows["location_id"]
    )
    found[row[row >= 0]] = rows["segment"][row >= 0]
    return found


def _period_grid(keys: np.ndarray, params: RunParameters, rows: dict) -> np.ndarray:
    """rows × periods matrix of ``rows['quantity']`` placed by (item, location, period)."""
    grid = np.full((len(keys), params.history_periods), np.nan)
    row = rows_of(keys, rows["item_id"], rows["location_id"])
    start = np.datetime64(params.window_start, "D")
    period = (rows["period_start"] - start).astype(np.int64) // params.period_days
    ok = (row >= 0) & (period >= 0) & (period < params.history_periods)
    grid[row[ok], period[ok]] = rows["quantity"][ok]
    return grid


def _in_window(queryset: QuerySet, params: RunParameters) -> QuerySet:
    return queryset.filter(period_start__gte=params.window_start, period_start__lt=params.as_of)


def _history(keys, params: RunParameters, scope, item_from, item_to) -> np.ndarray:
    rows = aggregated_columns(
        _in_window(scoped(DemandHistory.objects, scope, item_from, item_to), params),
        {"item_id": "int", "location_id": "int", "period_start": "date", "quantity": "float"},
    )
    return _period_grid(keys, params, rows)


def _forecasts(keys, params: RunParameters, lead, scope, item_from, item_to) -> dict:
    """Per period, the most recent forecast made before it (the shortest lag:
    ``forecast``) and the one made a lead time ``lead`` (periods, per row) before it
    (``lead_forecast``, for the lead-time error σ); one query."""
    queryset = _in_window(scoped(Forecast.objects, scope, item_from, item_to), params)
    rows = forecasts_latest_by_lag(
        forecasts=queryset.filter(as_of__lt=params.as_of), period_days=params.period_days
    )
    key = pair_keys(rows["item_id"], rows["location_id"])
    period = rows["period_start"].astype(np.int64)
    shortest = np.ones(len(key), bool)  # rows come by SKU-location, period, then lag
    shortest[1:] = (np.diff(key) != 0) | (np.diff(period) != 0)
    row = rows_of(keys, rows["item_id"], rows["location_id"])
    wanted = lead_time_lag(lead)[np.maximum(row, 0)]
    own = (row >= 0) & (rows["lag"] == wanted)
    pick = lambda chosen: {name: values[chosen] for name, values in rows.items()}  # noqa: E731
    return {
        "forecast": _period_grid(keys, params, pick(shortest)),
        "lead_forecast": _period_grid(keys, params, pick(own)),
    }


def _forward(keys, params: RunParameters, scope, item_from, item_to) -> dict[str, np.ndarray]:
    """The forward forecast of each row over ``params.forecast_horizon`` periods from as_of
    (demand.selectors.forecasts_forward: the consensus, else the statistical baseline, made
    on or before as_of), its source per period, and the promotion flags (two queries)."""
    horizon, days = params.forecast_horizon, params.period_days
    start, end = params.as_of, params.as_of + timedelta(days=days * horizon)
    ahead = scoped(Forecast.objects, scope, item_from, item_to).filter(
        period_start__gte=start, period_start__lt=end
    )
    rows = forecasts_forward(forecasts=ahead, as_of=params.as_of)
    row = rows_of(keys, rows["item_id"], rows["location_id"])
    period = (rows["period_start"] - np.datetime64(start, "D")).astype(np.int64) // days
    forward = np.full((len(keys), horizon), np.nan)
    source = np.full((len(keys), horizon), "", dtype="<U11")
    ok = (row >= 0) & (period >= 0) & (period < horizon)
    forward[row[ok], period[ok]] = rows["quantity"][ok]
    source[row[ok], period[ok]] = rows["kind"][ok]
    return {
        "forward": forward,
        "forward_source": source,
        "promotion": _promoted(keys, params, scope, item_from, item_to),
    }


def _promoted(keys, params: RunParameters, scope, item_from, item_to) -> np.ndarray:
    """rows × horizon: whether a promotion of the row's item, at its location or at every
    location, overlaps the period."""
    horizon, days = params.forecast_horizon, params.period_days
    starts = np.datetime64(params.as_of, "D") + np.arange(horizon) * days
    found = promotions_between(
        item_from=item_from,
        item_to=item_to,
        start=params.as_of,
        end=params.as_of + timedelta(days=days * horizon),
        location_ids=scope.location_ids,
    )
    covers = (found["start"][:, None] < starts + days) & (found["end"][:, None] >= starts)
    items = keys >> 32
    everywhere = np.isnan(found["location_id"])
    # Rows are sorted by (item, location): an item's rows are one run of ``keys``.
    low = np.searchsorted(items, found["item_id"], side="left")
    high = np.searchsorted(items, found["item_id"], side="right")
    one = rows_of(keys, found["item_id"], np.nan_to_num(found["location_id"]).astype(np.int64))
    low = np.where(everywhere, low, np.where(one >= 0, one, 0))
    high = np.where(everywhere, high, np.where(one >= 0, one + 1, 0))
    count = high - low
    promotion = np.repeat(np.arange(len(count)), count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    flags = np.zeros((len(keys), horizon), bool)
    np.logical_or.at(flags, low[promotion] + offset, covers[promotion])
    return flags


def _positions(keys, params: RunParameters, scope, item_from, item_to) -> dict[str, np.ndarray]:
    """Latest stock position on or before as_of; NaN where a SKU-location has none."""
    positions = scoped(
        InventoryPosition.objects.filter(as_of__lte=params.as_of), scope, item_from, item_to
    )
    if connection.vendor == "postgresql":
        # With weekly stock history, reading every row and keeping the last took twice as
        # long: DISTINCT ON walks the natural key's index and returns the latest of each.
        latest = ("item_id", "location_id")
        positions = positions.order_by(*latest, "-as_of").distinct(*latest)
    else:
        positions = positions.order_by("as_of")
    rows = query_columns(
        positions,
        {
            "item_id": "int",
            "location_id": "int",
            "on_hand": "float",
            "in_transit": "float",
            "allocated": "float",
            "backordered": "float",
        },
    )
    names = {"on_hand": "on_hand", "on_order": "in_transit"}
    return _latest(keys, rows, {**names, "allocated": "allocated", "backordered": "backordered"})


def _latest(keys: np.ndarray, rows: dict, names: dict[str, str]) -> dict[str, np.ndarray]:
    """Per batch row, ``{output: rows[column]}`` of its last row in query order (NaN if none)."""
    row = rows_of(keys, rows["item_id"], rows["location_id"])
    targets, first_from_end = np.unique(row[::-1], return_index=True)
    source = len(row) - 1 - first_from_end
    targets, source = targets[targets >= 0], source[targets >= 0]
    result = {}
    for name, column in names.items():
        values = np.full(len(keys), np.nan)
        values[targets] = rows[column][source]
        result[name] = values
    return result


def _lead_times(keys, params: RunParameters, scope, item_from, item_to) -> dict[str, np.ndarray]:
    """Supplier lane (actual, else promised) or, for a location fed by another, the transfer
    lane; the order terms (MOQ, multiples, order cost, capacity) and the lane's id come from
    the supplier lane."""
    n = len(keys)
    out = {
        "lead_time_days": np.full(n, np.nan),
        "lead_time_sd_days": np.full(n, np.nan),
        "lead_time_basis": np.full(n, LeadTimeBasis.MISSING.value, dtype="<U8"),
        "moq": np.zeros(n),
        "lot_size": np.ones(n),
        "case_pack": np.ones(n),
        "order_cost": np.full(n, params.default_order_cost),
        "supplier_lane_id": np.full(n, np.nan),
        "lane_capacity": np.full(n, np.inf),
    }
    _transfer_lead_times(keys, scope, out)
    lanes = scoped(SupplierLane.objects, scope, item_from, item_to, loc="destination")
    times = lead_time_for_lanes(lanes=lanes)
    terms = query_columns(
        lanes.order_by("pk"),
        {
            "moq": "float",
            "lot_size": "float",
            "case_pack": "float",
            "order_cost": "float",
            "capacity_per_period": "float",
        },
    )
    # Several suppliers for one SKU-location: the lane with the lowest id is the primary one.
    _, first = np.unique(pair_keys(times.item_id, times.destination_id), return_index=True)
    row = rows_of(keys, times.item_id[first], times.destination_id[first])
    rows, pick = row[row >= 0], first[row >= 0]
    out["lead_time_days"][rows] = times.mean_days[pick]
    out["lead_time_sd_days"][rows] = times.sd_days[pick]
    actual = times.source[pick] == LeadTimeSource.ACTUAL.value
    out["lead_time_basis"][rows] = np.where(
        actual, LeadTimeBasis.ACTUAL.value, LeadTimeBasis.PROMISED.value
    )
    for name in ("moq", "lot_size", "case_pack", "order_cost"):
        out[name][rows] = terms[name][pick]
    out["supplier_lane_id"][rows] = times.lane_id[pick]
    capacity = terms["capacity_per_period"][pick]
    out["lane_capacity"][rows] = np.where(np.isnan(capacity), np.inf, capacity)
    return out


def _transfer_lead_times(keys, scope: RunScope, out: dict) -> None:
    """Transfer lead time of the lane feeding each location (the origin of lowest echelon)."""
    lanes = NetworkLane.objects.order_by("-origin__echelon", "-origin__code")
    if scope.location_ids:
        lanes = lanes.filter(destination_id__in=scope.location_ids)
    rows = query_columns(
        lanes,
        {
            "destination_id": "int",
            "transfer_lead_time_mean_days": "float",
            "transfer_lead_time_sd_days": "float",
        },
    )
    # Ordered highest echelon first: the last lane of each destination is the preferred one.
    destinations, last = np.unique(rows["destination_id"][::-1], return_index=True)
    last = len(rows["destination_id"]) - 1 - last
    fed = index_in(destinations, keys & 0xFFFFFFFF)
    at = fed >= 0
    out["lead_time_days"][at] = rows["transfer_lead_time_mean_days"][last[fed[at]]]
    out["lead_time_sd_days"][at] = rows["transfer_lead_time_sd_days"][last[fed[at]]]
    out["lead_time_basis"][at] = LeadTimeBasis.TRANSFER.value


def _active_policies(keys, params: RunParameters, scope, item_from, item_to) -> dict:
    """Id, safety stock, reorder point and max level of the policy in force on as_of (NaN where
    none)."""
    policies = scoped(
        InventoryPolicy.objects.filter(
            Q(effective_to__isnull=True) | Q(effective_to__gt=params.as_of),
            status=PolicyStatus.ACTIVE,
            effective_from__lte=params.as_of,
        ),
        scope,
        item_from,
        item_to,
    ).order_by("effective_from")
    rows = query_columns(
        policies,
        {
            "id": "int",
            "item_id": "int",
            "location_id": "int",
            "safety_stock": "float",
            "reorder_point": "float",
            "max_level": "float",
        },
    )
    names = {f"current_{name}": name for name in ("safety_stock", "reorder_point", "max_level")}
    return _latest(keys, rows, {**names, "current_policy_id": "id"})


def _items(items: np.ndarray, item_from: int, item_to: int) -> dict[str, np.ndarray]:
    """Unit cost (NaN when unknown) and shelf life (inf when the item does not expire)."""
    rows = query_columns(
        Item.objects.filter(pk__gte=item_from, pk__lte=item_to).order_by("pk"),
        {"id": "int", "unit_cost": "float", "shelf_life_days": "float"},
    )
    index = index_in(rows["id"], items)
    known = index >= 0
    cost = np.where(known, rows["unit_cost"][index], np.nan)
    shelf = np.where(known, rows["shelf_life_days"][index], np.nan)
    return {"unit_cost": cost, "shelf_life_days": np.where(np.isnan(shelf), np.inf, shelf)}


def _open_exceptions(scope: RunScope, item_from: int, item_to: int) -> dict[str, np.ndarray]:
    """The open exceptions of the kinds runs raise: a run never refreshes or resolves the
    escalation rules' (governance.escalations)."""
    kinds = [kind for kind, _ in RUN_EXCEPTION_KINDS]
    open_ones = scoped(
        PlanningException.objects.filter(status__in=OPEN_EXCEPTION_STATUSES, kind__in=kinds),
        scope,
        item_from,
        item_to,
    )
    return query_columns(
        open_ones, {"id": "int", "item_id": "int", "location_id": "int", "kind": "text"}
    )
