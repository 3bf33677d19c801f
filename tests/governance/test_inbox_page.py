"""The exceptions inbox (governance.inbox): tabs, filters, counts by kind, orders, keyset
pages, scope and permissions, single-row handling; constant queries whatever rows it shows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.choices import EscalationKind, ExceptionKind, ExceptionStatus, Severity
from governance.models import PlanningException
from governance.services import location_scope_grant
from tests.factories import make_exception, make_item, make_location

pytestmark = pytest.mark.django_db
INBOX = reverse("governance:exceptions")


@pytest.fixture
def dc1():
    return make_location("DC-1")


@pytest.fixture
def dc2():
    return make_location("DC-2")


@pytest.fixture
def inbox(planner, manager, dc1, dc2) -> dict[str, PlanningException]:
    """Six exceptions at two locations: money 900 > 500 > 300 > 120 > 40 at DC-1 (one of them
    the planner's, one the manager's, one resolved), 700 at DC-2; one due yesterday."""
    today = timezone.localdate()

    def made(name, location, money, **fields):
        return make_exception(
            make_item(f"SKU-{name}"),
            location,
            **{"money_at_risk": Decimal(money), "due_date": today + timedelta(days=7), **fields},
        )

    return {
        "stockout": made(
            "STOCK",
            dc1,
            900,
            kind=ExceptionKind.STOCKOUT_RISK,
            reasons=["POSITION_BELOW_SAFETY_STOCK"],
            owner=planner,
        ),
        "excess": made(
            "EXCESS",
            dc1,
            300,
            kind=ExceptionKind.EXCESS_RISK,
            severity=Severity.MEDIUM,
            reasons=["ON_HAND_BEYOND_SHELF_LIFE"],
            due_date=today - timedelta(days=1),
        ),
        "change": made(
            "CHANGE",
            dc1,
            120,
            kind=ExceptionKind.LARGE_POLICY_CHANGE,
            severity=Severity.MEDIUM,
            reasons=[],
            detail="Safety stock -60% against the active policy.",
            owner=manager,
            status=ExceptionStatus.IN_PROGRESS,
        ),
        "data": made("DATA", dc1, 40, severity=Severity.LOW),
        "resolved": made(
            "DONE",
            dc1,
            500,
            kind=ExceptionKind.STOCKOUT_RISK,
            status=ExceptionStatus.RESOLVED,
            resolution_notes="Ordered.",
        ),
        "elsewhere": made("ELSE", dc2, 700, kind=ExceptionKind.STOCKOUT_RISK),
    }


@pytest.fixture
def scoped(ungranted_planner, dc1):
    """A planner granted DC-1 only."""
    location_scope_grant(user=ungranted_planner, locations=[dc1])
    return ungranted_planner


def shown(response) -> list[str]:
    """The SKUs of the rows shown, in order."""
    assert response.status_code == 200
    return [row["exception"].item.sku for row in response.context["rows"]]


def counts(response) -> dict[str, int]:
    return {count.kind: count.count for count in response.context["counts"]}


# --- Access -------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_login(client, inbox):
    response = client.get(INBOX)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_users_without_the_view_permission_get_403(client, no_role_user, inbox):
    client.force_login(no_role_user)
    assert client.get(INBOX).status_code == 403
    posted = {"exception": inbox["data"].pk, "status": "in_progress"}
    assert client.post(INBOX, posted).status_code == 403


def test_an_ungranted_planner_sees_nothing(client, ungranted_planner, inbox):
    client.force_login(ungranted_planner)
    response = client.get(INBOX)
    assert shown(response) == []
    assert set(counts(response).values()) == {0}
    assert "No location is in your scope yet" in response.content.decode()


def test_a_scoped_planner_never_sees_other_locations(client, scoped, inbox):
    client.force_login(scoped)
    response = client.get(INBOX)
    assert "SKU-ELSE" not in shown(response)
    assert response.context["location_codes"] == ["DC-1"]
    assert "SKU-ELSE" not in shown(client.get(INBOX, {"location": "DC-2"}))
    assert "SKU-ELSE" not in shown(client.get(INBOX, {"sku": "ELSE"}))
    elsewhere = inbox["elsewhere"]
    assert client.get(INBOX, {"handle": elsewhere.pk}).context["unplaced_form"] is None


# --- Rows, order and filters -------------------------------------------------------------


def test_open_exceptions_across_runs_ranked_by_money_at_risk(client, planner, inbox):
    client.force_login(planner)
    response = client.get(INBOX)
    assert shown(response) == ["SKU-STOCK", "SKU-ELSE", "SKU-EXCESS", "SKU-CHANGE", "SKU-DATA"]
    text = response.content.decode()
    stock = inbox["stockout"]
    link = reverse("inventory:sku-location", args=[stock.item_id, stock.location_id])
    assert f'<a href="{link}"' in text
    assert "Stock on hand and on order is below safety stock" in text  # reason in words
    assert 'title="POSITION_BELOW_SAFETY_STOCK"' in text  # the code as tooltip
    assert "900" in text and "5 exceptions" in text


def test_other_sorts(client, planner, inbox):
    client.force_login(planner)
    by_due = shown(client.get(INBOX, {"sort": "due"}))
    assert by_due[0] == "SKU-EXCESS"  # due yesterday
    by_severity = shown(client.get(INBOX, {"sort": "severity"}))
    assert by_severity == ["SKU-STOCK", "SKU-ELSE", "SKU-EXCESS", "SKU-CHANGE", "SKU-DATA"]
    by_age = shown(client.get(INBOX, {"sort": "age"}))
    assert by_age == ["SKU-STOCK", "SKU-EXCESS", "SKU-CHANGE", "SKU-DATA", "SKU-ELSE"]


def test_tabs_mine_unassigned_and_all(client, planner, inbox):
    client.force_login(planner)
    assert shown(client.get(INBOX, {"assigned": "mine"})) == ["SKU-STOCK"]
    unassigned = shown(client.get(INBOX, {"assigned": "unassigned"}))
    assert unassigned == ["SKU-ELSE", "SKU-EXCESS", "SKU-DATA"]
    assert len(shown(client.get(INBOX))) == 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "excess_risk"}, ["SKU-EXCESS"]),
        ({"severity": "low"}, ["SKU-DATA"]),
        ({"status": "resolved"}, ["SKU-DONE"]),
        (
            {"status": ["open", "resolved"]},
            ["SKU-STOCK", "SKU-ELSE", "SKU-DONE", "SKU-EXCESS", "SKU-DATA"],
        ),
        ({"location": "DC-2"}, ["SKU-ELSE"]),
        ({"sku": "chan"}, ["SKU-CHANGE"]),
        ({"owner": "test-manager"}, ["SKU-CHANGE"]),
        ({"overdue": "true"}, ["SKU-EXCESS"]),
        ({"min_money": "400"}, ["SKU-STOCK", "SKU-ELSE"]),
    ],
)
def test_filters(client, planner, inbox, query, expected):
    client.force_login(planner)
    assert shown(client.get(INBOX, query)) == expected


def test_due_by_a_date(client, planner, inbox):
    client.force_login(planner)
    today = timezone.localdate()
    assert shown(client.get(INBOX, {"due_by": today.isoformat()})) == ["SKU-EXCESS"]


# The kinds escalation rules raise are counted too (none in this fixture).
ESCALATIONS_NONE = dict.fromkeys(EscalationKind.values, 0)


def test_counts_by_kind_follow_the_filters_but_the_kind(client, planner, inbox):
    client.force_login(planner)
    assert counts(client.get(INBOX)) == {
        "stockout_risk": 2,
        "excess_risk": 1,
        "data_quality": 1,
        "large_policy_change": 1,
        **ESCALATIONS_NONE,
    }
    chosen = client.get(INBOX, {"kind": "stockout_risk", "location": "DC-1"})
    assert counts(chosen) == {
        "stockout_risk": 1,
        "excess_risk": 1,
        "data_quality": 1,
        "large_policy_change": 1,
        **ESCALATIONS_NONE,
    }
    assert "1 exception<" in chosen.content.decode()  # the total is the chosen kind's


def test_counts_stop_at_the_cap(client, planner, inbox, monkeypatch):
    monkeypatch.setattr("governance.inbox.selectors.COUNT_CAP", 1)
    client.force_login(planner)
    response = client.get(INBOX)
    assert counts(response)["stockout_risk"] == 1
    text = response.content.decode()
    assert "4+ exceptions" in text and '<span class="count">1+</span>' in text


@pytest.mark.parametrize(
    "query",
    [
        {"kind": "nonsense"},
        {"status": "gone"},
        {"due_by": "yesterday"},
        {"overdue": "maybe"},
        {"min_money": "lots"},
        {"min_money": "1e999"},
        {"assigned": "theirs"},
        {"sort": "price"},
        {"after": "not-a-cursor"},
        {"after": "WyJ4IiwiMiJd"},  # a cursor of two strings: fits no sort's fields
        {"sku": "x" * 200},
    ],
)
def test_bad_query_values_get_a_message_not_an_error(client, planner, inbox, query):
    client.force_login(planner)
    response = client.get(INBOX, query)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'role="alert"' in text or 'class="messages"' in text, query


def test_a_handle_of_no_row_opens_no_form(client, planner, inbox):
    client.force_login(planner)
    for handle in ("99999999999999999999999", "x", str(inbox["resolved"].pk)):
        response = client.get(INBOX, {"handle": handle})
        assert response.status_code == 200
        assert not any(row["form"] for row in response.context["rows"])


def test_keyset_pages_follow_each_other(client, planner, dc1):
    client.force_login(planner)
    for number in range(60):
        make_exception(make_item(f"SKU-{number:03}"), dc1, money_at_risk=Decimal(number))
    first = client.get(INBOX)
    assert len(shown(first)) == 50 and shown(first)[0] == "SKU-059"
    cursor = first.context["page"].next_cursor
    second = client.get(INBOX, {"after": cursor})
    assert shown(second) == [f"SKU-{n:03}" for n in range(9, -1, -1)]
    assert second.context["page"].next_cursor is None
    assert "First page" in second.content.decode()


def test_query_count_does_not_grow_with_the_rows_shown(client, planner, dc1):
    client.force_login(planner)
    for number in range(50):
        make_exception(
            make_item(f"SKU-{number:03}"),
            dc1,
            owner=planner,
            kind=ExceptionKind.STOCKOUT_RISK if number < 5 else ExceptionKind.EXCESS_RISK,
        )
    first = PlanningException.objects.order_by("pk").first()

    def queries(**query) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(INBOX, query).status_code == 200
        return len(captured)

    assert len(shown(client.get(INBOX, {"kind": "stockout_risk"}))) == 5
    assert queries(kind="stockout_risk") == queries()  # 5 rows, 50 rows
    assert queries(kind="stockout_risk", handle=first.pk) == queries(handle=first.pk)


# --- Handling one exception ---------------------------------------------------------------


def handled(exception: PlanningException, **changes) -> dict:
    return {
        "exception": exception.pk,
        "owner": exception.owner.username if exception.owner else "",
        "status": exception.status,
        "due_date": exception.due_date.isoformat(),
        "resolution_notes": "",
        "version": exception.version,
        **changes,
    }


def test_a_planner_handles_one_exception_from_the_inbox(client, planner, inbox):
    client.force_login(planner)
    data = inbox["data"]
    page = client.get(INBOX, {"handle": data.pk, "kind": "data_quality"})
    assert 'name="resolution_notes"' in page.content.decode()
    response = client.post(
        f"{INBOX}?kind=data_quality&handle={data.pk}",
        handled(data, status="resolved", resolution_notes="Cost loaded."),
    )
    assert response.status_code == 302
    assert response["Location"] == f"{INBOX}?kind=data_quality#exception-{data.pk}"
    data.refresh_from_db()
    assert (data.status, data.resolution_notes, data.version) == ("resolved", "Cost loaded.", 2)
    assert data.history.first().history_user == planner


def test_resolving_without_a_note_is_a_form_error(client, planner, inbox):
    client.force_login(planner)
    data = inbox["data"]
    response = client.post(INBOX, handled(data, status="resolved"))
    assert response.status_code == 400
    assert "Say how it was resolved" in response.content.decode()
    data.refresh_from_db()
    assert data.status == "open"


def test_a_change_on_an_old_version_is_refused_with_409(client, planner, manager, inbox):
    client.force_login(planner)
    data = inbox["data"]
    read = handled(data, status="in_progress")
    PlanningException.objects.filter(pk=data.pk).update(version=5)  # someone else saved
    response = client.post(INBOX, read)
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    data.refresh_from_db()
    assert data.status == "open"


def test_an_executive_cannot_handle(client, executive, inbox):
    client.force_login(executive)
    page = client.get(INBOX, {"handle": inbox["data"].pk}).content.decode()
    assert 'name="selected"' not in page and 'name="resolution_notes"' not in page
    response = client.post(INBOX, handled(inbox["data"], status="in_progress"))
    assert response.status_code == 403


def test_exceptions_outside_the_scope_cannot_be_handled(client, scoped, inbox):
    client.force_login(scoped)
    elsewhere = inbox["elsewhere"]
    response = client.post(INBOX, handled(elsewhere, status="in_progress"))
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == "open" and elsewhere.version == 1


def test_a_post_without_an_exception_number_is_a_400(client, planner, inbox):
    client.force_login(planner)
    assert client.post(INBOX, {"exception": "x"}).status_code == 400
