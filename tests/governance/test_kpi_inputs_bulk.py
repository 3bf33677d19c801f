"""Bulk loads of the KPI inputs the ERP does not send: expedites and write-offs
(governance/api/resources.py), upserted by ``reference``; bad rows name their row and field."""

from datetime import date
from decimal import Decimal

import pytest

from governance.kpis.models import Expedite, WriteOff
from tests.api_helpers import client_for, post
from tests.factories import make_item, make_location

pytestmark = pytest.mark.django_db

EXPEDITES = (
    "reference,item,location,expedite_date,quantity,cost,reason\n"
    "EX-1,SKU-1,DC-1,2026-11-04,5,80.50,Supplier late\n"
    "EX-2,SKU-1,DC-2,2026-11-11,,,\n"
)
WRITE_OFFS = (
    "reference,item,location,write_off_date,quantity,value,reason\n"
    "WO-1,SKU-1,DC-1,2026-11-05,3,12.30,Expired\n"
)


@pytest.fixture
def stock_points(db):
    make_item("SKU-1")
    make_location("DC-1")
    make_location("DC-2")


def test_expedites_load_with_defaults_and_update_by_reference(integration, stock_points):
    response = post(integration, "expedites", EXPEDITES)
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 2
    first = Expedite.objects.select_related("item", "location").get(reference="EX-1")
    assert (first.item.sku, first.location.code) == ("SKU-1", "DC-1")
    assert (first.expedite_date, first.quantity, first.cost) == (
        date(2026, 11, 4),
        5,
        Decimal("80.50"),
    )
    assert first.reason == "Supplier late"
    second = Expedite.objects.get(reference="EX-2")
    assert (second.quantity, second.cost, second.reason) == (0, Decimal("0"), "")
    again = post(integration, "expedites", EXPEDITES.replace("80.50", "90"))
    assert (again.json()["updated"], again.json()["unchanged"]) == (1, 1)
    assert Expedite.objects.get(reference="EX-1").cost == Decimal("90")


def test_write_offs_load_with_provenance(integration, stock_points):
    response = post(integration, "write-offs", WRITE_OFFS, query="?source=wms")
    assert response.status_code == 200, response.json()
    loaded = WriteOff.objects.get(reference="WO-1")
    assert (loaded.quantity, loaded.value, loaded.source) == (3, Decimal("12.30"), "wms")


@pytest.mark.parametrize(
    ("resource", "body", "row", "field", "message"),
    [
        (
            "expedites",
            "reference,item,location,expedite_date,cost\nEX-1,SKU-1,DC-1,2026-11-04,-5\n",
            1,
            "cost",
            "must be at least 0",
        ),
        (
            "expedites",
            "reference,item,location,expedite_date\nEX-1,NOPE,DC-1,2026-11-04\n",
            1,
            "item",
            "no item with SKU NOPE",
        ),
        (
            "expedites",
            "reference,item,location,expedite_date\nEX-1,SKU-1,DC-9,2026-11-04\n",
            1,
            "location",
            "DC-9",
        ),
        (
            "expedites",
            "reference,item,location,expedite_date\nEX-1,SKU-1,DC-1,2026-13-04\n",
            1,
            "expedite_date",
            "date",
        ),
        (
            "write-offs",
            "reference,item,location,write_off_date,quantity,value\n"
            "WO-1,SKU-1,DC-1,2026-11-05,3,1\nWO-2,SKU-1,DC-1,2026-11-05,-3,1\n",
            2,
            "quantity",
            "must be at least 0",
        ),
        (
            "write-offs",
            "reference,item,location,write_off_date,quantity,value\n"
            "WO-1,SKU-1,DC-1,2026-11-05,3,\n",
            1,
            "value",
            "is required",
        ),
        (
            "write-offs",
            f"reference,item,location,write_off_date,quantity,value\n"
            f"{'W' * 41},SKU-1,DC-1,2026-11-05,3,1\n",
            1,
            "reference",
            "at most 40 characters",
        ),
    ],
)
def test_bad_rows_are_refused_naming_row_and_field(
    integration, stock_points, resource, body, row, field, message
):
    response = post(integration, resource, body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(
        e["row"] == row and e["field"] == field and message in e["message"] for e in errors
    ), errors
    assert not Expedite.objects.exists() and not WriteOff.objects.exists()


def test_only_loaders_may_load(planner, stock_points):
    response = post(client_for(planner), "expedites", EXPEDITES)
    assert response.status_code == 403
    assert not Expedite.objects.exists()
