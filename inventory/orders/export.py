"""The filtered orders as CSV (streamed) or XLSX: what to order, from whom, when, how the
quantity was rounded, and its value."""

from collections.abc import Iterator

from django.db.models import QuerySet

COLUMNS = {  # header: lookup on orders_visible_to
    "order_date": "order_date",
    "periods_until_order": "periods_until_order",
    "sku": "item__sku",
    "description": "item__description",
    "location": "location__code",
    "supplier": "supplier_lane__supplier__code",
    "supplier_name": "supplier_lane__supplier__name",
    "quantity": "quantity",
    "unit_cost": "unit_cost",
    "value": "value",
    "binding_constraint": "binding_constraint",
    "need_to_max_level": "need",
    "moq": "supplier_lane__moq",
    "lot_size": "supplier_lane__lot_size",
    "case_pack": "supplier_lane__case_pack",
    "lane_capacity_per_period": "supplier_lane__capacity_per_period",
    "run": "run_id",
}
HEADER = list(COLUMNS)


def export_rows(rows: QuerySet) -> Iterator[tuple]:
    """The export's rows (without header) by order date, SKU and location, in chunks."""
    ordered = rows.order_by("order_date", "item__sku", "location__code")
    return ordered.values_list(*COLUMNS.values()).iterator(chunk_size=2000)
