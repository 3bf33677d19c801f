"""Reads of the policy table: each SKU-location's newest recommendation in the user's scope,
beside the policy it would change and the proposal awaiting approval.

The money effect of a change is the change in average stock value, (SS + (max − reorder
point) / 2) × unit cost: safety stock plus half the cycle stock a min/max policy holds.
"""

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import (
    Case,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Abs, Cast, Coalesce

from governance.accept_all import class_tolerance, within_tolerance
from governance.choices import ProposalStatus
from governance.models import PolicyProposal
from governance.selectors import location_scope
from inventory.models import PolicyRecommendation, PolicyValues

NO_VALUE = -1.0  # sorts rows without a change after every real one (changes are ≥ 0)


def _average_stock(prefix: str = "") -> ExpressionWrapper:
    """Safety stock plus half the cycle stock, in units."""
    return ExpressionWrapper(
        F(f"{prefix}safety_stock") + (F(f"{prefix}max_level") - F(f"{prefix}reorder_point")) / 2.0,
        output_field=FloatField(),
    )


def _open_proposal() -> QuerySet:
    return PolicyProposal.objects.filter(
        item_id=OuterRef("item_id"),
        location_id=OuterRef("location_id"),
        status=ProposalStatus.PROPOSED,
    )


def _decided(status: str) -> Exists:
    """A proposal made from this recommendation was decided so."""
    return Exists(PolicyProposal.objects.filter(recommendation_id=OuterRef("pk"), status=status))


def _in_force() -> Q:
    """The policy holds the recommendation: a proposal of it was approved, or the values are
    the same."""
    same = Q(
        policy__isnull=False,
        reorder_point=F("policy__reorder_point"),
        max_level=F("policy__max_level"),
        safety_stock=F("policy__safety_stock"),
    )
    return same | Q(_decided(ProposalStatus.APPROVED))


def _within_tolerance() -> Q:
    """Within the class's accept-all tolerance of the policy, as accept-all judges it; false
    without a policy to compare."""
    current = {name: f"policy__{name}" for name in ("reorder_point", "max_level")}
    return Q(policy__isnull=False) & within_tolerance(current, class_tolerance())


def policy_table_rows(*, user: AbstractBaseUser) -> QuerySet[PolicyRecommendation]:
    """The newest recommendation of every SKU-location in ``user``'s scope, with its item,
    location and policy, the changes against the policy (``change_units``: safety stock;
    ``change_value``: average stock value; ``change_size``: |change_value|, NO_VALUE when
    unknown) and whether a proposal awaits approval (``proposed``)."""
    rows = location_scope(user=user).restrict(PolicyRecommendation.objects.filter(is_latest=True))
    cost = Cast("item__unit_cost", FloatField())
    change_value = ExpressionWrapper(
        (_average_stock() - _average_stock("policy__")) * cost, output_field=FloatField()
    )
    return (
        rows.select_related("item", "location", "policy", "run")
        .annotate(
            change_units=ExpressionWrapper(
                F("safety_stock") - F("policy__safety_stock"), output_field=FloatField()
            ),
            change_value=change_value,
            change_size=Coalesce(Abs(change_value), Value(NO_VALUE)),
            proposed=Exists(_open_proposal()),
            in_force=Case(When(_in_force(), then=Value(True)), default=Value(False)),
            rejected=_decided(ProposalStatus.REJECTED),
            within_tolerance=Case(
                When(_within_tolerance(), then=Value(True)), default=Value(False)
            ),
        )
        .defer("run__snapshot", "run__timings", "run__parameters", "run__scope")
    )


def with_proposed_values(rows: QuerySet) -> QuerySet:
    """``rows`` with the quantities of the proposal awaiting approval (``proposed_<name>``,
    NULL without one), for exports and the API; the page reads them in one query instead."""
    proposal = _open_proposal()
    return rows.annotate(
        **{
            f"proposed_{name}": Subquery(proposal.values(name)[:1])
            for name in PolicyValues.QUANTITIES
        }
    )


STATUS_CHOICES = [
    ("to_review", "To review"),
    ("proposed", "Awaiting approval"),
    ("in_force", "In force"),
    ("rejected", "Rejected"),
    ("blocked", "Blocked by data quality"),
    ("no_policy", "No policy yet"),
]
RISK_CHOICES = [
    ("stockout", "Stock-out risk"),
    ("excess", "Excess risk"),
    ("data_quality", "Data quality"),
    ("none", "No risk flag"),
]
STATUS_FILTERS = {
    "to_review": Q(blocked=False, proposed=False, in_force=False, rejected=False),
    "proposed": Q(proposed=True),
    "in_force": Q(in_force=True, proposed=False),
    "rejected": Q(rejected=True, in_force=False, proposed=False),
    "blocked": Q(blocked=True),
    "no_policy": Q(policy__isnull=True),
}
RISK_FILTERS = {
    "stockout": ~Q(stockout_reasons=[]),
    "excess": ~Q(excess_reasons=[]),
    "data_quality": ~Q(data_quality_reasons=[]),
    "none": Q(stockout_reasons=[], excess_reasons=[], data_quality_reasons=[]),
}
COMPARABLE = Q(policy__isnull=False, reorder_point__isnull=False, max_level__isnull=False)
TOLERANCE_FILTERS = {True: COMPARABLE & Q(within_tolerance=False), False: Q(within_tolerance=True)}


def open_proposals_of(
    rows: Iterable[PolicyRecommendation],
) -> dict[tuple[int, int], PolicyProposal]:
    """The proposal awaiting approval of each row's SKU-location, in one query (by the
    rows' items, then their pairs kept)."""
    pairs = {(row.item_id, row.location_id) for row in rows if row.proposed}
    if not pairs:
        return {}
    proposals = PolicyProposal.objects.filter(
        item_id__in={item for item, _ in pairs}, status=ProposalStatus.PROPOSED
    ).select_related("proposed_by")
    proposals = [p for p in proposals if (p.item_id, p.location_id) in pairs]
    return {(p.item_id, p.location_id): p for p in proposals}


STATUS_WORDS = dict(STATUS_CHOICES)


def status_of(
    *, blocked: bool, proposed: bool, in_force: bool, rejected: bool, has_policy: bool
) -> str:
    """A row's status code, in the order a planner acts on them."""
    if blocked:
        return "blocked"
    if proposed:
        return "proposed"
    if in_force:
        return "in_force"
    if rejected:
        return "rejected"
    return "to_review" if has_policy else "no_policy"


def row_status(row: PolicyRecommendation) -> str:
    """The status code of a row of ``policy_table_rows``."""
    return status_of(
        blocked=row.blocked,
        proposed=row.proposed,
        in_force=row.in_force,
        rejected=row.rejected,
        has_policy=row.policy_id is not None,
    )
