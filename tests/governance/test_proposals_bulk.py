"""The workflow's bulk paths (governance.proposals_bulk): accept-all within each service
class's tolerance, and approving many proposals at once, with the single path's rules and
audit."""

import pytest
from django.core.exceptions import PermissionDenied

from governance.accept_all import proposals_accept_all
from governance.choices import ProposalKind, ProposalStatus
from governance.models import PolicyProposal
from governance.proposals import proposal_from_recommendation
from governance.proposals_bulk import proposals_approve_many
from governance.services import location_scope_grant
from inventory.models import InventoryPolicy, PolicyRun, ServiceLevelClass
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


@pytest.fixture
def run():
    """A run recommending, against policies of reorder point 30 and max 80 at DC-1:
    'near' 32 / 84 (within 10 %), 'far' 40 / 100, 'new' (no policy), 'bad' (blocked);
    and 'other' at DC-2 (within)."""
    dc1, dc2 = make_location("DC-1"), make_location("DC-2")
    run = PolicyRun.objects.create(algorithm_version="test", status="succeeded")
    near = {"reorder_point": 32.0, "min_level": 32.0, "max_level": 84.0}
    for sku, location, values, policy in (
        ("near", dc1, near, True),
        ("far", dc1, {}, True),
        ("new", dc1, near, False),
        ("bad", dc1, {"blocked": True, "reorder_point": None}, True),
        ("other", dc2, near, True),
    ):
        item = make_item(sku)
        if policy:
            make_policy(item, location)
        make_recommendation(item, location, run=run, **values)
    return run


def test_accept_all_proposes_the_changes_within_tolerance(run, planner):
    result = proposals_accept_all(user=planner, run=run)
    assert (result.proposed, result.outside_tolerance, result.without_policy, result.invalid) == (
        2,
        1,
        1,
        1,
    )
    proposals = PolicyProposal.objects.order_by("item__sku")
    assert list(proposals.values_list("item__sku", "kind", "reorder_point", "base_version")) == [
        ("near", ProposalKind.ACCEPTED, 32, 1),
        ("other", ProposalKind.ACCEPTED, 32, 1),
    ]
    first = proposals.first()
    assert first.current["max_level"] == 80 and first.recommended["max_level"] == 84
    history = first.history.get()
    assert history.history_user == planner
    assert history.history_change_reason == (
        f"Recommendation of run #{run.pk} accepted as is. (accept-all)"
    )


def test_each_service_class_has_its_own_tolerance(run, planner):
    ServiceLevelClass.objects.create(
        code="AX", target=0.99, service_type="fill", accept_tolerance=0.4
    )
    result = proposals_accept_all(user=planner, run=run)
    assert result.proposed == 3 and result.outside_tolerance == 0


def test_accept_all_stays_in_scope_and_supersedes_open_proposals(run, ungranted_planner, planner):
    near = run.recommendations.get(item__sku="near")
    older = proposal_from_recommendation(
        user=planner, recommendation=near, overrides={"order_quantity": 70.0}, justification="x"
    )
    location_scope_grant(user=ungranted_planner, locations=[near.location])
    result = proposals_accept_all(user=ungranted_planner, run=run)
    assert (result.proposed, result.superseded) == (1, 1)  # 'other' at DC-2 is not in scope
    older.refresh_from_db()
    assert older.status == ProposalStatus.SUPERSEDED
    assert older.history.first().history_change_reason == (
        "Superseded by a later proposal (accept-all)."
    )


def test_accept_all_needs_the_planner_or_manager_role(run, executive):
    with pytest.raises(PermissionDenied):
        proposals_accept_all(user=executive, run=run)


def test_approving_many_applies_what_may_be_and_counts_the_rest(run, planner, manager):
    proposals_accept_all(user=planner, run=run)
    own = proposal_from_recommendation(
        user=manager, recommendation=run.recommendations.get(item__sku="far")
    )
    changed = PolicyProposal.objects.get(item__sku="other")
    InventoryPolicy.objects.filter(pk=changed.policy_id).update(policy_version=5)
    decision = proposals_approve_many(
        user=manager, proposals=PolicyProposal.objects.all(), comment="Monthly cycle."
    )
    assert decision.approved == 1
    assert decision.refused == {
        "your own proposal": 1,
        "the policy changed since it was proposed": 1,
    }
    policy = InventoryPolicy.objects.get(item__sku="near")
    assert (policy.reorder_point, policy.max_level, policy.policy_version) == (32, 84, 2)
    approved = PolicyProposal.objects.get(item__sku="near")
    assert (approved.status, approved.decided_by) == (ProposalStatus.APPROVED, manager)
    assert policy.history.first().history_change_reason == (
        f"Proposal #{approved.pk} approved by test-manager. Recommendation of run #{run.pk} "
        "accepted as is. Approval: Monthly cycle."
    )
    assert policy.history.first().history_user == manager
    assert own.status == ProposalStatus.PROPOSED
    again = proposals_approve_many(user=manager, proposals=PolicyProposal.objects.all())
    assert again.approved == 0 and again.refused["already approved (active)"] == 1


def test_approving_many_stays_in_scope(run, planner, ungranted_planner, manager):
    proposals_accept_all(user=planner, run=run)
    ungranted_planner.user_permissions.add(
        *manager.groups.get().permissions.filter(codename="decide_policyproposal")
    )
    location_scope_grant(user=ungranted_planner, locations=[make_location("DC-9")])
    decision = proposals_approve_many(
        user=ungranted_planner, proposals=PolicyProposal.objects.all()
    )
    assert decision.approved == 0 and decision.refused == {"outside your scope": 2}


def test_accept_all_keeps_the_runs_explanation_beside_each_proposal(run, planner):
    near = run.recommendations.get(item__sku="near")
    near.stockout_reasons, near.ss_demand, near.ss_lead_time = (
        ["POSITION_BELOW_SAFETY_STOCK"],
        9.0,
        3.0,
    )
    near.save()
    proposals_accept_all(user=planner, run=run)
    recommended = PolicyProposal.objects.get(item__sku="near").recommended
    assert recommended["stockout_reasons"] == ["POSITION_BELOW_SAFETY_STOCK"]
    assert (recommended["ss_demand"], recommended["ss_lead_time"]) == (9.0, 3.0)
    assert recommended["excess_reasons"] == [] and recommended["run"] == run.pk


def test_accept_all_checks_the_order_quantity_against_the_primary_lane(run, planner):
    near, other = (run.recommendations.get(item__sku=sku) for sku in ("near", "other"))
    supplier = make_supplier()
    # Both order 60: not whole cases of 7 for 'near', below an MOQ of 70 for 'other'.
    make_supplier_lane(supplier, near.item, near.location, lot_size=1, case_pack=7)
    make_supplier_lane(supplier, other.item, other.location, moq=70)
    result = proposals_accept_all(user=planner, run=run)
    assert (result.proposed, result.invalid) == (0, 3)
    near.order_quantity = 63.0  # whole cases now
    near.save()
    assert proposals_accept_all(user=planner, run=run).proposed == 1
