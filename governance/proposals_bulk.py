"""The workflow's bulk paths, so a monthly cycle over 100k SKU-locations is a few clicks:
accept-all proposes every recommendation of a run whose change is within its service class's
tolerance; approving many decides a selection of proposals at once. The same rules as one at
a time (governance.proposals): permissions and scopes, value checks, supersession, no
self-approval, no approval over a policy changed since, and the same audit (who and why in
every history row) — written in bulk, chunk by chunk.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from governance.choices import ProposalKind, ProposalStatus
from governance.models import PolicyProposal
from governance.proposals import (
    DECIDE,
    PROPOSE,
    policy_approved,
    proposal_decided,
    proposal_reason,
    recommendation_snapshot,
)
from governance.selectors import location_scope
from inventory.choices import PolicySource, PolicyStatus
from inventory.models import (
    InventoryPolicy,
    PolicyRecommendation,
    PolicyRun,
    PolicyValues,
    ServiceLevelClass,
)

CHUNK = 5_000
DEFAULT_TOLERANCE = ServiceLevelClass._meta.get_field("accept_tolerance").default


@dataclass
class AcceptAllResult:
    """What accept-all did with a run's recommendations in the user's scope."""

    proposed: int = 0
    superseded: int = 0
    outside_tolerance: int = 0  # their change is larger: a planner looks at each
    without_policy: int = 0  # no policy in force to compare with: a planner looks at each
    invalid: int = 0  # blocked or failing a value check


@dataclass
class BulkDecision:
    """How many proposals were approved, and why the others were not."""

    approved: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # reason → proposals

    def refuse(self, reason: str, count: int = 1) -> None:
        if count:
            self.refused[reason] = self.refused.get(reason, 0) + count


@transaction.atomic
def proposals_accept_all(*, user: AbstractBaseUser, run: PolicyRun) -> AcceptAllResult:
    """Propose as is every recommendation of ``run`` in the user's scope whose reorder point
    and max level each differ from the policy in force by at most its class's
    ``accept_tolerance`` (a share of the current value)."""
    if not user.is_active or not user.has_perm(PROPOSE):
        raise PermissionDenied("Proposing policy changes needs the planner or manager role.")
    result = AcceptAllResult()
    recommendations = location_scope(user=user).restrict(run.recommendations.all())
    tolerance = dict(ServiceLevelClass.objects.values_list("code", "accept_tolerance"))
    for chunk in _chunks(recommendations.order_by("pk")):
        _accept_chunk(chunk, user, tolerance, result)
    return result


def _chunks(queryset: QuerySet) -> Iterator[list]:
    """The queryset's objects, ``CHUNK`` at a time (keyset paging on the primary key)."""
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk


def _accept_chunk(
    chunk: list[PolicyRecommendation], user, tolerance: dict, result: AcceptAllResult
) -> None:
    policies = _policies_in_force(chunk)
    accepted = []
    for recommendation in chunk:
        policy = policies.get((recommendation.item_id, recommendation.location_id))
        if not _valid(recommendation):
            result.invalid += 1
        elif policy is None:
            result.without_policy += 1
        elif not _within(recommendation, policy, tolerance):
            result.outside_tolerance += 1
        else:
            accepted.append(_proposal(recommendation, policy, user))
    result.superseded += _supersede(accepted, user)
    bulk_create_with_history(accepted, PolicyProposal, batch_size=CHUNK, default_user=user)
    result.proposed += len(accepted)


def _policies_in_force(chunk: list) -> dict[tuple[int, int], InventoryPolicy]:
    """The policy in force today of each SKU-location of the chunk."""
    today = timezone.localdate()
    items = {row.item_id for row in chunk}
    locations = {row.location_id for row in chunk}
    policies = (
        InventoryPolicy.objects.filter(
            item_id__in=items, location_id__in=locations, effective_from__lte=today
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=today))
        .order_by("effective_from")  # a later one wins below
    )
    return {(p.item_id, p.location_id): p for p in policies}


def _valid(recommendation: PolicyRecommendation) -> bool:
    """The checks of ``policy_values_check`` that a recommendation can fail (the engine
    already rounds its order quantity to the lane's MOQ and multiples)."""
    values = [getattr(recommendation, name) for name in PolicyValues.QUANTITIES]
    if recommendation.blocked or any(v is None or not np.isfinite(v) or v < 0 for v in values):
        return False
    target = recommendation.service_target
    ordered = recommendation.min_level <= recommendation.reorder_point <= recommendation.max_level
    return ordered and target is not None and 0 < target < 1


def _within(recommendation: PolicyRecommendation, policy: InventoryPolicy, tolerance) -> bool:
    share = tolerance.get(recommendation.service_class, DEFAULT_TOLERANCE)
    return all(
        abs(getattr(recommendation, name) - getattr(policy, name))
        <= share * abs(getattr(policy, name))
        for name in ("reorder_point", "max_level")
    )


def _proposal(recommendation: PolicyRecommendation, policy: InventoryPolicy, user):
    proposal = PolicyProposal(
        item_id=recommendation.item_id,
        location_id=recommendation.location_id,
        policy=policy,
        base_version=policy.policy_version,
        recommendation=recommendation,
        run_id=recommendation.run_id,
        kind=ProposalKind.ACCEPTED,
        current=policy.values(),
        recommended=recommendation_snapshot(recommendation),
        proposed_by=user,
        **{name: getattr(recommendation, name) for name in PolicyValues.FIELDS},
    )
    proposal._change_reason = proposal_reason(proposal) + " (accept-all)"
    return proposal


def _supersede(proposals: list[PolicyProposal], user) -> int:
    """Supersede the open proposals of these SKU-locations; how many."""
    keys = {(p.item_id, p.location_id) for p in proposals}
    if not keys:
        return 0
    open_ones = PolicyProposal.objects.select_for_update().filter(
        status=ProposalStatus.PROPOSED,
        item_id__in={k[0] for k in keys},
        location_id__in={k[1] for k in keys},
    )
    superseded = [p for p in open_ones if (p.item_id, p.location_id) in keys]
    PolicyProposal.objects.filter(pk__in=[p.pk for p in superseded]).update(
        status=ProposalStatus.SUPERSEDED, version=F("version") + 1
    )
    for proposal in superseded:
        proposal.status = ProposalStatus.SUPERSEDED
        proposal.version += 1
        proposal._change_reason = "Superseded by a later proposal (accept-all)."
    PolicyProposal.history.bulk_history_create(
        superseded, batch_size=CHUNK, update=True, default_user=user
    )
    return len(superseded)


@transaction.atomic
def proposals_approve_many(
    *, user: AbstractBaseUser, proposals: QuerySet[PolicyProposal], comment: str = ""
) -> BulkDecision:
    """Approve the selected proposals that may be (the rest are counted by reason): each
    policy takes its proposal's values one version up, as ``proposal_approve`` does."""
    if not user.is_active or not user.has_perm(DECIDE):
        raise PermissionDenied("Approving or rejecting proposals needs the manager role.")
    decision = BulkDecision()
    in_scope = location_scope(user=user).restrict(proposals.order_by("pk"))
    decision.refuse("outside your scope", proposals.count() - in_scope.count())
    for chunk in _chunks(in_scope.select_for_update()):
        _approve_chunk(chunk, user, comment, decision)
    return decision


def _approve_chunk(chunk: list[PolicyProposal], user, comment: str, decision) -> None:
    decidable = []
    for proposal in chunk:
        if proposal.status != ProposalStatus.PROPOSED:
            decision.refuse(f"already {proposal.get_status_display().lower()}")
        elif proposal.proposed_by_id == user.pk:
            decision.refuse("your own proposal")
        else:
            decidable.append(proposal)
    policies = InventoryPolicy.objects.select_for_update().in_bulk(
        [p.policy_id for p in decidable if p.policy_id]
    )
    changed, approved, stamp = [], [], timezone.now()
    for proposal in decidable:
        policy = policies.get(proposal.policy_id)
        if proposal.policy_id is None or policy is None:
            decision.refuse("no policy to change (approve it on its own)")
        elif policy.policy_version != proposal.base_version:
            decision.refuse("the policy changed since it was proposed")
        else:
            changed.append(policy_approved(policy, proposal, user, comment, at=stamp))
            approved.append(
                proposal_decided(proposal, user, ProposalStatus.APPROVED, comment, at=stamp)
            )
    _write_approvals(approved, user, comment, stamp)
    InventoryPolicy.history.bulk_history_create(changed, batch_size=CHUNK, update=True)
    PolicyProposal.history.bulk_history_create(approved, batch_size=CHUNK, update=True)
    decision.approved += len(approved)


def _write_approvals(approved: list[PolicyProposal], user, comment: str, stamp) -> None:
    """Two set-based UPDATEs (not Django's bulk_update, whose per-row CASE grows with the
    square of a chunk): the proposals decided, then their policies given their values one
    version up, joined on the proposals' primary keys (an index lookup per row whatever the
    table statistics say)."""
    ids = [p.pk for p in approved]
    if not ids:
        return
    PolicyProposal.objects.filter(pk__in=ids).update(
        status=ProposalStatus.APPROVED,
        decided_by=user,
        decided_at=stamp,
        decision_comment=comment.strip(),
        version=F("version") + 1,
    )
    quote = connection.ops.quote_name
    values = ", ".join(f"{quote(n)} = d.{quote(n)}" for n in PolicyValues.FIELDS)
    policies, proposals = (quote(m._meta.db_table) for m in (InventoryPolicy, PolicyProposal))
    accepted = f"d.{quote('kind')} = %s"
    sql = (
        f"UPDATE {policies} SET {values}, policy_version = policy_version + 1, status = %s, "
        f"policy_source = CASE WHEN {accepted} THEN %s ELSE %s END, "
        f"last_optimized_at = CASE WHEN {accepted} THEN %s ELSE last_optimized_at END, "
        f"updated_at = %s FROM {proposals} AS d "
        f"WHERE d.id IN ({', '.join(['%s'] * len(ids))}) AND d.policy_id = {policies}.id"
    )
    params = [PolicyStatus.ACTIVE, ProposalKind.ACCEPTED, PolicySource.SYSTEM]
    params += [PolicySource.MANUAL, ProposalKind.ACCEPTED, stamp, stamp, *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
