"""What the escalation rules judge, read set-based into numpy (one query per read, whatever
the number of SKU-locations) and laid out as SKU-locations x weeks: stock opening each week,
demand, receipts, the policy in force, unit costs.

A week is identified by its Monday. As of a date, the weeks judged are the complete ones:
the last ends on the Sunday before the as-of date's week. The position dated in a week (the
latest, if several) is the stock opening it (the ERP's weekly snapshot, as in docs/kpis.md).
"""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db.models import Q

from demand.models import DemandHistory
from inventory.choices import PolicyStatus
from inventory.models import InventoryPolicy, InventoryPosition, Item
from inventory.runs.inputs import PairKeyed, index_in, pair_keys
from sop_platform.arrays import query_columns
from supply.models import Receipt

Rows = dict[str, np.ndarray]
KEY = {"item_id": "int", "location_id": "int"}


def complete_weeks(as_of: date, count: int) -> np.ndarray:
    """The Mondays of the ``count`` complete weeks before ``as_of``'s week, oldest first."""
    last = as_of - timedelta(days=as_of.weekday() + 7)
    return np.datetime64(last, "D") - np.arange(count - 1, -1, -1) * np.timedelta64(7, "D")


def week_span(weeks: np.ndarray) -> tuple[date, date]:
    """The first and the last day of consecutive ``weeks`` (Mondays): Monday to Sunday."""
    return weeks[0].astype(date), (weeks[-1] + np.timedelta64(6, "D")).astype(date)


def week_label(monday: np.datetime64) -> str:
    """A week as people read it: "w/c 16 Nov 2026" (week commencing)."""
    return f"w/c {monday.astype(date):%-d %b %Y}"


def last_of_each(values: np.ndarray) -> np.ndarray:
    """Positions in ``values`` of the last occurrence of each distinct value."""
    _, from_end = np.unique(values[::-1], return_index=True)
    return len(values) - 1 - from_end


def keys_of(rows: Rows) -> np.ndarray:
    """The sorted distinct pair keys of ``rows``' SKU-locations."""
    return np.unique(pair_keys(rows["item_id"], rows["location_id"]))


@dataclass(frozen=True)
class Grid(PairKeyed):
    """Rows are SKU-locations (sorted pair keys), columns weeks (Mondays; consecutive for
    :meth:`cells` and what uses it)."""

    keys: np.ndarray
    weeks: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, weeks)."""
        return len(self.keys), len(self.weeks)

    def cells(self, rows: Rows, day: str) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of each of ``rows`` by (item, location) and the week of ``rows[day]``;
        -1 for both where it falls outside the grid."""
        row = index_in(self.keys, pair_keys(rows["item_id"], rows["location_id"]))
        column = (rows[day] - self.weeks[0]).astype(np.int64) // 7
        outside = (row < 0) | (column < 0) | (column >= len(self.weeks))
        return np.where(outside, -1, row), np.where(outside, -1, column)

    def place(self, rows: Rows, day: str, value: str) -> np.ndarray:
        """rows x weeks of ``rows[value]``; NaN where no row falls. Of several rows in one
        cell, the last given wins."""
        grid = np.full(self.shape, np.nan)
        row, column = self.cells(rows, day)
        inside = np.flatnonzero(row >= 0)
        last = inside[last_of_each(row[inside] * len(self.weeks) + column[inside])]
        grid[row[last], column[last]] = rows[value][last]
        return grid

    def total(self, rows: Rows, day: str, value: str | None = None) -> np.ndarray:
        """rows x weeks of the sum of ``rows[value]`` (the number of rows when None); 0 where
        no row falls."""
        grid = np.zeros(self.shape)
        row, column = self.cells(rows, day)
        inside = row >= 0
        values = 1.0 if value is None else rows[value][inside]
        np.add.at(grid, (row[inside], column[inside]), values)
        return grid


def positions(weeks: np.ndarray) -> Rows:
    """Stock positions dated in ``weeks``, by date: item_id, location_id, as_of, on_hand."""
    return query_columns(
        InventoryPosition.objects.filter(as_of__range=week_span(weeks)).order_by("as_of"),
        {**KEY, "as_of": "date", "on_hand": "float"},
    )


def demand_history(weeks: np.ndarray) -> Rows:
    """Demand rows of ``weeks``: item_id, location_id, period_start, quantity."""
    return query_columns(
        DemandHistory.objects.filter(period_start__range=week_span(weeks)),
        {**KEY, "period_start": "date", "quantity": "float"},
    )


RECEIPT_COLUMNS = {
    "po_line__item_id": "int",
    "po_line__destination_id": "int",
    "receipt_date": "date",
    "quantity": "float",
    "po_line__order_date": "date",
    "po_line__promised_date": "date",
    "po_line__po_number": "text",
    "po_line__line_number": "int",
}


def receipts(weeks: np.ndarray) -> Rows:
    """Receipts dated in ``weeks``, by date: item_id and location_id (the PO line's item and
    destination), receipt_date, quantity, and the line's order_date, promised_date and
    ``line`` ("PO-7/1")."""
    rows = query_columns(
        Receipt.objects.filter(receipt_date__range=week_span(weeks)).order_by("receipt_date", "pk"),
        RECEIPT_COLUMNS,
    )
    number = np.strings.add(rows.pop("po_line__po_number"), "/")
    return {
        "item_id": rows.pop("po_line__item_id"),
        "location_id": rows.pop("po_line__destination_id"),
        "order_date": rows.pop("po_line__order_date"),
        "promised_date": rows.pop("po_line__promised_date"),
        "line": np.strings.add(number, rows.pop("po_line__line_number").astype(str)),
        **rows,
    }


def trailing_daily_demand(weekly: np.ndarray, weeks: int) -> np.ndarray:
    """rows x (columns - ``weeks``): the average daily demand over the ``weeks`` weeks before
    each column from ``weeks`` on (weeks without a demand row left out; NaN if none has)."""
    total = window_sums(weekly, weeks)[:, :-1]
    known = window_sums((~np.isnan(weekly)).astype(float), weeks)[:, :-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(known > 0, total / (7.0 * known), np.nan)


def window_sums(values: np.ndarray, weeks: int) -> np.ndarray:
    """rows x (columns - ``weeks`` + 1): the sum of each run of ``weeks`` consecutive columns,
    by the column it ends on (NaN counts as 0)."""
    running = np.cumsum(np.where(np.isnan(values), 0.0, values), axis=1)
    running = np.concatenate([np.zeros((len(values), 1)), running], axis=1)
    return running[:, weeks:] - running[:, :-weeks]


POLICY_VALUES = {"safety_stock": "float", "order_quantity": "float", "service_target": "float"}


def policies_in_force(grid: Grid) -> dict[str, np.ndarray]:
    """rows x weeks of the active policy in force on each Monday (``effective_from`` on or
    before it, ``effective_to`` after it or open): safety stock, order quantity, service
    target (NaN where none) and service type ('' where none)."""
    first, last = grid.weeks.min().astype(date), grid.weeks.max().astype(date)
    policies = InventoryPolicy.objects.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=first),
        status=PolicyStatus.ACTIVE,
        effective_from__lte=last,
    ).order_by("effective_from")
    columns = {**KEY, "effective_from": "date", "effective_to": "date", **POLICY_VALUES}
    rows = query_columns(policies, {**columns, "service_type": "text"})
    row = index_in(grid.keys, pair_keys(rows["item_id"], rows["location_id"]))
    ends = np.where(
        np.isnat(rows["effective_to"]), np.datetime64("9999-12-31"), rows["effective_to"]
    )
    result = {name: np.full(grid.shape, np.nan) for name in POLICY_VALUES}
    result["service_type"] = np.full(grid.shape, "", dtype="<U8")
    for column, monday in enumerate(grid.weeks):
        hit = np.flatnonzero((row >= 0) & (rows["effective_from"] <= monday) & (ends > monday))
        hit = hit[last_of_each(row[hit])]  # by effective_from: overlapping, the latest start
        for name, values in result.items():
            values[row[hit], column] = rows[name][hit]
    return result


def unit_costs(item_id: np.ndarray) -> np.ndarray:
    """Unit cost of each item in ``item_id`` (NaN where unknown); one query over the items."""
    rows = query_columns(Item.objects.order_by("pk"), {"id": "int", "unit_cost": "float"})
    at = index_in(rows["id"], item_id)
    costs = np.full(len(at), np.nan)
    costs[at >= 0] = rows["unit_cost"][at[at >= 0]]
    return costs
