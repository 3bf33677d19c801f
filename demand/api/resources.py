"""Loadable resources of the demand app."""

from demand.choices import ForecastKind
from demand.models import DemandHistory, Forecast
from inventory.api.resources import ITEM, LOCATION
from sop_platform.bulk.spec import Column, Resource

DEMAND_HISTORY = Resource(
    name="demand-history",
    model=DemandHistory,
    key=("item", "location", "period_start"),
    description="Demand per item, location and period (send explicit zeros).",
    columns=(
        Column("item", "reference", required=True, db_column="item_id", reference=ITEM),
        Column("location", "reference", required=True, db_column="location_id", reference=LOCATION),
        Column("period_start", "date", required=True),
        Column("quantity", "number", required=True, minimum=0),
        Column("is_promotion", "boolean", default=False),
    ),
)

FORECASTS = Resource(
    name="forecasts",
    model=Forecast,
    key=("item", "location", "period_start", "kind", "as_of"),
    description="Forecast per item, location and period, by kind and as-of date.",
    columns=(
        Column("item", "reference", required=True, db_column="item_id", reference=ITEM),
        Column("location", "reference", required=True, db_column="location_id", reference=LOCATION),
        Column("period_start", "date", required=True),
        Column("quantity", "number", required=True, minimum=0),
        Column("kind", "choice", required=True, choices=tuple(ForecastKind.values)),
        Column("as_of", "date", required=True),
        Column("version", max_length=40, default=""),
    ),
)

RESOURCES = (DEMAND_HISTORY, FORECASTS)
