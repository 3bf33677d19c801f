"""Everything the KPI snapshots of a range of weeks need, read set-based into numpy.

Positions, demand and forecasts are read whole (``sop_platform.scan``: one pass over each
table, several connections at once on PostgreSQL) and placed on dense week x SKU-location
grids. A SKU-location (a *slot*, governance.kpis.keys) is one with a stock position in the
range. Rows of other SKU-locations are left out, except expedites and write-offs, which
count by their date and cell whatever the stock. Definitions: docs/kpis.md.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from demand.models import DemandHistory, Forecast
from governance.kpis.keys import (
    DENSE_PAIRS,
    SEGMENTS,
    KeyCodec,
    Pairs,
    Slots,
    column_sql,
    days_since_sql,
    key_codec,
    slots_of,
)
from governance.kpis.models import Expedite, WriteOff
from governance.kpis.weekly import or_zero
from inventory.choices import PolicyStatus
from inventory.models import InventoryPolicy, InventoryPosition, Item, Location
from inventory.runs.models import SkuLocationSegment
from sop_platform.arrays import query_columns
from sop_platform.scan import scan_columns
from supply.models import Receipt

EXCESS_WEEKS = 26
"""Weeks of demand before a week whose average sets the cover limit of excess stock."""
BLOCK_ROWS = 1 << 23
"""Rows placed on a grid at a time (bounds the temporaries)."""


@dataclass
class KpiInputs:
    """The inputs of the weeks ``weeks`` (Mondays). Grids are weeks x slots, float32, NaN
    where there is no row; ``demand`` and ``forecast`` start ``lookback`` weeks earlier (the
    trailing windows of the first weeks). Per-cell sums are weeks x cells."""

    weeks: np.ndarray
    lookback: int
    cell_location: np.ndarray  # per cell
    cell_category: np.ndarray
    cell_segment: np.ndarray
    slot_cell: np.ndarray  # per slot, nondecreasing
    unit_cost: np.ndarray  # per slot, 0 where unknown
    unit_price: np.ndarray  # per slot, the cost where unknown
    on_hand: np.ndarray
    demand: np.ndarray
    forecast: np.ndarray
    receipts: tuple[np.ndarray, np.ndarray, np.ndarray]  # week, slot, units
    policies: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # from, to, slot, max
    cell_sums: dict[str, np.ndarray]  # in_transit_value, backorder_units, expedites, ...

    @property
    def n_slots(self) -> int:
        """Number of SKU-locations with a position in the weeks."""
        return len(self.slot_cell)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _pairs() -> tuple[Pairs, np.ndarray, np.ndarray, np.ndarray]:
    """The pair map (items, locations, categories, segments) and, per item rank, the unit
    cost (NaN unknown) and price (NaN unknown), and the category texts."""
    items = query_columns(
        Item.objects.order_by("pk"),
        {"id": "int", "category": "text", "unit_cost": "float", "unit_price": "float"},
    )
    categories, category = np.unique(items["category"], return_inverse=True)
    locations = np.sort(query_columns(Location.objects.all(), {"id": "int"})["id"])
    combos = len(items["id"]) * len(locations)
    if combos > DENSE_PAIRS:
        raise ValueError(f"{combos:,} item x location combinations: more than KPIs can map.")
    pairs = Pairs(items["id"], locations, category, np.zeros(combos, np.int8), len(categories))
    code = Case(
        *(When(segment=name, then=Value(i)) for i, name in enumerate(SEGMENTS) if name),
        default=Value(0),
    )
    segments = SkuLocationSegment.objects.annotate(code=code)
    for chunk in scan_columns(segments, {"item_id": "int", "location_id": "int", "code": "int"}):
        combo = pairs.combos(chunk["item_id"], chunk["location_id"])
        pairs.combo_segment[combo[combo >= 0]] = chunk["code"][combo >= 0]
    return pairs, items["unit_cost"], items["unit_price"], categories


def _decoded(codec: KeyCodec, pairs: Pairs, key: np.ndarray) -> dict[str, np.ndarray]:
    """Compact (combo, week, weekday) of packed keys; combo -1 for an unknown pair."""
    item, location, week, weekday = codec.split(key)
    combo = pairs.combos(item, location)
    small = np.int32 if len(pairs.combo_segment) < 2**31 else np.int64
    return {
        "combo": combo.astype(small),
        "week": week.astype(np.int16),
        "weekday": weekday.astype(np.int8),
    }


def _keyed(codec: KeyCodec, queryset: QuerySet, model, day: str) -> QuerySet:
    return codec.annotate(
        queryset, column_sql(model, "item"), column_sql(model, "location"), column_sql(model, day)
    )


def _concatenated(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def _position_rows(codec: KeyCodec, pairs: Pairs, first: date, end: date) -> dict:
    """The positions dated in the weeks, compact: on hand of each row, and the rows with
    stock in transit or on backorder (``transit_*``, ``backorder_*``)."""
    positions = InventoryPosition.objects.filter(as_of__gte=first, as_of__lt=end)
    columns = {"key": "int", "on_hand": "float", "in_transit": "float", "backordered": "float"}
    sparse = {"in_transit": ["key"], "backordered": ["key"]}
    parts = []
    for chunk in scan_columns(_keyed(codec, positions, InventoryPosition, "as_of"), columns,
                              sparse=sparse):  # fmt: skip
        part = {**_decoded(codec, pairs, chunk["key"]), "on_hand": chunk["on_hand"]}
        for name, prefix in (("in_transit", "transit"), ("backordered", "backorder")):
            rows = _decoded(codec, pairs, chunk[f"key@{name}"])
            part |= {f"{prefix}_{k}": v for k, v in rows.items()}
            part[f"{prefix}_units"] = chunk[name]
        part["on_hand"] = part["on_hand"].astype(np.float32)
        parts.append(part)
    return _concatenated(parts)


def _latest_rows(index: np.ndarray, order: np.ndarray, size: int) -> np.ndarray:
    """Rows to place so that each grid index (below ``size``) gets its row of highest
    ``order``: all rows when no index repeats."""
    seen = np.zeros(size, bool)
    seen[index] = True
    if np.count_nonzero(seen) == len(index):
        return np.arange(len(index))
    by = np.lexsort((order, index))
    last = np.ones(len(by), bool)
    last[:-1] = index[by][1:] != index[by][:-1]
    return by[last]


def _grid(shape: tuple[int, int], rows: dict, slots: Slots, value: str, week0: int = 0):
    """weeks x slots float32 of ``rows[value]`` (NaN where no row): of several rows in one
    cell, the latest weekday's."""
    grid = np.full(shape, np.nan, dtype=np.float32)
    if len(rows["weekday"]) and rows["weekday"].min() != rows["weekday"].max():
        slot = slots.of(rows["combo"])
        week = rows["week"].astype(np.int64) - week0
        kept = np.flatnonzero((slot >= 0) & (week >= 0) & (week < shape[0]))
        index = week[kept] * shape[1] + slot[kept]
        latest = _latest_rows(index, rows["weekday"][kept], grid.size)
        grid.reshape(-1)[index[latest]] = rows[value][kept[latest]]
        return grid
    for start in range(0, len(rows["combo"]), BLOCK_ROWS):  # one date a week: no repeats
        block = {name: rows[name][start : start + BLOCK_ROWS] for name in ("combo", "week")}
        _place(grid, block, slots, rows[value][start : start + BLOCK_ROWS], week0)
    return grid


def _place(grid, rows: dict, slots: Slots, values, week0: int = 0, add: bool = False) -> None:
    """Set ``grid`` (weeks x slots) at each row's week and slot to its value, or ``add`` it
    to what is there (NaN counting as 0). No two rows may fall in one cell."""
    slot = slots.of(rows["combo"])
    week = rows["week"].astype(np.int64) - week0
    kept = (slot >= 0) & (week >= 0) & (week < grid.shape[0])
    index, values = week[kept] * grid.shape[1] + slot[kept], values[kept]
    flat = grid.reshape(-1)
    flat[index] = or_zero(flat[index]) + values if add else values


def _weekly_rows(codec: KeyCodec, pairs: Pairs, queryset: QuerySet, model, day: str,
                 columns: dict[str, str]) -> dict[str, np.ndarray]:  # fmt: skip
    """Compact keys and the float32 ``columns`` of the rows of a weekly table."""
    parts = []
    for chunk in scan_columns(_keyed(codec, queryset, model, day), {"key": "int", **columns}):
        part = _decoded(codec, pairs, chunk["key"])
        parts.append(part | {name: chunk[name].astype(np.float32) for name in columns})
    return _concatenated(parts)


def _demand(codec: KeyCodec, pairs: Pairs, slots: Slots, shape, end: date) -> np.ndarray:
    """weeks x slots of demand, NaN where no row; rows dated on other days than Mondays are
    summed by week. Added chunk by chunk, as they are read."""
    rows = DemandHistory.objects.filter(period_start__gte=codec.base, period_start__lt=end)
    keyed = _keyed(codec, rows, DemandHistory, "period_start")
    grid = np.full(shape, np.nan, dtype=np.float32)
    for chunk in scan_columns(keyed, {"key": "int", "quantity": "float"}):
        part, quantity = _decoded(codec, pairs, chunk["key"]), chunk["quantity"]
        if not part["weekday"].any():  # Mondays: one row per week and SKU-location
            _place(grid, part, slots, quantity, add=True)
            continue
        slot = slots.of(part["combo"])
        index = part["week"][slot >= 0].astype(np.int64) * shape[1] + slot[slot >= 0]
        cells, at = np.unique(index, return_inverse=True)
        flat = grid.reshape(-1)
        flat[cells] = or_zero(flat[cells]) + np.bincount(at, quantity[slot >= 0])
    return grid


def _forecasts(codec: KeyCodec, pairs: Pairs, slots: Slots, shape, end: date) -> np.ndarray:
    """weeks x slots of the lag-1 forecast: of the forecasts of a week made before it began,
    the one made last."""
    rows = Forecast.objects.filter(
        period_start__gte=codec.base, period_start__lt=end, as_of__lt=F("period_start")
    ).annotate(made=RawSQL(days_since_sql(column_sql(Forecast, "as_of"), codec.base), []))
    forecasts = _weekly_rows(codec, pairs, rows, Forecast, "period_start",
                             {"quantity": "float", "made": "int"})  # fmt: skip
    slot = slots.of(forecasts["combo"])
    kept = np.flatnonzero(slot >= 0)
    index = forecasts["week"][kept].astype(np.int64) * shape[1] + slot[kept]
    latest = _latest_rows(index, forecasts["made"][kept], shape[0] * shape[1])
    grid = np.full(shape, np.nan, dtype=np.float32)
    grid.reshape(-1)[index[latest]] = forecasts["quantity"][kept[latest]]
    return grid


def _paired(queryset: QuerySet, item: str, location: str, columns: dict[str, str]) -> dict:
    """``pair_item``, ``pair_location`` and ``columns`` of a small table's rows."""
    rows = queryset.annotate(pair_item=F(item), pair_location=F(location))
    columns = {"pair_item": "int", "pair_location": "int", **columns}
    return _concatenated(list(scan_columns(rows, columns)))


def _receipts(pairs: Pairs, slots: Slots, first: date, end: date) -> tuple:
    """(week, slot, units) of the receipts in the weeks at a SKU-location with a position,
    by week."""
    rows = _paired(
        Receipt.objects.filter(receipt_date__gte=first, receipt_date__lt=end),
        "po_line__item_id",
        "po_line__destination_id",
        {"receipt_date": "date", "quantity": "float"},
    )
    slot = slots.of(pairs.combos(rows["pair_item"], rows["pair_location"]))
    week = _days_from(rows["receipt_date"], first) // 7
    kept = np.flatnonzero(slot >= 0)
    order = kept[np.argsort(week[kept], kind="stable")]
    return week[order], slot[order], rows["quantity"][order]


def _policies(pairs: Pairs, slots: Slots, first: date, end: date) -> tuple:
    """(first week, end week, slot, max level) of the active policies in force on a Monday
    of the weeks; of overlapping ones, the later start wins from its start."""
    open_end = date(9999, 12, 31)
    policies = InventoryPolicy.objects.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=first),
        status=PolicyStatus.ACTIVE,
        effective_from__lt=end,
    ).annotate(until=Coalesce("effective_to", Value(open_end)))
    columns = {"effective_from": "date", "until": "date", "max_level": "float"}
    rows = _paired(policies, "item_id", "location_id", columns)
    until = rows["until"]
    slot = slots.of(pairs.combos(rows["pair_item"], rows["pair_location"]))
    weeks = (end - first).days // 7
    start = np.clip(-(-_days_from(rows["effective_from"], first) // 7), 0, weeks)
    stop = np.clip(-(-_days_from(until, first) // 7), 0, weeks)
    order = np.lexsort((rows["effective_from"], slot))
    start, stop, slot = start[order], stop[order], slot[order]
    later = np.flatnonzero(slot[:-1] == slot[1:])
    stop[later] = np.minimum(stop[later], start[later + 1])
    kept = np.flatnonzero((slot >= 0) & (start < stop))
    return start[kept], stop[kept], slot[kept], rows["max_level"][order][kept]


def _days_from(days: np.ndarray, first: date) -> np.ndarray:
    return (days - np.datetime64(first, "D")).astype(np.int64)


def _events(pairs: Pairs, first: date, end: date) -> dict[str, dict[str, np.ndarray]]:
    """Expedites and write-offs in the weeks: week, cell code and amounts."""
    expedites = _paired(
        Expedite.objects.filter(expedite_date__gte=first, expedite_date__lt=end),
        "item_id", "location_id", {"expedite_date": "date", "cost": "float"},
    )  # fmt: skip
    write_offs = _paired(
        WriteOff.objects.filter(write_off_date__gte=first, write_off_date__lt=end),
        "item_id", "location_id", {"write_off_date": "date", "value": "float"},
    )  # fmt: skip
    events = {}
    for name, rows, day in (("expedite", expedites, "expedite_date"),
                            ("write_off", write_offs, "write_off_date")):  # fmt: skip
        combo = pairs.combos(rows["pair_item"], rows["pair_location"])
        events[name] = {
            "week": _days_from(rows[day], first) // 7,
            "code": pairs.cell_codes(combo),
            "amount": rows["cost" if name == "expedite" else "value"],
        }
    return events


def _cell_sums(held: dict, slots: Slots, events: dict, cells: np.ndarray, weeks: int,
               lookback: int, unit_cost: np.ndarray, weekday) -> dict[str, np.ndarray]:  # fmt: skip
    """weeks x cells sums of what is not per slot: stock in transit at cost, backorders,
    expedites and write-offs."""
    shape = (weeks, len(cells))
    slot_cell = np.searchsorted(cells, slots.cell_code)

    def summed(week: np.ndarray, cell: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
        index = week * shape[1] + cell
        return np.bincount(index, weights=weights, minlength=shape[0] * shape[1]).reshape(shape)

    sums = {}
    for prefix, name, at_cost in (("transit", "in_transit_value", True),
                                  ("backorder", "backorder_units", False)):  # fmt: skip
        slot = slots.of(held[f"{prefix}_combo"]).astype(np.int64)
        kept = _latest_of_week(held, prefix, weekday, slot, lookback)
        units = held[f"{prefix}_units"][kept]
        weights = units * unit_cost[slot[kept]] if at_cost else units
        week = held[f"{prefix}_week"][kept].astype(np.int64) - lookback
        sums[name] = summed(week, slot_cell[slot[kept]], weights)
    for name, rows in events.items():
        cell = np.searchsorted(cells, rows["code"])
        if name == "expedite":
            sums["expedite_count"] = summed(rows["week"], cell, None).astype(np.float64)
            sums["expedite_cost"] = summed(rows["week"], cell, rows["amount"])
        else:
            sums["write_off_value"] = summed(rows["week"], cell, rows["amount"])
    return sums


def _latest_of_week(held: dict, prefix: str, weekday_grid, slot, lookback: int) -> np.ndarray:
    """The sparse position rows (in transit, backordered) that are their week's latest
    position (all of them when positions fall on one weekday)."""
    if weekday_grid is None:
        return np.flatnonzero(slot >= 0)
    week = held[f"{prefix}_week"].astype(np.int64) - lookback
    latest = weekday_grid[week, np.maximum(slot, 0)]
    return np.flatnonzero((slot >= 0) & (latest == held[f"{prefix}_weekday"]))


def week_range(first: date, last: date) -> list[date]:
    """The Mondays of the weeks from ``first``'s to ``last``'s."""
    start, stop = _monday(first), _monday(last)
    return [start + timedelta(weeks=k) for k in range((stop - start).days // 7 + 1)]


def kpi_inputs(*, first: date, last: date, obsolete_weeks: int) -> KpiInputs:
    """The inputs of the weeks from ``first``'s to ``last``'s (a handful of scans, whatever
    the size), with ``obsolete_weeks`` (and at least 26) weeks of demand before them."""
    weeks = week_range(first, last)
    lookback = max(EXCESS_WEEKS, obsolete_weeks - 1)
    first, end = weeks[0], weeks[-1] + timedelta(weeks=1)
    pairs, item_cost, item_price, categories = _pairs()
    codec = key_codec(first - timedelta(weeks=lookback), len(weeks) + lookback, pairs)
    held = _position_rows(codec, pairs, first, end)
    slots = slots_of(pairs, held["combo"][held["combo"] >= 0])
    shape, long_shape = (len(weeks), len(slots)), (len(weeks) + lookback, len(slots))
    weekday = None
    if len(held["weekday"]) and held["weekday"].min() != held["weekday"].max():
        held["weekday_value"] = held["weekday"].astype(np.float32)
        weekday = _grid(shape, held, slots, "weekday_value", week0=lookback)
    item = slots.combo // len(pairs.location_ids)
    cost = or_zero(item_cost[item])
    events = _events(pairs, first, end)
    cells = np.unique(np.concatenate([slots.cell_code, *(e["code"] for e in events.values())]))
    location, category, segment = pairs.cell_parts(cells)
    return KpiInputs(
        weeks=np.array(weeks, dtype="datetime64[D]"),
        lookback=lookback,
        cell_location=location,
        cell_category=categories[category] if len(categories) else category.astype(str),
        cell_segment=np.array(SEGMENTS)[segment],
        slot_cell=np.searchsorted(cells, slots.cell_code),
        unit_cost=cost,
        unit_price=np.where(np.isnan(item_price[item]), cost, item_price[item]),
        on_hand=_grid(shape, held, slots, "on_hand", week0=lookback),
        demand=_demand(codec, pairs, slots, long_shape, end),
        forecast=_forecasts(codec, pairs, slots, long_shape, end),
        receipts=_receipts(pairs, slots, first, end),
        policies=_policies(pairs, slots, first, end),
        cell_sums=_cell_sums(held, slots, events, cells, len(weeks), lookback, cost, weekday),
    )
