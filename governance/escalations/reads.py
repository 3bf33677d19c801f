"""What the escalation rules judge, read set-based into numpy (one query per read, whatever
the number of SKU-locations): complete weeks, stock opening each week, weekly demand, the
policy in force each week, unit costs.

A week is identified by its Monday. As of a date, the weeks judged are the complete ones:
the last ends on the Sunday before the as-of date's week. The position dated in a week (the
latest, if several) is the stock opening it (the ERP's weekly snapshot).
"""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db.models import Q

from demand.models import DemandHistory
from inventory.choices import PolicyStatus
from inventory.models import InventoryPolicy, InventoryPosition, Item
from inventory.runs.inputs import index_in, pair_keys
from sop_platform.arrays import query_columns

WEEK = timedelta(days=7)
KEY = {"item_id": "int", "location_id": "int"}


def complete_weeks(as_of: date, count: int) -> np.ndarray:
    """The Mondays of the ``count`` complete weeks before ``as_of``'s week, oldest first."""
    last = as_of - timedelta(days=as_of.weekday()) - WEEK
    return np.datetime64(last, "D") - np.arange(count - 1, -1, -1) * np.timedelta64(7, "D")


def week_label(monday: np.datetime64) -> str:
    """A week as people read it: "w/c 16 Nov 2026" (week commencing)."""
    return f"w/c {monday.astype(date):%-d %b %Y}"


@dataclass(frozen=True)
class Grid:
    """Rows are SKU-locations (sorted pair keys), columns consecutive weeks (Mondays)."""

    keys: np.ndarray
    weeks: np.ndarray

    @property
    def item_id(self) -> np.ndarray:
        """Item of every row."""
        return self.keys >> 32

    @property
    def location_id(self) -> np.ndarray:
        """Location of every row."""
        return self.keys & 0xFFFFFFFF

    def cells(self, rows: dict[str, np.ndarray], day: str) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of each of ``rows`` by (item, location) and the week of ``rows[day]``;
        -1 for both where it falls outside the grid."""
        row = index_in(self.keys, pair_keys(rows["item_id"], rows["location_id"]))
        column = (rows[day] - self.weeks[0]).astype(np.int64) // 7
        outside = (row < 0) | (column < 0) | (column >= len(self.weeks))
        return np.where(outside, -1, row), np.where(outside, -1, column)

    def place(self, rows: dict[str, np.ndarray], day: str, value: str) -> np.ndarray:
        """rows x weeks of ``rows[value]`` placed by :meth:`cells`; NaN where no row falls. Of
        several rows in one cell, the last given wins."""
        grid = np.full(self.shape, np.nan)
        row, column = self.cells(rows, day)
        inside = np.flatnonzero(row >= 0)
        last = inside[last_of_each(row[inside] * len(self.weeks) + column[inside])]
        grid[row[last], column[last]] = rows[value][last]
        return grid

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, weeks)."""
        return len(self.keys), len(self.weeks)


def last_of_each(values: np.ndarray) -> np.ndarray:
    """Positions in ``values`` of the last occurrence of each distinct value."""
    _, from_end = np.unique(values[::-1], return_index=True)
    return len(values) - 1 - from_end


def week_span(weeks: np.ndarray) -> tuple[date, date]:
    """The first and the last day of consecutive ``weeks`` (Mondays): Monday to Sunday."""
    return weeks[0].astype(date), (weeks[-1] + np.timedelta64(6, "D")).astype(date)


def opening_stock(weeks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted pair keys of the SKU-locations with a position in any of ``weeks``, rows x
    weeks of the on hand opening each week: the latest position dated in it, NaN if none)."""
    first, last = week_span(weeks)
    rows = query_columns(
        InventoryPosition.objects.filter(as_of__range=(first, last)).order_by("as_of"),
        {**KEY, "as_of": "date", "on_hand": "float"},
    )
    grid = Grid(np.unique(pair_keys(rows["item_id"], rows["location_id"])), weeks)
    return grid.keys, grid.place(rows, "as_of", "on_hand")  # ordered by date: the latest wins


def weekly_demand(grid: Grid) -> np.ndarray:
    """rows x weeks of demand (units), NaN where the week has no demand row."""
    first, last = week_span(grid.weeks)
    rows = query_columns(
        DemandHistory.objects.filter(period_start__range=(first, last)),
        {**KEY, "period_start": "date", "quantity": "float"},
    )
    return grid.place(rows, "period_start", "quantity")


def window_sums(values: np.ndarray, weeks: int) -> np.ndarray:
    """rows x (columns - ``weeks`` + 1): the sum of each run of ``weeks`` consecutive columns,
    by the column it ends on (NaN counts as 0)."""
    running = np.cumsum(np.where(np.isnan(values), 0.0, values), axis=1)
    running = np.concatenate([np.zeros((len(values), 1)), running], axis=1)
    return running[:, weeks:] - running[:, :-weeks]


def trailing_daily_demand(demand: np.ndarray, weeks: int) -> np.ndarray:
    """rows x (columns - ``weeks``): the average daily demand over the ``weeks`` weeks before
    each column from ``weeks`` on (weeks without a demand row left out; NaN if none has)."""
    total = window_sums(demand, weeks)[:, :-1]
    known = window_sums((~np.isnan(demand)).astype(float), weeks)[:, :-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(known > 0, total / (7.0 * known), np.nan)


POLICY_VALUES = {"safety_stock": "float", "order_quantity": "float", "service_target": "float"}


def policies_in_force(grid: Grid) -> dict[str, np.ndarray]:
    """rows x weeks of the active policy in force on each Monday (``effective_from`` on or
    before it, ``effective_to`` after it or open): safety stock, order quantity, service
    target (NaN where none) and service type ('' where none)."""
    first, last = grid.weeks[0].astype(date), grid.weeks[-1].astype(date)
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
