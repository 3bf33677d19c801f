"""The policy table (/policies/): every SKU-location in scope with its policy in force, the
newest recommendation and the proposal awaiting approval; filters, keyset pages, exports,
proposing the selected rows, and the API that shares its FilterSet."""

import csv
from decimal import Decimal
from io import BytesIO, StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from governance.accept_all import proposals_accept_all
from governance.choices import ProposalStatus
from governance.models import PolicyProposal
from inventory.models import Location, PolicyRecommendation
from inventory.policy_table.export import HEADER
from inventory.runs.models import PolicyRun
from inventory.runs.scope import RunScope
from inventory.runs.services import policy_run_start
from tests.factories import make_item, make_location, make_policy, make_recommendation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]
URL = reverse("inventory:policies")


@pytest.fixture
def run(settings, django_capture_on_commit_callbacks) -> PolicyRun:
    """A finished run over the demo network: 20 SKUs × 3 locations, with legacy policies."""
    settings.RUNS_SYNC = True
    call_command(
        "load_demo", "--skus", "20", "--locations", "3", "--weeks", "30", "--seed", "1",
        stdout=StringIO(),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        started = policy_run_start(scope=RunScope(), parameters={"demand_model": "parametric"})
    return started


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shown(response) -> list[PolicyRecommendation]:
    assert response.status_code == 200, response.content[:500]
    return [row["rec"] for row in response.context["rows"]]


def all_pages(client: Client, query: str = "") -> list[PolicyRecommendation]:
    """Every row, following the Next links."""
    rows, url = [], f"{URL}?{query}"
    while url:
        response = client.get(url)
        rows += shown(response)
        next_query = response.context["next_query"]
        url = f"{URL}?{next_query}" if next_query else ""
    return rows


def test_it_lists_each_sku_location_once_in_sku_order_across_keyset_pages(run, planner):
    rows = all_pages(client_for(planner))
    latest = PolicyRecommendation.objects.filter(is_latest=True)
    assert len(rows) == latest.count() == 60
    assert len({(r.item_id, r.location_id) for r in rows}) == 60
    keys = [(r.item.sku, r.location.code) for r in rows]
    assert keys == sorted(keys)


def test_sorting_by_money_change_walks_every_row_largest_first(run, planner):
    rows = all_pages(client_for(planner), "sort=change")
    assert len(rows) == 60
    sizes = [r.change_size for r in rows]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] > 0 and sizes[-1] >= -1


def test_a_tampered_page_link_is_a_400_not_a_500(run, planner):
    response = client_for(planner).get(URL, {"after": "not-a-cursor"})
    assert response.status_code == 400
    assert b"not valid" in response.content


def test_change_in_units_and_money_against_the_policy_in_force(db, planner):
    item = make_item("SKU-9", unit_cost=Decimal("2.50"))
    location = make_location("DC-9")
    policy = make_policy(item, location, safety_stock=10, reorder_point=30, max_level=70)
    make_recommendation(item, location, policy=policy, is_latest=True)  # SS 12, ROP 40, max 100
    (rec,) = shown(client_for(planner).get(URL))
    # average stock: 12 + (100 − 40)/2 = 42 against 10 + (70 − 30)/2 = 30 → +12 units × 2.50
    assert rec.change_units == pytest.approx(2.0)
    assert rec.change_value == pytest.approx(30.0)
    text = client_for(planner).get(URL).content.decode()
    assert "+30" in text and "10.0</span> → <strong" in text


def test_older_recommendations_and_other_locations_are_not_shown(db, planner, ungranted_planner):
    item, here, there = make_item(), make_location("DC-1"), make_location("DC-2")
    make_recommendation(item, here, is_latest=False)
    newest = make_recommendation(item, here, is_latest=True)
    elsewhere = make_recommendation(item, there, is_latest=True)
    assert {r.pk for r in shown(client_for(planner).get(URL))} == {newest.pk, elsewhere.pk}
    assert shown(client_for(ungranted_planner).get(URL)) == []
    assign_perm("inventory.view_location", ungranted_planner, here)
    assert [r.pk for r in shown(client_for(ungranted_planner).get(URL))] == [newest.pk]


def test_without_permission_the_page_and_exports_are_403(db, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="pw-123456789")
    client = client_for(nobody)
    assert client.get(URL).status_code == 403
    assert client.get(reverse("inventory:policies-export", args=["csv"])).status_code == 403
    response = client.post(reverse("inventory:policies-propose"), {"rec": ["1"]})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        {"segment": "AX"},
        {"pattern": "smooth"},
        {"risk": "stockout"},
        {"risk": "none"},
        {"status": "to_review"},
        {"status": "blocked"},
        {"q": "SKU-00001"},
    ],
)
def test_each_filter_keeps_exactly_the_matching_rows(run, planner, query):
    rows = all_pages(client_for(planner), "&".join(f"{k}={v}" for k, v in query.items()))
    latest = list(PolicyRecommendation.objects.filter(is_latest=True).select_related("item"))
    expected = {
        "segment": lambda r: r.segment == "AX",
        "pattern": lambda r: r.demand_pattern == "smooth",
        "risk": lambda r: (
            bool(r.stockout_reasons)
            if query.get("risk") == "stockout"
            else not (r.stockout_reasons or r.excess_reasons or r.data_quality_reasons)
        ),
        "status": lambda r: r.blocked == (query.get("status") == "blocked"),
        "q": lambda r: "SKU-00001" in r.item.sku,
    }[next(iter(query))]
    assert {r.pk for r in rows} == {r.pk for r in latest if expected(r)}
    assert rows, "the demo has rows of every kind filtered here"


def test_bad_filter_values_are_named_not_a_500(run, planner):
    response = client_for(planner).get(URL, {"segment": "QQ", "beyond_tolerance": "maybe"})
    assert response.status_code == 200
    errors = response.context["filters"].errors
    assert set(errors) == {"segment", "beyond_tolerance"}
    assert b"filter ignored" in response.content


def test_beyond_tolerance_agrees_with_accept_all(run, planner):
    client = client_for(planner)
    beyond = all_pages(client, "beyond_tolerance=true")
    within = all_pages(client, "beyond_tolerance=false")
    result = proposals_accept_all(user=planner, run=run)
    comparable = PolicyRecommendation.objects.filter(
        is_latest=True, policy__isnull=False, reorder_point__isnull=False
    )
    assert len(beyond) + len(within) == comparable.count()
    valid_beyond = [r for r in beyond if not r.blocked]
    assert len(valid_beyond) == result.outside_tolerance
    assert result.proposed == len([r for r in within if not r.blocked])


def test_proposing_selected_rows_and_their_status(run, planner):
    client = client_for(planner)
    rows = shown(client.get(URL, {"status": "to_review"}))[:3]
    back = f"{URL}?status=to_review"
    response = client.post(
        reverse("inventory:policies-propose"), {"rec": [r.pk for r in rows], "next": back}
    )
    assert response.status_code == 302 and response.url == back
    proposals = PolicyProposal.objects.filter(status=ProposalStatus.PROPOSED)
    assert {(p.item_id, p.location_id) for p in proposals} == {
        (r.item_id, r.location_id) for r in rows
    }
    awaiting = shown(client.get(URL, {"status": "proposed"}))
    assert {r.pk for r in awaiting} == {r.pk for r in rows}
    page = client.get(URL, {"status": "proposed"})
    assert page.content.decode().count("Awaiting approval</span>") == 3
    assert all(row["proposal"] is not None for row in page.context["rows"])


def test_proposing_refuses_blocked_rows_and_ignores_other_locations(
    run, planner, ungranted_planner
):
    location = Location.objects.order_by("code").first()
    assign_perm("inventory.view_location", ungranted_planner, location)
    blocked = PolicyRecommendation.objects.filter(is_latest=True, blocked=True).first()
    outside = PolicyRecommendation.objects.filter(is_latest=True).exclude(location=location)[0]
    response = client_for(ungranted_planner).post(
        reverse("inventory:policies-propose"), {"rec": [outside.pk]}, follow=True
    )
    assert not PolicyProposal.objects.exists()
    assert "no longer in the table" in response.content.decode()
    response = client_for(planner).post(
        reverse("inventory:policies-propose"), {"rec": [blocked.pk]}, follow=True
    )
    assert "Not proposed" in response.content.decode() and not PolicyProposal.objects.exists()
    bad = client_for(planner).post(reverse("inventory:policies-propose"), {"rec": ["x"]})
    assert bad.status_code == 400


def test_query_count_does_not_grow_with_the_rows_shown(db, planner):
    location = make_location("DC-1")

    def queries(rows: int) -> int:
        PolicyRecommendation.objects.all().delete()
        for n in range(rows):
            item = make_item(f"SKU-{rows}-{n:03d}")
            policy = make_policy(item, location)
            make_recommendation(item, location, policy=policy, is_latest=True)
        client = client_for(planner)
        client.get(URL)  # warm the session and permission caches
        with CaptureQueriesContext(connection) as captured:
            assert len(shown(client.get(URL))) == rows
        return len(captured)

    assert queries(5) == queries(50)


def test_csv_and_xlsx_exports_hold_the_filtered_rows(run, planner):
    client = client_for(planner)
    expected = {(r.item.sku, r.location.code) for r in all_pages(client, "segment=AX")}
    response = client.get(reverse("inventory:policies-export", args=["csv"]), {"segment": "AX"})
    assert response.status_code == 200
    lines = list(csv.reader(StringIO(b"".join(response.streaming_content).decode())))
    assert lines[0] == HEADER
    assert {(line[0], line[2]) for line in lines[1:]} == expected
    response = client.get(reverse("inventory:policies-export", args=["xlsx"]), {"segment": "AX"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    values = list(sheet.values)
    assert list(values[0]) == HEADER
    assert {(row[0], row[2]) for row in values[1:]} == expected
    assert client.get(reverse("inventory:policies-export", args=["pdf"])).status_code == 400


API = "/api/v1/policy-table/"


def api_rows(client: Client, query: dict) -> list[dict]:
    rows, url, params = [], API, {**query, "page_size": 7}
    while url:
        response = client.get(url, params)
        assert response.status_code == 200, response.content[:300]
        rows += response.json()["results"]
        url, params = response.json()["next"], {}
    return rows


@pytest.mark.parametrize("query", [{}, {"segment": "AX"}, {"status": "blocked"}, {"risk": "none"}])
def test_the_api_serves_the_pages_rows_with_the_same_filters(run, planner, query):
    client = client_for(planner)
    page = all_pages(client, "&".join(f"{k}={v}" for k, v in query.items()))
    rows = api_rows(client, query)
    assert sorted(row["recommendation"] for row in rows) == sorted(r.pk for r in page)
    by_id = {row["recommendation"]: row for row in rows}
    for rec in page[:5]:
        row = by_id[rec.pk]
        assert (row["sku"], row["location"]) == (rec.item.sku, rec.location.code)
        assert row["recommended"]["reorder_point"] == rec.reorder_point
        assert row["active"] == (
            None
            if rec.policy is None
            else {"safety_stock": rec.policy.safety_stock}
            | {
                name: getattr(rec.policy, name)
                for name in ("reorder_point", "min_level", "max_level", "order_quantity")
            }
        )


def test_the_api_shows_proposals_refuses_bad_filters_and_keeps_the_scope(
    run, planner, ungranted_planner, django_user_model
):
    rec = PolicyRecommendation.objects.filter(is_latest=True, blocked=False).first()
    client_for(planner).post(reverse("inventory:policies-propose"), {"rec": [rec.pk]})
    (row,) = api_rows(client_for(planner), {"status": "proposed"})
    assert row["status"] == "proposed" and row["proposed"]["max_level"] == rec.max_level
    assert client_for(planner).get(API, {"segment": "QQ"}).status_code == 400
    assert api_rows(client_for(ungranted_planner), {}) == []
    nobody = django_user_model.objects.create_user("nobody", password="pw-123456789")
    assert client_for(nobody).get(API).status_code == 403


def test_an_xlsx_beyond_its_row_limit_is_refused_with_the_reason(run, planner, monkeypatch):
    monkeypatch.setattr("sop_platform.exports.XLSX_MAX_ROWS", 10)
    response = client_for(planner).get(reverse("inventory:policies-export", args=["xlsx"]))
    assert response.status_code == 400 and b"More than 10 rows match" in response.content
    csv_export = client_for(planner).get(reverse("inventory:policies-export", args=["csv"]))
    assert len(b"".join(csv_export.streaming_content).splitlines()) == 61
