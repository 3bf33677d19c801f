"""Filters of the supply models, shared by the API and (later) the planner pages."""

import django_filters as filters

from sop_platform.filtersets import StrictFilterSet
from supply.models import PurchaseOrderLine, Receipt, Supplier, SupplierLane


class SupplierFilterSet(StrictFilterSet):
    class Meta:
        model = Supplier
        fields = ["code", "source"]


class SupplierLaneFilterSet(StrictFilterSet):
    supplier = filters.CharFilter(field_name="supplier__code")
    item = filters.CharFilter(field_name="item__sku")
    destination = filters.CharFilter(field_name="destination__code")

    class Meta:
        model = SupplierLane
        fields = ["supplier", "item", "destination", "source"]


class PurchaseOrderLineFilterSet(StrictFilterSet):
    supplier = filters.CharFilter(field_name="supplier__code")
    item = filters.CharFilter(field_name="item__sku")
    destination = filters.CharFilter(field_name="destination__code")
    promised_date = filters.DateFromToRangeFilter()

    class Meta:
        model = PurchaseOrderLine
        fields = ["po_number", "supplier", "item", "destination", "status", "promised_date"]


class ReceiptFilterSet(StrictFilterSet):
    po_number = filters.CharFilter(field_name="po_line__po_number")
    receipt_date = filters.DateFromToRangeFilter()

    class Meta:
        model = Receipt
        fields = ["po_number", "receipt_date", "source"]
