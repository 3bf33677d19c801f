"""Two people handling one exception at once: the row is locked and read again, times change
only with the status, and a change based on an older version is refused with 409.

"At the same moment" is simulated deterministically by two writes based on the same read;
the threaded tests at the end race real connections on PostgreSQL.
"""

import threading

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from governance import services
from governance.choices import ExceptionStatus
from governance.models import PlanningException
from governance.services import planning_exception_update
from inventory.choices import RunStatus
from inventory.models import Item, Location, PolicyRun
from tests.factories import make_exception, make_item, make_location

URL = "/api/v1/exceptions/"
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
RESOLVE = {"status": ExceptionStatus.RESOLVED, "resolution_notes": "Cost loaded from the ERP."}
DISMISS = {"status": ExceptionStatus.DISMISSED, "resolution_notes": "Not ours."}
REOPEN = {"status": ExceptionStatus.OPEN}


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _exception(sku: str = "SKU-1", **fields) -> PlanningException:
    item = Item.objects.filter(sku=sku).first() or make_item(sku)
    location = Location.objects.filter(code="DC-1").first() or make_location("DC-1")
    return make_exception(item, location, **fields)


def _closed_pair(sku: str = "SKU-1") -> tuple[PlanningException, PlanningException]:
    """Two closed exceptions of one SKU-location and kind: reopening both would make two open."""
    return _exception(sku, **RESOLVE), _exception(sku, **DISMISS)


def _read(exception: PlanningException) -> PlanningException:
    """What a person sees when they open the exception (a separate copy)."""
    return PlanningException.objects.get(pk=exception.pk)


# --- The service, two writes based on one read ------------------------------------------------


@pytest.mark.django_db
def test_a_reassignment_read_before_a_resolution_keeps_the_resolution_time(planner, manager):
    exception = _exception()
    first, second = _read(exception), _read(exception)

    planning_exception_update(exception=first, user=planner, **RESOLVE)
    planning_exception_update(exception=second, user=manager, owner=manager)

    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.RESOLVED and exception.owner == manager
    assert exception.resolved_at is not None


@pytest.mark.django_db
def test_resolved_at_changes_only_with_the_status(planner, manager):
    exception = planning_exception_update(exception=_exception(), user=planner, **RESOLVE)
    resolved_at = exception.resolved_at

    for change in ({"owner": manager}, {"resolution_notes": "Cost fixed in the ERP."}, DISMISS):
        exception = planning_exception_update(exception=exception, user=planner, **change)
        assert exception.resolved_at == resolved_at, change
    exception = planning_exception_update(exception=exception, user=planner, **REOPEN)
    assert exception.resolved_at is None
    exception = planning_exception_update(exception=exception, user=planner, owner=manager)
    assert exception.resolved_at is None


@pytest.mark.django_db
def test_a_change_based_on_an_older_version_is_refused(planner, manager):
    exception = _exception()
    read_version = _read(exception).version

    done = planning_exception_update(
        exception=exception, user=planner, version=read_version, **RESOLVE
    )
    assert done.version == read_version + 1
    with pytest.raises(services.PlanningExceptionConflict) as refused:
        planning_exception_update(
            exception=exception, user=manager, version=read_version, **DISMISS
        )

    assert refused.value.current.version == read_version + 1
    exception.refresh_from_db()
    assert (exception.status, exception.resolution_notes) == (
        ExceptionStatus.RESOLVED,
        RESOLVE["resolution_notes"],
    )


@pytest.mark.django_db
def test_two_reopens_at_once_are_a_clear_400_not_a_500(planner, monkeypatch):
    first, second = _closed_pair()
    check = services._exception_reopen_check

    def another_planner_reopens_meanwhile(exception: PlanningException) -> None:
        check(exception)  # passes: nothing is open yet
        PlanningException.objects.filter(pk=second.pk).update(status=ExceptionStatus.OPEN)

    monkeypatch.setattr(services, "_exception_reopen_check", another_planner_reopens_meanwhile)
    response = _client(planner).patch(f"{URL}{first.pk}/", REOPEN, format="json")

    assert response.status_code == 400, response.content
    assert f"#{second.pk}" in response.json()["status"][0]
    first.refresh_from_db()
    assert first.status == ExceptionStatus.RESOLVED


# --- The API: versions in the body or in If-Match --------------------------------------------


@pytest.mark.django_db
def test_a_write_with_the_version_read_answers_200_and_the_next_version(planner):
    exception, client = _exception(), _client(planner)
    url = f"{URL}{exception.pk}/"
    read = client.get(url)
    assert (read.json()["version"], read["ETag"]) == (1, '"1"')

    assigned = client.patch(url, {"owner": planner.username, "version": 1}, format="json")
    assert assigned.status_code == 200, assigned.content
    assert (assigned.json()["version"], assigned["ETag"]) == (2, '"2"')
    progressed = client.patch(url, {"status": "in_progress"}, format="json", HTTP_IF_MATCH='"2"')
    assert progressed.status_code == 200, progressed.content
    assert progressed.json()["version"] == 3
    unversioned = client.patch(url, {"due_date": "2026-12-24"}, format="json")
    assert unversioned.json()["version"] == 4


@pytest.mark.django_db
def test_resolve_and_dismiss_based_on_one_read_the_second_gets_409(planner, manager):
    exception = _exception()
    url = f"{URL}{exception.pk}/"
    version = _client(planner).get(url).json()["version"]

    resolved = _client(planner).patch(url, {**RESOLVE, "version": version}, format="json")
    dismissed = _client(manager).patch(url, {**DISMISS, "version": version}, format="json")

    assert resolved.status_code == 200, resolved.content
    assert dismissed.status_code == 409, dismissed.content
    body = dismissed.json()
    assert body["version"] == version + 1 and dismissed["ETag"] == f'"{version + 1}"'
    assert (body["current"]["status"], body["current"]["resolution_notes"]) == (
        "resolved",
        RESOLVE["resolution_notes"],
    )
    assert "changed" in body["detail"]
    exception.refresh_from_db()
    assert (exception.status, exception.version) == (ExceptionStatus.RESOLVED, version + 1)


@pytest.mark.django_db
def test_two_reopens_based_on_one_read_the_second_gets_409(planner, manager):
    exception = _exception(**RESOLVE)
    url = f"{URL}{exception.pk}/"

    first = _client(planner).patch(url, {**REOPEN, "version": 1}, format="json")
    second = _client(manager).patch(url, {**REOPEN, "version": 1}, format="json")

    assert (first.status_code, second.status_code) == (200, 409)
    assert PlanningException.objects.filter(status=ExceptionStatus.OPEN).count() == 1


@pytest.mark.django_db
def test_a_stale_if_match_is_a_409_and_a_bad_one_a_400(planner):
    exception, client = _exception(), _client(planner)
    url = f"{URL}{exception.pk}/"
    assert client.patch(url, {"status": "in_progress"}, format="json").status_code == 200

    stale = client.patch(url, {"status": "open"}, format="json", HTTP_IF_MATCH='W/"1"')
    assert (stale.status_code, stale.json()["version"]) == (409, 2)
    for header, body in [("soon", {}), ('"2"', {"version": 1})]:
        response = client.patch(url, body, format="json", HTTP_IF_MATCH=header)
        assert response.status_code == 400, (header, response.content)
    assert client.patch(url, {"version": 0}, format="json").status_code == 400
    exception.refresh_from_db()
    assert (exception.status, exception.version) == (ExceptionStatus.IN_PROGRESS, 2)


# --- The page form ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_form_refuses_a_stale_save_and_shows_the_current_values(client, planner):
    run = PolicyRun.objects.create(algorithm_version="test", status=RunStatus.SUCCEEDED)
    exception = _exception(first_run=run, last_run=run)
    address = reverse("inventory:run-exception-update", args=[run.pk, exception.pk])
    page = reverse("inventory:run-exceptions", args=[run.pk])
    client.force_login(planner)
    opened = client.get(page, {"handle": exception.pk}).content.decode()
    assert 'name="version" value="1"' in opened
    planning_exception_update(exception=exception, user=planner, **DISMISS)  # someone else

    form = {"owner": "", "due_date": "2026-12-01", "version": "1", **RESOLVE}
    response = client.post(address, form)

    assert response.status_code == 409
    text = response.content.decode()
    assert "changed by someone else" in text and 'name="version" value="2"' in text
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.DISMISSED


# --- Real races on PostgreSQL -----------------------------------------------------------------

postgresql_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="row locks are PostgreSQL's")


def _patch_at_once(requests: list[tuple]) -> list[int]:
    """PATCH each (user, exception, body) from its own thread and connection, released
    together; the status codes in the same order."""
    start = threading.Barrier(len(requests))
    codes: list[int] = [0] * len(requests)

    def patch(index: int, user, exception: PlanningException, body: dict) -> None:
        try:
            client = _client(user)
            start.wait()
            response = client.patch(f"{URL}{exception.pk}/", body, format="json")
            codes[index] = response.status_code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=patch, args=(i, *request)) for i, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


ROUNDS = 12


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_resolve_and_reassign_racing_on_postgresql_keep_both(planner, manager):
    for number in range(ROUNDS):
        exception = _exception(f"R-{number}")
        reassign = {"owner": manager.username}
        codes = _patch_at_once([(planner, exception, RESOLVE), (manager, exception, reassign)])
        assert codes == [200, 200]
        exception.refresh_from_db()
        assert (exception.status, exception.owner) == (ExceptionStatus.RESOLVED, manager)
        assert exception.resolved_at is not None and exception.version == 3


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_resolve_and_dismiss_racing_on_postgresql_one_gets_409(planner, manager):
    for number in range(ROUNDS):
        exception = _exception(f"D-{number}")
        resolve, dismiss = {**RESOLVE, "version": 1}, {**DISMISS, "version": 1}
        codes = _patch_at_once([(planner, exception, resolve), (manager, exception, dismiss)])
        assert sorted(codes) == [200, 409]
        exception.refresh_from_db()
        kept = RESOLVE if codes[0] == 200 else DISMISS
        assert (exception.status, exception.version) == (kept["status"], 2)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_reopens_racing_on_postgresql_one_is_refused_plainly(planner, manager):
    for number in range(ROUNDS):
        sku = f"O-{number}"
        first, second = _closed_pair(sku)
        codes = _patch_at_once([(planner, first, REOPEN), (manager, second, REOPEN)])
        assert sorted(codes) == [200, 400]
        assert PlanningException.objects.filter(item__sku=sku, status="open").count() == 1
