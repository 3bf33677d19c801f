"""The accuracy page (/forecasts/accuracy/) and GET /api/v1/forecast-accuracy/: roles,
scope, bad filters, the empty state, the numbers; the clock is pinned on 2026-11-25 (the last
complete week began on 16 Nov, as the fixture is dated)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from governance.services import location_scope_grant
from tests.api_helpers import client_for
from tests.demand.accuracy.fixtures import accuracy_network

pytestmark = pytest.mark.django_db
PAGE = "/forecasts/accuracy/"
API = "/api/v1/forecast-accuracy/"


@pytest.fixture
def network(pinned_now):
    return accuracy_network()


def test_the_page_names_and_the_navigation(planner, client):
    assert reverse("demand:accuracy") == PAGE
    client.force_login(planner)
    assert f'href="{PAGE}"' in client.get(PAGE).content.decode()


def test_the_page_shows_tiles_trend_breakdowns_and_worst(planner, client, network):
    client.force_login(planner)
    response = client.get(PAGE, {"weeks": 4})
    assert response.status_code == 200
    html = response.content.decode()
    # 4 weeks to 16 Nov: A +2, 0, +2, −3 on 14, 10, 10, 20; B +2, −2 on 0, 8 → WAPE 11 / 62.
    tiles = {tile.metric.key: tile for tile in response.context["tiles"]}
    assert tiles["wape"].value == "17.7 %" and tiles["bias"].value == "+1.6 %"
    assert "Σ|forecast − actual| / Σ actual" in html  # formulas shown
    assert 'data-plotly="accuracy-trend"' in html and "plotly.min.js" in html
    link = reverse("demand:plan", kwargs={"item": network["a"].pk, "location": network["dc1"].pk})
    assert f'href="{link}"' in html
    assert "?weeks=4&amp;location=DC-1" in html  # the breakdown filters the page
    assert [row.label for row in response.context["report"].breakdown["class"]] == ["A", "B"]


def test_the_change_against_the_previous_window(planner, client, network):
    client.force_login(planner)
    tiles = {t.metric.key: t for t in client.get(PAGE, {"weeks": 2}).context["tiles"]}
    # WAPE 9 / 38 = 23.7 % against 2 / 24 = 8.3 % before: worse by 15.4 points.
    assert (tiles["wape"].value, tiles["wape"].previous) == ("23.7 %", "8.3 %")
    assert tiles["wape"].change == "+15.4 pp" and tiles["wape"].good is False
    assert (tiles["mase"].value, tiles["mase"].change) == ("0.83", "+0.50")  # 5/6 against 1/3
    assert tiles["bias"].good is True  # −2.6 % against +8.3 %: closer to 0


def test_a_bad_filter_is_a_400_naming_it(planner, client, network):
    client.force_login(planner)
    response = client.get(PAGE, {"lag": "0", "weeks": "x", "kind": "guess", "location": "NOPE"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"lag", "weeks", "kind", "location"}
    api = client_for(planner).get(API, {"last": "someday", "lag": 27})
    assert api.status_code == 400 and set(api.json()) == {"last", "lag"}


def test_roles_and_login(client, no_role_user, planner):
    assert client.get(PAGE).status_code == 302  # to the login page
    client.force_login(no_role_user)
    assert client.get(PAGE).status_code == 403
    assert client_for(no_role_user).get(API).status_code == 403
    assert APIClient().get(API).status_code in (401, 403)
    assert client_for(planner).get(API).status_code == 200


def test_the_empty_state(planner, client):
    client.force_login(planner)
    response = client.get(PAGE)
    assert response.status_code == 200 and response.context["report"] is None
    assert "Nothing to measure yet" in response.content.decode()
    body = client_for(planner).get(API).json()
    assert body["window"] is None and body["worst"] == [] and body["trend"] == []


def test_scope_fails_closed(ungranted_planner, client, network):
    client.force_login(ungranted_planner)
    html = client.get(PAGE).content.decode()
    assert "No location is in your scope yet" in html
    assert client_for(ungranted_planner).get(API).json()["window"] is None
    location_scope_grant(user=ungranted_planner, locations=[network["dc2"]])
    body = client_for(ungranted_planner).get(API, {"weeks": 4}).json()
    assert [row["sku"] for row in body["worst"]] == ["B"]
    assert [row["label"] for row in body["breakdown"]["location"]] == ["DC-2"]
    assert client_for(ungranted_planner).get(API, {"location": "DC-1"}).status_code == 400


def test_the_api_numbers(planner, network):
    body = client_for(planner).get(API, {"weeks": 2, "kind": "statistical"}).json()
    assert body["window"]["first"] == "2026-11-09" and body["window"]["pairs"] == 4
    assert body["window"]["values"]["bias"] == pytest.approx(
        -3 / 38, abs=1e-6
    )  # A +2, −5; B +2, −2
    assert body["previous"]["values"]["mase"] == pytest.approx(1 / 3, abs=1e-6)
    assert body["trend"][-1]["month"] == "2026-11-01"
    assert body["worst"][0]["abs_error"] == 7.0
    assert [m["key"] for m in body["metrics"]] == ["bias", "mape", "wape", "mase", "rmse"]


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(API).status_code == 200
    return len(queries)


def test_the_same_queries_for_few_and_many_sku_locations(planner, network):
    client = client_for(planner)
    few = _queries(client)
    for extra in range(5):
        accuracy_more(extra)
    assert _queries(client) == few


def accuracy_more(n: int) -> None:
    from tests.demand.accuracy.fixtures import W, demand, forecast
    from tests.factories import make_item, make_location

    item, location = make_item(f"X{n}"), make_location(f"X{n}")
    demand(item, location, {W[9]: 5, W[16]: 6})
    forecast(item, location, W[16], 4)
