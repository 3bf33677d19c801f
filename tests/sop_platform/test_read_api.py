"""Read endpoints: natural keys, filters, cursor pages, permission, constant queries."""

import pytest
from rest_framework.test import APIClient

from sop_platform.bulk.registry import RESOURCES
from tests.api_helpers import client_for, post
from tests.factories import make_demand, make_item, make_location
from tests.sop_platform.test_bulk_api import SAMPLES

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(references, integration):
    """Every sample loaded through the bulk API."""
    for resource, (body, _) in SAMPLES.items():
        assert post(integration, resource, body).status_code == 200, resource


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_every_resource_can_be_read_back(planner, loaded, resource):
    response = client_for(planner).get(f"/api/v1/{resource}/")
    assert response.status_code == 200, response.content
    assert response.json()["results"], resource
    assert {"source", "loaded_at", "updated_at"} <= set(response.json()["results"][0])


def test_references_are_shown_by_natural_key_and_filter(planner, loaded):
    client = client_for(planner)
    rows = client.get("/api/v1/demand-history/", {"item": "SKU-1"}).json()["results"]
    assert {(row["item"], row["location"]) for row in rows} == {("SKU-1", "DC-1")}
    window = {"period_start_after": "2026-11-05", "period_start_before": "2026-11-30"}
    assert len(client.get("/api/v1/demand-history/", window).json()["results"]) == 1
    receipt = client.get("/api/v1/receipts/").json()["results"][0]
    assert (receipt["po_number"], receipt["line_number"]) == ("PO-1", 1)


def test_cursor_pages_walk_every_row_once(planner):
    dc = make_location("DC-7")
    for number in range(7):
        make_demand(make_item(f"W-{number}"), dc)
    client, seen = client_for(planner), []
    url = "/api/v1/demand-history/?page_size=3"
    while url:
        page = client.get(url).json()
        seen.extend(row["item"] for row in page["results"])
        url = page["next"]
    assert sorted(seen) == [f"W-{n}" for n in range(7)]


def test_reads_need_login_and_view_permission(no_role_user):
    assert APIClient().get("/api/v1/items/").status_code == 401
    assert client_for(no_role_user).get("/api/v1/items/").status_code == 403


def test_list_queries_do_not_grow_with_rows(planner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    dc, client = make_location("DC-8"), client_for(planner)

    def queries_for_listing() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get("/api/v1/demand-history/")
        return len(captured)

    make_demand(make_item("Q-0"), dc)
    few = queries_for_listing()
    for number in range(1, 40):
        make_demand(make_item(f"Q-{number}"), dc)
    assert queries_for_listing() == few <= 8


def test_a_planner_with_assigned_locations_reads_only_those(
    ungranted_planner, demand_at_two_locations
):
    from guardian.shortcuts import assign_perm

    from inventory.models import Location

    planner = ungranted_planner
    client = client_for(planner)
    assert client.get("/api/v1/demand-history/").json()["results"] == []  # no grant: nothing
    assign_perm("inventory.view_location", planner, Location.objects.get(code="DC-2"))
    rows = client.get("/api/v1/demand-history/").json()["results"]
    assert {r["location"] for r in rows} == {"DC-2"}
    codes = {r["code"] for r in client.get("/api/v1/locations/").json()["results"]}
    assert codes == {"DC-2"}
    assert len(client.get("/api/v1/items/").json()["results"]) == 2  # items are not located


@pytest.fixture
def demand_at_two_locations():
    first, second = make_location("DC-1"), make_location("DC-2")
    make_demand(make_item("S-1"), first)
    make_demand(make_item("S-2"), second)
