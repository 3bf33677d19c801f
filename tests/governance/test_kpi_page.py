"""The KPI page /kpis/: tiles, trend charts and drill-down from snapshots written directly,
weekly and monthly; bad parameters are 400s naming them; the location scope fails closed;
the Recompute button and its progress; an empty state; a fixed number of queries."""

import json
import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.choices import KpiRefreshStatus, Role
from governance.kpis.models import KpiRefresh
from governance.services import location_scope_grant
from tests.factories import make_item, make_kpi_snapshot, make_location

pytestmark = pytest.mark.django_db

PAGE = reverse("governance:kpis")
W1, W2, W3 = date(2026, 1, 26), date(2026, 2, 2), date(2026, 2, 9)


@pytest.fixture
def cells():
    """North (Tools, AX) and South (Parts, no segment) over three weeks."""
    north, south = make_location("NORTH"), make_location("SOUTH")
    make_kpi_snapshot(W1, north, "Tools", "AX", demand_units=10, shipped_units=8,
                      inventory_value=100, demand_periods=2, filled_periods=1)  # fmt: skip
    make_kpi_snapshot(W1, south, "Parts", "", demand_units=10, shipped_units=10,
                      inventory_value=300, demand_periods=1, filled_periods=1)  # fmt: skip
    make_kpi_snapshot(W2, north, "Tools", "AX", demand_units=20, shipped_units=20,
                      inventory_value=200, demand_periods=2, filled_periods=2)  # fmt: skip
    make_kpi_snapshot(W3, south, "Parts", "", demand_units=5, shipped_units=0,
                      inventory_value=50, demand_periods=1, expedite_count=2)  # fmt: skip
    return north, south


def _get(client: Client, user, **params):
    client.force_login(user)
    return client.get(PAGE, params)


def _charts(response) -> dict[str, dict]:
    """The page's chart figures by KPI key, read back from their JSON scripts."""
    text = response.content.decode()
    found = re.findall(r'<script id="kpi-chart-(\w+)" type="application/json">(.*?)</script>', text)
    return {key: json.loads(payload) for key, payload in found}


def test_tiles_charts_and_formulas(client, planner, cells):
    response = _get(client, planner, kpi=["fill_rate", "inventory_value", "expedite_count"])
    assert response.status_code == 200
    text = response.content.decode()
    charts = _charts(response)
    assert list(charts) == ["fill_rate", "inventory_value", "expedite_count"]
    fill = charts["fill_rate"]["data"][0]
    assert fill["x"] == ["2026-01-26", "2026-02-02", "2026-02-09"]
    # W1 (8 + 10) / (10 + 10), W2 20 / 20, W3 0 / 5
    assert fill["y"] == [0.9, 1.0, 0.0]
    assert charts["fill_rate"]["layout"]["yaxis"]["tickformat"] == ".0%"
    # Tiles: the latest week against the one before; fill rate fell 100 points (bad news).
    assert "units shipped from stock / units demanded" in text  # the formula as help text
    assert "higher is better" in text and "lower is better" in text
    tile = text[text.index("Fill rate</span>") :][:600]
    assert "0 %" in tile and "−100.0 pp" in tile and "change bad" in tile
    tile = text[text.index("Inventory value</span>") :][:600]
    assert "50" in tile and "−150" in tile and "change good" in tile  # 200 -> 50, down is good
    assert "plotly.min.js" in text and "/static/js/charts.js" in text
    assert "cdn" not in text.lower()


def test_monthly_grain_sums_the_weeks_of_each_month(client, planner, cells):
    response = _get(client, planner, kpi="fill_rate", grain="month")
    fill = _charts(response)["fill_rate"]["data"][0]
    assert fill["x"] == ["2026-01-01", "2026-02-01"]
    assert fill["y"] == [0.9, 0.8]  # February: (20 + 0) / (20 + 5)
    assert "February 2026" in response.content.decode()


def test_drill_down_by_dimension_filters_the_charts(client, planner, cells):
    response = _get(client, planner, kpi="fill_rate", dimension="category")
    text = response.content.decode()
    links = dict(re.findall(r'<th scope="row"><a href="\?([^"]+)">([^<]+)</a>', text))
    assert sorted(links.values()) == ["Parts", "Tools"]
    parts = next(query for query, label in links.items() if label == "Parts")
    assert "category=Parts" in parts and "kpi=fill_rate" in parts
    filtered = client.get(f"{PAGE}?{parts.replace('&amp;', '&')}")
    # South's cells only; no demand there in the second week computed
    assert _charts(filtered)["fill_rate"]["data"][0]["y"] == [1.0, None, 0.0]
    text = filtered.content.decode()
    assert "category <strong>Parts</strong>" in text
    # the table still lists every category, the one shown marked
    assert '<tr class="selected"><th scope="row"><a href="?' in text
    assert text.count('<th scope="row">') == 2 and 'aria-current="true">Parts</a>' in text
    by_segment = _get(client, planner, kpi="fill_rate", dimension="segment", segment="(none)")
    assert _charts(by_segment)["fill_rate"]["data"][0]["y"] == [1.0, None, 0.0]
    by_location = _get(client, planner, kpi="fill_rate", location="NORTH")
    assert _charts(by_location)["fill_rate"]["data"][0]["y"] == [0.8, 1.0, None]


def test_the_span_narrows_charts_and_table(client, planner, cells):
    response = _get(client, planner, kpi="fill_rate", first="2026-02-03", last="2026-02-10")
    assert _charts(response)["fill_rate"]["data"][0]["x"] == ["2026-02-02", "2026-02-09"]
    assert "2 Feb 2026 to 9 Feb 2026" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"kpi": "magic"}, "kpi", "magic is not one of the available choices"),
        ({"grain": "year"}, "grain", "year is not one of the available choices"),
        ({"first": "2026-13-01"}, "first", "Enter a valid date"),
        ({"first": "2026-02-09", "last": "2026-01-26"}, "last", "is before the first"),
        ({"dimension": "supplier"}, "dimension", "not one of the available choices"),
        ({"location": "SOUTH"}, "location", "No location with this code in your scope"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(
    client, django_user_model, cells, params, field, message
):
    user = django_user_model.objects.create_user(username="north-planner")
    user.groups.add(Group.objects.get(name=Role.PLANNER))
    location_scope_grant(user=user, locations=[cells[0]])
    response = _get(client, user, **params)
    assert response.status_code == 400
    text = response.content.decode()
    assert f"<strong>{field}</strong>" in text and message in text


def test_scope_fails_closed(client, django_user_model, ungranted_planner, cells):
    nothing = _get(client, ungranted_planner).content.decode()
    assert "No KPIs yet" in nothing and "kpi-chart-" not in nothing and "NORTH" not in nothing
    user = django_user_model.objects.create_user(username="north-planner")
    user.groups.add(Group.objects.get(name=Role.PLANNER))
    location_scope_grant(user=user, locations=[cells[0]])
    response = _get(client, user, kpi="fill_rate")
    assert _charts(response)["fill_rate"]["data"][0]["y"] == [0.8, 1.0]  # to its latest week
    assert "SOUTH" not in response.content.decode()


def test_needs_the_view_permission(client, no_role_user, cells):
    assert _get(client, no_role_user).status_code == 403
    client.logout()
    assert client.get(PAGE).status_code == 302  # to the login page


def test_empty_database_says_how_to_get_kpis(client, planner, manager):
    text = _get(client, planner).content.decode()
    assert "No KPIs yet" in text and "manage.py kpi_snapshots" in text
    assert "Recompute</button>" not in text and "plotly.min.js" not in text
    text = _get(client, manager).content.decode()
    assert 'type="submit">Recompute' in text and "press <strong>Recompute</strong>" in text


def test_recompute_queues_a_refresh_and_shows_its_progress(
    client, manager, django_capture_on_commit_callbacks
):
    location = make_location("NORTH")
    from inventory.models import InventoryPosition

    InventoryPosition.objects.create(
        item=make_item(), location=location, as_of=W2 + timedelta(days=2), on_hand=5
    )
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=False):  # queued, not run
        response = client.post(reverse("governance:kpi-refresh"), follow=True)
    refresh = KpiRefresh.objects.get()
    assert (refresh.status, refresh.first_period, refresh.last_period) == (
        KpiRefreshStatus.QUEUED,
        W2,
        W2,
    )
    text = response.content.decode()
    assert "Recomputing the KPIs of the weeks 2 Feb 2026 to 2 Feb 2026 (1 weeks)" in text
    status_url = reverse("governance:kpi-refresh-status", args=[refresh.pk])
    assert f'data-refresh-url="{status_url}"' in text
    assert 'type="submit" disabled>Recompute' in text  # one at a time
    KpiRefresh.objects.filter(pk=refresh.pk).update(status=KpiRefreshStatus.RUNNING, periods_done=1)
    progress = client.get(status_url).json()
    assert progress == {
        "status": "running",
        "status_label": "Running",
        "periods_done": 1,
        "periods_total": 1,
        "active": True,
        "error": "",
    }


def test_recompute_without_positions_says_why(client, manager):
    client.force_login(manager)
    response = client.post(reverse("governance:kpi-refresh"), follow=True)
    assert "There are no stock positions" in response.content.decode()
    assert not KpiRefresh.objects.exists()


def test_recompute_needs_the_permission_and_csrf(client, planner, manager):
    client.force_login(planner)
    assert client.post(reverse("governance:kpi-refresh")).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager)
    assert strict.post(reverse("governance:kpi-refresh")).status_code == 403
    assert strict.get(reverse("governance:kpi-refresh")).status_code == 405
    assert not KpiRefresh.objects.exists()


def _many_cells(locations: int, weeks: int, prefix: str) -> None:
    for index in range(locations):
        location = make_location(f"{prefix}-{index:03d}")
        for week in range(weeks):
            make_kpi_snapshot(W1 + timedelta(weeks=week), location, f"C{index % 3}",
                              "AX", demand_units=5, shipped_units=4)  # fmt: skip


def _queries(client, user) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE, {"dimension": "category"})
    assert response.status_code == 200
    return len(queries)


def test_same_queries_for_few_and_many_cells(client, planner):
    client.force_login(planner)
    _many_cells(2, 2, "FEW")
    few = _queries(client, planner)
    _many_cells(30, 12, "MANY")
    assert _queries(client, planner) == few


def test_the_week_in_progress_is_left_out_by_default(client, planner, cells):
    north, _ = cells
    # The current week: stock positions, hence a cell, but no demand until the week closes.
    make_kpi_snapshot(W3 + timedelta(weeks=1), north, "Tools", "AX", inventory_value=80)
    response = _get(client, planner, kpi=["fill_rate", "expedite_count", "days_of_supply"])
    assert _charts(response)["fill_rate"]["data"][0]["x"][-1] == "2026-02-09"
    text = response.content.decode()
    tile = text[text.index("Expedites</span>") :][:400]
    assert '"value">2</span>' in tile and "+2 against the week before" in tile  # counts whole
    included = _get(client, planner, kpi="fill_rate", last="2026-02-16")
    assert _charts(included)["fill_rate"]["data"][0]["x"][-1] == "2026-02-16"
