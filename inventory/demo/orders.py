"""Purchase-order lines on the primary supplier lanes, and their receipts.

One purchase order per (week, supplier, central DC) holds a line per item ordered that week.
Actual receipt = promised date + lateness: on time (within a day) with the supplier's
on-time probability, otherwise ``ceil(Gamma(2, late_mean / 2))`` days late. A few lines are
received in two parts. Lines not (fully) received by the end date stay open (or partial).

Dates do not depend on quantities: lines are planned at the lane's typical order, and the
stock simulation (``inventory.demo.history``) sizes each from the stock position when it is
placed, before the receipts are cut (``receive``).
"""

from dataclasses import dataclass, replace

import numpy as np

from inventory.demo.items import ItemPlan
from inventory.demo.spec import STREAM_ORDERS, DemoSpec
from inventory.demo.supply import Lanes, SupplierPlan

OPEN, PARTIAL, RECEIVED = "open", "partial", "received"


@dataclass(frozen=True)
class OrderLines:
    """Purchase-order lines of a chunk, in (PO, line) order."""

    po_ordinal: np.ndarray  # the PO number's ordinal
    line_number: np.ndarray
    lane: np.ndarray  # index into the chunk's lanes
    order_date: np.ndarray  # datetime64[D]
    promised_date: np.ndarray
    quantity: np.ndarray
    status: np.ndarray


@dataclass(frozen=True)
class Deliveries:
    """How each order line of a chunk will arrive, whatever its quantity: the first (or only)
    delivery's date, and for the lines a supplier may split, the share of the first part and
    the date of the rest."""

    arrival: np.ndarray  # datetime64[D]
    split: np.ndarray  # bool: the supplier splits the line (if it is big enough)
    share: np.ndarray  # of the quantity, in the first part of a split line
    rest_date: np.ndarray

    def first_part(
        self, quantity: np.ndarray, case_pack: np.ndarray, lines: slice | np.ndarray = slice(None)
    ) -> np.ndarray:
        """Units of the first part of lines ``lines`` (all by default) of ``quantity`` units:
        whole cases, or the whole line if it is not split."""
        part = np.floor(quantity * self.share[lines] / case_pack) * case_pack
        split = self.split[lines] & (part > 0) & (part < quantity)
        return np.where(split, part, quantity)


@dataclass(frozen=True)
class Receipts:
    """Receipts of a chunk's order lines, in (line, date) order."""

    line: np.ndarray  # index into the chunk's order lines
    receipt_date: np.ndarray
    quantity: np.ndarray


class PoNumbering:
    """PO ordinals, order days and line numbers, consistent across chunks of items."""

    def __init__(self, spec: DemoSpec, suppliers: int, centrals: int):
        self.shape = (spec.weeks, suppliers, centrals)
        size = int(np.prod(self.shape))
        self.order_day = spec.rng(STREAM_ORDERS).integers(0, 5, size)  # Monday..Friday
        self.next_line = np.zeros(size, np.int64)
        self.width = max(7, len(str(size)))

    def ordinal(self, week: np.ndarray, supplier: np.ndarray, central: np.ndarray) -> np.ndarray:
        """Zero-based PO ordinal of each (week, supplier, central rank)."""
        return np.ravel_multi_index((week, supplier, central), self.shape)

    def number_lines(self, ordinal: np.ndarray) -> np.ndarray:
        """1-based line numbers for lines sorted by ordinal, continuing earlier chunks."""
        starts = np.r_[0, np.flatnonzero(np.diff(ordinal)) + 1]
        counts = np.diff(np.r_[starts, len(ordinal)])
        rank = np.arange(len(ordinal)) - np.repeat(starts, counts)
        lines = self.next_line[ordinal] + rank + 1
        np.add.at(self.next_line, ordinal[starts], counts)
        return lines


def _order_weeks(
    rng: np.random.Generator, spec: DemoSpec, plan: ItemPlan, lanes: Lanes, primary: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(lane, week) of every order: every ``interval`` weeks while the item is sold."""
    interval = lanes.order_interval_weeks[primary]
    offset = rng.integers(0, interval)
    item = lanes.item[primary]
    lead_weeks = np.ceil(lanes.promised_lead_time_days[primary] / 7).astype(np.int64)
    start = np.where(plan.launch_week[item] > 0, plan.launch_week[item] - lead_weeks - 1, 0)
    stop = np.minimum(plan.fade_start[item], spec.weeks)
    first = np.maximum(0, -((offset - np.maximum(start, 0)) // interval))  # ceil division
    last = (stop - 1 - offset) // interval
    count = np.maximum(0, last - first + 1)
    lane = np.repeat(primary, count)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    week = np.repeat(offset, count) + (np.repeat(first, count) + k) * np.repeat(interval, count)
    return lane, week


def _lateness_days(
    rng: np.random.Generator, suppliers: SupplierPlan, supplier: np.ndarray
) -> np.ndarray:
    """Receipt date minus promised date, in days, of each receipt."""
    on_time = rng.random(len(supplier)) < suppliers.on_time_probability[supplier]
    late = np.ceil(rng.gamma(2.0, suppliers.late_mean_days[supplier] / 2))
    jitter = np.clip(np.round(rng.normal(0, 0.5, len(supplier))), -1, 1)
    return np.where(on_time, jitter, late).astype(np.int64)


def order_lines(
    spec: DemoSpec,
    plan: ItemPlan,
    suppliers: SupplierPlan,
    lanes: Lanes,
    numbering: PoNumbering,
    chunk_key: int,
) -> OrderLines:
    """Order history of the primary lanes of a chunk, each line planned at the lane's typical
    order (the stock simulation sets its quantity)."""
    rng = spec.rng(STREAM_ORDERS, 1, chunk_key)
    lane, week = _order_weeks(rng, spec, plan, lanes, np.flatnonzero(lanes.primary))
    # Central DCs are the first locations, so a central's position is also its rank.
    ordinal = numbering.ordinal(week, lanes.supplier[lane], lanes.central[lane])
    order = np.lexsort((lanes.item[lane], ordinal))
    lane, week, ordinal = lane[order], week[order], ordinal[order]
    order_date = spec.week_starts(0, spec.weeks)[week] + numbering.order_day[ordinal]
    promised = order_date + lanes.promised_lead_time_days[lane].astype(np.int64)
    return OrderLines(
        ordinal,
        numbering.number_lines(ordinal),
        lane,
        order_date,
        promised,
        lanes.order_quantity[lane].astype(float),
        np.full(len(lane), OPEN, dtype="<U8"),
    )


def deliveries_draw(
    spec: DemoSpec, suppliers: SupplierPlan, lanes: Lanes, lines: OrderLines, chunk_key: int
) -> Deliveries:
    """When each line of a chunk arrives, and which lines the supplier splits."""
    rng = spec.rng(STREAM_ORDERS, 2, chunk_key)
    supplier = lanes.supplier[lines.lane]
    arrival = np.maximum(
        lines.promised_date + _lateness_days(rng, suppliers, supplier), lines.order_date + 1
    )
    share = rng.uniform(0.4, 0.8, len(supplier))
    split = rng.random(len(supplier)) < suppliers.partial_probability[supplier]
    return Deliveries(arrival, split, share, arrival + rng.integers(3, 15, len(supplier)))


def receive(
    spec: DemoSpec, lanes: Lanes, lines: OrderLines, deliveries: Deliveries
) -> tuple[OrderLines, Receipts]:
    """Receipts up to the end date of lines of their final quantity, and the lines' status."""
    first_qty = deliveries.first_part(lines.quantity, lanes.case_pack[lines.lane])
    split = first_qty < lines.quantity
    arrival, rest_date = deliveries.arrival, deliveries.rest_date
    end = np.datetime64(spec.end_date, "D")
    first_in, rest_in = arrival <= end, split & (rest_date <= end)
    status = np.where(~first_in, OPEN, np.where(split & ~rest_in, PARTIAL, RECEIVED))
    line = np.concatenate([np.flatnonzero(first_in), np.flatnonzero(rest_in)])
    dates = np.concatenate([arrival[first_in], rest_date[rest_in]])
    qty = np.concatenate([first_qty[first_in], (lines.quantity - first_qty)[rest_in]])
    order = np.lexsort((dates, line))
    return replace(lines, status=status), Receipts(line[order], dates[order], qty[order])
