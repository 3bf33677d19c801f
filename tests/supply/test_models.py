"""The database refuses duplicate natural keys and broken invariants (supply app)."""

from datetime import date

import pytest

from supply.models import Receipt, SupplierLane
from tests.factories import make_item, make_location, make_po_line, make_supplier
from tests.inventory.test_models import refused

pytestmark = pytest.mark.django_db


def test_duplicate_supplier_code_is_refused():
    make_supplier("SUP-1")
    assert refused(lambda: make_supplier("SUP-1"))


@pytest.mark.parametrize(
    "fields",
    [
        {"promised_lead_time_days": -1},
        {"moq": -10},
        {"lot_size": 0},
        {"case_pack": 0},
        {"order_cost": -5},
        {"capacity_per_period": -1},
    ],
)
def test_supplier_lane_refuses_impossible_terms(fields):
    supplier, item, location = make_supplier(), make_item(), make_location()
    row = {"promised_lead_time_days": 14, **fields}
    assert refused(
        lambda: SupplierLane.objects.create(
            supplier=supplier, item=item, destination=location, **row
        )
    )


def test_supplier_lane_natural_key_is_unique():
    supplier, item, location = make_supplier(), make_item(), make_location()
    lane = {"supplier": supplier, "item": item, "destination": location}
    SupplierLane.objects.create(promised_lead_time_days=14, **lane)
    assert refused(lambda: SupplierLane.objects.create(promised_lead_time_days=7, **lane))


def test_po_line_key_quantity_and_promise_date():
    supplier, item, location = make_supplier(), make_item(), make_location()
    make_po_line(supplier, item, location)
    assert refused(lambda: make_po_line(supplier, item, location))
    assert refused(lambda: make_po_line(supplier, item, location, line_number=2, quantity=0))
    assert refused(
        lambda: make_po_line(
            supplier, item, location, line_number=3, promised_date=date(2026, 1, 1)
        )
    )


def test_receipt_key_and_positive_quantity():
    line = make_po_line(make_supplier(), make_item(), make_location())
    row = {"receipt_number": "GR-1", "receipt_date": date(2026, 1, 21), "quantity": 60}
    Receipt.objects.create(po_line=line, **row)
    assert refused(lambda: Receipt.objects.create(po_line=line, **row))
    assert refused(
        lambda: Receipt.objects.create(
            po_line=line, **{**row, "receipt_number": "GR-2", "quantity": -1}
        )
    )
