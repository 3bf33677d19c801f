"""The workflow API: propose, accept-all, approve, reject and publish over HTTP, with the
services' rules as status codes, and two managers approving at once on PostgreSQL."""

import json
import threading

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection

from governance.choices import ProposalStatus, Role
from governance.models import PolicyProposal
from governance.services import location_scope_grant
from inventory.models import InventoryPolicy
from tests.api_helpers import client_for
from tests.factories import make_item, make_location, make_policy, make_recommendation

PROPOSALS = "/api/v1/proposals/"
PUBLICATIONS = "/api/v1/publications/"
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
# Policies in the factories take effect on 2026-01-05: "in force today" needs a pinned today.
pytestmark = pytest.mark.usefixtures("pinned_now")


def _recommendation(sku: str = "SKU-1", code: str = "DC-1"):
    item, location = make_item(sku), make_location(code)
    make_policy(item, location)
    return make_recommendation(item, location)


def _manager(django_user_model, name: str):
    user = django_user_model.objects.create_user(username=name, is_staff=True)
    user.groups.add(Group.objects.get(name=Role.MANAGER))
    location_scope_grant(user=user, whole_network=True)
    return user


@pytest.mark.django_db
def test_propose_approve_publish_and_export_over_the_api(planner, manager):
    recommendation = _recommendation()
    created = client_for(planner).post(
        PROPOSALS,
        {
            "recommendation": recommendation.pk,
            "overrides": {"reorder_point": 45, "min_level": 45},
            "justification": "Promotion in March.",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["kind"], body["reorder_point"], body["current"]["reorder_point"]) == (
        "override",
        45,
        30,
    )
    approved = client_for(manager).post(
        f"{PROPOSALS}{body['id']}/approve/", {"version": 1, "comment": "OK."}, format="json"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    published = client_for(manager).post(PUBLICATIONS, {}, format="json")
    assert published.status_code == 201 and published.json()["policies"] == 1
    export = client_for(planner).get("/api/v1/policies/export/")
    rows = json.loads(b"".join(export.streaming_content))
    assert [(r["sku"], r["reorder_point"], r["policy_version"]) for r in rows] == [("SKU-1", 45, 2)]


@pytest.mark.django_db
def test_the_rules_answer_with_status_codes(planner, manager, executive):
    recommendation = _recommendation()
    client = client_for(planner)
    missing = client.post(
        PROPOSALS,
        {"recommendation": recommendation.pk, "overrides": {"max_level": 20}},
        format="json",
    )
    assert missing.status_code == 400 and "justification" in missing.json()
    bad = client.post(
        PROPOSALS,
        {"recommendation": recommendation.pk, "overrides": {"max_level": 20}, "justification": "x"},
        format="json",
    )
    assert bad.json() == {"max_level": ["Max 20 is below the reorder point 40."]}
    unknown = client.post(PROPOSALS, {"recommendation": 999, "colour": "red"}, format="json")
    assert unknown.status_code == 400 and "colour" in unknown.json()
    assert (
        client_for(executive)
        .post(PROPOSALS, {"recommendation": recommendation.pk}, format="json")
        .status_code
        == 403
    )
    made = client.post(PROPOSALS, {"recommendation": recommendation.pk}, format="json").json()
    assert client.post(f"{PROPOSALS}{made['id']}/approve/", {}, format="json").status_code == 403
    form = client.post(f"{PROPOSALS}{made['id']}/approve/", {})  # a form body: JSON only
    assert form.status_code == 415
    rejected = client_for(manager).post(f"{PROPOSALS}{made['id']}/reject/", {}, format="json")
    assert rejected.status_code == 400 and "comment" in rejected.json()
    stale = client_for(manager).post(
        f"{PROPOSALS}{made['id']}/approve/", {"version": 7}, format="json"
    )
    assert stale.status_code == 409 and "changed since you read it" in stale.json()["detail"]
    assert client_for(planner).post(PUBLICATIONS, {}, format="json").status_code == 403


@pytest.mark.django_db
def test_out_of_scope_proposals_are_invisible(planner, ungranted_planner, manager):
    recommendation = _recommendation()
    made = client_for(planner).post(PROPOSALS, {"recommendation": recommendation.pk}, format="json")
    assert made.status_code == 201
    outsider = client_for(ungranted_planner)
    assert outsider.get(PROPOSALS).json()["results"] == []
    assert outsider.get(f"{PROPOSALS}{made.json()['id']}/").status_code == 404
    refused = outsider.post(PROPOSALS, {"recommendation": recommendation.pk}, format="json")
    assert refused.status_code == 404
    assert refused.json() == {
        "detail": f"No recommendation #{recommendation.pk} at your locations."
    }


@pytest.mark.django_db
def test_accept_all_over_the_api(planner):
    recommendation = _recommendation()
    response = client_for(planner).post(
        f"{PROPOSALS}accept-all/", {"run": recommendation.run_id}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {
        "proposed": 0,
        "superseded": 0,
        "outside_tolerance": 1,  # reorder point 30 → 40 is beyond the default 10 %
        "without_policy": 0,
        "invalid": 0,
    }
    missing = client_for(planner).post(f"{PROPOSALS}accept-all/", {"run": 12345}, format="json")
    assert (missing.status_code, missing.json()) == (404, {"detail": "No run #12345."})


# --- Two managers approving the same proposal at once, on PostgreSQL ---------------------------


def _approve_at_once(users: list, proposal: PolicyProposal) -> list[int]:
    """POST approve from each user's own thread and connection, released together."""
    start = threading.Barrier(len(users))
    codes = [0] * len(users)

    def approve(index: int, user) -> None:
        try:
            client = client_for(user)
            start.wait()
            response = client.post(f"{PROPOSALS}{proposal.pk}/approve/", {}, format="json")
            codes[index] = response.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(i, u)) for i, u in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


@pytest.mark.skipif(not ON_POSTGRESQL, reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_managers_approving_at_once_one_wins_and_one_is_told(planner, django_user_model):
    first, second = (_manager(django_user_model, f"m-{n}") for n in (1, 2))
    for number in range(8):
        recommendation = _recommendation(f"R-{number}", f"DC-{number}")
        made = client_for(planner).post(
            PROPOSALS, {"recommendation": recommendation.pk}, format="json"
        )
        proposal = PolicyProposal.objects.get(pk=made.json()["id"])
        codes = _approve_at_once([first, second], proposal)
        assert sorted(codes) == [200, 409], codes
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.APPROVED
        policy = InventoryPolicy.objects.get(pk=proposal.policy_id)
        assert policy.policy_version == 2 and policy.history.count() == 2
