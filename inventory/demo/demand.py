"""Weekly demand of a chunk of items at every location, vectorized over SKU-locations.

Rows are SKU-location major (item, then location), weeks minor, which is the order of the
natural key, so the database receives them pre-sorted.
"""

from dataclasses import dataclass

import numpy as np

from inventory.demo.items import ItemPlan, lifecycle_factor, promotion_weeks, season_index
from inventory.demo.network import Network
from inventory.demo.patterns import Patterns, patterns_draw
from inventory.demo.spec import FORECAST_HORIZON_WEEKS, STREAM_DEMAND, DemoSpec


@dataclass(frozen=True)
class DemandChunk:
    """Demand of items ``items`` at every location: SKU-locations x history weeks."""

    items: slice
    quantity: np.ndarray  # units; 0 where no row
    promotion: np.ndarray  # bool
    present: np.ndarray  # bool: a DemandHistory row exists for that week
    season: np.ndarray  # seasonal multiplier used, history and forecast horizon weeks
    patterns: Patterns

    @property
    def sku_locations(self) -> np.ndarray:
        """Global SKU-location indices (``item * locations + location``) of the rows."""
        locations = self.quantity.shape[0] // (self.items.stop - self.items.start)
        return np.arange(self.items.start * locations, self.items.stop * locations)


def _per_sku_location(values: np.ndarray, locations: int) -> np.ndarray:
    """Repeat item rows (items x ...) for each location."""
    return np.repeat(values, locations, axis=0)


def _drivers(spec: DemoSpec, plan: ItemPlan, network: Network, items: slice) -> tuple:
    """Seasonal index (history + horizon) and promotion flags, per SKU-location."""
    weeks = np.arange(spec.weeks + FORECAST_HORIZON_WEEKS)
    season = _per_sku_location(
        season_index(plan, items, spec.week_starts(0, len(weeks))), network.size
    )
    promo = promotion_weeks(plan, items, weeks[: spec.weeks])
    retail = np.tile(network.echelon >= 2, items.stop - items.start)  # no promotions at echelon 1
    return season, _per_sku_location(promo, network.size) & retail[:, None]


def demand_chunk(
    spec: DemoSpec, plan: ItemPlan, network: Network, items: slice, no_history: np.ndarray
) -> DemandChunk:
    """Generate the demand history of ``items`` at every location.

    Size = max(1, round(level x season^e x uplift^e x gamma noise)) in weeks with demand, then
    scaled by the lifecycle fade; ``e`` softens drivers for the low-CV^2 classes.
    """
    rng = spec.rng(STREAM_DEMAND, items.start)
    weeks = np.arange(spec.weeks)
    base = np.outer(plan.popularity[items], network.demand_scale).ravel()
    patterns = patterns_draw(rng, base)
    season, promo = _drivers(spec, plan, network, items)
    exponent = patterns.driver_exponent[:, None]
    uplift = np.where(promo, _per_sku_location(plan.uplift[items], network.size)[:, None], 1.0)
    shape = 1 / patterns.size_cv2[:, None]
    noise = rng.gamma(shape, 1 / shape, size=promo.shape)
    size = patterns.level[:, None] * (season[:, : spec.weeks] * uplift) ** exponent * noise
    occurs = rng.random(promo.shape) < patterns.occurrence[:, None]
    quantity = np.where(occurs, np.maximum(1.0, np.round(size)), 0.0)
    fade = _per_sku_location(lifecycle_factor(plan, items, weeks), network.size)
    quantity = np.round(quantity * fade)
    launched = _per_sku_location(plan.launch_week[items, None] <= weeks[None, :], network.size)
    chunk_skulocs = np.arange(items.start * network.size, items.stop * network.size)
    present = launched & ~np.isin(chunk_skulocs, no_history)[:, None]
    return DemandChunk(
        items=items,
        quantity=np.where(present, quantity, 0.0),
        promotion=promo & present,
        present=present,
        season=season,
        patterns=patterns,
    )


@dataclass
class DemandStats:
    """Per SKU-location summaries kept across chunks for the supply and stock stages."""

    mean: np.ndarray  # mean units per present week (0 without history)
    sd: np.ndarray  # standard deviation per present week
    recent_mean: np.ndarray  # mean of the last 13 weeks (present ones)
    has_history: np.ndarray

    @classmethod
    def empty(cls, sku_locations: int) -> "DemandStats":
        """Statistics of ``sku_locations`` SKU-locations, to be filled chunk by chunk."""
        return cls(*(np.zeros(sku_locations) for _ in range(3)), np.zeros(sku_locations, bool))

    def add(self, chunk: DemandChunk) -> None:
        """Record the statistics of one chunk."""
        rows = chunk.sku_locations
        count = chunk.present.sum(axis=1)
        mean = chunk.quantity.sum(axis=1) / np.maximum(count, 1)
        square = np.where(chunk.present, (chunk.quantity - mean[:, None]) ** 2, 0).sum(axis=1)
        recent = chunk.present[:, -13:]
        self.mean[rows] = mean
        self.sd[rows] = np.sqrt(square / np.maximum(count, 1))
        self.recent_mean[rows] = chunk.quantity[:, -13:].sum(axis=1) / np.maximum(
            recent.sum(axis=1), 1
        )
        self.has_history[rows] = count > 0
