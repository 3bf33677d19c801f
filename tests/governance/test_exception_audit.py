"""Handling an exception is audited: who changed its owner, status, notes or due date, when,
the fields before and after, and the notes given as the reason."""

import pytest

from governance.choices import ExceptionStatus
from governance.services import planning_exception_update
from tests.factories import make_exception, make_item, make_location

# Policies in the factories take effect on 2026-01-05: "in force today" needs a pinned today.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]


def test_every_change_of_an_exception_is_recorded_with_who_and_why(planner, manager):
    exception = make_exception(make_item(), make_location())
    planning_exception_update(exception=exception, user=manager, owner=planner)
    planning_exception_update(
        exception=exception,
        user=planner,
        status=ExceptionStatus.RESOLVED,
        resolution_notes="Unit cost loaded from the ERP.",
    )
    resolved, assigned = exception.history.all()[:2]
    assert (assigned.history_user, assigned.owner) == (manager, planner)
    changes = {c.field: (c.old, c.new) for c in resolved.diff_against(assigned).changes}
    assert changes["status"] == ("open", "resolved")
    assert changes["resolution_notes"] == ("", "Unit cost loaded from the ERP.")
    assert resolved.history_user == planner
    assert resolved.history_change_reason == "Unit cost loaded from the ERP."


def test_the_admin_shows_an_exceptions_history_and_refuses_a_revert(client, manager):
    exception = make_exception(make_item(), make_location())
    planning_exception_update(exception=exception, user=manager, owner=manager)
    client.force_login(manager)
    page = f"/admin/governance/planningexception/{exception.pk}/history/"
    text = client.get(page).content.decode()
    assert "test-manager" in text and "Owner" in text
    record = exception.history.last()
    revert = f"{page}{record.history_id}/"
    assert client.post(revert, {}).status_code == 403


def test_notes_are_appended_never_overwritten(planner, manager):
    exception = make_exception(make_item(), make_location())
    planning_exception_update(exception=exception, user=planner, resolution_notes="Asked buyer.")
    planning_exception_update(
        exception=exception,
        user=manager,
        status=ExceptionStatus.RESOLVED,
        resolution_notes="  Cost loaded.  ",
    )
    planning_exception_update(exception=exception, user=manager, resolution_notes=" ")
    exception.refresh_from_db()
    assert exception.resolution_notes == "Asked buyer.\nCost loaded."
    assert exception.status == ExceptionStatus.RESOLVED


def test_the_audit_page_lists_exception_changes(client, planner, manager):
    exception = make_exception(make_item("AUD-1"), make_location())
    planning_exception_update(exception=exception, user=manager, owner=planner)
    planning_exception_update(
        exception=exception, user=planner, status=ExceptionStatus.RESOLVED, resolution_notes="Done."
    )
    client.force_login(planner)
    text = client.get("/audit/", {"sku": "AUD-1"}).content.decode()
    assert f"Exception #{exception.pk} (data quality)" in text
    assert "open → resolved" in text and "test-planner" in text
    owner = client.get("/audit/", {"sku": "AUD-1", "field": "status"}).content.decode()
    assert "open → resolved" in owner
    csv = b"".join(client.get("/audit/csv/", {"sku": "AUD-1"}).streaming_content).decode()
    assert ",exception," in csv and ",owner,,test-planner," in csv
