"""Weekly stock history: the ERP's legacy min/max run week by week over the demand history,
with the central DCs' purchase orders sized as they are placed, and the expedites and
write-offs it gave rise to.

Vectorized over the SKU-locations of a chunk of items (every location of each item, so a
central DC and the locations it feeds are simulated together); the only loop is over weeks.
Each week ``t``, at every SKU-location:

* the position dated Monday ``t`` holds the **opening** stock (what the KPIs read);
* a central DC places the week's planned purchase-order lines, each sized from its stock
  position then (``inventory.demo.buying``); they arrive on their planned delivery dates;
* shipped = min(demand + backorders, max(opening, 0) + receipts), receipts being
  purchase-order receipts, which arrive at the central DCs only (what ``governance.kpis``
  assumes); a DC's unmet demand stays on backorder until shipped, a store's is lost;
* a non-central location whose stock after shipping plus transfers in transit is at or below
  its min orders up to its max from its parent, which sends what it has left (shared
  pro rata when short); transfers arrive after the lane's lead time in whole weeks.

Locations without a legacy policy (new items, a few others) are replenished by hand to a
cover of ``FALLBACK_WEEKS`` weeks. Quantities in units, money in the company currency.
"""

from dataclasses import dataclass

import numpy as np

from inventory.demo.buying import ChunkOrders, OrderBook, order_quantity
from inventory.demo.demand import DemandChunk
from inventory.demo.items import ItemPlan
from inventory.demo.network import Network
from inventory.demo.spec import STREAM_HISTORY, DemoSpec

FALLBACK_WEEKS = (2.0, 5.0)
"""Min and max in weeks of mean demand where the ERP holds no policy."""
CENTRAL_START_SHARE = (0.5, 1.0)
"""Opening stock of a central DC as a share of its order-up-to cover (order cycle, lead time
and safety weeks of the demand it serves), so the first orders arrive in time."""
EXPEDITE_CHANCE = 0.02
"""Chance that a week short at a DC is expedited (a few, like a real ERP's side records)."""
EXPEDITE_PREMIUM = (0.2, 0.5)
"""Expedite cost: this share of the shortfall's value plus a fixed fee."""
EXPEDITE_FEE = (40.0, 250.0)
STATES = ("on_hand", "in_transit", "backordered", "lost", "expedited")
"""Simulated quantities per SKU-location and week (lost: written off)."""
WRITE_OFF_CHANCE = 0.02
"""Chance per week that stock beyond its shelf life, or of an item past its end of life, is
written off."""


@dataclass(frozen=True)
class Events:
    """Expedites or write-offs of a chunk: SKU-location (global index), date, units, money."""

    sku_location: np.ndarray
    date: np.ndarray  # datetime64[D]
    quantity: np.ndarray
    money: np.ndarray
    reason: np.ndarray


@dataclass(frozen=True)
class StockHistory:
    """Positions of a chunk's SKU-locations (rows, SKU-location major) at every history
    Monday and at the end date (columns ``0 .. weeks``), with its expedites and write-offs."""

    on_hand: np.ndarray
    in_transit: np.ndarray
    allocated: np.ndarray
    backordered: np.ndarray
    written: np.ndarray  # bool: a position is written (item launched, week kept)
    expedites: Events
    write_offs: Events


@dataclass(frozen=True)
class StockInputs:
    """Per-SKU-location inputs of the simulation (arrays over all SKU-locations, filled by the
    earlier stages) and the SKU-locations booked with negative stock today (a defect)."""

    min_level: np.ndarray  # the legacy policy's min, NaN without one
    max_level: np.ndarray
    mean: np.ndarray  # mean weekly demand
    negative: np.ndarray


class _Run:
    """State of one chunk's simulation: arrays are items x locations (x weeks)."""

    def __init__(
        self, spec: DemoSpec, network: Network, chunk: DemandChunk, inputs: StockInputs, orders
    ):
        rows = chunk.sku_locations
        self.orders: ChunkOrders = orders
        self.n, self.size = len(rows) // network.size, network.size
        self.central = network.echelon == 1
        self.dc = network.echelon <= 2
        feeds = np.zeros((self.size, self.size))
        child = np.flatnonzero(network.parent >= 0)
        feeds[child, network.parent[child]] = 1.0
        self.feeds = feeds  # child x parent
        days = np.nan_to_num(network.lane_lead_time_mean_days)
        self.lead = np.where(self.central, 0, np.maximum(1, np.ceil(days / 7))).astype(np.int64)
        self.pipeline = np.zeros((self.n, self.size, int(self.lead.max()) + 1))
        mean = inputs.mean[rows].reshape(self.n, self.size)
        low = np.ceil(mean * FALLBACK_WEEKS[0])
        high = np.maximum(np.ceil(mean * FALLBACK_WEEKS[1]), low + 1)
        self.low = np.where(np.isnan(inputs.min_level[rows]), low.ravel(), inputs.min_level[rows])
        self.high = np.where(np.isnan(inputs.max_level[rows]), high.ravel(), inputs.max_level[rows])
        self.low, self.high = self.low.reshape(mean.shape), self.high.reshape(mean.shape)
        roots = np.zeros((self.size, self.size))
        roots[np.arange(self.size), network.root_of()] = 1.0
        self.served = np.where(self.central, mean @ roots, mean)  # a central DC: its network's
        self.on_order = np.zeros_like(mean)
        self.incoming = np.zeros((*mean.shape, spec.weeks + 1))  # the last: at or after the end

    def transfers(self, week: int, left: np.ndarray) -> np.ndarray:
        """Order up to max where stock after shipping plus in transit is at or below min;
        parents send what they have left, pro rata; returns ``left`` after sending."""
        position = left + self.pipeline.sum(axis=2)
        request = np.where(~self.central & (position <= self.low), self.high - position, 0.0)
        wanted = request @ self.feeds  # per parent
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(wanted > 0, np.minimum(1.0, np.maximum(left, 0) / wanted), 0.0)
        sent = np.floor(request * (share @ self.feeds.T))
        slots = self.pipeline.shape[2]
        self.pipeline[:, np.arange(self.size), (week + self.lead) % slots] += sent
        return left - sent @ self.feeds

    def arrive(self, week: int) -> np.ndarray:
        """Transfers landing by the next Monday (taken out of the pipeline)."""
        slot = (week + 1) % self.pipeline.shape[2]
        landed = self.pipeline[:, :, slot].copy()
        self.pipeline[:, :, slot] = 0
        return landed

    def record(self, out: dict, week: int, on_hand: np.ndarray, short: np.ndarray) -> None:
        """The position at Monday ``week``: on hand, in transit (transfers in the pipeline,
        open purchase orders) and the backorders DCs carry."""
        out["on_hand"][..., week] = on_hand
        out["in_transit"][..., week] = self.pipeline.sum(axis=2) + self.on_order
        out["backordered"][..., week] = np.where(self.dc, short, 0.0)

    def buy(self, book: OrderBook, week: int, position: np.ndarray) -> None:
        """Place the lines planned for ``week`` at central DCs, sized from their stock
        ``position`` (on hand + on order - backorders), and book their deliveries."""
        orders, lines = self.orders, slice(*self.orders.week_bounds[week : week + 2])
        item, central = orders.item[lines], orders.central[lines]
        need = self.served[item, central] * orders.cover_weeks[lines] - position[item, central]
        quantity = order_quantity(orders, lines, need)
        first = orders.deliveries.first_part(quantity, orders.case_pack[lines], lines)
        book.quantity[orders.index[lines]] = quantity
        np.add.at(self.on_order, (item, central), quantity)
        np.add.at(self.incoming, (item, central, orders.arrival_week[lines]), first)
        np.add.at(self.incoming, (item, central, orders.rest_week[lines]), quantity - first)

    def receive(self, week: int) -> np.ndarray:
        """Purchase-order units delivered during ``week``."""
        arrived = self.incoming[..., week]
        self.on_order -= arrived
        return arrived


def _opening(rng: np.random.Generator, run: _Run, new: np.ndarray) -> np.ndarray:
    """Stock at the first Monday: between min and max; at a central DC part of the cover it
    orders up to (its min and max where it buys nothing); nothing for items not launched."""
    draw = rng.random(run.low.shape)
    stock = np.round(run.low + draw * (run.high - run.low))
    cover = np.zeros_like(stock)
    cover[run.orders.item, run.orders.central] = run.orders.cover_weeks
    share = CENTRAL_START_SHARE[0] + draw * (CENTRAL_START_SHARE[1] - CENTRAL_START_SHARE[0])
    stock = np.where(run.central & (cover > 0), np.round(run.served * cover * share), stock)
    return np.where(new[:, None], 0.0, stock)


def _events(
    rng: np.random.Generator, spec: DemoSpec, rows: np.ndarray, units: np.ndarray, money, reason
) -> Events:
    """Events where ``units`` (SKU-locations x weeks) is positive, on a weekday of the week;
    ``money(units, row)`` prices them, ``reason(row, week)`` says why (chunk positions)."""
    row, week = np.nonzero(units)
    quantity = units[row, week]
    day = spec.week_starts(0, spec.weeks)[week] + rng.integers(0, 5, len(row))
    money = np.round(money(quantity, rows[row]), 2)
    return Events(rows[row], day, quantity, money, reason(row, week))


def stock_history(
    spec: DemoSpec,
    plan: ItemPlan,
    network: Network,
    chunk: DemandChunk,
    book: OrderBook,
    inputs: StockInputs,
) -> StockHistory:
    """Simulate the chunk's history weeks (see the module docstring); sets the quantities of
    the chunk's purchase-order lines in ``book``."""
    rng = spec.rng(STREAM_HISTORY, chunk.items.start)
    run = _Run(spec, network, chunk, inputs, book.of_items(chunk.items))
    items = np.arange(chunk.items.start, chunk.items.stop)
    demand = chunk.quantity.reshape(run.n, run.size, spec.weeks)
    keeps = _shelf_cover(plan, items, run.served)
    ended = (plan.lifecycle[items] == "end_of_life")[:, None] & (
        np.arange(spec.weeks)[None, :] >= plan.fade_end[items, None]
    )
    out = {name: np.zeros((run.n, run.size, spec.weeks + 1)) for name in STATES}
    on_hand = _opening(rng, run, plan.lifecycle[items] == "new")
    short = np.zeros_like(on_hand)
    for t in range(spec.weeks):
        run.record(out, t, on_hand, short)
        run.buy(book, t, on_hand + run.on_order - short)
        available = np.maximum(on_hand, 0) + run.receive(t)
        wanted = demand[..., t] + np.where(run.dc, short, 0.0)  # DCs ship backorders later
        shipped = np.minimum(wanted, available)
        short = wanted - shipped
        left = run.transfers(t, available - shipped)
        spoiled = np.where(ended[:, t, None], left, np.maximum(left - keeps, 0))
        lost = np.where(rng.random(short.shape) < WRITE_OFF_CHANCE, np.floor(spoiled), 0.0)
        out["lost"][..., t] = lost
        expedite = run.dc & (short > 0) & (rng.random(short.shape) < EXPEDITE_CHANCE)
        out["expedited"][..., t] = np.where(expedite, short, 0.0)
        on_hand = left - lost + run.arrive(t)
    run.record(out, spec.weeks, on_hand, short)
    return _history(rng, spec, plan, network, chunk, inputs, out)


def _shelf_cover(plan: ItemPlan, items: np.ndarray, served: np.ndarray) -> np.ndarray:
    """Stock a SKU-location sells within its item's shelf life (infinite if it keeps)."""
    days = plan.shelf_life_days[items, None]
    return np.where(days > 0, served * np.maximum(days / 7, 1), np.inf)


def _today(rng, spec: DemoSpec, network: Network, rows: np.ndarray, inputs: StockInputs, flat):
    """The end date's stock: some of it allocated at DCs, and the deliberate defect of
    negative on hand (a deficit of up to a week's mean demand)."""
    on_hand = flat["on_hand"][:, spec.weeks]
    dc = network.echelon[rows % spec.locations] <= 2
    bad = np.isin(rows, inputs.negative)
    deficit = rng.integers(1, np.maximum(2, np.round(inputs.mean[rows])).astype(np.int64) + 1)
    flat["on_hand"][:, spec.weeks] = np.where(bad, -deficit, on_hand)
    share = rng.uniform(0, 0.3, len(rows))
    flat["allocated"] = np.zeros_like(on_hand, shape=flat["on_hand"].shape)
    flat["allocated"][:, spec.weeks] = np.where(dc & ~bad, np.round(on_hand * share), 0.0)


def _history(rng, spec, plan, network, chunk, inputs, out: dict) -> StockHistory:
    """Flatten the simulated arrays to SKU-locations x weeks, set the end date's stock and
    price the events."""
    rows, locations, columns = chunk.sku_locations, spec.locations, spec.weeks + 1
    flat = {name: values.reshape(len(rows), columns) for name, values in out.items()}
    _today(rng, spec, network, rows, inputs, flat)
    cost = np.nan_to_num(plan.unit_cost)
    item = rows // locations

    def expedite_cost(units: np.ndarray, row: np.ndarray) -> np.ndarray:
        premium = rng.uniform(*EXPEDITE_PREMIUM, len(row))
        return units * cost[row // locations] * premium + rng.uniform(*EXPEDITE_FEE, len(row))

    def write_off_reason(row: np.ndarray, week: np.ndarray) -> np.ndarray:
        stale = (plan.lifecycle[item[row]] == "end_of_life") & (week >= plan.fade_end[item[row]])
        return np.where(stale, "End of life", "Past its shelf life")

    week = np.arange(columns)[None, :]
    launched = plan.launch_week[item, None] <= week
    kept = (week >= spec.weeks - spec.stock_history_weeks) | (week == spec.weeks)
    return StockHistory(
        on_hand=flat["on_hand"],
        in_transit=flat["in_transit"],
        allocated=flat["allocated"],
        backordered=flat["backordered"],
        written=launched & kept,
        expedites=_events(
            rng, spec, rows, flat["expedited"], expedite_cost,
            lambda row, week: np.full(len(row), "Short at the DC"),
        ),
        write_offs=_events(
            rng, spec, rows, flat["lost"], lambda units, row: units * cost[row // locations],
            write_off_reason,
        ),
    )  # fmt: skip
