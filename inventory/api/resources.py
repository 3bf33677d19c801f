"""Loadable resources of the inventory app: how CSV/JSON fields map onto the models."""

from inventory.choices import LifecycleStatus, LocationType, ServiceType
from inventory.models import InventoryPosition, Item, Location, NetworkLane, ServiceLevelClass
from sop_platform.bulk.spec import (
    INT_MAX,
    MONEY_MAX,
    SMALL_INT_MAX,
    Column,
    Reference,
    Resource,
    RowRule,
)

ITEM = Reference(Item, ("item",), ("sku",))
LOCATION = Reference(Location, ("location",), ("code",))

ITEMS = Resource(
    name="items",
    model=Item,
    key=("sku",),
    description="Item master: one row per SKU.",
    columns=(
        Column("sku", required=True, max_length=64),
        Column("description", max_length=200, default=""),
        Column("category", max_length=80, default=""),
        Column("business_unit", max_length=80, default=""),
        Column("unit_cost", "number", minimum=0, maximum=MONEY_MAX),
        Column("unit_price", "number", minimum=0, maximum=MONEY_MAX),
        Column("unit_of_measure", max_length=12, default="EA"),
        Column("shelf_life_days", "integer", positive=True, maximum=INT_MAX),
        Column(
            "lifecycle_status",
            "choice",
            choices=tuple(LifecycleStatus.values),
            default=LifecycleStatus.ACTIVE.value,
        ),
    ),
)

LOCATIONS = Resource(
    name="locations",
    model=Location,
    key=("code",),
    description="Stocking points: plants, distribution centres, stores.",
    columns=(
        Column("code", required=True, max_length=32),
        Column("name", required=True, max_length=120),
        Column("location_type", "choice", required=True, choices=tuple(LocationType.values)),
        Column("echelon", "integer", required=True, positive=True, maximum=SMALL_INT_MAX),
        Column("region", max_length=80, default=""),
        Column("storage_capacity", "number", minimum=0),
    ),
)

NETWORK_LANES = Resource(
    name="network-lanes",
    model=NetworkLane,
    key=("origin", "destination"),
    description="Which location (origin) replenishes which (destination); lead times in days.",
    columns=(
        Column(
            "origin",
            "reference",
            required=True,
            db_column="origin_id",
            reference=Reference(Location, ("origin",), ("code",)),
        ),
        Column(
            "destination",
            "reference",
            required=True,
            db_column="destination_id",
            reference=Reference(Location, ("destination",), ("code",)),
        ),
        Column("transfer_lead_time_mean_days", "number", required=True, minimum=0),
        Column("transfer_lead_time_sd_days", "number", minimum=0, default=0),
        Column("transfer_cost_per_unit", "number", minimum=0, maximum=MONEY_MAX, default=0),
    ),
    rules=(
        RowRule(
            "destination",
            "ne",
            "origin",
            "must differ from origin",
            constraint="networklane_not_a_loop",
        ),
    ),
)

INVENTORY_POSITIONS = Resource(
    name="inventory-positions",
    model=InventoryPosition,
    key=("item", "location", "as_of"),
    description="Stock per item, location and date. On hand may be negative (flagged later).",
    columns=(
        Column("item", "reference", required=True, db_column="item_id", reference=ITEM),
        Column("location", "reference", required=True, db_column="location_id", reference=LOCATION),
        Column("as_of", "date", required=True),
        Column("on_hand", "number", required=True),
        Column("in_transit", "number", minimum=0, default=0),
        Column("allocated", "number", minimum=0, default=0),
        Column("backordered", "number", minimum=0, default=0),
    ),
)

SERVICE_LEVEL_CLASSES = Resource(
    name="service-level-classes",
    model=ServiceLevelClass,
    key=("code",),
    description="Service target per segment (e.g. AX 0.99 fill).",
    columns=(
        Column("code", required=True, max_length=16),
        Column("description", max_length=200, default=""),
        Column("target", "number", required=True, unit_interval=True),
        Column("service_type", "choice", required=True, choices=tuple(ServiceType.values)),
    ),
)

RESOURCES = (ITEMS, LOCATIONS, NETWORK_LANES, INVENTORY_POSITIONS, SERVICE_LEVEL_CLASSES)
