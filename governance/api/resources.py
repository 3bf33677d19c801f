"""Loadable resources of the governance app: the KPI inputs the ERP does not send."""

from governance.kpis.models import Expedite, WriteOff
from inventory.api.resources import ITEM, LOCATION
from sop_platform.bulk.spec import MONEY_MAX, Column, Resource


def _item_location() -> tuple[Column, Column]:
    return (
        Column("item", "reference", required=True, db_column="item_id", reference=ITEM),
        Column("location", "reference", required=True, db_column="location_id", reference=LOCATION),
    )


EXPEDITES = Resource(
    name="expedites",
    model=Expedite,
    key=("reference",),
    description="Orders sped up at extra cost (KPIs: expedite count and cost); cost in the "
    "company currency.",
    columns=(
        Column("reference", required=True, max_length=40),
        *_item_location(),
        Column("expedite_date", "date", required=True),
        Column("quantity", "number", minimum=0, default=0),
        Column("cost", "number", minimum=0, maximum=MONEY_MAX, default=0),
        Column("reason", max_length=200, default=""),
    ),
)

WRITE_OFFS = Resource(
    name="write-offs",
    model=WriteOff,
    key=("reference",),
    description="Stock written off (scrapped, expired, obsolete); value at unit cost.",
    columns=(
        Column("reference", required=True, max_length=40),
        *_item_location(),
        Column("write_off_date", "date", required=True),
        Column("quantity", "number", required=True, minimum=0),
        Column("value", "number", required=True, minimum=0, maximum=MONEY_MAX),
        Column("reason", max_length=200, default=""),
    ),
)

RESOURCES = (EXPEDITES, WRITE_OFFS)
"""Every loadable resource of the app, by URL name."""
