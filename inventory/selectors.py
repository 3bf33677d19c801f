"""Reads of the inventory app for pages and services."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, Prefetch, QuerySet

from inventory.choices import LifecycleStatus, PolicyStatus
from inventory.models import InventoryPolicy, InventoryPosition, Item, Location, NetworkLane


def locations_with_inbound_lanes() -> QuerySet[Location]:
    """Every location by echelon, with the lanes that replenish it (two queries in all)."""
    lanes = NetworkLane.objects.select_related("origin").order_by("origin__code")
    return Location.objects.order_by("echelon", "code").prefetch_related(
        Prefetch("inbound_lanes", queryset=lanes)
    )


def items_by_lifecycle() -> list[dict]:
    """Number of items per lifecycle status (with its label), largest first."""
    rows = Item.objects.values("lifecycle_status").annotate(items=Count("id")).order_by("-items")
    return [{"status": LifecycleStatus(row["lifecycle_status"]).label, **row} for row in rows]


@dataclass(frozen=True)
class NetworkTotals:
    """Headline counts of the network as loaded."""

    items: int
    locations: int
    sku_locations: int
    positions_as_of: date | None


def network_totals() -> NetworkTotals:
    """Counts of items, locations and SKU-locations with a stock position on the latest date."""
    as_of = InventoryPosition.objects.aggregate(latest=Max("as_of"))["latest"]
    sku_locations = InventoryPosition.objects.filter(as_of=as_of).count() if as_of else 0
    return NetworkTotals(
        items=Item.objects.count(),
        locations=Location.objects.count(),
        sku_locations=sku_locations,
        positions_as_of=as_of,
    )


def policies_for_export() -> QuerySet[InventoryPolicy]:
    """Approved and active policies, in the order they last changed (stable for paging)."""
    return InventoryPolicy.objects.filter(
        status__in=(PolicyStatus.APPROVED, PolicyStatus.ACTIVE)
    ).order_by("updated_at", "id")
