"""``/api/v1/exceptions/``: read with filters; PATCH assigns, progresses, resolves, dismisses."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance.choices import ExceptionKind, ExceptionStatus, Severity
from governance.models import PlanningException
from governance.services import planning_exception_update
from inventory.choices import RunStatus
from inventory.models import PolicyRun
from tests.api_helpers import client_for
from tests.factories import make_exception, make_item, make_location

pytestmark = pytest.mark.django_db

URL = "/api/v1/exceptions/"


def _exception(sku: str, code: str, **fields) -> PlanningException:
    from inventory.models import Item, Location

    item = Item.objects.filter(sku=sku).first() or make_item(sku)
    location = Location.objects.filter(code=code).first() or make_location(code)
    return make_exception(item, location, **fields)


@pytest.fixture
def run():
    return PolicyRun.objects.create(algorithm_version="test", status=RunStatus.SUCCEEDED)


@pytest.fixture
def quality(run):
    """An open data-quality exception of SKU-1 at DC-1, raised by ``run``."""
    return _exception("SKU-1", "DC-1", first_run=run, last_run=run)


def _ids(client: APIClient, **params) -> set[int]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- Reading -----------------------------------------------------------------------------------


def test_exceptions_read_by_natural_key_and_filter(planner, manager, quality, run):
    quality.owner = manager
    quality.save()
    stockout = _exception(
        "SKU-2", "DC-2", kind=ExceptionKind.STOCKOUT_RISK, severity=Severity.MEDIUM
    )
    done = _exception("SKU-1", "DC-2", status=ExceptionStatus.RESOLVED, resolution_notes="ok")
    client = client_for(planner)

    row = client.get(f"{URL}{quality.pk}/").json()
    assert (row["item"], row["location"], row["owner"]) == ("SKU-1", "DC-1", manager.username)
    assert (row["first_run"], row["last_run"], row["reasons"]) == (run.pk, run.pk, ["COST_INVALID"])
    assert _ids(client) == {quality.pk, stockout.pk, done.pk}
    assert _ids(client, kind="stockout_risk") == {stockout.pk}
    assert _ids(client, severity="high") == {quality.pk, done.pk}
    assert _ids(client, status=["open", "in_progress"]) == {quality.pk, stockout.pk}
    assert _ids(client, status="resolved") == {done.pk}
    assert _ids(client, run=run.pk) == {quality.pk}
    assert _ids(client, item="SKU-1") == {quality.pk, done.pk}
    assert _ids(client, location="DC-2") == {stockout.pk, done.pk}
    assert _ids(client, owner=manager.username) == {quality.pk}
    assert client.get(URL, {"kind": "weather"}).status_code == 400


def test_a_planner_with_assigned_locations_sees_and_handles_only_those(ungranted_planner, quality):
    planner = ungranted_planner
    from guardian.shortcuts import assign_perm

    elsewhere = _exception("SKU-2", "DC-2")
    assign_perm("inventory.view_location", planner, elsewhere.location)
    client = client_for(planner)

    assert _ids(client) == {elsewhere.pk}
    response = client.patch(f"{URL}{quality.pk}/", {"status": "in_progress"}, format="json")
    assert response.status_code == 404


def test_list_queries_do_not_grow_with_exceptions(planner, manager):
    client = client_for(planner)

    def queries_for_listing() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    _exception("Q-0", "DC-1", owner=manager)
    few = queries_for_listing()
    for number in range(1, 15):
        _exception(f"Q-{number}", f"DC-{number % 4}", owner=manager if number % 2 else planner)
    assert len(client.get(URL).json()["results"]) == 15
    assert queries_for_listing() == few <= 8


def test_reads_need_login_and_a_role(no_role_user, quality):
    assert APIClient().get(URL).status_code == 401
    assert client_for(no_role_user).get(URL).status_code == 403


# --- Handling ------------------------------------------------------------------------------


def test_a_planner_assigns_progresses_and_resolves_with_notes(planner, manager, quality):
    client, url = client_for(planner), f"{URL}{quality.pk}/"

    assigned = client.patch(
        url, {"owner": manager.username, "status": "in_progress"}, format="json"
    )
    assert assigned.status_code == 200, assigned.content
    assert (assigned.json()["owner"], assigned.json()["status"]) == (
        manager.username,
        "in_progress",
    )
    refused = client.patch(url, {"status": "resolved"}, format="json")
    assert refused.status_code == 400
    assert "resolution_notes" in refused.json()
    blank = client.patch(url, {"status": "dismissed", "resolution_notes": "  "}, format="json")
    assert blank.status_code == 400 and "resolution_notes" in blank.json()
    quality.refresh_from_db()
    assert (quality.status, quality.resolved_at) == (ExceptionStatus.IN_PROGRESS, None)

    body = {"status": "resolved", "resolution_notes": "Cost loaded from the ERP."}
    resolved = client.patch(url, body, format="json")
    assert resolved.status_code == 200, resolved.content
    quality.refresh_from_db()
    assert quality.status == ExceptionStatus.RESOLVED
    assert quality.resolved_at is not None
    assert resolved.json()["resolved_at"] is not None

    reopened = client.patch(url, {"status": "open"}, format="json").json()
    assert (reopened["status"], reopened["resolved_at"]) == ("open", None)
    moved = client.patch(url, {"due_date": "2026-12-24", "owner": None}, format="json").json()
    assert (moved["due_date"], moved["owner"]) == ("2026-12-24", None)


def test_only_owner_status_notes_and_due_date_may_change(planner, quality):
    client, url = client_for(planner), f"{URL}{quality.pk}/"

    for body, field in [
        ({"severity": "low"}, "severity"),
        ({"kind": "excess_risk", "status": "in_progress"}, "kind"),
        ({"owner": "nobody-at-all"}, "owner"),
        ({"status": "forgotten"}, "status"),
        ({"due_date": "tomorrow"}, "due_date"),
        ({"due_date": None}, "due_date"),
    ]:
        response = client.patch(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json(), (body, response.json())
    quality.refresh_from_db()
    assert (quality.severity, quality.kind, quality.status) == (
        Severity.HIGH,
        ExceptionKind.DATA_QUALITY,
        ExceptionStatus.OPEN,
    )
    assert client.put(url, {"status": "open"}, format="json").status_code == 405
    assert client.delete(url).status_code in (403, 405)
    assert PlanningException.objects.filter(pk=quality.pk).exists()


def test_the_owner_must_be_able_to_handle_exceptions(planner, executive, quality):
    response = client_for(planner).patch(
        f"{URL}{quality.pk}/", {"owner": executive.username}, format="json"
    )
    assert response.status_code == 400
    assert "cannot handle" in response.json()["owner"][0]


def test_reopening_is_refused_while_another_is_open(planner, quality):
    old = _exception(
        "SKU-1", "DC-1", status=ExceptionStatus.RESOLVED, resolution_notes="Fixed once."
    )
    response = client_for(planner).patch(f"{URL}{old.pk}/", {"status": "open"}, format="json")
    assert response.status_code == 400
    assert f"#{quality.pk}" in response.json()["status"][0]
    old.refresh_from_db()
    assert old.status == ExceptionStatus.RESOLVED


def test_handling_needs_the_planner_or_manager_role(executive, manager, quality):
    assert APIClient().patch(f"{URL}{quality.pk}/", {}, format="json").status_code == 401
    viewer = client_for(executive)
    assert viewer.get(f"{URL}{quality.pk}/").status_code == 200
    body = {"status": "dismissed", "resolution_notes": "Not ours."}
    assert viewer.patch(f"{URL}{quality.pk}/", body, format="json").status_code == 403
    response = client_for(manager).patch(f"{URL}{quality.pk}/", body, format="json")
    assert response.status_code == 200, response.content


def test_the_service_refuses_users_without_the_permission(executive, quality):
    with pytest.raises(PermissionDenied):
        planning_exception_update(
            exception=quality, user=executive, status=ExceptionStatus.IN_PROGRESS
        )
    quality.refresh_from_db()
    assert quality.status == ExceptionStatus.OPEN
