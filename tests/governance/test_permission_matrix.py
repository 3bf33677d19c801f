"""The permission matrix through the API: role (planner, manager, executive, integration,
admin, no role) × action (view, propose, override, approve, reject, publish, start run,
cancel run, load, export) × an object inside or outside the user's scope.

Planners, managers and executives are scoped to DC-IN; integrations and admins see the whole
network by design. Allowed actions succeed; refused ones answer 403 (the role) or 404 (an
object outside the scope is not there for the user), and nothing of DC-OUT shows in lists or
the export. The services behind pages and the admin are the same (tests/governance/
test_proposals*.py, test_admin_approvals.py, test_audit_page.py).
"""

import json
from datetime import date

import pytest
from django.contrib.auth.models import Group

from governance.choices import Role
from governance.models import PolicyProposal, PublishedPolicy
from governance.proposals import proposal_from_recommendation
from governance.publication import publication_create
from governance.services import location_scope_grant
from inventory.choices import RunStatus
from inventory.models import Location, PolicyRun
from inventory.runs.scope import RunScope
from tests.api_helpers import client_for
from tests.factories import (
    make_item,
    make_kpi_snapshot,
    make_location,
    make_policy,
    make_recommendation,
)

# Policies in the factories take effect on 2026-01-05: "in force today" needs a pinned today.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]

ROLES = ["planner", "manager", "executive", "integration", "admin", "none"]
SCOPED = {"planner", "manager", "executive"}
# What each role may do at all (in its scope).
_MANAGER = {"view", "propose", "override", "approve", "reject", "publish"}
_MANAGER |= {"start run", "cancel run", "export"}
ALLOWED = {
    "planner": {"view", "propose", "override", "start run", "cancel run", "export"},
    "manager": _MANAGER,
    "executive": {"view", "export"},
    "integration": {"view", "load", "export"},
    "admin": _MANAGER | {"load"},
    "none": set(),
}


@pytest.fixture
def world(django_user_model):
    """DC-IN and DC-OUT, each with a policy, a recommendation, a proposal awaiting approval
    (by another planner) and a queued run over it."""
    author = django_user_model.objects.create_user(username="author")
    author.groups.add(Group.objects.get(name=Role.PLANNER))
    location_scope_grant(user=author, whole_network=True)
    made = {}
    for code in ("DC-IN", "DC-OUT"):
        location = make_location(code)
        item = make_item(f"SKU-{code}", category="bench")
        make_policy(item, location)
        recommendation = make_recommendation(item, location)
        proposal = proposal_from_recommendation(
            user=author, recommendation=make_recommendation(item, location)
        )
        run = PolicyRun.objects.create(
            algorithm_version="test",
            status=RunStatus.QUEUED,
            # Its own category, so a run started over the location does not overlap it.
            scope=RunScope(location_ids=(location.pk,), categories=("queued",)).as_json(),
        )
        made[code] = {"recommendation": recommendation, "proposal": proposal, "run": run}
    return made


def _user(django_user_model, role: str):
    user = django_user_model.objects.create_user(
        username=f"matrix-{role}", is_staff=role in ("manager", "admin")
    )
    if role != "none":
        user.groups.add(Group.objects.get(name=role))
    if role in SCOPED:
        location_scope_grant(user=user, locations=[Location.objects.get(code="DC-IN")])
    return user


def _act(client, action: str, target: dict) -> int:
    """Do ``action`` on ``target`` (one location's objects); the status code."""
    recommendation, proposal, run = target["recommendation"], target["proposal"], target["run"]
    proposals = "/api/v1/proposals/"
    if action == "view":
        return client.get(f"{proposals}{proposal.pk}/").status_code
    if action == "propose":
        body = {"recommendation": recommendation.pk}
        return client.post(proposals, body, format="json").status_code
    if action == "override":
        body = {
            "recommendation": recommendation.pk,
            "overrides": {"order_quantity": 61.0},
            "justification": "Matrix.",
        }
        return client.post(proposals, body, format="json").status_code
    if action in ("approve", "reject"):
        body = {"comment": "Matrix."}
        return client.post(f"{proposals}{proposal.pk}/{action}/", body, format="json").status_code
    if action == "publish":
        return client.post("/api/v1/publications/", {}, format="json").status_code
    if action == "start run":
        body = {"scope": {"locations": [recommendation.location.code], "categories": ["bench"]}}
        return client.post("/api/v1/runs/", body, format="json").status_code
    if action == "cancel run":
        return client.post(f"/api/v1/runs/{run.pk}/cancel/").status_code
    if action == "load":
        csv = f"sku,description\nNEW-{recommendation.location.code},x\n"
        return client.post(
            "/api/v1/items/bulk/", data=csv.encode(), content_type="text/csv"
        ).status_code
    if action == "export":
        return client.get("/api/v1/policies/export/").status_code
    raise AssertionError(action)


ACTIONS = [
    "view",
    "propose",
    "override",
    "approve",
    "reject",
    "publish",
    "start run",
    "cancel run",
    "load",
    "export",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_in_scope(world, django_user_model, settings, role, action):
    settings.RUNS_SYNC = False
    code = _act(client_for(_user(django_user_model, role)), action, world["DC-IN"])
    if action in ALLOWED[role]:
        assert code in (200, 201, 202), (role, action, code)
    else:
        assert code in (403, 404), (role, action, code)


@pytest.mark.parametrize("role", sorted(SCOPED))
@pytest.mark.parametrize(
    "action", ["view", "propose", "override", "approve", "reject", "start run", "cancel run"]
)
def test_out_of_scope_is_refused(world, django_user_model, settings, role, action):
    settings.RUNS_SYNC = False
    code = _act(client_for(_user(django_user_model, role)), action, world["DC-OUT"])
    assert code in (403, 404), (role, action, code)


@pytest.mark.parametrize("role", sorted(SCOPED))
def test_nothing_out_of_scope_leaks_through_lists_filters_counts_or_exports(
    world, django_user_model, manager, role
):
    publication_create(user=manager)  # every location's policies published
    client = client_for(_user(django_user_model, role))
    listed = client.get("/api/v1/proposals/").json()["results"]
    assert {row["location"] for row in listed} == {"DC-IN"}
    assert client.get("/api/v1/proposals/", {"location": "DC-OUT"}).json()["results"] == []
    assert client.get("/api/v1/proposals/", {"item": "SKU-DC-OUT"}).json()["results"] == []
    export = json.loads(b"".join(client.get("/api/v1/policies/export/").streaming_content))
    assert {row["location"] for row in export} == {"DC-IN"}
    assert PublishedPolicy.objects.count() == 2  # both were published, one is shown


def test_a_scoped_manager_publishes_only_their_locations(world, django_user_model):
    manager = _user(django_user_model, "manager")
    client_for(manager).post("/api/v1/publications/", {}, format="json")
    published = PublishedPolicy.objects.values_list("location__code", flat=True)
    assert list(published) == ["DC-IN"]


def test_approving_in_scope_changes_only_that_proposal(world, django_user_model):
    manager = _user(django_user_model, "manager")
    client = client_for(manager)
    assert _act(client, "approve", world["DC-IN"]) == 200
    statuses = dict(PolicyProposal.objects.values_list("location__code", "status"))
    assert statuses == {"DC-IN": "approved", "DC-OUT": "proposed"}


# KPIs: every role that reads may read them (within its scope); the KPI inputs the ERP does
# not send (expedites, write-offs) are loaded by the loading roles only.
KPI_LOADERS = {"integration", "admin"}


@pytest.mark.parametrize("role", ROLES)
def test_kpis_and_their_inputs_by_role_and_scope(world, django_user_model, role):
    for code in ("DC-IN", "DC-OUT"):
        make_kpi_snapshot(date(2026, 1, 5), Location.objects.get(code=code), demand_units=1)
    client = client_for(_user(django_user_model, role))
    kpis = client.get("/api/v1/kpis/")
    expedites = client.get("/api/v1/expedites/")
    if role == "none":
        assert (kpis.status_code, expedites.status_code) == (403, 403)
    else:
        shown = {row["label"] for row in kpis.json()["breakdown"]}
        assert shown == ({"DC-IN"} if role in SCOPED else {"DC-IN", "DC-OUT"}), role
    csv = "reference,item,location,expedite_date,cost\nEX-1,SKU-DC-OUT,DC-OUT,2026-01-07,9\n"
    load = client.post("/api/v1/expedites/bulk/", data=csv.encode(), content_type="text/csv")
    assert (load.status_code == 200) == (role in KPI_LOADERS), (role, load.status_code)
    if role in SCOPED:
        assert client.get("/api/v1/expedites/").json()["results"] == []  # DC-OUT's only
