"""Fixtures shared by the inventory tests."""

import pytest

from tests.factories import make_item, make_location


@pytest.fixture
def small_network(db):
    make_item("SKU-1", category="Snacks")
    make_location("DC-1")
    make_location("DC-2")
