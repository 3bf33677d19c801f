"""The audit page and its CSV (governance.views, governance.audit): changes of policies and
proposals from their history, newest first, with before → after and the reason; filtered,
paged, limited to the user's locations."""

import csv
from datetime import timedelta
from io import StringIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.audit import AuditEntry
from governance.proposals import proposal_approve, proposal_from_recommendation
from governance.services import location_scope_grant
from inventory.models import InventoryPolicy, PolicyRun
from tests.factories import make_item, make_location, make_policy, make_recommendation

# Policies in the factories take effect on 2026-01-05: "in force today" needs a pinned today.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]

AUDIT = reverse("governance:audit")
AUDIT_CSV = reverse("governance:audit-csv")


@pytest.fixture
def approved(planner, manager):
    """At DC-1, SKU 'near': the planner's override (reorder point 30 → 45) approved by the
    manager; at DC-2, SKU 'other': a proposal as is, awaiting approval."""
    dc1, dc2 = make_location("DC-1"), make_location("DC-2")
    run = PolicyRun.objects.create(algorithm_version="test", status="succeeded")
    near, other = make_item("near"), make_item("other")
    make_policy(near, dc1)
    make_policy(other, dc2)
    proposal = proposal_from_recommendation(
        user=planner,
        recommendation=make_recommendation(near, dc1, run=run),
        overrides={"reorder_point": 45.0, "min_level": 45.0},
        justification="Promo in May.",
    )
    proposal_approve(proposal=proposal, user=manager, comment="Agreed.")
    proposal_from_recommendation(
        user=planner, recommendation=make_recommendation(other, dc2, run=run)
    )
    return proposal


def entries(response) -> list[AuditEntry]:
    assert response.status_code == 200
    return response.context["page"].object_list


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(StringIO(text)))


def test_the_page_shows_a_managers_approval_with_before_after_and_the_reason(
    client, approved, manager
):
    client.force_login(manager)
    response = client.get(AUDIT)
    shown = entries(response)
    newest = shown[0]  # the proposal 'other' at DC-2, created last
    assert (newest.what, newest.sku, newest.action) == (
        f"Proposal #{approved.pk + 1}",
        "other",
        "Created",
    )
    approval = next(e for e in shown if e.source == "policy" and e.who == "test-manager")
    changes = {c.field: (c.before, c.after) for c in approval.changes}
    assert changes["reorder_point"] == (30.0, 45.0)
    assert changes["policy_version"] == (1, 2)
    assert approval.reason == (
        f"Proposal #{approved.pk} approved by test-manager. Override: Promo in May. "
        "Approval: Agreed."
    )
    text = response.content.decode()
    assert "near @ DC-1" in text and "30 → 45" in text
    assert f"Proposal #{approved.pk} approved by test-manager. Override: Promo in May." in text
    decided = next(
        e for e in shown if e.what == f"Proposal #{approved.pk}" and e.who == "test-manager"
    )
    assert {c.field: (c.before, c.after) for c in decided.changes}["status"] == (
        "proposed",
        "approved",
    )
    created = next(
        e for e in shown if e.what == f"Proposal #{approved.pk}" and e.action == "Created"
    )
    assert created.who == "test-planner" and created.reason == "Override: Promo in May."
    assert {c.field: c.after for c in created.changes}["reorder_point"] == 45.0
    whens = [e.when for e in shown]
    assert whens == sorted(whens, reverse=True)


def test_the_nav_links_the_audit_page(client, approved, executive, no_role_user):
    client.force_login(executive)
    response = client.get(AUDIT)
    assert response.status_code == 200  # executives may read the trail
    assert f'href="{AUDIT}"' in response.content.decode()
    client.force_login(no_role_user)
    assert client.get(AUDIT).status_code == 403
    assert client.get(AUDIT_CSV).status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    for url in (AUDIT, AUDIT_CSV):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"item": "other"}, {("policy", "other"), ("proposal", "other")}),
        ({"item": "near", "user": "test-manager"}, {("policy", "near"), ("proposal", "near")}),
        ({"location": "DC-2"}, {("policy", "other"), ("proposal", "other")}),
        ({"user": "nobody-at-all"}, set()),
    ],
)
def test_filters_by_sku_location_and_user(client, approved, manager, query, expected):
    client.force_login(manager)
    shown = entries(client.get(AUDIT, query))
    assert {(e.source, e.sku) for e in shown} == expected
    if "user" in query:
        assert all(e.who == query["user"] for e in shown)


def test_the_field_filter_keeps_the_records_that_changed_it_and_only_its_change(
    client, approved, manager
):
    client.force_login(manager)
    shown = entries(client.get(AUDIT, {"field": "reorder_point", "item": "near"}))
    # the policy's creation and its approval; the proposal's creation (its decision changed
    # no value)
    assert sorted((e.source, e.action) for e in shown) == [
        ("policy", "Changed"),
        ("policy", "Created"),
        ("proposal", "Created"),
    ]
    assert all([c.field for c in e.changes] == ["reorder_point"] for e in shown)
    shown = entries(client.get(AUDIT, {"field": "status", "item": "near"}))
    assert any(e.source == "proposal" and e.who == "test-manager" for e in shown)
    assert not any(e.source == "policy" and e.action == "Changed" for e in shown)  # stays active
    kinds = entries(client.get(AUDIT, {"field": "kind"}))
    assert {e.source for e in kinds} == {"proposal"}


def test_the_date_range_filter(client, approved, manager):
    client.force_login(manager)
    today = timezone.localdate()
    assert len(entries(client.get(AUDIT, {"date_from": today, "date_to": today}))) == 6
    yesterday = today - timedelta(days=1)
    assert entries(client.get(AUDIT, {"date_to": yesterday})) == []
    assert entries(client.get(AUDIT, {"date_from": today + timedelta(days=1)})) == []
    old = InventoryPolicy.history.filter(history_type="+")
    old.update(history_date=timezone.now() - timedelta(days=10))
    shown = entries(client.get(AUDIT, {"date_to": yesterday}))
    assert sorted(e.sku for e in shown) == ["near", "other"]


def test_an_invalid_filter_is_reported_and_ignored(client, approved, manager):
    client.force_login(manager)
    response = client.get(AUDIT, {"date_from": "not-a-date", "field": "password"})
    assert len(entries(response)) == 6
    text = response.content.decode()
    assert "Date_from:" in text and "(filter ignored)" in text


def test_a_scoped_user_sees_no_change_at_other_locations(client, approved, ungranted_planner):
    client.force_login(ungranted_planner)
    assert entries(client.get(AUDIT)) == []  # no grant, nothing (fail closed)
    assert csv_rows(client.get(AUDIT_CSV)) == []
    location_scope_grant(user=ungranted_planner, locations=[approved.location])  # DC-1 only
    client.force_login(ungranted_planner)
    shown = entries(client.get(AUDIT))
    assert shown and {e.location for e in shown} == {"DC-1"}
    assert {row["location"] for row in csv_rows(client.get(AUDIT_CSV))} == {"DC-1"}
    assert entries(client.get(AUDIT, {"location": "DC-2"})) == []
    assert csv_rows(client.get(AUDIT_CSV, {"item": "other"})) == []


def test_the_csv_has_one_row_per_changed_field_of_the_filtered_records(client, approved, manager):
    client.force_login(manager)
    response = client.get(AUDIT_CSV, {"item": "near", "user": "test-manager"})
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = csv_rows(response)
    policy = [row for row in rows if row["object"] == "policy"]
    by_field = {row["field"]: (row["before"], row["after"]) for row in policy}
    assert by_field["reorder_point"] == ("30.0", "45.0")
    assert by_field["policy_version"] == ("1", "2")
    assert {row["reason"] for row in policy} == {
        f"Proposal #{approved.pk} approved by test-manager. Override: Promo in May. "
        "Approval: Agreed."
    }
    assert {row["user"] for row in rows} == {"test-manager"}
    assert list(rows[0]) == [
        "when", "user", "sku", "location", "object", "object_id", "action", "field",
        "before", "after", "reason",
    ]  # fmt: skip


def test_csv_cells_are_spreadsheet_safe(client, manager, planner):
    item, location = make_item("=HYPERLINK(1)"), make_location("DC-1")
    make_policy(item, location)
    proposal_from_recommendation(
        user=planner,
        recommendation=make_recommendation(item, location),
        overrides={"order_quantity": 70.0},
        justification="=cmd|' /C calc'!A0",
    )
    client.force_login(manager)
    rows = csv_rows(client.get(AUDIT_CSV, {"item": "=HYPERLINK(1)"}))
    assert rows and {row["sku"] for row in rows} == {"'=HYPERLINK(1)"}
    justification = next(row for row in rows if row["field"] == "justification")
    assert justification["after"] == "'=cmd|' /C calc'!A0"
    assert justification["before"] == ""
    reasons = {row["reason"] for row in rows if row["object"] == "proposal"}
    assert reasons == {"Override: =cmd|' /C calc'!A0"}  # not at the start: stays as is


def test_the_page_is_paged_with_a_bounded_number_of_queries(client, manager, planner):
    location = make_location("DC-1")
    run = PolicyRun.objects.create(algorithm_version="test", status="succeeded")
    for number in range(30):
        item = make_item(f"SKU-{number:02}")
        make_policy(item, location)
        proposal_from_recommendation(
            user=planner, recommendation=make_recommendation(item, location, run=run)
        )
    client.force_login(manager)
    with CaptureQueriesContext(connection) as first:
        page = client.get(AUDIT).context["page"]
    assert page.paginator.count == 60 and len(page.object_list) == 25
    assert page.paginator.num_pages == 3
    last = client.get(AUDIT, {"page": 3}).context["page"]
    assert len(last.object_list) == 10
    assert len(first) < 25  # not one per record
