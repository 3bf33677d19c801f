"""Location scopes fail closed: planners and managers see and change only what they are granted.

The matrix: a planner or manager granted one location (scoped), one granted nothing (no grant)
and one granted the whole network, against the policy export, the pages, the read API, runs
(start and cancel) and the admin's querysets.
"""

import csv
import io
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from guardian.shortcuts import assign_perm, remove_perm

from governance.choices import Role
from governance.models import PlanningException
from governance.publication import publication_create
from governance.selectors import LOCATION_GRANT, NO_SCOPE_MESSAGE, location_scope
from governance.services import location_scope_grant
from inventory.choices import PolicyStatus, RunStatus
from inventory.models import InventoryPolicy, Location
from inventory.runs.models import PolicyRun
from inventory.runs.scope import RunScope
from inventory.runs.services import policy_run_start
from tests.api_helpers import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]

EXPORT = "/api/v1/policies/export/?format=csv"


@pytest.fixture
def network(settings, django_capture_on_commit_callbacks, manager) -> PolicyRun:
    """A demo network of 3 locations with active, published policies, and a finished run
    over it."""
    settings.RUNS_SYNC = True
    call_command(
        "load_demo", "--skus", "6", "--locations", "3", "--weeks", "30", "--seed", "3",
        stdout=StringIO(),
    )  # fmt: skip
    InventoryPolicy.objects.update(status=PolicyStatus.ACTIVE)
    publication_create(user=manager, release_held=True, justification="Test network.")
    with django_capture_on_commit_callbacks(execute=True):
        run = policy_run_start(scope=RunScope(), parameters={})
    return run


def _user(django_user_model, name: str, role: str, *, staff: bool = False):
    user = django_user_model.objects.create_user(username=name, password="pw-123456789")
    user.is_staff = staff
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user


def _first_location() -> Location:
    return Location.objects.order_by("code").first()


@pytest.fixture
def scoped(django_user_model, request):
    """A planner (or manager, by ``request.param``) granted the first location only."""
    role = getattr(request, "param", Role.PLANNER)
    user = _user(django_user_model, f"scoped-{role}", role, staff=role == Role.MANAGER)
    location_scope_grant(user=user, locations=[_first_location()])
    return user


@pytest.fixture
def ungranted(django_user_model, request):
    """A planner (or manager) granted nothing."""
    role = getattr(request, "param", Role.PLANNER)
    return _user(django_user_model, f"ungranted-{role}", role, staff=role == Role.MANAGER)


def _export_locations(user) -> set[str]:
    response = client_for(user).get(EXPORT)
    assert response.status_code == 200
    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    return {row["location"] for row in rows}


# --- The selector -------------------------------------------------------------------------


def test_no_grant_is_no_location_and_a_grant_is_that_location(network, ungranted, scoped):
    assert location_scope(user=ungranted).is_empty
    assert set(location_scope(user=scoped).locations()) == {_first_location()}


def test_revoking_the_last_grant_leaves_nothing_visible(network, scoped, client):
    remove_perm(LOCATION_GRANT, scoped, _first_location())
    assert _export_locations(scoped) == set()
    client.force_login(scoped)
    text = client.get(reverse("inventory:network")).content.decode()
    assert NO_SCOPE_MESSAGE in text


def test_a_group_grant_scopes_its_members(network, ungranted):
    group = Group.objects.create(name="dc-one-planners")

    assign_perm(LOCATION_GRANT, group, _first_location())
    ungranted.groups.add(group)
    assert set(location_scope(user=ungranted).locations()) == {_first_location()}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.INTEGRATION])
def test_admins_and_integrations_see_the_whole_network(network, django_user_model, role):
    assert location_scope(user=_user(django_user_model, f"u-{role}", role)).whole_network


# --- Policy export and read API -----------------------------------------------------------


@pytest.mark.parametrize("scoped", [Role.PLANNER, Role.MANAGER], indirect=True)
def test_the_policy_export_holds_only_the_scoped_locations(network, scoped):
    assert _export_locations(scoped) == {_first_location().code}


@pytest.mark.parametrize("ungranted", [Role.PLANNER, Role.MANAGER], indirect=True)
def test_the_policy_export_is_empty_without_a_grant(network, ungranted):
    assert _export_locations(ungranted) == set()


def test_whole_network_grant_exports_every_location(network, planner):
    assert _export_locations(planner) == set(Location.objects.values_list("code", flat=True))


@pytest.mark.parametrize(
    "path", ["inventory-positions", "recommendations", "exceptions", "locations", "demand-history"]
)
def test_read_api_rows_are_limited_to_the_scope(network, scoped, ungranted, path):
    first = _first_location().code
    scoped_rows = client_for(scoped).get(f"/api/v1/{path}/?page_size=5000").json()["results"]
    assert scoped_rows
    assert {row.get("location", row.get("code")) for row in scoped_rows} == {first}
    assert client_for(ungranted).get(f"/api/v1/{path}/").json()["results"] == []


# --- Pages --------------------------------------------------------------------------------


def test_network_page_shows_only_the_scoped_locations(network, scoped, client):
    client.force_login(scoped)
    response = client.get(reverse("inventory:network"))
    assert [loc.code for loc in response.context["locations"]] == [_first_location().code]
    assert response.context["totals"].locations == 1
    assert NO_SCOPE_MESSAGE not in response.content.decode()


def test_pages_without_a_grant_show_nothing_and_say_whom_to_ask(network, ungranted, client):
    client.force_login(ungranted)
    network_page = client.get(reverse("inventory:network"))
    assert network_page.context["locations"] == []
    assert network_page.context["totals"].sku_locations == 0
    assert NO_SCOPE_MESSAGE in network_page.content.decode()
    operations = client.get(reverse("inventory:runs-operations"))
    assert operations.context["backlog"].total == 0
    assert operations.context["staleness"].active == 0
    recommendations = client.get(reverse("inventory:run-recommendations", args=[network.pk]))
    assert list(recommendations.context["page"].object_list) == []
    assert recommendations.context["location_codes"] == []


def test_run_outputs_and_csv_are_limited_to_the_scope(network, scoped, client):
    client.force_login(scoped)
    first = _first_location().code
    page = client.get(reverse("inventory:run-recommendations", args=[network.pk]))
    assert {row["rec"].location.code for row in page.context["page"].object_list} == {first}
    assert page.context["location_codes"] == [first]
    response = client.get(reverse("inventory:run-recommendations-csv", args=[network.pk]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows and {row["location"] for row in rows} == {first}
    exceptions = client.get(reverse("inventory:run-exceptions", args=[network.pk]))
    shown = {row["exception"].location.code for row in exceptions.context["page"].object_list}
    assert shown == {first}
    operations = client.get(reverse("inventory:runs-operations"))
    in_scope = PlanningException.objects.filter(location__code=first, status="open").count()
    assert operations.context["backlog"].total == in_scope
    assert in_scope < PlanningException.objects.filter(status="open").count()


def test_a_scoped_user_cannot_handle_an_exception_elsewhere(network, scoped, client):
    elsewhere = PlanningException.objects.exclude(location=_first_location()).first()
    client.force_login(scoped)
    url = reverse("inventory:run-exception-update", args=[network.pk, elsewhere.pk])
    assert client.post(url, {"status": "in_progress"}).status_code == 404
    api = client_for(scoped).patch(
        f"/api/v1/exceptions/{elsewhere.pk}/", {"status": "in_progress"}, format="json"
    )
    assert api.status_code == 404


# --- Runs ---------------------------------------------------------------------------------


def test_a_scoped_planner_cannot_start_a_run_elsewhere(network, scoped):
    elsewhere = Location.objects.exclude(pk=_first_location().pk).first().code
    response = client_for(scoped).post(
        "/api/v1/runs/", {"scope": {"locations": [elsewhere]}}, format="json"
    )
    assert response.status_code == 403 and elsewhere in response.json()["detail"]
    assert PolicyRun.objects.count() == 1


def test_a_scoped_planners_run_without_locations_covers_their_locations(
    network, scoped, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(scoped).post("/api/v1/runs/", {}, format="json")
    assert response.status_code == 202, response.json()
    run = PolicyRun.objects.get(pk=response.json()["id"])
    assert RunScope.from_json(run.scope).location_ids == (_first_location().pk,)
    assert set(run.recommendations.values_list("location__code", flat=True)) == {
        _first_location().code
    }


def test_a_planner_without_grants_cannot_start_a_run(network, ungranted, client):
    response = client_for(ungranted).post("/api/v1/runs/", {}, format="json")
    assert response.status_code == 403 and "administrator" in response.json()["detail"]
    client.force_login(ungranted)
    page = client.post(reverse("inventory:runs"), {"description": "mine"})
    assert page.status_code == 200 and PolicyRun.objects.count() == 1
    assert NO_SCOPE_MESSAGE in str(page.context["form"].errors)


def test_a_scoped_planner_cannot_cancel_a_whole_network_run(network, scoped, manager, client):
    running = PolicyRun.objects.create(
        status=RunStatus.RUNNING,
        scope=RunScope().as_json(),
        parameters={},
        algorithm_version="test",
        actor=manager,
    )
    api = client_for(scoped).post(f"/api/v1/runs/{running.pk}/cancel/")
    assert api.status_code == 403
    client.force_login(scoped)
    assert client.post(reverse("inventory:run-cancel", args=[running.pk])).status_code == 403
    running.refresh_from_db()
    assert not running.cancel_requested
    assert client_for(manager).post(f"/api/v1/runs/{running.pk}/cancel/").status_code == 200


# --- Admin --------------------------------------------------------------------------------


@pytest.mark.parametrize("scoped", [Role.MANAGER], indirect=True)
def test_admin_changelists_of_a_scoped_manager_hold_their_locations_only(network, scoped, client):
    client.force_login(scoped)
    first = _first_location()
    for name in (
        "inventory_inventorypolicy",
        "inventory_inventoryposition",
        "demand_demandhistory",
    ):
        response = client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 200, name
        rows = response.context["cl"].result_list
        assert rows and {row.location_id for row in rows} == {first.pk}, name
    elsewhere = InventoryPolicy.objects.exclude(location=first).first()
    change = client.get(reverse("admin:inventory_inventorypolicy_change", args=[elsewhere.pk]))
    assert change.status_code == 302  # "does not exist": back to the admin index


@pytest.mark.parametrize("ungranted", [Role.MANAGER], indirect=True)
def test_admin_changelists_of_a_manager_without_grants_are_empty(network, ungranted, client):
    client.force_login(ungranted)
    response = client.get(reverse("admin:inventory_inventorypolicy_changelist"))
    assert response.status_code == 200 and list(response.context["cl"].result_list) == []


def test_admins_grant_a_location_to_a_user_in_the_admin(
    network, ungranted, client, django_user_model
):
    admin = django_user_model.objects.create_superuser("root", password="pw-123456789")
    client.force_login(admin)
    location = _first_location()
    url = reverse(
        "admin:inventory_location_permissions_manage_user", args=[location.pk, ungranted.pk]
    )
    response = client.post(url, {"permissions": ["view_location"]})
    assert response.status_code == 302
    assert set(location_scope(user=type(ungranted).objects.get(pk=ungranted.pk)).locations()) == {
        location
    }
