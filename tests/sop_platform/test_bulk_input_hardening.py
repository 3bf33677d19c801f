"""No 500 on any input: JSON bombs, strict typing, cross-field rules, browser uploads, echoes.

Every bulk endpoint answers a body it cannot read with a 400 and a message, and a value it
cannot accept with a row error (row, field, message); a logged-in browser keeps CSRF
protection on multipart uploads; errors under /api/ are JSON even with DEBUG off.
"""

import json
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from demand.models import DemandHistory
from governance.choices import Role
from inventory.models import Item, NetworkLane
from sop_platform.bulk.registry import RESOURCES
from supply.models import PurchaseOrderLine
from tests.api_helpers import post

pytestmark = pytest.mark.django_db

JSON = "application/json"
ECHO_LIMIT = 80  # characters of an input value quoted in a message, at most


def _first_field(resource: str) -> str:
    """The first input field of a resource (its first key field)."""
    return RESOURCES[resource].columns[0].input_fields[0]


def _errors(response) -> list[tuple[int, str]]:
    return [(e["row"], e["field"]) for e in response.json()["errors"]]


# --- JSON bombs: a 400 with a message on every endpoint ----------------------------------------


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_json_nested_100000_levels_is_a_400(integration, resource):
    body = "[" * 100_000 + "]" * 100_000
    response = post(integration, resource, body, JSON)
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_a_5000_digit_integer_is_a_400(integration, resource):
    body = f'[{{"{_first_field(resource)}": 1{"0" * 4999}}}]'
    response = post(integration, resource, body, JSON)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "5,000 characters" in detail and len(detail) < 300


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_a_lone_surrogate_is_a_400_naming_row_and_field(integration, references, resource):
    field = _first_field(resource)
    body = f'[{{"{field}": "ok"}}, {{"{field}": "A\\ud800"}}]'
    response = post(integration, resource, body, JSON)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(f"Row 2, field {field}: ")


def test_a_lone_surrogate_in_a_field_name_is_a_400(integration):
    response = post(integration, "items", '[{"sku": "A", "\\udc00x": 1}]', JSON)
    assert response.status_code == 400 and "Unknown field(s)" in response.json()["detail"]


def test_paired_surrogates_are_one_character(integration):
    response = post(integration, "items", '[{"sku": "A", "description": "\\ud83d\\ude00"}]', JSON)
    assert response.status_code == 200
    assert Item.objects.get().description == "\N{GRINNING FACE}"


def test_moderately_nested_values_are_row_errors(integration):
    body = json.dumps([{"sku": "A", "unit_cost": [[[1]]]}])
    response = post(integration, "items", body, JSON)
    assert response.status_code == 400 and _errors(response) == [(1, "unit_cost")]


# --- Strict typing: row errors, never accepted silently ----------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[{}]", [(1, "sku")]),
        ('[{"sku": "A"}, {}]', [(2, "sku")]),
        ('[{"description": "no sku"}]', [(1, "sku")]),
        ('[{"sku": "A", "unit_cost": true}]', [(1, "unit_cost")]),
        ('[{"sku": "A", "unit_cost": false}]', [(1, "unit_cost")]),
        ('[{"sku": "A", "unit_cost": {}}]', [(1, "unit_cost")]),
        ('[{"sku": "A", "unit_cost": {"v": 1}}]', [(1, "unit_cost")]),
        ('[{"sku": "A", "unit_cost": []}]', [(1, "unit_cost")]),
        ('[{"sku": "A", "unit_cost": [1]}]', [(1, "unit_cost")]),
        ('[{"sku": "A", "unit_cost": NaN}]', [(1, "unit_cost")]),
        ('[{"sku": "A", "unit_cost": Infinity}]', [(1, "unit_cost")]),
        ('[{"sku": "A", "unit_cost": -Infinity}]', [(1, "unit_cost")]),
        ('[{"sku": "A", "unit_cost": "NaN"}]', [(1, "unit_cost")]),
        ('[{"sku": "A", "unit_cost": "Infinity"}]', [(1, "unit_cost")]),
        ('[{"sku": "A", "unit_cost": "inf"}]', [(1, "unit_cost")]),
        ('[{"sku": "A", "shelf_life_days": true}]', [(1, "shelf_life_days")]),
        ('[{"sku": "A", "shelf_life_days": NaN}]', [(1, "shelf_life_days")]),
        ('[{"sku": "A", "lifecycle_status": true}]', [(1, "lifecycle_status")]),
        ('[{"sku": {"a": 1}}]', [(1, "sku")]),
        ('[{"sku": ["A"]}]', [(1, "sku")]),
        ('[{"sku": true}]', [(1, "sku")]),
        ('[{"sku": "A", "description": false}]', [(1, "description")]),
    ],
)
def test_json_values_of_the_wrong_type_are_row_errors(integration, body, expected):
    response = post(integration, "items", body, JSON)
    assert response.status_code == 400, response.content
    assert _errors(response) == expected
    assert not Item.objects.exists()


@pytest.mark.parametrize("value", ["true", "20261102", "{}", '["2026-11-02"]', "NaN"])
def test_json_non_text_dates_are_row_errors(integration, references, value):
    row = '"item": "SKU-1", "location": "DC-1", "quantity": 1'
    body = f'[{{{row}, "period_start": {value}}}]'
    response = post(integration, "demand-history", body, JSON)
    assert response.status_code == 400 and _errors(response) == [(1, "period_start")]


def test_json_numbers_and_booleans_of_the_right_type_load(integration, references):
    body = json.dumps(
        [
            {"item": "SKU-1", "location": "DC-1", "period_start": "2026-11-02", "quantity": 1.5},
            {"item": "SKU-1", "location": "DC-1", "period_start": "2026-11-09", "quantity": "2"},
            {
                "item": "SKU-1",
                "location": "DC-1",
                "period_start": "2026-11-16",
                "quantity": 0,
                "is_promotion": True,
            },
        ]
    )
    response = post(integration, "demand-history", body, JSON)
    assert response.status_code == 200, response.json()
    assert sorted(DemandHistory.objects.values_list("quantity", "is_promotion")) == [
        (0, True),
        (1.5, False),
        (2, False),
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("sku,description,unit_cost\nA,nut,1\nB,bolt\n", [(2, "unit_cost")]),
        ("sku,description,unit_cost\nA\n", [(1, "description"), (1, "unit_cost")]),
        ('sku,description,unit_cost\n"A,1",x\nB,"y,z",2\n', [(1, "unit_cost")]),
    ],
)
def test_a_csv_row_shorter_than_its_header_is_a_row_error(integration, body, expected):
    response = post(integration, "items", body)
    assert response.status_code == 400, response.content
    assert _errors(response) == expected
    assert "shorter than the header" in response.json()["errors"][0]["message"]


def test_csv_rows_with_empty_trailing_fields_are_not_short(integration):
    body = 'sku,description,unit_cost\nA,,\nB,"quoted, with comma",\r\nC,x,1\n\n'
    response = post(integration, "items", body)
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 3


# --- Cross-field rules: row errors checked before writing ---------------------------------------


LOOP = "origin,destination,transfer_lead_time_mean_days\nPLANT,DC-1,3\nDC-1,DC-1,2\n"
EARLY_PROMISE = (
    "po_number,line_number,supplier,item,destination,order_date,promised_date,quantity\n"
    "PO-7,1,SUP-1,SKU-1,DC-1,2026-10-01,2026-10-15,100\n"
    "PO-7,2,SUP-1,SKU-1,DC-1,2026-10-01,2026-09-30,100\n"
    "PO-7,3,SUP-1,SKU-1,DC-1,2026-10-01,2026-10-01,100\n"
)


@pytest.mark.parametrize(
    ("resource", "body", "field", "message", "model", "kept"),
    [
        ("network-lanes", LOOP, "destination", "must differ from origin", NetworkLane, 1),
        (
            "purchase-order-lines",
            EARLY_PROMISE,
            "promised_date",
            "must be on or after order_date",
            PurchaseOrderLine,
            2,
        ),
    ],
)
def test_cross_field_rules_are_row_errors(
    integration, references, resource, body, field, message, model, kept
):
    before = model.objects.count()
    refused = post(integration, resource, body)
    assert refused.status_code == 400
    assert refused.json()["errors"] == [{"row": 2, "field": field, "message": message}]
    assert model.objects.count() == before
    partial = post(integration, resource, body, query="?partial=true")
    assert partial.status_code == 200
    assert (partial.json()["created"], partial.json()["rejected"]) == (kept, 1)
    assert model.objects.count() == before + kept


def _cross_field_checks(model) -> set[str]:
    """Names of the model's check constraints that compare two of its fields."""
    from django.db.models import CheckConstraint

    return {
        c.name
        for c in model._meta.constraints
        if isinstance(c, CheckConstraint) and "F(" in str(c.condition)
    }


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_every_cross_field_check_constraint_has_a_row_rule(resource):
    spec = RESOURCES[resource]
    assert _cross_field_checks(spec.model) == {rule.constraint for rule in spec.rules}


# --- Echoed values are capped -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("item,location,period_start,quantity\n" + "X" * 1_000_000 + ",DC-1,2026-11-02,1\n", None),
        ('[{"' + "f" * 1_000_000 + '": 1}]', JSON),
    ],
)
def test_echoed_values_are_capped(integration, references, body, content_type):
    response = post(integration, "demand-history", body, content_type or "text/csv")
    assert response.status_code == 400
    assert len(response.content) < 2 * ECHO_LIMIT + 400
    assert "…" in response.content.decode()


def test_an_unsupported_content_type_is_echoed_capped(integration):
    response = post(integration, "items", "sku\nA\n", "text/plain; x=" + "y" * 10_000)
    assert response.status_code == 415 and len(response.content) < ECHO_LIMIT + 200


# --- A logged-in browser uploads with CSRF protection -----------------------------------------


@pytest.fixture
def browser(django_user_model) -> Client:
    """A session-logged-in client in the integration role that enforces CSRF."""
    user = django_user_model.objects.create_user(username="browser", password="pw-123-abc-x")
    user.groups.add(Group.objects.get(name=Role.INTEGRATION))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _csrf_token(client: Client) -> str:
    page = client.get("/login/").content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def _upload(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("suppliers.csv", content, content_type="text/csv")}


def test_a_browser_multipart_upload_with_its_csrf_token_loads(browser):
    token = _csrf_token(browser)
    response = browser.post(
        "/api/v1/suppliers/bulk/", _upload(b"code,name\nS-1,Acme\n"), HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1


def test_a_browser_multipart_upload_without_a_csrf_token_is_a_json_403(browser):
    response = browser.post("/api/v1/suppliers/bulk/", _upload(b"code,name\nS-1,Acme\n"))
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_browser_raw_csv_post_keeps_csrf_checks(browser):
    body, url = b"code,name\nS-1,Acme\n", "/api/v1/suppliers/bulk/"
    refused = browser.post(url, body, content_type="text/csv")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    token = _csrf_token(browser)
    loaded = browser.post(url, body, content_type="text/csv", HTTP_X_CSRFTOKEN=token)
    assert loaded.status_code == 200, loaded.content


def test_a_form_encoded_post_is_a_415(browser):
    token = _csrf_token(browser)
    response = browser.post(
        "/api/v1/suppliers/bulk/",
        "code=S&name=Acme",
        content_type="application/x-www-form-urlencoded",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 415 and "Unsupported content type" in response.json()["detail"]


def test_a_multipart_post_without_a_file_is_a_400(browser):
    token = _csrf_token(browser)
    response = browser.post("/api/v1/suppliers/bulk/", {"code": "S"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 400 and "'file'" in response.json()["detail"]


# --- Errors under /api/ are JSON with DEBUG off; pages keep HTML ------------------------------


def test_an_unknown_api_url_is_a_json_404(integration):
    response = integration.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found."}


def test_an_unknown_page_is_an_html_404(client, planner):
    client.force_login(planner)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_server_error_under_the_api_is_json(integration, monkeypatch):
    from sop_platform.api import bulk

    def boom(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(bulk, "bulk_load", boom)
    integration.raise_request_exception = False
    response = integration.post("/api/v1/items/bulk/", b"sku\nA\n", content_type="text/csv")
    assert response.status_code == 500
    assert response.json() == {"detail": "Server error."}


def test_a_csrf_failure_under_the_api_is_json_and_on_pages_html(rf):
    from sop_platform.api.errors import csrf_failure

    api = csrf_failure(rf.post("/api/v1/items/bulk/"), reason="CSRF token missing.")
    assert api.status_code == 403
    assert json.loads(api.content) == {"detail": "CSRF Failed: CSRF token missing."}
    page = Client(enforce_csrf_checks=True).post("/login/", {"username": "a", "password": "b"})
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")


def test_the_csrf_failure_view_is_configured(settings):
    assert settings.CSRF_FAILURE_VIEW == "sop_platform.api.errors.csrf_failure"
