"""Fixtures of the API tests."""

import pytest

from tests.factories import make_item, make_location, make_po_line, make_supplier


@pytest.fixture
def references(db):
    """The rows the bulk samples refer to by natural key: SKU-1, DC-1, PLANT, SUP-1, PO-1/1."""
    item, dc = make_item("SKU-1"), make_location("DC-1")
    make_location("PLANT", echelon=1, location_type="plant")
    make_po_line(make_supplier("SUP-1"), item, dc)
