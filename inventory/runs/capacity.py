"""A location's storage capacity, applied to a run's orders once all its batches are written.

Batches split the network by item, so no batch sees every order bound for one location:
the check runs when the run finishes (``services.policy_run_finish_if_done``, under the
run's lock). Where the stock a location holds and expects (on hand + on order, every item)
plus the orders recommended for it (the newest recommendation of each SKU-location) exceed
its capacity, this run's orders shed the excess, those with the most cover first
(``engine.capacity.orders_trimmed``), and are marked ``binding_constraint = "capacity"``.
Set-based: a fixed handful of queries and one numpy pass, whatever the run's size. Applying
it twice changes nothing the second time (the orders then fit, or are all cut).
"""

import numpy as np
from django.db.models import F, FloatField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Greatest

from inventory.engine.capacity import orders_trimmed
from inventory.models import InventoryPosition, Location
from inventory.runs.log import run_log
from inventory.runs.models import PolicyRecommendation, PolicyRun
from inventory.runs.parameters import RunParameters
from sop_platform.arrays import query_columns
from sop_platform.display import units
from sop_platform.rows import columns_update

CAPACITY = "capacity"
NAMED_LOCATIONS = 5  # the log line names at most this many locations


def storage_capacity_apply(run: PolicyRun) -> int:
    """Cut this run's orders to their locations' storage capacity; log what was cut.
    Returns the number of orders cut."""
    orders = query_columns(
        _orders(run),
        {
            "pk": "int",
            "location_id": "int",
            "recommended_qty": "float",
            "inventory_position": "float",
            "demand_mean": "float",
            "supplier_lane__moq": "float",
            "supplier_lane__lot_size": "float",
            "supplier_lane__case_pack": "float",
        },
    )
    if not len(orders["pk"]):
        return 0
    locations, group = np.unique(orders["location_id"], return_inverse=True)
    excess = _excess(run, locations, orders, group)
    if not (excess > 0).any():
        return 0
    quantity = orders["recommended_qty"]
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = orders["inventory_position"] / orders["demand_mean"]
    kept = orders_trimmed(
        group,
        quantity,
        np.where(orders["demand_mean"] > 0, cover, np.inf),
        excess,
        np.nan_to_num(orders["supplier_lane__moq"], nan=0.0),
        np.nan_to_num(orders["supplier_lane__lot_size"], nan=1.0),
        np.nan_to_num(orders["supplier_lane__case_pack"], nan=1.0),
    )
    cut = np.flatnonzero(kept < quantity)
    columns_update(
        PolicyRecommendation,
        {
            "pk": orders["pk"][cut].tolist(),
            "recommended_qty": kept[cut].tolist(),
            "binding_constraint": [CAPACITY] * len(cut),
        },
    )
    run_log(run, _summary(locations, group, quantity, kept, cut, excess))
    return len(cut)


def _orders(run: PolicyRun) -> QuerySet[PolicyRecommendation]:
    """This run's orders to place now at locations with a capacity, where they are their
    SKU-locations' newest recommendation."""
    return PolicyRecommendation.objects.filter(
        run=run,
        is_latest=True,
        recommended_qty__gt=0,
        location__storage_capacity__isnull=False,
    )


def _excess(
    run: PolicyRun, locations: np.ndarray, orders: dict[str, np.ndarray], group: np.ndarray
) -> np.ndarray:
    """Units above capacity at each location: stock + other runs' orders + this run's − the
    capacity."""
    ids = locations.tolist()
    capacity = dict(Location.objects.filter(pk__in=ids).values_list("pk", "storage_capacity"))
    held = _stock(RunParameters.from_json(run.parameters), ids)
    others = dict(
        PolicyRecommendation.objects.filter(
            location_id__in=ids, is_latest=True, recommended_qty__gt=0
        )
        .exclude(run=run)
        .values("location_id")
        .annotate(units=Sum("recommended_qty"))
        .values_list("location_id", "units")
    )
    ours = np.bincount(group, weights=orders["recommended_qty"], minlength=len(ids))
    fixed = np.array([held.get(pk, 0.0) + others.get(pk, 0.0) - capacity[pk] for pk in ids])
    return fixed + ours


def _stock(params: RunParameters, location_ids: list[int]) -> dict[int, float]:
    """On hand (never below 0) + on order of every item at each location, from each
    SKU-location's latest stock position on or before the run's as-of date."""
    latest = (
        InventoryPosition.objects.filter(
            item_id=OuterRef("item_id"),
            location_id=OuterRef("location_id"),
            as_of__lte=params.as_of,
        )
        .order_by("-as_of")
        .values("as_of")[:1]
    )
    held = Greatest(F("on_hand"), Value(0.0)) + F("in_transit")
    return dict(
        InventoryPosition.objects.filter(location_id__in=location_ids, as_of=Subquery(latest))
        .values("location_id")
        .annotate(units=Sum(held, output_field=FloatField()))
        .values_list("location_id", "units")
    )


def _summary(locations, group, quantity, kept, cut, excess) -> str:
    """The log line: orders cut, units held back, and the locations that bound."""
    bound = np.flatnonzero(excess > 0)
    codes = dict(
        Location.objects.filter(pk__in=locations[bound].tolist()).values_list("pk", "code")
    )
    held_back = np.bincount(group, weights=quantity - kept, minlength=len(locations))
    named = sorted(bound, key=lambda index: -held_back[index])[:NAMED_LOCATIONS]
    parts = ", ".join(f"{codes[locations[index]]} {units(held_back[index])}" for index in named)
    more = f" and {len(bound) - len(named)} more" if len(bound) > len(named) else ""
    return (
        f"Storage capacity: {len(cut):,} order(s) cut, those with the most cover first, "
        f"{units(float((quantity - kept).sum()))} units held back at {len(bound):,} "
        f"location(s) ({parts}{more})."
    )
