"""Approving many proposals at once (the admin's "Approve selected", a monthly cycle in a
few clicks; accept-all, which proposes them, is governance.accept_all). The same rules as one
at a time (governance.proposals): permissions and scopes, no self-approval, no approval over
a policy changed since, and the same audit (who and why in every history row) — written in
bulk, chunk by chunk.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Case, CharField, F, QuerySet, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from governance.choices import ProposalKind, ProposalStatus
from governance.models import PolicyProposal
from governance.proposals import DECIDE
from governance.selectors import location_scope
from inventory.choices import PolicySource, PolicyStatus
from inventory.models import InventoryPolicy, PolicyValues
from sop_platform.bulk.insert_select import insert_history

CHUNK = 5_000


@dataclass
class BulkDecision:
    """How many proposals were approved, and why the others were not."""

    approved: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # reason → proposals

    def refuse(self, reason: str, count: int = 1) -> None:
        if count:
            self.refused[reason] = self.refused.get(reason, 0) + count


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
    for chunk in _chunks(in_scope.select_for_update(of=("self",))):
        _approve_chunk(chunk, user, comment.strip(), decision)
    return decision


_READ = ("pk", "status", "proposed_by_id", "policy_id", "base_version", "policy__policy_version")


def _chunks(proposals: QuerySet) -> Iterator[list[tuple]]:
    """(``_READ``) of the proposals, ``CHUNK`` at a time (keyset paging on the key)."""
    last = 0
    while True:
        chunk = list(proposals.filter(pk__gt=last).values_list(*_READ)[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1][0]


def _approve_chunk(chunk: list[tuple], user, comment: str, decision: BulkDecision) -> None:
    labels = dict(ProposalStatus.choices)
    approvable = []
    for pk, status, proposer, policy, base_version, version in chunk:
        if status != ProposalStatus.PROPOSED:
            decision.refuse(f"already {labels[status].lower()}")
        elif proposer == user.pk:
            decision.refuse("your own proposal")
        elif policy is None:
            decision.refuse("no policy to change (approve it on its own)")
        elif version != base_version:
            decision.refuse("the policy changed since it was proposed")
        else:
            approvable.append(pk)
    list(  # lock the policies, in key order, before changing them
        InventoryPolicy.objects.select_for_update()
        .filter(proposals__pk__in=approvable)
        .order_by("pk")
        .values_list("pk")
    )
    _write_approvals(approvable, user, comment)
    decision.approved += len(approvable)


def _write_approvals(ids: list[int], user, comment: str) -> None:
    """Set-based (not Django's bulk_update, whose CASE per row grows with the square of a
    chunk): the proposals decided, their policies given their values one version up (joined
    on the proposals' keys), and the history rows of both, with who and why — the reasons
    ``proposal_approve`` writes."""
    if not ids:
        return
    stamp = timezone.now()
    approved = PolicyProposal.objects.filter(pk__in=ids)
    approved.update(
        status=ProposalStatus.APPROVED,
        decided_by=user,
        decided_at=stamp,
        decision_comment=comment,
        version=F("version") + 1,
    )
    _update_policies(ids, stamp)
    insert_history(
        InventoryPolicy, approved, user=user, reason=_policy_reason(user, comment), path="policy__"
    )
    decided = f"Approved: {comment}" if comment else "Approved."
    insert_history(PolicyProposal, approved, user=user, reason=decided)


def _policy_reason(user, comment: str) -> Concat:
    """What ``policy_approved`` records as the reason, computed by the database per row."""
    accepted = Concat(
        Value("Recommendation of run #"), Cast("run_id", CharField()), Value(" accepted as is.")
    )
    why = Case(
        When(kind=ProposalKind.ACCEPTED, then=accepted),
        default=Concat(Value("Override: "), F("justification")),
        output_field=CharField(),
    )
    approval = f" Approval: {comment}" if comment else ""
    return Concat(
        Value("Proposal #"),
        Cast("pk", CharField()),
        Value(f" approved by {user.get_username()}. "),
        why,
        Value(approval),
        output_field=CharField(),
    )


def _update_policies(ids: list[int], stamp) -> None:
    """The proposals' policies with their values, one version up, active (one UPDATE …
    FROM, an index lookup per row whatever the table statistics say)."""
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
