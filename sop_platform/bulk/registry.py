"""Every loadable resource, by URL name."""

from demand.api.resources import RESOURCES as DEMAND
from governance.api.resources import RESOURCES as GOVERNANCE
from inventory.api.resources import RESOURCES as INVENTORY
from sop_platform.bulk.spec import Resource
from supply.api.resources import RESOURCES as SUPPLY

RESOURCES: dict[str, Resource] = {r.name: r for r in (*INVENTORY, *DEMAND, *SUPPLY, *GOVERNANCE)}
