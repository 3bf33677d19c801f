"""The central DCs' buying in the stock simulation: every purchase-order line of the load, held
until the simulation has sized it from the stock position on the day it is placed.

Lines keep the dates ``inventory.demo.orders`` planned (cadence, lateness, split deliveries);
only the quantity follows the stock: order up to ``SAFETY_WEEKS`` weeks beyond the order's
cycle and lead time of the mean weekly demand the DC serves, at least the MOQ, in whole lots,
at most the lane's capacity. Units, weeks.
"""

from dataclasses import dataclass, field, replace

import numpy as np

from inventory.demo.orders import Deliveries, OrderLines, Receipts, receive
from inventory.demo.spec import DemoSpec
from inventory.demo.supply import Lanes

SAFETY_WEEKS = 2.0
"""Weeks of mean demand a buyer adds to the order cycle and lead time."""


@dataclass(frozen=True)
class SupplyChunk:
    """The lanes, planned lines and deliveries of one chunk of items of the supply stage."""

    lanes: Lanes
    lines: OrderLines
    deliveries: Deliveries


@dataclass(frozen=True)
class ChunkOrders:
    """The lines of a simulated chunk of items, grouped by the week they are placed."""

    index: np.ndarray  # into the book's lines
    item: np.ndarray  # position in the chunk
    central: np.ndarray  # location position (central DCs are the first locations)
    week_bounds: np.ndarray  # lines placed in week t: index[bounds[t]:bounds[t + 1]]
    arrival_week: np.ndarray  # clipped to the end date's column
    rest_week: np.ndarray
    cover_weeks: np.ndarray
    moq: np.ndarray
    lot: np.ndarray
    case_pack: np.ndarray
    capacity: np.ndarray  # NaN = unlimited
    deliveries: Deliveries


@dataclass
class OrderBook:
    """Every planned line of the load in supply-chunk order; ``quantity`` is final once the
    simulation has placed the line."""

    spec: DemoSpec
    chunks: list[SupplyChunk] = field(default_factory=list)
    quantity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    _columns: dict[str, np.ndarray] = field(default_factory=dict)

    def add(self, lanes: Lanes, lines: OrderLines, deliveries: Deliveries) -> None:
        """Hold one supply chunk's lines."""
        self.chunks.append(SupplyChunk(lanes, lines, deliveries))
        self.quantity = np.concatenate([self.quantity, lines.quantity])
        self._columns.clear()

    def _week(self, dates: np.ndarray) -> np.ndarray:
        days = (dates - np.datetime64(self.spec.first_monday, "D")).astype(np.int64)
        return np.clip(days // 7, 0, self.spec.weeks)

    def _column(self, name: str) -> np.ndarray:
        """A per-line array over all chunks: a line field, a delivery field or a lane field."""
        if name in self._columns:
            return self._columns[name]
        parts = []
        for chunk in self.chunks:
            if hasattr(chunk.lines, name):
                parts.append(getattr(chunk.lines, name))
            elif hasattr(chunk.deliveries, name):
                parts.append(getattr(chunk.deliveries, name))
            else:
                parts.append(getattr(chunk.lanes, name)[chunk.lines.lane])
        self._columns[name] = np.concatenate(parts) if parts else np.zeros(0)
        return self._columns[name]

    def of_items(self, items: slice) -> ChunkOrders:
        """The lines of items ``items``, by week placed."""
        item = self._column("item")
        index = np.flatnonzero((item >= items.start) & (item < items.stop))
        week = self._week(self._column("order_date")[index])
        order = np.argsort(week, kind="stable")
        index, week = index[order], week[order]
        lead = np.ceil(self._column("promised_lead_time_days")[index] / 7)
        column = {name: self._column(name)[index] for name in ("split", "share")}
        return ChunkOrders(
            index=index,
            item=item[index] - items.start,
            central=self._column("central")[index],
            week_bounds=np.searchsorted(week, np.arange(self.spec.weeks + 1)),
            arrival_week=self._week(self._column("arrival")[index]),
            rest_week=self._week(self._column("rest_date")[index]),
            cover_weeks=self._column("order_interval_weeks")[index] + lead + SAFETY_WEEKS,
            moq=self._column("moq")[index],
            lot=self._column("lot_size")[index],
            case_pack=self._column("case_pack")[index],
            capacity=self._column("capacity_per_period")[index],
            deliveries=Deliveries(
                arrival=self._column("arrival")[index],
                split=column["split"],
                share=column["share"],
                rest_date=self._column("rest_date")[index],
            ),
        )

    def received(self) -> list[tuple[SupplyChunk, OrderLines, Receipts]]:
        """Each chunk with its lines at their final quantity, their status and receipts."""
        done, offset = [], 0
        for chunk in self.chunks:
            count = len(chunk.lines.lane)
            lines = replace(chunk.lines, quantity=self.quantity[offset : offset + count])
            done.append((chunk, *receive(self.spec, chunk.lanes, lines, chunk.deliveries)))
            offset += count
        return done


def order_quantity(orders: ChunkOrders, lines: slice, need: np.ndarray) -> np.ndarray:
    """Units of lines ``lines`` (positions in ``orders``) for a need of ``need`` units: at
    least the MOQ, whole lots (one at least), at most the lane's capacity in whole lots."""
    lot = orders.lot[lines]
    wanted = np.maximum(np.ceil(np.maximum(need, orders.moq[lines]) / lot), 1) * lot
    capacity = orders.capacity[lines]
    ceiling = np.where(np.isnan(capacity), np.inf, np.maximum(np.floor(capacity / lot), 1) * lot)
    return np.minimum(wanted, ceiling)
