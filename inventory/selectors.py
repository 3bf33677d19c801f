"""Reads of the inventory app for pages and services."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, Prefetch, QuerySet

from governance.models import PublishedPolicy
from governance.selectors import LocationScope
from inventory.choices import LifecycleStatus
from inventory.models import InventoryPosition, Item, Location, NetworkLane


def locations_with_inbound_lanes(*, scope: LocationScope) -> QuerySet[Location]:
    """The locations in scope by echelon, with the lanes that replenish them (two queries)."""
    lanes = NetworkLane.objects.select_related("origin").order_by("origin__code")
    return (
        scope.locations()
        .order_by("echelon", "code")
        .prefetch_related(Prefetch("inbound_lanes", queryset=lanes))
    )


def items_in_scope(*, scope: LocationScope) -> QuerySet[Item]:
    """Every item for a whole-network scope; else the items stocked at a location in scope."""
    if scope.whole_network:
        return Item.objects.all()
    stocked = scope.restrict(InventoryPosition.objects.all()).values("item_id")
    return Item.objects.filter(pk__in=stocked)


def items_by_lifecycle(*, scope: LocationScope) -> list[dict]:
    """Number of items in scope per lifecycle status (with its label), largest first."""
    rows = (
        items_in_scope(scope=scope)
        .values("lifecycle_status")
        .annotate(items=Count("id"))
        .order_by("-items")
    )
    return [{"status": LifecycleStatus(row["lifecycle_status"]).label, **row} for row in rows]


@dataclass(frozen=True)
class NetworkTotals:
    """Headline counts of the network as loaded."""

    items: int
    locations: int
    sku_locations: int
    positions_as_of: date | None


def network_totals(*, scope: LocationScope) -> NetworkTotals:
    """Counts of items, locations and SKU-locations (with a stock position on the latest date)
    in scope."""
    positions = scope.restrict(InventoryPosition.objects.all())
    as_of = positions.aggregate(latest=Max("as_of"))["latest"]
    sku_locations = positions.filter(as_of=as_of).count() if as_of else 0
    return NetworkTotals(
        items=items_in_scope(scope=scope).count(),
        locations=scope.locations().count(),
        sku_locations=sku_locations,
        positions_as_of=as_of,
    )


def policies_for_export(*, scope: LocationScope) -> QuerySet[PublishedPolicy]:
    """The latest publication of each published policy at the locations in scope, oldest
    publication first (stable for paging): what the ERP is to apply."""
    lines = PublishedPolicy.objects.filter(current=True)
    return scope.restrict(lines).order_by("batch_id", "id")
