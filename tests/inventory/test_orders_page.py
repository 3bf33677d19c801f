"""The recommended orders page (/orders/) and its CSV / XLSX export: what is shown (due now or
within the horizon, newest recommendation only), totals by supplier and week, filters, scope,
permissions and a constant number of queries."""

import csv
from datetime import date
from io import BytesIO, StringIO

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from inventory.models import Location
from tests.factories import (
    make_item,
    make_location,
    make_recommendation,
    make_supplier,
    make_supplier_lane,
)

# Today is pinned on Wednesday 25 November 2026: its week starts on Monday the 23rd.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]

PAGE = reverse("inventory:orders")


def export(fmt: str) -> str:
    return reverse("inventory:orders-export", args=[fmt])


def order(item, location, *, when: date, periods: float, qty: float, **fields):
    """The newest recommendation of a SKU-location, ordering ``qty`` on ``when``: now
    (``periods`` 0: the recommended quantity) or later (the order quantity)."""
    now = periods == 0
    values = {
        "is_latest": True,
        "periods_until_order": periods,
        "order_date": when,
        "recommended_qty": qty if now else 0.0,
        "order_quantity": 60.0 if now else qty,
        "inventory_position": 20.0,
        "binding_constraint": "multiple",
    }
    return make_recommendation(item, location, **{**values, **fields})


@pytest.fixture
def orders():
    """Three orders within 13 weeks at DC-1 (supplier S1, supplier S2, no lane), one at DC-2
    in 27 weeks, and an older recommendation that is no longer the latest."""
    dc1, dc2 = make_location("DC-1"), make_location("DC-2")
    a = make_item("SKU-A", unit_cost=2)
    b = make_item("SKU-B", unit_cost=10, description="Blue widget")
    c = make_item("SKU-C", unit_cost=None)
    d = make_item("SKU-D", unit_cost=1)
    s1, s2 = make_supplier("S1"), make_supplier("S2")
    lane_a = make_supplier_lane(s1, a, dc1, moq=10, lot_size=5, capacity_per_period=100)
    lane_b = make_supplier_lane(s2, b, dc1)
    return {
        "now": order(a, dc1, when=date(2026, 11, 23), periods=0, qty=30, supplier_lane=lane_a),
        "later": order(
            b,
            dc1,
            when=date(2026, 12, 3),
            periods=1.5,
            qty=50,
            supplier_lane=lane_b,
            binding_constraint="capacity",
        ),  # fmt: skip
        "no_lane": order(c, dc1, when=date(2026, 12, 1), periods=1.0, qty=20),
        "far": order(d, dc2, when=date(2027, 6, 1), periods=27.0, qty=5),
        "old": make_recommendation(a, dc2, order_date=date(2026, 11, 23), periods_until_order=0),
    }


def shown(response) -> list[str]:
    assert response.status_code == 200
    return [row["rec"].item.sku for row in response.context["rows"]]


# --- What is shown, and the totals ------------------------------------------------------------


def test_the_orders_due_within_13_weeks_with_their_lane_and_value(client, planner, orders):
    client.force_login(planner)
    response = client.get(PAGE)
    assert shown(response) == ["SKU-A", "SKU-B", "SKU-C"]
    rows = {row["rec"].item.sku: row for row in response.context["rows"]}
    assert rows["SKU-A"]["now"] and not rows["SKU-A"]["overdue"]
    assert rows["SKU-A"]["rec"].quantity == 30 and rows["SKU-A"]["rec"].value == 60
    assert rows["SKU-B"]["rec"].quantity == 50 and rows["SKU-B"]["rec"].value == 500
    assert rows["SKU-C"]["rec"].value == 0  # no unit cost
    text = response.content.decode()
    a = orders["now"]
    assert reverse("inventory:sku-location", args=[a.item_id, a.location_id]) in text
    assert "MOQ 10.0 · lot 5.0 · case 1.0 · at most 100.0 a period" in text
    assert '<span class="badge order-now">Now</span>' in text
    assert 'title="capacity">Cut to a capacity' in text
    assert "Transfer or no lane" in text
    # A longer horizon reaches DC-2's order; the older recommendation never shows.
    assert shown(client.get(PAGE, {"horizon": 52})) == ["SKU-A", "SKU-B", "SKU-C", "SKU-D"]


def test_totals_by_supplier_and_by_week(client, planner, orders):
    client.force_login(planner)
    totals = client.get(PAGE).context["totals"]
    assert totals.by_supplier == [
        {"supplier": "S2", "orders": 1, "units": 50.0, "value": 500.0},
        {"supplier": "S1", "orders": 1, "units": 30.0, "value": 60.0},
        {"supplier": None, "orders": 1, "units": 20.0, "value": 0.0},
    ]
    assert totals.by_week == [
        {"week": date(2026, 11, 23), "orders": 1, "units": 30.0, "value": 60.0},
        {"week": date(2026, 11, 30), "orders": 2, "units": 70.0, "value": 500.0},
    ]
    assert totals.total == {"orders": 3, "units": 100.0, "value": 560.0}
    assert client.get(PAGE).context["week_chart"]["data"][0]["y"] == [60.0, 500.0]
    # The totals follow the filters.
    filtered = client.get(PAGE, {"supplier": "S1"}).context["totals"]
    s1 = {"supplier": "S1", "orders": 1, "units": 30.0, "value": 60.0}
    assert filtered.by_supplier == [s1]


def test_an_order_whose_date_passed_is_overdue(client, planner, orders):
    orders["later"].order_date = date(2026, 11, 20)
    orders["later"].save()
    client.force_login(planner)
    rows = {row["rec"].item.sku: row for row in client.get(PAGE).context["rows"]}
    assert rows["SKU-B"]["overdue"] and not rows["SKU-A"]["overdue"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"location": "DC-1"}, ["SKU-A", "SKU-B", "SKU-C"]),
        ({"location": "DC-2", "horizon": 52}, ["SKU-D"]),
        ({"supplier": "S2"}, ["SKU-B"]),
        ({"supplier": "none"}, ["SKU-C"]),
        ({"order_date_after": "2026-11-30", "order_date_before": "2026-12-02"}, ["SKU-C"]),
        ({"binding": "capacity"}, ["SKU-B"]),
        ({"q": "blue"}, ["SKU-B"]),
        ({"q": "sku-a"}, ["SKU-A"]),
        ({"sort": "value"}, ["SKU-B", "SKU-A", "SKU-C"]),
        ({"sort": "date"}, ["SKU-A", "SKU-C", "SKU-B"]),
        ({"sort": "nonsense"}, ["SKU-A", "SKU-B", "SKU-C"]),
    ],
)
def test_filters_and_sorts(client, planner, orders, query, expected):
    client.force_login(planner)
    assert shown(client.get(PAGE, query)) == expected


def test_a_bad_filter_is_named_and_ignored_not_a_500(client, planner, orders):
    client.force_login(planner)
    response = client.get(
        PAGE, {"horizon": "soon", "order_date_after": "tomorrow", "binding": "magic"}
    )
    assert shown(response) == ["SKU-A", "SKU-B", "SKU-C"]  # the default horizon applies
    text = response.content.decode()
    assert "Horizon:" in text and "Order_date:" in text and "Binding:" in text
    assert client.get(PAGE, {"horizon": "-1"}).status_code == 200
    assert client.get(PAGE, {"after": "not-a-cursor"}).status_code == 400


def test_pages_follow_on_with_the_keyset(client, planner, orders, monkeypatch):
    monkeypatch.setattr("inventory.orders.views.ROWS_PER_PAGE", 2)
    client.force_login(planner)
    first = client.get(PAGE, {"sort": "date"})
    assert shown(first) == ["SKU-A", "SKU-C"] and first.context["totals"].total["orders"] == 3
    second = client.get(f"{PAGE}?{first.context['next_query']}")
    assert shown(second) == ["SKU-B"] and not second.context["page"].has_next
    assert second.context["totals"] is None  # the totals are the first page's


# --- Exports ------------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(StringIO(text)))


def test_csv_export_of_the_filtered_orders(client, planner, orders):
    client.force_login(planner)
    rows = csv_rows(client.get(export("csv"), {"location": "DC-1", "sort": "value"}))
    header = rows[0]
    assert header[:10] == [
        "order_date", "periods_until_order", "sku", "description", "location", "supplier",
        "supplier_name", "quantity", "unit_cost", "value",
    ]  # fmt: skip
    by_sku = {row[2]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert list(by_sku) == ["SKU-A", "SKU-C", "SKU-B"]
    a = by_sku["SKU-A"]
    assert (a["order_date"], a["quantity"], a["unit_cost"], a["value"]) == (
        "2026-11-23", "30.0", "2.0", "60.0",
    )  # fmt: skip
    assert (a["supplier"], a["moq"], a["lot_size"], a["lane_capacity_per_period"]) == (
        "S1", "10.0", "5.0", "100.0",
    )  # fmt: skip
    assert a["need_to_max_level"] == "80.0"  # max 100 − position 20
    assert by_sku["SKU-C"]["supplier"] == "" and by_sku["SKU-B"]["binding_constraint"] == "capacity"


def test_xlsx_export_reads_back(client, planner, orders):
    orders["later"].item.description = "=HYPERLINK(1)"
    orders["later"].item.save()
    client.force_login(planner)
    response = client.get(export("xlsx"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    found = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert [row["sku"] for row in found] == ["SKU-A", "SKU-C", "SKU-B"]
    assert found[0]["value"] == 60 and found[0]["order_date"] == "2026-11-23"
    assert found[2]["description"] == "'=HYPERLINK(1)"  # text, never a formula


def test_another_export_format_is_a_400(client, planner, orders):
    client.force_login(planner)
    assert client.get(export("pdf")).status_code == 400


# --- Scope and permissions ---------------------------------------------------------------------


def test_a_planner_sees_only_the_orders_of_their_locations(client, ungranted_planner, orders):
    client.force_login(ungranted_planner)
    response = client.get(PAGE, {"horizon": 52})
    assert shown(response) == [] and response.context["totals"].total["orders"] == 0
    assert "No location is in your scope yet" in response.content.decode()
    assert csv_rows(client.get(export("csv"), {"horizon": 52}))[1:] == []
    assign_perm("inventory.view_location", ungranted_planner, Location.objects.get(code="DC-2"))
    client.force_login(ungranted_planner)  # a fresh request computes the scope again
    response = client.get(PAGE, {"horizon": 52})
    assert shown(response) == ["SKU-D"]
    assert list(response.context["location_codes"]) == ["DC-2"]
    assert shown(client.get(PAGE, {"horizon": 52, "location": "DC-1"})) == []
    assert [row[2] for row in csv_rows(client.get(export("csv"), {"horizon": 52}))[1:]] == ["SKU-D"]


def test_without_the_permission_the_page_and_exports_are_403(client, no_role_user, orders):
    client.force_login(no_role_user)
    for url in (PAGE, export("csv"), export("xlsx")):
        assert client.get(url).status_code == 403


def test_anonymous_users_are_sent_to_login(client, orders):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- Queries ------------------------------------------------------------------------------------


def test_the_page_runs_the_same_queries_for_5_rows_as_for_50(client, planner):
    dc = make_location("DC-Q")
    supplier = make_supplier("SQ")

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            item = make_item(f"SKU-Q{n:03d}", unit_cost=1)
            lane = make_supplier_lane(supplier, item, dc)
            order(item, dc, when=date(2026, 11, 23 + n % 7), periods=0, qty=n, supplier_lane=lane)

    client.force_login(planner)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(PAGE)
        return len(response.context["rows"]), len(queries)

    add(5, 0)
    few, queries_few = count()
    add(45, 5)
    many, queries_many = count()
    assert (few, many) == (5, 50)
    assert queries_few == queries_many
