"""Bulk handling from the inbox (governance.exceptions_bulk through ``governance:exceptions-bulk``):
each row through the service, with its history and its version check; refusals reported."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from governance.choices import ExceptionStatus
from governance.exceptions_bulk import planning_exceptions_update_many
from governance.models import PlanningException
from governance.services import location_scope_grant
from tests.factories import make_exception, make_item, make_location

pytestmark = pytest.mark.django_db
BULK = reverse("governance:exceptions-bulk")
INBOX = reverse("governance:exceptions")


@pytest.fixture
def rows() -> list[PlanningException]:
    """Three open exceptions at DC-1, one at DC-2."""
    dc1, dc2 = make_location("DC-1"), make_location("DC-2")
    made = [make_exception(make_item(f"SKU-{n}"), dc1) for n in range(3)]
    return [*made, make_exception(make_item("SKU-ELSE"), dc2)]


def selected(*exceptions: PlanningException) -> list[str]:
    return [f"{e.pk}:{e.version}" for e in exceptions]


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_bulk_assign_and_progress_through_the_service(client, planner, manager, rows):
    client.force_login(planner)
    response = client.post(
        BULK,
        {
            "selected": selected(*rows[:3]),
            "owner": manager.username,
            "status": ExceptionStatus.IN_PROGRESS,
            "query": "kind=data_quality&sort=due",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{INBOX}?kind=data_quality&sort=due"
    assert said(response) == ["3 exceptions changed."]
    for row in rows[:3]:
        row.refresh_from_db()
        assert (row.owner, row.status, row.version) == (manager, "in_progress", 2)
        assert row.history.first().history_user == planner  # audited, per row


def test_a_row_changed_since_the_page_was_read_is_refused_not_overwritten(
    client, planner, manager, rows
):
    client.force_login(planner)
    read = selected(*rows[:2])
    PlanningException.objects.filter(pk=rows[1].pk).update(version=7, owner=manager)
    response = client.post(BULK, {"selected": read, "owner": planner.username})
    messages = said(response)
    assert messages[0] == "1 exception changed."
    assert messages[1].startswith(f"1 refused. #{rows[1].pk}: Changed by someone else")
    rows[1].refresh_from_db()
    assert (rows[1].owner, rows[1].version) == (manager, 7)


def test_resolving_needs_a_note_and_adds_it_to_each_row(client, planner, rows):
    client.force_login(planner)
    response = client.post(BULK, {"selected": selected(rows[0]), "status": "resolved"})
    assert said(response) == ["Note to add: Say how they were resolved or why they are dismissed."]
    rows[0].refresh_from_db()
    assert rows[0].status == "open"
    client.get(INBOX)  # the message shown
    response = client.post(
        BULK, {"selected": selected(*rows[:2]), "status": "resolved", "note": "Counted."}
    )
    assert said(response) == ["2 exceptions changed."]
    for row in rows[:2]:
        row.refresh_from_db()
        assert (row.status, row.resolution_notes) == ("resolved", "Counted.")
        assert row.resolved_at is not None


def test_rows_already_as_asked_are_left_alone(client, planner, rows):
    client.force_login(planner)
    response = client.post(BULK, {"selected": selected(rows[0]), "status": "open"})
    assert said(response) == ["0 exceptions changed.", "1 already as asked, left as they were."]
    rows[0].refresh_from_db()
    assert rows[0].version == 1


def test_rows_outside_the_scope_are_refused_and_never_changed(client, ungranted_planner, rows):
    location_scope_grant(user=ungranted_planner, locations=[rows[0].location])
    client.force_login(ungranted_planner)
    response = client.post(BULK, {"selected": selected(rows[0], rows[3]), "status": "in_progress"})
    assert said(response) == [
        "1 exception changed.",
        f"1 refused. #{rows[3].pk}: Not found at your locations.",
    ]
    rows[3].refresh_from_db()
    assert (rows[3].status, rows[3].version) == ("open", 1)


def test_an_ungranted_planner_changes_nothing(client, ungranted_planner, rows):
    client.force_login(ungranted_planner)
    response = client.post(BULK, {"selected": selected(*rows), "status": "in_progress"})
    assert said(response)[0] == "0 exceptions changed."
    assert set(PlanningException.objects.values_list("version", flat=True)) == {1}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "in_progress"}, "Selected: Select the exceptions to change."),
        ({"selected": ["1"], "status": "open"}, "Selected: '1' is not an exception of this page."),
        ({"selected": ["1:1"]}, "Choose an owner, a status or a note for the selected rows."),
        ({"selected": ["1:1"], "owner": "someone"}, "Assign to: Select a valid choice."),
        ({"selected": ["1:1"], "status": "done"}, "Set status: Select a valid choice."),
    ],
)
def test_bad_bulk_input_is_a_message_naming_the_field(client, planner, rows, data, message):
    client.force_login(planner)
    response = client.post(BULK, data)
    assert response.status_code == 302
    assert said(response)[0].startswith(message)


def test_executives_and_anonymous_users_cannot_post(client, executive, rows):
    data = {"selected": selected(rows[0]), "status": "in_progress"}
    assert client.post(BULK, data)["Location"].startswith("/login/")
    client.force_login(executive)
    assert client.post(BULK, data).status_code == 403
    assert client.get(BULK).status_code in (403, 405)


def test_csrf_is_checked(planner, rows):
    client = Client(enforce_csrf_checks=True)
    client.force_login(planner)
    response = client.post(BULK, {"selected": selected(rows[0]), "status": "in_progress"})
    assert response.status_code == 403
    rows[0].refresh_from_db()
    assert rows[0].version == 1


def test_the_redirect_stays_on_the_inbox(client, planner, rows):
    client.force_login(planner)
    data = {"selected": selected(rows[0]), "status": "in_progress"}
    response = client.post(BULK, {**data, "query": "next=https://evil.example/&kind=x"})
    assert response["Location"].startswith(f"{INBOX}?")


def test_the_service_refuses_users_who_may_not_handle(executive, rows):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        planning_exceptions_update_many(
            user=executive, selected=[(rows[0].pk, 1)], status="in_progress"
        )
