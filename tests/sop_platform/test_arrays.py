"""query_columns: a queryset's columns as numpy arrays, on SQLite and PostgreSQL alike."""

import pytest

from inventory.models import Item
from sop_platform.arrays import query_columns
from tests.factories import make_item

pytestmark = pytest.mark.django_db


def test_columns_come_back_typed():
    make_item("A", unit_cost=2.5)
    rows = query_columns(Item.objects.all(), {"sku": "text", "unit_cost": "float"})
    assert rows["sku"].tolist() == ["A"] and rows["unit_cost"].tolist() == [2.5]


@pytest.mark.parametrize("queryset", [Item.objects.none(), Item.objects.filter(pk__in=[])])
def test_a_queryset_known_to_be_empty_gives_empty_columns(queryset):
    make_item("A")
    rows = query_columns(queryset, {"id": "int", "sku": "text"})
    assert len(rows["id"]) == 0 and rows["id"].dtype.kind == "i" and len(rows["sku"]) == 0
