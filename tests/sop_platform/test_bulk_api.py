"""Bulk loads through /api/v1/<resource>/bulk/: every resource, every mode, every bad input."""

import json
from datetime import date

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from demand.models import DemandHistory
from inventory.models import Item, Location
from sop_platform.bulk.registry import RESOURCES
from supply.models import LaneLeadTimeActual, Receipt, Supplier
from tests.api_helpers import client_for, post
from tests.factories import (
    make_supplier_lane,
)

pytestmark = pytest.mark.django_db

# One valid CSV per resource (references point at the `references` fixture), and the same
# rows with one value changed, for the update case.
SAMPLES = {
    "items": (
        "sku,description,unit_cost,shelf_life_days\nN-1,Nut,0.5,\nN-2,Bolt,1.25,30\n",
        "sku,description,unit_cost,shelf_life_days\nN-1,Nut,0.75,\nN-2,Bolt,1.25,30\n",
    ),
    "locations": (
        "code,name,location_type,echelon,region\nX-1,Hub,dc,1,North\n",
        "code,name,location_type,echelon,region\nX-1,Hub,dc,1,South\n",
    ),
    "network-lanes": (
        "origin,destination,transfer_lead_time_mean_days\nPLANT,DC-1,3\n",
        "origin,destination,transfer_lead_time_mean_days\nPLANT,DC-1,4.5\n",
    ),
    "inventory-positions": (
        "item,location,as_of,on_hand,allocated\nSKU-1,DC-1,2026-11-23,-4,0\n",
        "item,location,as_of,on_hand,allocated\nSKU-1,DC-1,2026-11-23,7,1\n",
    ),
    "service-level-classes": (
        "code,target,service_type\nAX,0.98,fill\nCZ,0.9,cycle\n",
        "code,target,service_type\nAX,0.99,fill\nCZ,0.9,cycle\n",
    ),
    "demand-history": (
        "item,location,period_start,quantity,is_promotion\n"
        "SKU-1,DC-1,2026-11-02,5,false\nSKU-1,DC-1,2026-11-09,0,true\n",
        "item,location,period_start,quantity,is_promotion\n"
        "SKU-1,DC-1,2026-11-02,6,false\nSKU-1,DC-1,2026-11-09,0,true\n",
    ),
    "forecasts": (
        "item,location,period_start,quantity,kind,as_of\n"
        "SKU-1,DC-1,2026-12-07,8,statistical,2026-11-23\n",
        "item,location,period_start,quantity,kind,as_of\n"
        "SKU-1,DC-1,2026-12-07,9,statistical,2026-11-23\n",
    ),
    "suppliers": ("code,name\nS-9,Acme\n", "code,name\nS-9,Acme Ltd\n"),
    "supplier-lanes": (
        "supplier,item,destination,promised_lead_time_days,moq,lot_size\n"
        "SUP-1,SKU-1,DC-1,14,10,5\n",
        "supplier,item,destination,promised_lead_time_days,moq,lot_size\n"
        "SUP-1,SKU-1,DC-1,21,10,5\n",
    ),
    "purchase-order-lines": (
        "po_number,line_number,supplier,item,destination,order_date,"
        "promised_date,quantity\nPO-7,1,SUP-1,SKU-1,DC-1,2026-10-01,"
        "2026-10-15,100\n",
        "po_number,line_number,supplier,item,destination,order_date,"
        "promised_date,quantity\nPO-7,1,SUP-1,SKU-1,DC-1,2026-10-01,"
        "2026-10-20,100\n",
    ),
    "receipts": (
        "po_number,line_number,receipt_number,receipt_date,quantity\nPO-1,1,GR-1,2026-01-20,100\n",
        "po_number,line_number,receipt_number,receipt_date,quantity\nPO-1,1,GR-1,2026-01-22,100\n",
    ),
    "expedites": (
        "reference,item,location,expedite_date,quantity,cost\nEX-1,SKU-1,DC-1,2026-11-04,5,80\n",
        "reference,item,location,expedite_date,quantity,cost\nEX-1,SKU-1,DC-1,2026-11-04,5,95\n",
    ),
    "write-offs": (
        "reference,item,location,write_off_date,quantity,value\nWO-1,SKU-1,DC-1,2026-11-05,3,12\n",
        "reference,item,location,write_off_date,quantity,value\nWO-1,SKU-1,DC-1,2026-11-05,4,16\n",
    ),
}


def test_every_resource_has_a_sample():
    assert set(SAMPLES) == set(RESOURCES)


@pytest.mark.parametrize("resource", sorted(SAMPLES))
def test_create_update_unchanged_for_every_resource(integration, references, resource):
    first, changed = SAMPLES[resource]
    rows = first.count("\n") - 1
    created = post(integration, resource, first)
    assert created.status_code == 200, created.json()
    assert (created.json()["created"], created.json()["updated"]) == (rows, 0)
    again = post(integration, resource, first)
    assert again.json()["unchanged"] == rows and again.json()["created"] == 0  # idempotent
    updated = post(integration, resource, changed)
    assert updated.json()["updated"] == 1
    assert updated.json()["unchanged"] == rows - 1


def test_loaded_values_and_provenance(integration, references):
    post(integration, "items", SAMPLES["items"][0], query="?source=erp")
    nut = Item.objects.get(sku="N-1")
    assert (str(nut.unit_cost), nut.shelf_life_days, nut.source) == ("0.5000", None, "erp")
    assert nut.lifecycle_status == "active" and nut.unit_of_measure == "EA"  # defaults


def test_json_and_multipart_bodies(integration, references):
    rows = [{"item": "SKU-1", "location": "DC-1", "period_start": "2026-11-02", "quantity": 3}]
    response = post(integration, "demand-history", json.dumps(rows), "application/json")
    assert response.json()["created"] == 1
    upload = integration.post(
        "/api/v1/demand-history/bulk/",
        {"file": _named(SAMPLES["demand-history"][0].encode(), "history.csv")},
        format="multipart",
    )
    assert upload.json()["updated"] == 1 and upload.json()["created"] == 1
    assert DemandHistory.objects.get(period_start=date(2026, 11, 2)).quantity == 5


def _named(content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


BAD_ROWS = (
    "item,location,period_start,quantity\nSKU-1,DC-1,2026-11-02,5\nSKU-1,DC-1,2026-11-09,-1\n"
)


def test_all_or_nothing_rejects_the_request_and_writes_nothing(integration, references):
    response = post(integration, "demand-history", BAD_ROWS)
    assert response.status_code == 400
    body = response.json()
    assert body["written"] is False and body["rejected"] == 1
    assert body["errors"] == [{"row": 2, "field": "quantity", "message": "must be at least 0"}]
    assert not DemandHistory.objects.exists()


def test_partial_writes_the_good_rows(integration, references):
    response = post(integration, "demand-history", BAD_ROWS, query="?partial=true")
    assert response.status_code == 200
    assert (response.json()["created"], response.json()["rejected"]) == (1, 1)
    assert DemandHistory.objects.count() == 1


def test_dry_run_counts_but_writes_nothing(integration, references):
    response = post(integration, "demand-history", SAMPLES["demand-history"][0], query="?dry_run=1")
    assert response.json()["created"] == 2 and response.json()["written"] is False
    assert not DemandHistory.objects.exists()


@pytest.mark.parametrize("query", ["?dry_run=", "?dry_run=maybe", "?partial="])
def test_a_flag_given_without_a_yes_or_no_is_a_400_naming_it(integration, references, query):
    response = post(integration, "demand-history", SAMPLES["demand-history"][0], query=query)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(query.split("=")[0] + "= takes true or false")
    assert not DemandHistory.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        (b"", "text/csv", 400, "The body is empty"),
        (b"sku;description\nA;B\n", "text/csv", 400, "must be comma-separated"),
        (b'sku,description\n"A,B\n', "text/csv", 400, "The CSV cannot be read"),
        (b"sku,description\nA,B,C\n", "text/csv", 400, "line 2 has 3 fields, the header 2"),
        (b"\n\nsku\n", "text/csv", 400, "no header line"),
        (b"sku,colour\nA,red\n", "text/csv", 400, "Unknown field(s) colour"),
        (b"description\nA\n", "text/csv", 400, "Missing required field(s): sku"),
        (b"sku,description\n\xff\xfe,B\n", "text/csv", 400, "not UTF-8"),
        (b'{"sku": "A"}', "application/json", 400, "must be an array"),
        (b"[1, 2]", "application/json", 400, "Row 1 is not a JSON object"),
        (b"[{", "application/json", 400, "not valid JSON"),
        (b"sku\nA\n", "text/plain", 415, "Unsupported content type"),
    ],
)
def test_malformed_bodies_are_refused_with_a_message(
    integration, body, content_type, status, message
):
    response = post(integration, "items", body, content_type)
    assert response.status_code == status
    assert message in response.json()["detail"]
    assert not Item.objects.exists()


@pytest.mark.parametrize(
    ("resource", "body", "field", "message"),
    [
        ("items", "sku,unit_cost\nA,abc\n", "unit_cost", "must be a number"),
        ("items", "sku,unit_cost\n,1\n", "sku", "is required"),
        ("items", "sku,shelf_life_days\nA,2.5\n", "shelf_life_days", "must be a whole number"),
        ("items", "sku,lifecycle_status\nA,zombie\n", "lifecycle_status", "must be one of"),
        ("items", f"sku\n{'A' * 65}\n", "sku", "at most 64 characters"),
        (
            "service-level-classes",
            "code,target,service_type\nAX,1.2,fill\n",
            "target",
            "between 0 and 1",
        ),
        (
            "service-level-classes",
            "code,target,service_type\nAX,0,fill\n",
            "target",
            "between 0 and 1",
        ),
        (
            "demand-history",
            "item,location,period_start,quantity\nNOPE,DC-1,2026-11-02,1\n",
            "item",
            "no item with SKU NOPE",
        ),
        (
            "demand-history",
            "item,location,period_start,quantity\nSKU-1,DC-1,02/11/2026,1\n",
            "period_start",
            "YYYY-MM-DD",
        ),
        (
            "demand-history",
            "item,location,period_start,quantity\nSKU-1,DC-1,1890-01-06,1\n",
            "period_start",
            "must lie between",
        ),
        (
            "demand-history",
            "item,location,period_start,quantity,is_promotion\nSKU-1,DC-1,2026-11-02,1,maybe\n",
            "is_promotion",
            "true or false",
        ),
        (
            "receipts",
            "po_number,line_number,receipt_number,receipt_date,quantity\n"
            "PO-1,9,GR-1,2026-01-20,5\n",
            "po_number/line_number",
            "no purchase order line with po number/line number PO-1/9",
        ),
        ("suppliers", "code,name\nS-1,A\nS-1,B\n", "code", "repeats the key of row 1"),
    ],
)
def test_bad_values_are_reported_by_row_and_field(
    integration, references, resource, body, field, message
):
    response = post(integration, resource, body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(e["field"] == field and message in e["message"] for e in errors), errors
    assert response.json()["written"] is False


def test_anonymous_gets_401_and_a_planner_403(client, planner, references):
    assert post(APIClient(), "items", SAMPLES["items"][0]).status_code == 401
    response = post(client_for(planner), "items", SAMPLES["items"][0])
    assert response.status_code == 403
    assert "integration or admin" in response.json()["detail"]


@override_settings(BULK_MAX_ROWS=1)
def test_too_many_rows_is_413(integration, references):
    response = post(integration, "items", SAMPLES["items"][0])
    assert response.status_code == 413 and "split the file" in response.json()["detail"]


@override_settings(BULK_MAX_BODY_BYTES=10)
def test_too_large_body_is_413(integration):
    response = post(integration, "items", SAMPLES["items"][0])
    assert response.status_code == 413 and "Split the file" in response.json()["detail"]


def test_receipts_keep_the_po_line_reference(integration, references):
    post(integration, "receipts", SAMPLES["receipts"][0])
    receipt = Receipt.objects.select_related("po_line").get()
    assert (receipt.po_line.po_number, receipt.receipt_date) == ("PO-1", date(2026, 1, 20))


def test_schema_and_docs_are_served_to_authenticated_users_only(integration):
    schema = integration.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert {f"/api/v1/{name}/bulk/" for name in RESOURCES} <= set(paths)
    assert integration.get("/api/v1/docs/").status_code == 200
    assert APIClient().get("/api/v1/schema/").status_code == 401


@pytest.mark.usefixtures("pinned_now")  # the sample receipts are of January 2026
def test_a_receipts_load_refreshes_lead_time_actuals(integration, references):
    lane = make_supplier_lane(
        Supplier.objects.get(code="SUP-1"),
        Item.objects.get(sku="SKU-1"),
        Location.objects.get(code="DC-1"),
    )
    post(integration, "receipts", SAMPLES["receipts"][0])
    actual = LaneLeadTimeActual.objects.get(lane=lane)
    assert actual.received_lines == 1 and actual.mean_lead_time_days == 15  # Jan 5 → Jan 20


@pytest.mark.parametrize(
    ("resource", "body", "field"),
    [
        ("locations", "code,name,location_type,echelon\nX,Y,dc,32768\n", "echelon"),
        ("items", "sku,unit_cost\nA,12345678901\n", "unit_cost"),
        ("items", "sku,shelf_life_days\nA,99999999999999999999\n", "shelf_life_days"),
    ],
)
def test_values_beyond_a_column_range_are_row_errors(integration, resource, body, field):
    response = post(integration, resource, body)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_a_nul_character_is_refused_with_its_line(integration):
    response = post(integration, "items", b"sku,description\nA,ok\nB,bad\x00\n")
    assert response.status_code == 400
    assert response.json()["detail"] == "Row 2, field description: contains a NUL character."


def test_bulk_loads_are_throttled_per_token(monkeypatch, integration):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"bulk": "2/minute", "read": "9/s"})
    codes = [post(integration, "suppliers", "code,name\nS,Acme\n").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def _with_a_bad_row(sample: str) -> str:
    """The sample plus a copy of its first row with the first (required) field emptied."""
    first = sample.splitlines()[1]
    return sample + "," + first.split(",", 1)[1] + "\n"


@pytest.mark.parametrize("resource", sorted(SAMPLES))
def test_modes_for_every_resource(integration, references, resource):
    model = RESOURCES[resource].model
    before = model.objects.count()
    body = _with_a_bad_row(SAMPLES[resource][0])
    rows = SAMPLES[resource][0].count("\n") - 1
    refused = post(integration, resource, body)
    assert refused.status_code == 400 and refused.json()["rejected"] == 1
    assert model.objects.count() == before  # all-or-nothing: nothing written
    dry = post(integration, resource, body, query="?partial=true&dry_run=true")
    assert dry.json()["created"] == rows and model.objects.count() == before
    partial = post(integration, resource, body, query="?partial=true")
    assert (partial.json()["created"], partial.json()["rejected"]) == (rows, 1)
    assert model.objects.count() == before + rows
