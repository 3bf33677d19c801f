"""The approvers' home in the admin (governance.admin): pending proposals compared with the
policy in force and the run's recommendation, approved and rejected through the services;
read-only policies and publications."""

import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.choices import ProposalStatus, Role
from governance.models import PolicyProposal
from governance.proposals import proposal_create, proposal_from_recommendation
from governance.services import location_scope_grant
from inventory.models import InventoryPolicy, ServiceLevelClass
from tests.factories import (
    make_exception,
    make_item,
    make_location,
    make_policy,
    make_recommendation,
)

# Policies in the factories take effect on 2026-01-05: "in force today" needs a pinned today.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]

CHANGELIST = reverse("admin:governance_policyproposal_changelist")
LONG_FLOAT = re.compile(r"\d\.\d{4,}")
VALUES = {
    "safety_stock": 10.0,
    "min_level": 30.0,
    "order_quantity": 50.0,
    "service_target": 0.95,
    "service_type": "cycle",
}


@pytest.fixture
def network(planner):
    """DC-1 and DC-2, each with a policy (reorder point 30, max 80) of their own SKU and a
    planner's override of the run's recommendation (40) to 45; DC-1's recommendation has
    long floats and its SKU-location an open exception."""
    north, south = make_location("DC-1"), make_location("DC-2")
    bearing = make_item("SKU-1", category="Bearings", unit_cost="12.50")
    valve = make_item("SKU-2", category="Valves")
    proposals = {}
    for item, location in ((bearing, north), (valve, south)):
        make_policy(item, location)
        recommendation = make_recommendation(
            item,
            location,
            safety_stock=12.345678901234,
            expected_service=0.951234567,
            demand_mean=3.33333333333,
            demand_pattern="smooth",
            distribution="normal",
            binding_constraint="moq",
        )
        proposals[location.code] = proposal_from_recommendation(
            user=planner,
            recommendation=recommendation,
            overrides={"reorder_point": 45.0, "min_level": 45.0, "max_level": 110.0},
            justification=f"Promotion at {location.code} in March",
        )
    make_exception(bearing, north, reasons=["COST_INVALID", "LEAD_TIME_MISSING"])
    return proposals


@pytest.fixture
def north_manager(network, django_user_model):
    """A staff manager granted DC-1 only."""
    user = django_user_model.objects.create_user(username="north-manager", is_staff=True)
    user.groups.add(Group.objects.get(name=Role.MANAGER))
    location_scope_grant(user=user, locations=[network["DC-1"].location])
    return user


def _texts(response) -> list[str]:
    """The messages the page (the changelist an action redirected to) shows."""
    return [str(message) for message in response.context["messages"]]


def _act(client, action: str, proposals, query: str = "", **extra):
    """Post an action on the changelist (``apply`` confirms an intermediate page's form) and
    follow its redirect back to the changelist."""
    data = {"action": action, "_selected_action": [p.pk for p in proposals], **extra}
    if "apply" not in extra:
        data["index"] = 0
    return client.post(CHANGELIST + query, data, follow=True)


def _redirected(response) -> bool:
    return response.redirect_chain == [(CHANGELIST, 302)]


def test_the_changelist_compares_in_force_recommended_and_proposed(network, manager, client):
    client.force_login(manager)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert {p.pk for p in response.context["cl"].result_list} == {p.pk for p in network.values()}
    assert "Pending approvals" in page
    assert "30 → 45 (rec. 40)" in page  # reorder point and min
    assert "80 → 110 (rec. 100)" in page
    assert "10 → 12.35 (rec. 12.35)" in page  # safety stock, rounded
    assert "+15 (+50 %) / +30 (+38 %)" in page  # units: reorder point / max
    assert "+187.5 / +375" in page  # value at SKU-1's unit cost of 12.50
    assert "Promotion at DC-1 in March" in page
    assert "object (" not in page and not LONG_FLOAT.search(page)


def test_the_change_page_is_read_only_and_explains_the_recommendation(network, manager, client):
    client.force_login(manager)
    proposal = network["DC-1"]
    url = reverse("admin:governance_policyproposal_change", args=[proposal.pk])
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Proposal #{proposal.pk}: SKU-1 at DC-1 (Awaiting approval)" in page
    for text in ("95.1 %", "smooth", "normal", "moq", "3.33", "AX"):  # the explanation
        assert text in page, text
    assert "Data quality" in page and "COST_INVALID, LEAD_TIME_MISSING" in page
    assert "Override: Promotion at DC-1 in March" in page  # its history
    assert "object (" not in page and not LONG_FLOAT.search(page)
    assert 'name="justification"' not in page and 'name="_save"' not in page
    assert 'value="approve_selected"' in page and 'value="reject_selected"' in page
    assert client.post(url, {"justification": "changed"}).status_code == 403
    assert client.get(reverse("admin:governance_policyproposal_add")).status_code == 403
    delete = reverse("admin:governance_policyproposal_delete", args=[proposal.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.justification == "Promotion at DC-1 in March"


def test_a_scoped_manager_sees_their_locations_only(network, north_manager, client):
    client.force_login(north_manager)
    south = network["DC-2"]
    queries = [
        {},
        {"q": "SKU-2"},
        {"q": "DC-2"},
        {"location__id__exact": south.location_id},
        {"category": "Valves"},
        {"status": "all"},
    ]
    for query in queries:
        response = client.get(CHANGELIST, query)
        assert response.status_code == 200, query
        rows = {p.pk for p in response.context["cl"].result_list}
        assert south.pk not in rows, query
        assert response.context["cl"].result_count == len(rows), query
        page = response.content.decode()
        assert "Promotion at DC-2" not in page, query
        assert ">Valves<" not in page and ">DC-2<" not in page, query  # filters' choices
    elsewhere = reverse("admin:governance_policyproposal_change", args=[south.pk])
    assert client.get(elsewhere).status_code == 302  # "does not exist"
    # Even an action posted with its id leaves it alone.
    refused = _act(client, "approve_selected", [south])
    assert _texts(refused)[-1] == "Approved 0."
    south.refresh_from_db()
    assert south.status == ProposalStatus.PROPOSED


def test_filters_status_by_default_and_change_size(network, planner, manager, client):
    north, south = network["DC-1"], network["DC-2"]
    values = VALUES | {"reorder_point": 31.0, "max_level": 80.0}  # +3 %
    small = proposal_create(
        user=planner, item=south.item, location=south.location, values=values, justification="x"
    )
    client.force_login(manager)

    def listed(**query) -> set[int]:
        response = client.get(CHANGELIST, query)
        assert response.status_code == 200, query
        return {p.pk for p in response.context["cl"].result_list}

    assert listed() == {north.pk, small.pk}  # the superseded one is not pending
    assert listed(status="superseded") == {south.pk}
    assert listed(status="all") == {north.pk, south.pk, small.pk}
    assert listed(change="small") == {small.pk}
    assert listed(change="medium") == {north.pk}  # 30 -> 45: +50 %
    assert listed(change="large") == set()
    assert listed(change="new") == set()
    assert listed(category="Bearings") == {north.pk}
    assert listed(segment="AX") == {north.pk}  # the small one has no recommendation
    assert listed(kind="override") == {north.pk, small.pk}


def test_approving_selected_changes_the_policies_and_counts_refusals(
    network, planner, manager, client
):
    north, south = network["DC-1"], network["DC-2"]
    values = VALUES | {"reorder_point": 40.0, "max_level": 90.0}
    own = proposal_create(
        user=manager, item=south.item, location=north.location, values=values, justification="x"
    )
    make_policy(own.item, own.location)
    new = proposal_create(
        user=planner,
        item=make_item("SKU-3"),
        location=north.location,
        values=values,
        justification="New SKU",
    )
    client.force_login(manager)
    response = _act(client, "approve_selected", [north, south, own, new])
    assert _redirected(response)
    assert _texts(response) == [
        "Approved 2.",
        "Not approved, no policy to change (approve it on its own): 1.",
        "Not approved, your own proposal: 1.",
    ]
    policy = InventoryPolicy.objects.get(item=north.item, location=north.location)
    assert (policy.reorder_point, policy.max_level, policy.policy_version) == (45, 110, 2)
    assert policy.history.first().history_change_reason.startswith(
        f"Proposal #{north.pk} approved by test-manager. Override: Promotion at DC-1"
    )
    assert {p.status for p in PolicyProposal.objects.filter(pk__in=[north.pk, south.pk])} == {
        ProposalStatus.APPROVED
    }
    alone = _act(client, "approve_selected", [new])
    assert _texts(alone) == ["Approved 1."]
    created = InventoryPolicy.objects.get(item=new.item, location=new.location)
    assert (created.reorder_point, created.policy_version) == (40, 1)


def test_a_managers_own_proposal_is_refused_with_a_message(network, manager, client):
    north = network["DC-1"]
    own = proposal_create(
        user=manager,
        item=north.item,
        location=north.location,
        values=VALUES | {"reorder_point": 40.0, "max_level": 90.0},
        justification="Mine",
    )
    client.force_login(manager)
    response = _act(client, "approve_selected", [own])
    assert _redirected(response)
    [message] = _texts(response)
    assert message.startswith(f"Not approved: #{own.pk} (SKU-1 at DC-1): You cannot decide")
    own.refresh_from_db()
    assert own.status == ProposalStatus.PROPOSED


def test_rejecting_asks_for_a_comment(network, manager, client):
    north, south = network["DC-1"], network["DC-2"]
    client.force_login(manager)
    asked = _act(client, "reject_selected", [north, south])
    assert asked.status_code == 200
    assert b'name="comment"' in asked.content and b"SKU-2 at DC-2" in asked.content
    empty = _act(client, "reject_selected", [north, south], apply="Reject", comment="  ")
    assert empty.status_code == 200 and b"This field is required." in empty.content
    assert PolicyProposal.objects.filter(status=ProposalStatus.PROPOSED).count() == 2
    done = _act(client, "reject_selected", [north, south], apply="Reject", comment="Too high.")
    assert _redirected(done) and _texts(done) == ["Rejected 2."]
    north.refresh_from_db()
    assert (north.status, north.decision_comment, north.decided_by) == (
        ProposalStatus.REJECTED,
        "Too high.",
        manager,
    )
    again = _act(client, "reject_selected", [north], "?status=all", apply="Reject", comment="2")
    [message] = _texts(again)
    assert message.startswith(f"Not rejected: #{north.pk} (SKU-1 at DC-1): Proposal #{north.pk}")
    assert "is already rejected by test-manager" in message


@pytest.mark.parametrize("role", [Role.PLANNER, Role.EXECUTIVE])
def test_planners_and_executives_cannot_decide_in_the_admin(network, role, request, client):
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert client.get(CHANGELIST).status_code == 302  # not staff: the admin's login
    user.is_staff = True
    user.save()
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    form = response.context["action_form"]  # None: no action at all
    assert form is None or not {name for name, _ in form.fields["action"].choices} & {
        "approve_selected",
        "reject_selected",
    }
    _act(client, "approve_selected", network.values())
    _act(client, "reject_selected", network.values(), apply="Reject", comment="No.")
    assert PolicyProposal.objects.filter(status=ProposalStatus.PROPOSED).count() == 2
    assert InventoryPolicy.objects.filter(policy_version=1).count() == 2


def test_the_policy_admin_is_read_only(network, manager, admin_user_in_role, client):
    policy = InventoryPolicy.objects.get(location__code="DC-1")
    for user in (manager, admin_user_in_role):
        client.force_login(user)
        url = reverse("admin:inventory_inventorypolicy_change", args=[policy.pk])
        page = client.get(url)
        assert page.status_code == 200
        assert b'name="reorder_point"' not in page.content
        assert b"policies change through proposals" in page.content
        assert client.post(url, {"reorder_point": 99}).status_code == 403
        history = policy.history.first()
        revert = reverse(
            "admin:inventory_inventorypolicy_simple_history", args=[policy.pk, history.pk]
        )
        assert client.post(revert, {"reorder_point": 99}).status_code == 403
        listing = client.get(reverse("admin:inventory_inventorypolicy_changelist"))
        assert b"policies change through proposals" in listing.content
    policy.refresh_from_db()
    assert (policy.reorder_point, policy.policy_version) == (30, 1)


def test_publications_and_service_classes_in_the_admin(
    network, manager, admin_user_in_role, client
):
    from governance.publication import publication_create

    north = network["DC-1"]
    client.force_login(manager)
    _act(client, "approve_selected", [north])
    publication_create(user=manager, release_held=True, justification="Cost checked")
    for name in (
        "governance_publicationbatch",
        "governance_publishedpolicy",
        "inventory_policyrecommendation",
        "inventory_inventorypolicy",
    ):
        response = client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 200, name
        page = response.content.decode()
        assert "object (" not in page and not LONG_FLOAT.search(page), name
    assert (
        "Cost checked"
        in client.get(reverse("admin:governance_publicationbatch_changelist")).content.decode()
    )
    service_class = ServiceLevelClass.objects.create(code="AX", target=0.98, service_type="fill")
    client.force_login(admin_user_in_role)
    url = reverse("admin:inventory_servicelevelclass_change", args=[service_class.pk])
    data = {"code": "AX", "target": 0.98, "service_type": "fill", "accept_tolerance": 0.2}
    data["source"] = "manual"
    assert client.post(url, data).status_code == 302
    service_class.refresh_from_db()
    assert service_class.accept_tolerance == 0.2


def test_the_changelist_queries_do_not_grow_with_its_rows(network, planner, manager, client):
    client.force_login(manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(CHANGELIST).status_code == 200
        return len(captured)

    few = queries()
    location = network["DC-1"].location
    for number in range(5):
        item = make_item(f"SKU-MORE-{number}", category=f"Category {number}")
        make_policy(item, location)
        proposal_from_recommendation(
            user=planner, recommendation=make_recommendation(item, location)
        )
    assert queries() == few


def test_the_change_page_decides_its_proposal(network, manager, executive, client):
    north = network["DC-1"]
    url = reverse("admin:governance_policyproposal_change", args=[north.pk])
    executive.is_staff = True
    executive.save()
    client.force_login(executive)
    assert b"approve_selected" not in client.get(url).content
    client.force_login(manager)
    # What the page's Approve button posts: the changelist's action for this proposal.
    response = _act(client, "approve_selected", [north], "?status=all")
    assert _texts(response) == ["Approved 1."]
    north.refresh_from_db()
    assert north.status == ProposalStatus.APPROVED
    assert b"approve_selected" not in client.get(url).content  # decided: no buttons
