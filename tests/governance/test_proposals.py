"""The policy workflow's services: propose (accept or override), approve, reject, supersede,
the checks on every path, and the audit each step leaves (governance.proposals)."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from governance.choices import ProposalKind, ProposalStatus, Role
from governance.models import PolicyProposal
from governance.proposals import (
    ProposalConflict,
    proposal_approve,
    proposal_create,
    proposal_from_recommendation,
    proposal_reject,
)
from governance.services import location_scope_grant
from inventory.choices import PolicySource, PolicyStatus
from inventory.models import InventoryPolicy
from tests.factories import (
    make_item,
    make_location,
    make_policy,
    make_recommendation,
    make_supplier,
    make_supplier_lane,
)

# Policies in the factories take effect on 2026-01-05: "in force today" needs a pinned today.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]

OVERRIDE = {"reorder_point": 45.0, "min_level": 45.0, "max_level": 110.0}


@pytest.fixture
def pair():
    item, location = make_item(), make_location()
    return item, location, make_policy(item, location)


@pytest.fixture
def second_manager(django_user_model):
    user = django_user_model.objects.create_user(username="second-manager", is_staff=True)
    user.groups.add(Group.objects.get(name=Role.MANAGER))
    location_scope_grant(user=user, whole_network=True)
    return user


def test_an_accepted_recommendation_becomes_the_active_policy_with_its_audit(
    pair, planner, manager
):
    item, location, policy = pair
    recommendation = make_recommendation(item, location)
    proposal = proposal_from_recommendation(user=planner, recommendation=recommendation)
    assert (proposal.kind, proposal.status) == (ProposalKind.ACCEPTED, ProposalStatus.PROPOSED)
    assert proposal.current["reorder_point"] == 30 and proposal.recommended["reorder_point"] == 40
    assert proposal.base_version == 1 and proposal.run_id == recommendation.run_id
    approved = proposal_approve(proposal=proposal, user=manager, comment="Fine.")
    policy.refresh_from_db()
    assert approved.pk == policy.pk
    assert (policy.reorder_point, policy.max_level, policy.order_quantity) == (40, 100, 60)
    assert (policy.policy_version, policy.status) == (2, PolicyStatus.ACTIVE)
    assert policy.policy_source == PolicySource.SYSTEM
    latest = policy.history.first()
    assert latest.history_user == manager
    assert latest.history_change_reason == (
        f"Proposal #{proposal.pk} approved by test-manager. Recommendation of run "
        f"#{recommendation.run_id} accepted as is. Approval: Fine."
    )
    before = latest.prev_record
    changes = {c.field: (c.old, c.new) for c in latest.diff_against(before).changes}
    assert changes["reorder_point"] == (30.0, 40.0) and changes["policy_version"] == (1, 2)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, proposal.version) == (
        ProposalStatus.APPROVED,
        manager,
        2,
    )
    reasons = list(proposal.history.values_list("history_change_reason", flat=True))
    assert reasons == [
        "Approved: Fine.",
        f"Recommendation of run #{recommendation.run_id} accepted as is.",
    ]


def test_an_override_needs_a_justification_and_is_recorded_as_manual(pair, planner, manager):
    item, location, policy = pair
    recommendation = make_recommendation(item, location)
    with pytest.raises(ValidationError) as refused:
        proposal_from_recommendation(
            user=planner, recommendation=recommendation, overrides=OVERRIDE
        )
    assert "justification" in refused.value.message_dict
    proposal = proposal_from_recommendation(
        user=planner,
        recommendation=recommendation,
        overrides=OVERRIDE,
        justification="Promotion in March.",
    )
    assert proposal.kind == ProposalKind.OVERRIDE and proposal.reorder_point == 45
    assert proposal.recommended["reorder_point"] == 40  # kept beside the override
    proposal_approve(proposal=proposal, user=manager)
    policy.refresh_from_db()
    assert (policy.reorder_point, policy.policy_source) == (45, PolicySource.MANUAL)
    assert policy.history.first().history_change_reason.endswith("Override: Promotion in March.")


def test_overriding_with_the_recommended_values_is_accepting(pair, planner):
    item, location, _ = pair
    recommendation = make_recommendation(item, location)
    proposal = proposal_from_recommendation(
        user=planner, recommendation=recommendation, overrides={"reorder_point": 40.0}
    )
    assert proposal.kind == ProposalKind.ACCEPTED


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"min_level": 50.0}, "min_level", "Min 50 is above the reorder point 40."),
        ({"max_level": 30.0}, "max_level", "Max 30 is below the reorder point 40."),
        ({"safety_stock": -1.0}, "safety_stock", "-1 is negative."),
        ({"order_quantity": float("nan")}, "order_quantity", "nan is not a number."),
        ({"service_target": 1.0}, "service_target", "Give a target between 0 and 1, e.g. 0.95."),
        ({"service_type": "often"}, "service_type", "Give one of cycle, fill."),
    ],
)
def test_bad_values_are_refused_naming_the_field(pair, planner, values, field, message):
    item, location, _ = pair
    recommendation = make_recommendation(item, location)
    with pytest.raises(ValidationError) as refused:
        proposal_from_recommendation(
            user=planner, recommendation=recommendation, overrides=values, justification="x"
        )
    assert refused.value.message_dict[field] == [message]
    assert not PolicyProposal.objects.exists()


def test_the_order_quantity_respects_the_primary_lanes_moq_and_multiples(pair, planner):
    item, location, _ = pair
    make_supplier_lane(make_supplier(), item, location, moq=48, lot_size=12, case_pack=8)
    recommendation = make_recommendation(item, location, order_quantity=72.0)
    for quantity, message in (
        (24.0, "24 is below the MOQ of 48."),
        (60.0, "60 is not a whole number of 24 (lot size 12, case pack 8)."),
    ):
        with pytest.raises(ValidationError) as refused:
            proposal_from_recommendation(
                user=planner,
                recommendation=recommendation,
                overrides={"order_quantity": quantity},
                justification="x",
            )
        assert refused.value.message_dict["order_quantity"] == [message]
    assert proposal_from_recommendation(user=planner, recommendation=recommendation).pk


def test_a_blocked_recommendation_cannot_be_proposed(pair, planner):
    item, location, _ = pair
    recommendation = make_recommendation(item, location, blocked=True, reorder_point=None)
    with pytest.raises(ValidationError, match="has no policy to propose"):
        proposal_from_recommendation(user=planner, recommendation=recommendation)


def test_nobody_decides_their_own_proposal(pair, manager, second_manager):
    item, location, _ = pair
    proposal = proposal_from_recommendation(
        user=manager, recommendation=make_recommendation(item, location)
    )
    with pytest.raises(PermissionDenied, match="your own proposal"):
        proposal_approve(proposal=proposal, user=manager)
    with pytest.raises(PermissionDenied, match="your own proposal"):
        proposal_reject(proposal=proposal, user=manager, comment="No.")
    proposal_approve(proposal=proposal, user=second_manager)


def test_planners_propose_but_do_not_decide_and_executives_do_neither(
    pair, planner, executive, manager
):
    item, location, _ = pair
    recommendation = make_recommendation(item, location)
    with pytest.raises(PermissionDenied, match="planner or manager role"):
        proposal_from_recommendation(user=executive, recommendation=recommendation)
    proposal = proposal_from_recommendation(user=planner, recommendation=recommendation)
    for user in (planner, executive):
        with pytest.raises(PermissionDenied, match="manager role"):
            proposal_approve(proposal=proposal, user=user)


def test_scopes_fail_closed_for_proposing_and_deciding(pair, ungranted_planner, planner):
    item, location, _ = pair
    recommendation = make_recommendation(item, location)
    ungranted_planner.groups.add(Group.objects.get(name=Role.MANAGER))
    with pytest.raises(PermissionDenied, match="not in your scope"):
        proposal_from_recommendation(user=ungranted_planner, recommendation=recommendation)
    proposal = proposal_from_recommendation(user=planner, recommendation=recommendation)
    with pytest.raises(PermissionDenied, match="not in your scope"):
        proposal_approve(proposal=proposal, user=ungranted_planner)
    location_scope_grant(user=ungranted_planner, locations=[make_location("DC-2")])
    with pytest.raises(PermissionDenied, match="not in your scope"):
        proposal_approve(proposal=proposal, user=ungranted_planner)
    location_scope_grant(user=ungranted_planner, locations=[location])
    proposal_approve(proposal=proposal, user=ungranted_planner)


def test_a_rejection_needs_a_comment_and_leaves_the_policy(pair, planner, manager):
    item, location, policy = pair
    proposal = proposal_from_recommendation(
        user=planner, recommendation=make_recommendation(item, location)
    )
    with pytest.raises(ValidationError, match="Say why"):
        proposal_reject(proposal=proposal, user=manager, comment=" ")
    proposal_reject(proposal=proposal, user=manager, comment="Supplier changes in May.")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    assert proposal.decision_comment == "Supplier changes in May."
    assert proposal.history.first().history_change_reason == "Rejected: Supplier changes in May."
    policy.refresh_from_db()
    assert (policy.reorder_point, policy.policy_version) == (30, 1)


def test_a_later_proposal_supersedes_the_open_one(pair, planner, manager):
    item, location, _ = pair
    recommendation = make_recommendation(item, location)
    first = proposal_from_recommendation(user=planner, recommendation=recommendation)
    second = proposal_from_recommendation(
        user=planner, recommendation=recommendation, overrides=OVERRIDE, justification="Promo."
    )
    first.refresh_from_db()
    assert first.status == ProposalStatus.SUPERSEDED
    assert first.history.first().history_change_reason == "Superseded by a later proposal."
    with pytest.raises(ProposalConflict, match="already superseded"):
        proposal_approve(proposal=first, user=manager)
    proposal_approve(proposal=second, user=manager)


def test_a_decided_proposal_cannot_be_decided_again(pair, planner, manager, second_manager):
    item, location, policy = pair
    proposal = proposal_from_recommendation(
        user=planner, recommendation=make_recommendation(item, location)
    )
    proposal_approve(proposal=proposal, user=manager)
    with pytest.raises(ProposalConflict, match="already approved \\(active\\) by test-manager"):
        proposal_reject(proposal=proposal, user=second_manager, comment="Too late.")
    policy.refresh_from_db()
    assert policy.policy_version == 2


def test_approving_after_the_policy_changed_is_refused_instead_of_reverting_it(
    pair, planner, manager
):
    item, location, policy = pair
    older = proposal_from_recommendation(
        user=planner, recommendation=make_recommendation(item, location)
    )
    # Another proposal is made and approved in between (the older one superseded): its own
    # policy change must not be undone by approving a stale one made earlier.
    PolicyProposal.objects.filter(pk=older.pk).update(status=ProposalStatus.PROPOSED)
    InventoryPolicy.objects.filter(pk=policy.pk).update(policy_version=2, reorder_point=35)
    with pytest.raises(ProposalConflict, match="version 1 then, 2 now"):
        proposal_approve(proposal=older, user=manager)
    policy.refresh_from_db()
    assert policy.reorder_point == 35


def test_a_stale_version_is_refused(pair, planner, manager):
    item, location, _ = pair
    proposal = proposal_from_recommendation(
        user=planner, recommendation=make_recommendation(item, location)
    )
    with pytest.raises(ProposalConflict, match="changed since you read it"):
        proposal_approve(proposal=proposal, user=manager, version=0)


def test_approving_for_a_sku_location_without_a_policy_creates_one(planner, manager):
    item, location = make_item(), make_location()
    recommendation = make_recommendation(item, location, is_latest=True)
    proposal = proposal_create(
        user=planner,
        item=item,
        location=location,
        values=recommendation.__dict__,
        justification="First policy of a new item.",
    )
    assert proposal.policy is None and proposal.current == {}
    policy = proposal_approve(proposal=proposal, user=manager)
    assert (policy.policy_version, policy.status, policy.reorder_point) == (
        1,
        PolicyStatus.ACTIVE,
        40,
    )
    assert policy.history.count() == 1
    recommendation.refresh_from_db()  # the planner pages now compare it with the new policy
    assert recommendation.policy == policy


def test_the_approver_sees_the_safety_stock_split_and_the_risk_flags(
    pair, planner, manager, client
):
    item, location, _ = pair
    recommendation = make_recommendation(
        item,
        location,
        ss_demand=9.0,
        ss_lead_time=3.0,
        stockout_reasons=["POSITION_BELOW_SAFETY_STOCK"],
        excess_reasons=[],
    )
    proposal = proposal_from_recommendation(user=planner, recommendation=recommendation)
    assert (proposal.recommended["ss_demand"], proposal.recommended["ss_lead_time"]) == (9, 3)
    client.force_login(manager)
    page = client.get(f"/admin/governance/policyproposal/{proposal.pk}/change/")
    text = page.content.decode()
    assert "Safety stock from demand variability" in text and "POSITION_BELOW_SAFETY_STOCK" in text
