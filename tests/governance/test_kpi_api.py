"""``GET /api/v1/kpis/``: the KPI page's numbers as JSON (same query form and selectors),
within the caller's scope; bad parameters are 400s by name; a fixed number of queries."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance.choices import Role
from governance.services import location_scope_grant
from tests.api_helpers import client_for
from tests.factories import make_kpi_snapshot, make_location

pytestmark = pytest.mark.django_db

URL = "/api/v1/kpis/"
W1, W2 = date(2026, 1, 26), date(2026, 2, 2)


@pytest.fixture
def cells():
    north, south = make_location("NORTH"), make_location("SOUTH")
    make_kpi_snapshot(W1, north, "Tools", "AX", demand_units=10, shipped_units=8,
                      inventory_value=100, expedite_count=1)  # fmt: skip
    make_kpi_snapshot(W1, south, "Parts", "", demand_units=10, shipped_units=10,
                      inventory_value=300)  # fmt: skip
    make_kpi_snapshot(W2, north, "Tools", "AX", demand_units=20, shipped_units=20,
                      inventory_value=200, expedite_count=3)  # fmt: skip
    return north, south


def _scoped_planner(django_user_model, *locations):
    user = django_user_model.objects.create_user(username="api-planner")
    user.groups.add(Group.objects.get(name=Role.PLANNER))
    location_scope_grant(user=user, locations=list(locations))
    return user


def test_series_and_breakdown(planner, cells):
    params = {"kpi": ["fill_rate", "expedite_count"], "dimension": "category"}
    body = client_for(planner).get(URL, params).json()
    assert (body["grain"], body["first"], body["last"]) == ("week", "2025-02-10", "2026-02-02")
    assert [k["key"] for k in body["kpis"]] == ["fill_rate", "expedite_count"]
    assert body["kpis"][0]["formula"] == "units shipped from stock / units demanded"
    assert body["series"] == {
        "periods": ["2026-01-26", "2026-02-02"],
        "weeks": [1, 1],
        "values": {"fill_rate": [0.9, 1.0], "expedite_count": [1.0, 3.0]},
    }
    # over both weeks: Parts 10 / 10; Tools (8 + 20) / (10 + 20)
    assert body["breakdown"] == [
        {"value": "Parts", "label": "Parts", "values": {"fill_rate": 1.0, "expedite_count": 0.0}},
        {
            "value": "Tools",
            "label": "Tools",
            "values": {"fill_rate": round(28 / 30, 6), "expedite_count": 4.0},
        },
    ]


def test_monthly_and_filtered(planner, cells):
    body = (
        client_for(planner)
        .get(URL, {"kpi": "fill_rate", "grain": "month", "segment": "(none)"})
        .json()
    )
    assert body["filters"] == {"location": None, "category": None, "segment": ""}
    assert body["series"]["periods"] == ["2026-01-01", "2026-02-01"]
    assert body["series"]["values"]["fill_rate"] == [1.0, None]  # South has no February demand
    assert [row["label"] for row in body["breakdown"]] == ["SOUTH"]


def test_bad_parameters_are_400_by_name(planner, cells):
    response = client_for(planner).get(
        URL, {"kpi": "magic", "grain": "year", "first": "2026-02-09", "last": "2026-01-26"}
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"kpi", "grain", "last"}
    assert "magic" in errors["kpi"][0] and "before the first" in errors["last"][0]


def test_scope_fails_closed(django_user_model, cells):
    north, _ = cells
    user = _scoped_planner(django_user_model, north)
    body = client_for(user).get(URL, {"kpi": "fill_rate"}).json()
    assert [row["label"] for row in body["breakdown"]] == ["NORTH"]
    assert body["series"]["values"]["fill_rate"] == [0.8, 1.0]
    outside = client_for(user).get(URL, {"location": "SOUTH"})
    assert outside.status_code == 400 and "location" in outside.json()
    nobody = django_user_model.objects.create_user(username="nobody-granted")
    nobody.groups.add(Group.objects.get(name=Role.PLANNER))
    empty = client_for(nobody).get(URL).json()
    assert empty["series"]["periods"] == [] and empty["breakdown"] == [] and empty["last"] is None


def test_roles(no_role_user, integration, cells):
    assert client_for(no_role_user).get(URL).status_code == 403
    assert APIClient().get(URL).status_code in (401, 403)
    assert integration.get(URL).status_code == 200


def test_empty_database(planner):
    body = client_for(planner).get(URL).json()
    assert body["last"] is None and body["series"]["values"]["fill_rate"] == []


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, {"dimension": "location"}).status_code == 200
    return len(queries)


def test_same_queries_for_few_and_many_cells(planner):
    client = client_for(planner)
    make_kpi_snapshot(W1, make_location("ONE"), demand_units=1)
    few = _queries(client)
    for index in range(25):
        location = make_location(f"L-{index:02d}")
        for week in range(8):
            make_kpi_snapshot(W1 + timedelta(weeks=week), location, "C", demand_units=2)
    assert _queries(client) == few
