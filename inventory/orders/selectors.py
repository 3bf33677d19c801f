"""Reads of the recommended orders: each SKU-location's newest recommendation in the user's
scope that orders, with its quantity and value, and the totals by supplier and by week.

An order "now" (``periods_until_order`` 0) is the recommendation's ``recommended_qty``; a
later one is the policy's order quantity, placed when the position reaches the reorder point
(docs/runs.md, "Orders: date, lane and capacity"). Value = quantity × the item's unit cost.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncWeek

from governance.selectors import location_scope
from inventory.models import PolicyRecommendation

DEFAULT_HORIZON_WEEKS = 13
NO_SUPPLIER = "Transfer or no lane"


def _quantity() -> Case:
    return Case(
        When(periods_until_order=0, then=F("recommended_qty")),
        default=F("order_quantity"),
        output_field=FloatField(),
    )


def orders_visible_to(*, user: AbstractBaseUser) -> QuerySet[PolicyRecommendation]:
    """Every SKU-location's newest recommendation in ``user``'s scope that has an order date,
    with ``quantity``, ``unit_cost`` (float), ``value`` (0 when the cost is unknown),
    ``need`` (units up to the max level, for an order now), its item, location and lane."""
    rows = location_scope(user=user).restrict(
        PolicyRecommendation.objects.filter(is_latest=True, order_date__isnull=False)
    )
    cost = Cast("item__unit_cost", FloatField())
    quantity = _quantity()
    return (
        rows.select_related("item", "location", "supplier_lane__supplier")
        .only(*SHOWN)
        .annotate(
            quantity=quantity,
            unit_cost=cost,
            value=Coalesce(
                ExpressionWrapper(quantity * cost, output_field=FloatField()), Value(0.0)
            ),
            need=Case(
                When(periods_until_order=0, then=F("max_level") - F("inventory_position")),
                output_field=FloatField(),
            ),
        )
    )


SHOWN = (
    "item__sku",
    "item__description",
    "item__unit_cost",
    "location__code",
    "supplier_lane__moq",
    "supplier_lane__lot_size",
    "supplier_lane__case_pack",
    "supplier_lane__capacity_per_period",
    "supplier_lane__supplier__code",
    "supplier_lane__supplier__name",
    "run_id",
    "item_id",
    "location_id",
    "periods_until_order",
    "order_date",
    "recommended_qty",
    "order_quantity",
    "max_level",
    "inventory_position",
    "binding_constraint",
)
"""The fields the page and the exports read (the recommendation has some fifty)."""


def within_horizon(
    queryset: QuerySet[PolicyRecommendation], *, today: date, weeks: int
) -> QuerySet[PolicyRecommendation]:
    """The orders due by ``today`` + ``weeks`` weeks (overdue ones included)."""
    return queryset.filter(order_date__lte=today + timedelta(weeks=weeks))


@dataclass(frozen=True)
class OrderTotals:
    """Orders, units and value of a set of orders: by supplier (largest value first;
    ``supplier`` None for transfers and SKU-locations without a lane), by week of order date
    (``week``: its Monday, in date order) and in all."""

    by_supplier: list[dict]
    by_week: list[dict]
    total: dict


def order_totals(queryset: QuerySet[PolicyRecommendation]) -> OrderTotals:
    """The totals of ``queryset`` (``orders_visible_to``'s, filtered) from one aggregate query
    by supplier and week: one pass over the orders, whose groups (suppliers × weeks) are then
    added up here."""
    groups = (
        queryset.order_by()
        .values(supplier=F("supplier_lane__supplier__code"), week=TruncWeek("order_date"))
        .annotate(orders=Count("pk"), units=Sum("quantity"), value=Sum("value"))
    )
    by_supplier: dict[str | None, dict] = {}
    by_week: dict[date, dict] = {}
    total = _sums({})
    for group in groups:
        for sums in (
            by_supplier.setdefault(group["supplier"], _sums({"supplier": group["supplier"]})),
            by_week.setdefault(group["week"], _sums({"week": group["week"]})),
            total,
        ):
            for name in _MEASURES:
                sums[name] += group[name] or 0
    return OrderTotals(
        by_supplier=sorted(by_supplier.values(), key=lambda s: (-s["value"], s["supplier"] or "")),
        by_week=[by_week[week] for week in sorted(by_week)],
        total=total,
    )


_MEASURES = ("orders", "units", "value")


def _sums(key: dict) -> dict:
    return {**key, "orders": 0, "units": 0.0, "value": 0.0}
