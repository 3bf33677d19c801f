"""The stocking network: central DCs (echelon 1) feed regional DCs (2), which feed stores (3).

Each non-central location has exactly one inbound lane (a distribution tree), which is what the
Guaranteed-Service Model expects. Lead times are in days, costs per unit.
"""

from dataclasses import dataclass

import numpy as np

from inventory.demo.spec import STREAM_NETWORK, DemoSpec

REGIONS = (
    "North",
    "South",
    "East",
    "West",
    "Central",
    "Northeast",
    "Northwest",
    "Southeast",
    "Southwest",
    "Midwest",
    "Mountain",
    "Pacific",
    "Atlantic",
    "Gulf",
    "Lakes",
    "Plains",
)
STORES_FROM_LOCATIONS = 12
"""Networks of at least this many locations get a third echelon of stores."""
TWO_CENTRALS_FROM_LOCATIONS = 10
# Units of storage per SKU at each echelon, and demand scale of the location's own customers.
CAPACITY_PER_SKU = {1: 400.0, 2: 120.0, 3: 25.0}
DEMAND_SCALE = {1: 1.5, 2: 1.0, 3: 0.25}


@dataclass(frozen=True)
class Network:
    """Locations (arrays indexed by location position) and the lane into each of them."""

    code: list[str]
    name: list[str]
    location_type: list[str]
    region: list[str]
    echelon: np.ndarray
    parent: np.ndarray  # position of the feeding location, -1 at echelon 1
    storage_capacity: np.ndarray
    demand_scale: np.ndarray
    lane_lead_time_mean_days: np.ndarray  # per location; NaN at echelon 1 (no inbound lane)
    lane_lead_time_sd_days: np.ndarray
    lane_cost_per_unit: np.ndarray

    @property
    def size(self) -> int:
        """Number of locations."""
        return len(self.code)

    @property
    def centrals(self) -> np.ndarray:
        """Positions of the echelon-1 locations, which buy from suppliers."""
        return np.flatnonzero(self.echelon == 1)

    def root_of(self) -> np.ndarray:
        """Echelon-1 location that ultimately supplies each location (itself at echelon 1)."""
        root = np.arange(self.size)
        while (self.parent[root] >= 0).any():
            has_parent = self.parent[root] >= 0
            root[has_parent] = self.parent[root[has_parent]]
        return root


def echelon_layout(locations: int) -> tuple[int, int, int]:
    """How many central DCs, regional DCs and stores a network of ``locations`` has."""
    central = 1 if locations < TWO_CENTRALS_FROM_LOCATIONS else 2
    rest = locations - central
    if locations < STORES_FROM_LOCATIONS:
        return central, rest, 0
    regional = max(central, round(rest / 3))
    return central, regional, rest - regional


def _region_names(count: int) -> list[str]:
    return [
        REGIONS[i % len(REGIONS)] + (f" {i // len(REGIONS) + 1}" if i >= len(REGIONS) else "")
        for i in range(count)
    ]


def _labels(central: int, regional: int, stores: int) -> tuple[list, list, list, list]:
    """Codes, names, types and regions, in echelon order."""
    regions = _region_names(regional)
    store_region = [regions[s % regional] for s in range(stores)]
    codes = [f"CDC-{i + 1:02d}" for i in range(central)]
    codes += [f"RDC-{i + 1:02d}" for i in range(regional)]
    codes += [f"STR-{i + 1:03d}" for i in range(stores)]
    names = [f"Central DC {i + 1}" for i in range(central)]
    names += [f"Regional DC {region}" for region in regions]
    names += [f"Store {region} {s // regional + 1}" for s, region in enumerate(store_region)]
    types = ["dc"] * (central + regional) + ["store"] * stores
    return codes, names, types, ["National"] * central + regions + store_region


def _parents(central: int, regional: int, stores: int) -> np.ndarray:
    to_central = np.arange(regional) % central
    to_regional = central + np.arange(stores) % regional
    return np.concatenate([np.full(central, -1), to_central, to_regional])


def network_build(spec: DemoSpec) -> Network:
    """Locations, their echelons and capacities, and the lane into each non-central one."""
    central, regional, stores = echelon_layout(spec.locations)
    rng = spec.rng(STREAM_NETWORK)
    echelon = np.repeat([1, 2, 3], [central, regional, stores])
    size = rng.uniform(0.6, 1.5, spec.locations)  # bigger and smaller markets
    capacity = np.vectorize(CAPACITY_PER_SKU.get)(echelon) * spec.skus * size
    downstream = echelon == 3
    mean = np.where(
        downstream, rng.uniform(1, 3, spec.locations), rng.uniform(2, 6, spec.locations)
    )
    mean = np.round(mean * 2) / 2
    sd = np.round(mean * rng.uniform(0.1, 0.35, spec.locations), 2)
    cost = np.where(
        downstream, rng.uniform(0.05, 0.3, spec.locations), rng.uniform(0.1, 0.6, spec.locations)
    )
    no_lane = echelon == 1
    codes, names, types, regions = _labels(central, regional, stores)
    return Network(
        code=codes,
        name=names,
        location_type=types,
        region=regions,
        echelon=echelon,
        parent=_parents(central, regional, stores),
        storage_capacity=np.round(capacity, -1),
        demand_scale=np.vectorize(DEMAND_SCALE.get)(echelon) * size,
        lane_lead_time_mean_days=np.where(no_lane, np.nan, mean),
        lane_lead_time_sd_days=np.where(no_lane, np.nan, sd),
        lane_cost_per_unit=np.where(no_lane, np.nan, np.round(cost, 2)),
    )
