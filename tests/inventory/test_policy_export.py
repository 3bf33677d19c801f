"""GET /api/v1/policies/export/: the published policies, CSV or JSON, incremental by
publication."""

import csv
import io
import json
from datetime import date, timedelta

import pytest
from rest_framework.test import APIClient

from governance.publication import publication_create
from inventory.choices import PolicyStatus
from inventory.models import InventoryPolicy
from tests.factories import make_item, make_location, make_policy

# Policies in the factories take effect on 2026-01-05: "in force today" needs a pinned today.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]
URL = "/api/v1/policies/export/"


@pytest.fixture
def policies(manager):
    """Policies of four statuses at DC-1, then one publication (of the active ones)."""
    dc = make_location("DC-1")
    made = {}
    for number, status in enumerate(
        (PolicyStatus.ACTIVE, PolicyStatus.APPROVED, PolicyStatus.PROPOSED, PolicyStatus.RETIRED)
    ):
        made[status] = make_policy(
            make_item(f"SKU-{number}"), dc, status=status, policy_version=number + 1
        )
    made["publication"] = publication_create(user=manager)
    return made


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _body(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_json_export_holds_only_published_policies(planner, policies):
    response = _client(planner).get(URL)
    assert response.status_code == 200
    rows = json.loads(_body(response))
    assert [row["sku"] for row in rows] == ["SKU-0"]  # the only active policy
    assert rows[0]["effective_from"] == "2026-01-05" and rows[0]["safety_stock"] == 10
    assert rows[0]["publication"] == policies["publication"].pk
    assert response["X-Export-Watermark"] == str(policies["publication"].pk)


def test_csv_export_has_the_documented_columns(planner, policies):
    response = _client(planner).get(URL, {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(_body(response))))
    assert list(table[0])[:4] == ["sku", "location", "effective_from", "effective_to"]
    assert list(table[0])[-2:] == ["updated_at", "publication"]
    assert {row["status"] for row in table} == {"active"}


def test_since_a_publication_returns_only_later_ones(planner, manager, policies):
    client = _client(planner)
    watermark = client.get(URL)["X-Export-Watermark"]
    assert json.loads(_body(client.get(URL, {"since": watermark}))) == []
    # A new version of SKU-0 is approved (unpublished: not exported yet), then published.
    changed = InventoryPolicy.objects.filter(pk=policies[PolicyStatus.ACTIVE].pk)
    changed.update(safety_stock=12, policy_version=2)
    assert json.loads(_body(client.get(URL, {"since": watermark}))) == []
    assert json.loads(_body(client.get(URL)))[0]["safety_stock"] == 10  # still the published
    second = publication_create(user=manager)
    rows = json.loads(_body(client.get(URL, {"since": watermark})))
    assert [(r["sku"], r["safety_stock"], r["publication"]) for r in rows] == [
        ("SKU-0", 12, second.pk)
    ]
    assert len(json.loads(_body(client.get(URL)))) == 1  # the latest publication only


def test_since_a_timestamp(planner, policies):
    client = _client(planner)
    assert len(json.loads(_body(client.get(URL, {"since": "2000-01-01T00:00:00Z"})))) == 1
    assert json.loads(_body(client.get(URL, {"since": "2999-01-01T00:00:00Z"}))) == []


def test_since_with_an_offset_beyond_postgresqls_range(planner, policies):
    # ISO 8601 allows +23:59; PostgreSQL refuses offsets past ±15:59 (a 500 before).
    response = _client(planner).get(URL, {"since": "3644-12-31T23:59:59+23:59"})
    assert response.status_code == 200 and json.loads(_body(response)) == []


@pytest.mark.parametrize("since", ["yesterday", "2026-11-27T10:00:00"])
def test_a_bad_since_is_a_400_naming_the_parameter(planner, policies, since):
    response = _client(planner).get(URL, {"since": since})
    assert response.status_code == 400 and "since" in response.json()


def test_export_needs_login_and_view_permission(no_role_user, policies):
    assert APIClient().get(URL).status_code == 401
    assert _client(no_role_user).get(URL).status_code == 403


def test_a_large_export_streams_in_constant_queries(
    planner, manager, django_assert_max_num_queries
):
    dc = make_location("DC-9")
    for number in range(30):
        make_policy(
            make_item(f"P-{number}"), dc, effective_from=date(2026, 1, 5) + timedelta(days=number)
        )
    publication_create(user=manager)
    with django_assert_max_num_queries(6):
        rows = json.loads(_body(_client(planner).get(URL)))
    assert len(rows) == 30


@pytest.mark.parametrize(
    "since",
    [
        "2026-13-01T00:00:00Z",  # month 13
        "2026-02-30T00:00:00Z",  # February 30
        "2026-11-27T25:00:00Z",  # hour 25
        "\u0662\u0660\u0662\u0666-11-27T10:00:00Z",  # Arabic-Indic digits
        "\u0661\u0662",  # a publication number in Arabic-Indic digits
        "\u00b2",  # a superscript two: str.isdigit() but not a number
        "9" * 40,  # a publication number beyond any integer column
        "-1",
        "0001-01-01T00:00:00+01:00",  # before the first representable UTC instant
        "9999-12-31T23:59:59-01:00",  # after the last
    ],
)
def test_an_impossible_since_is_a_400_naming_the_parameter(planner, policies, since):
    response = _client(planner).get(URL, {"since": since})
    assert response.status_code == 400 and "since" in response.json()
