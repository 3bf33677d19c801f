"""The policy workflow's writes, called alike by pages, admin actions and the API: a planner
proposes a policy change (a run's recommendation as is, or their own values with a
justification), a manager approves it — the policy takes the values and its version rises,
in one transaction — or rejects it with a comment. Publication is governance.publication.

Rules, on every path:
- proposing needs ``governance.add_policyproposal`` and deciding
  ``governance.decide_policyproposal``, each inside the user's location scope (fail closed);
- an override needs a justification, a rejection a comment; nobody decides their own
  proposal;
- values are checked (:func:`policy_values_check`): non-negative quantities,
  min ≤ reorder point ≤ max, a target in (0, 1), the order quantity at least the MOQ and a
  whole number of lots and cases of the SKU-location's primary supplier lane;
- a later proposal for a SKU-location supersedes the one awaiting approval;
- decisions lock the proposal and the policy: of two managers deciding at once, one
  succeeds and the other gets :class:`ProposalConflict` (HTTP 409), and an approval is
  refused when the policy changed since the proposal was made (it would silently revert
  that change);
- every write is audited by django-simple-history with who and why (the justification,
  the comment).
"""

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from governance.choices import ProposalKind, ProposalStatus
from governance.models import PolicyProposal
from governance.selectors import location_scope
from inventory.choices import PolicySource, PolicyStatus, ServiceType
from inventory.engine.lot_sizing import order_multiple
from inventory.models import InventoryPolicy, Item, Location, PolicyRecommendation, PolicyValues
from supply.models import SupplierLane

PROPOSE = "governance.add_policyproposal"
# What a proposal keeps of its recommendation beside the values (``recommended``): the
# safety stock's split, the explanation and, as JSON lists, the risk flags.
EXPLANATION = ("ss_demand", "ss_lead_time", "expected_service", "demand_mean", "demand_pattern")
EXPLANATION += ("distribution", "binding_constraint")
EXPLANATION_JSON = ("stockout_reasons", "excess_reasons")
DECIDE = "governance.decide_policyproposal"
_RELATIVE = 1e-9  # rounding slack when checking whole multiples


class ProposalConflict(Exception):
    """The proposal or its policy changed since the caller read it (HTTP 409)."""


def proposal_from_recommendation(
    *,
    user: AbstractBaseUser,
    recommendation: PolicyRecommendation,
    overrides: Mapping[str, Any] | None = None,
    justification: str = "",
) -> PolicyProposal:
    """Propose a run's recommendation as is, or with ``overrides`` (policy field → value;
    a justification is then required)."""
    values = recommendation_values(recommendation)
    unknown = sorted(set(overrides or {}) - set(PolicyValues.FIELDS))
    if unknown:
        allowed = ", ".join(PolicyValues.FIELDS)
        raise ValidationError(dict.fromkeys(unknown, f"Not a policy field; give {allowed}."))
    changed = {k: v for k, v in (overrides or {}).items() if v != values[k]}
    return proposal_create(
        user=user,
        item=recommendation.item,
        location=recommendation.location,
        values=values | changed,
        kind=ProposalKind.OVERRIDE if changed else ProposalKind.ACCEPTED,
        justification=justification,
        recommendation=recommendation,
    )


def recommendation_values(recommendation: PolicyRecommendation) -> dict[str, Any]:
    """The policy values a recommendation sets; refuses a blocked or incomplete one."""
    values = {name: getattr(recommendation, name) for name in PolicyValues.FIELDS}
    if recommendation.blocked or any(v is None or v == "" for v in values.values()):
        raise ValidationError(
            {
                "recommendation": f"Recommendation #{recommendation.pk} has no policy to "
                "propose (a data-quality exception blocks it)."
            }
        )
    return values


@transaction.atomic
def proposal_create(
    *,
    user: AbstractBaseUser,
    item: Item,
    location: Location,
    values: Mapping[str, Any],
    kind: str = ProposalKind.OVERRIDE,
    justification: str = "",
    recommendation: PolicyRecommendation | None = None,
) -> PolicyProposal:
    """Propose ``values`` for the policy of ``item`` at ``location``; an open proposal of the
    SKU-location is superseded."""
    require_permission(user, PROPOSE, "Proposing policy changes needs the planner or manager role.")
    _require_scope(user, location.pk, "propose")
    if kind == ProposalKind.OVERRIDE and not justification.strip():
        raise ValidationError(
            {"justification": "An override needs a justification: say why these values."}
        )
    values = policy_values_check(values, item_id=item.pk, location_id=location.pk)
    policy = policy_in_force(item.pk, location.pk)
    proposal = PolicyProposal(
        item=item,
        location=location,
        policy=policy,
        base_version=policy.policy_version if policy else None,
        recommendation=recommendation,
        run_id=recommendation.run_id if recommendation else None,
        kind=kind,
        current=policy.values() if policy else {},
        recommended=recommendation_snapshot(recommendation),
        justification=justification.strip(),
        proposed_by=user,
        **values,
    )
    _supersede_open(item.pk, location.pk, user)
    _audited_save(proposal, user, proposal_reason(proposal))
    return proposal


def recommendation_snapshot(recommendation: PolicyRecommendation | None) -> dict[str, Any]:
    """What the approver compares an override with: the run's values and its explanation."""
    if recommendation is None:
        return {}
    names = (*PolicyValues.FIELDS, *EXPLANATION, *EXPLANATION_JSON)
    return {"run": recommendation.run_id} | {n: getattr(recommendation, n) for n in names}


def proposal_reason(proposal: PolicyProposal) -> str:
    """Why a proposal was made, as the history records it."""
    if proposal.kind == ProposalKind.ACCEPTED:
        return f"Recommendation of run #{proposal.run_id} accepted as is."
    return f"Override: {proposal.justification}"


@transaction.atomic
def proposal_approve(
    *,
    proposal: PolicyProposal,
    user: AbstractBaseUser,
    version: int | None = None,
    comment: str = "",
) -> InventoryPolicy:
    """Approve: the policy takes the proposal's values, its version rises by one, and it is
    active (awaiting publication). Returns the policy."""
    locked = _decidable(proposal, user, version)
    policy = _policy_locked(locked)
    policy = _policy_apply(policy, locked, user, comment)
    locked.policy = policy
    _decide(locked, user, ProposalStatus.APPROVED, comment)
    return policy


@transaction.atomic
def proposal_reject(
    *, proposal: PolicyProposal, user: AbstractBaseUser, comment: str, version: int | None = None
) -> PolicyProposal:
    """Reject with a comment the planner will read; the policy stays as it is."""
    if not comment.strip():
        raise ValidationError({"comment": "Say why the proposal is rejected."})
    locked = _decidable(proposal, user, version)
    _decide(locked, user, ProposalStatus.REJECTED, comment)
    return locked


def policy_in_force(item_id: int, location_id: int, day: date | None = None):
    """The policy of a SKU-location in force on ``day`` (today by default), or None."""
    day = day or timezone.localdate()
    return (
        InventoryPolicy.objects.filter(
            item_id=item_id, location_id=location_id, effective_from__lte=day
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=day))
        .order_by("-effective_from")
        .first()
    )


def policy_values_check(
    values: Mapping[str, Any], *, item_id: int, location_id: int
) -> dict[str, Any]:
    """The values, checked; raises ``ValidationError`` naming each field that is wrong."""
    missing = [name for name in PolicyValues.FIELDS if values.get(name) is None]
    if missing:
        raise ValidationError(dict.fromkeys(missing, "Give a value."))
    checked = {name: values[name] for name in PolicyValues.FIELDS}
    errors = _quantity_errors(checked)
    if not errors:
        errors = _order_errors(checked, item_id, location_id) | _level_errors(checked)
    if checked["service_type"] not in ServiceType.values:
        errors["service_type"] = f"Give one of {', '.join(ServiceType.values)}."
    target = checked["service_target"]
    if not _is_number(target) or not 0 < target < 1:
        errors["service_target"] = "Give a target between 0 and 1, e.g. 0.95."
    if errors:
        raise ValidationError(errors)
    return checked


def _quantity_errors(values: dict[str, Any]) -> dict[str, str]:
    errors = {}
    for name in PolicyValues.QUANTITIES:
        value = values[name]
        if not _is_number(value):
            errors[name] = f"{value!r} is not a number."
        elif value < 0:
            errors[name] = f"{value:g} is negative."
    return errors


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _level_errors(values: dict[str, Any]) -> dict[str, str]:
    low, rop, high = values["min_level"], values["reorder_point"], values["max_level"]
    if low > rop:
        return {"min_level": f"Min {low:g} is above the reorder point {rop:g}."}
    if rop > high:
        return {"max_level": f"Max {high:g} is below the reorder point {rop:g}."}
    return {}


def _order_errors(values: dict[str, Any], item_id: int, location_id: int) -> dict[str, str]:
    """The order quantity against the primary supplier lane's MOQ and multiples."""
    lane = (
        SupplierLane.objects.filter(item_id=item_id, destination_id=location_id)
        .order_by("pk")
        .values("moq", "lot_size", "case_pack")
        .first()
    )
    if lane is None:
        return {}
    quantity = values["order_quantity"]
    if quantity < lane["moq"]:
        return {"order_quantity": f"{quantity:g} is below the MOQ of {lane['moq']:g}."}
    multiple = float(order_multiple(lane["lot_size"], lane["case_pack"]))
    ratio = quantity / multiple
    if abs(ratio - round(ratio)) > _RELATIVE * max(ratio, 1.0):
        return {
            "order_quantity": f"{quantity:g} is not a whole number of {multiple:g} "
            f"(lot size {lane['lot_size']:g}, case pack {lane['case_pack']:g})."
        }
    return {}


def require_permission(user: AbstractBaseUser, permission: str, message: str) -> None:
    """Refuse (``PermissionDenied`` with ``message``) unless ``user`` is active and holds
    ``permission``."""
    if not user.is_active or not user.has_perm(permission):
        raise PermissionDenied(message)


def _require_scope(user: AbstractBaseUser, location_id: int, action: str) -> None:
    if not location_scope(user=user).covers([location_id]):
        raise PermissionDenied(f"This location is not in your scope: you cannot {action} here.")


def _supersede_open(item_id: int, location_id: int, user: AbstractBaseUser) -> None:
    """Mark the proposal awaiting approval for the SKU-location (locked first) superseded."""
    waiting = PolicyProposal.objects.select_for_update().filter(
        item_id=item_id, location_id=location_id, status=ProposalStatus.PROPOSED
    )
    for proposal in waiting:
        proposal.status = ProposalStatus.SUPERSEDED
        proposal.version += 1
        _audited_save(proposal, user, "Superseded by a later proposal.")


def _decidable(proposal: PolicyProposal, user: AbstractBaseUser, version: int | None):
    """The proposal as stored now, locked, once ``user`` may decide it."""
    require_permission(user, DECIDE, "Approving or rejecting proposals needs the manager role.")
    locked = PolicyProposal.objects.select_for_update().get(pk=proposal.pk)
    _require_scope(user, locked.location_id, "decide proposals")
    if locked.proposed_by_id == user.pk:
        raise PermissionDenied("You cannot decide your own proposal: another manager must.")
    if locked.status != ProposalStatus.PROPOSED:
        who = f" by {locked.decided_by}" if locked.decided_by_id else ""
        raise ProposalConflict(
            f"Proposal #{locked.pk} is already {locked.get_status_display().lower()}{who}; "
            "nothing was changed."
        )
    if version is not None and version != locked.version:
        raise ProposalConflict(
            f"Proposal #{locked.pk} changed since you read it (version {locked.version} now, "
            f"{version} read); look at it again."
        )
    return locked


def _policy_locked(proposal: PolicyProposal) -> InventoryPolicy | None:
    """The policy the proposal changes, locked; refuses when it changed since the proposal
    (or, for a new policy, when one was created meanwhile)."""
    if proposal.policy_id is None:
        if policy_in_force(proposal.item_id, proposal.location_id) is not None:
            raise ProposalConflict(
                f"A policy was created for this SKU-location after proposal #{proposal.pk}; "
                "reject it and propose again against that policy."
            )
        return None
    policy = InventoryPolicy.objects.select_for_update().get(pk=proposal.policy_id)
    if policy.policy_version != proposal.base_version:
        raise ProposalConflict(
            f"The policy changed since proposal #{proposal.pk} was made (version "
            f"{proposal.base_version} then, {policy.policy_version} now); approving it would "
            "undo that change. Reject it and propose again."
        )
    return policy


def _policy_apply(
    policy: InventoryPolicy | None, proposal: PolicyProposal, user: AbstractBaseUser, comment: str
) -> InventoryPolicy:
    """The policy with the proposal's values (a new one when there is none), saved."""
    created = policy is None
    if created:
        policy = InventoryPolicy(
            item_id=proposal.item_id,
            location_id=proposal.location_id,
            effective_from=timezone.localdate(),
            policy_version=0,
            source="proposal",
        )
    policy = policy_approved(policy, proposal, user, comment)
    policy.save()
    if created:  # the SKU-location's latest recommendation now compares with this policy
        PolicyRecommendation.objects.filter(
            item_id=proposal.item_id, location_id=proposal.location_id, is_latest=True
        ).update(policy=policy)
    return policy


def policy_approved(
    policy: InventoryPolicy, proposal: PolicyProposal, user: AbstractBaseUser, comment: str
) -> InventoryPolicy:
    """``policy`` (not saved) with the proposal's values, one version up, active, and who
    and why for its history (governance.proposals_bulk writes the same in SQL)."""
    for name in PolicyValues.FIELDS:
        setattr(policy, name, getattr(proposal, name))
    policy.policy_version += 1
    policy.status = PolicyStatus.ACTIVE
    accepted = proposal.kind == ProposalKind.ACCEPTED
    policy.policy_source = PolicySource.SYSTEM if accepted else PolicySource.MANUAL
    if accepted:
        policy.last_optimized_at = timezone.now()
    reason = f"Proposal #{proposal.pk} approved by {user.get_username()}. "
    reason += proposal_reason(proposal) + (f" Approval: {comment.strip()}" if comment else "")
    return audited(policy, user, reason)


def _decide(proposal: PolicyProposal, user: AbstractBaseUser, status: str, comment: str) -> None:
    proposal_decided(proposal, user, status, comment).save()


def proposal_decided(
    proposal: PolicyProposal, user: AbstractBaseUser, status: str, comment: str
) -> PolicyProposal:
    """``proposal`` (not saved) decided by ``user``, with who and why for its history."""
    proposal.status = status
    proposal.decided_by = user
    proposal.decided_at = timezone.now()
    proposal.decision_comment = comment.strip()
    proposal.version += 1
    verb = "Approved" if status == ProposalStatus.APPROVED else "Rejected"
    return audited(proposal, user, f"{verb}: {comment.strip()}" if comment else verb + ".")


def _audited_save(instance, user: AbstractBaseUser, reason: str) -> None:
    """Save with who and why in its history (django-simple-history)."""
    audited(instance, user, reason).save()


def audited(instance, user: AbstractBaseUser, reason: str):
    """``instance`` carrying who and why for the history row its next save writes."""
    instance._history_user = user
    instance._change_reason = reason
    return instance
