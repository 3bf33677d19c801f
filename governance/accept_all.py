"""Accept-all: propose as is every recommendation of a run, at the user's locations, whose
reorder point and max level each differ from the policy in force by at most its service
class's ``accept_tolerance`` (a share of the current value) — so a monthly cycle over a
million SKU-locations is one click, and planners look one at a time only at the rest.

Set-based, like a publication: one query counts what is left out (blocked or failing a value
check, no policy in force, outside tolerance), one UPDATE supersedes the open proposals of
the SKU-locations proposed, one INSERT … SELECT writes the proposals (the policy in force and
the run's values kept beside them, as ``proposal_from_recommendation`` keeps them) and one
more their history rows, with who and why. The value checks are those of
``governance.proposals.policy_values_check``, in SQL.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Abs, Coalesce, JSONObject, Round
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from governance.choices import ProposalKind, ProposalStatus
from governance.models import PolicyProposal
from governance.proposals import EXPLANATION, EXPLANATION_JSON, PROPOSE
from governance.selectors import location_scope
from inventory.choices import ServiceType
from inventory.models import InventoryPolicy, PolicyRun, PolicyValues, ServiceLevelClass
from sop_platform.bulk.insert_select import insert_history, insert_select
from supply.models import SupplierLane

DEFAULT_TOLERANCE = ServiceLevelClass._meta.get_field("accept_tolerance").default
_CURRENT = {name: f"in_force_{name}" for name in PolicyValues.FIELDS}


class _Json(Func):
    """A JSON column as JSON inside ``JSONObject`` (SQLite keeps it as text, which
    JSON_OBJECT would quote as a string)."""

    template = "%(expressions)s"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="JSON(%(expressions)s)", **extra)


@dataclass
class AcceptAllResult:
    """What accept-all did with a run's recommendations in the user's scope."""

    proposed: int = 0
    superseded: int = 0
    outside_tolerance: int = 0  # their change is larger: a planner looks at each
    without_policy: int = 0  # no policy in force to compare with: a planner looks at each
    invalid: int = 0  # blocked or failing a value check


@transaction.atomic
def proposals_accept_all(*, user: AbstractBaseUser, run: PolicyRun) -> AcceptAllResult:
    """Propose as is the recommendations of ``run`` within tolerance (module docstring)."""
    if not user.is_active or not user.has_perm(PROPOSE):
        raise PermissionDenied("Proposing policy changes needs the planner or manager role.")
    recommendations = _compared(location_scope(user=user).restrict(run.recommendations.all()))
    recommendations = recommendations.annotate(
        is_valid=ExpressionWrapper(_valid(), output_field=BooleanField()),
        is_known=ExpressionWrapper(Q(in_force_id__isnull=False), output_field=BooleanField()),
        is_within=ExpressionWrapper(_within(), output_field=BooleanField()),
    )
    counts = recommendations.aggregate(
        invalid=Count("pk", filter=Q(is_valid=False)),
        without_policy=Count("pk", filter=Q(is_valid=True, is_known=False)),
        outside_tolerance=Count("pk", filter=Q(is_valid=True, is_known=True, is_within=False)),
    )
    accepted = recommendations.filter(is_valid=True, is_known=True, is_within=True)
    stamp = timezone.now()
    superseded = _supersede(accepted, user, stamp)
    proposed = _insert_proposals(accepted, user, stamp)
    reason = f"Recommendation of run #{run.pk} accepted as is. (accept-all)"
    created = PolicyProposal.objects.filter(run=run, proposed_by=user, created_at=stamp)
    insert_history(PolicyProposal, created, user=user, reason=reason, kind="+")
    return AcceptAllResult(proposed=proposed, superseded=superseded, **counts)


def _compared(recommendations: QuerySet) -> QuerySet:
    """The recommendations with the policy in force today (``in_force_*``, id, version) and
    their class's tolerance."""
    today = timezone.localdate()
    in_force = (
        InventoryPolicy.objects.filter(
            item_id=OuterRef("item_id"),
            location_id=OuterRef("location_id"),
            effective_from__lte=today,
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=today))
        .order_by("-effective_from")
    )
    fields = {alias: Subquery(in_force.values(name)[:1]) for name, alias in _CURRENT.items()}
    return recommendations.order_by().annotate(
        **fields,
        in_force_id=Subquery(in_force.values("pk")[:1]),
        in_force_version=Subquery(in_force.values("policy_version")[:1]),
        tolerance=class_tolerance(),
    )


def class_tolerance() -> Coalesce:
    """The accept-all tolerance of a recommendation's service class (the default for an
    unknown class)."""
    tolerance = ServiceLevelClass.objects.filter(code=OuterRef("service_class"))
    return Coalesce(Subquery(tolerance.values("accept_tolerance")[:1]), Value(DEFAULT_TOLERANCE))


def _valid() -> Q:
    """Not blocked; quantities present and ≥ 0; min ≤ reorder point ≤ max; 0 < target < 1;
    the order quantity at least the primary lane's MOQ and whole lots and cases of it."""
    valid = Q(blocked=False, service_type__in=ServiceType.values)
    for name in PolicyValues.QUANTITIES:
        valid &= Q(**{f"{name}__gte": 0})  # NULL fails the comparison too
    valid &= Q(min_level__lte=F("reorder_point"), reorder_point__lte=F("max_level"))
    valid &= Q(service_target__gt=0, service_target__lt=1)
    return valid & _order_terms_kept()


def _order_terms_kept() -> Q:
    """The order quantity against the primary supplier lane (the lowest id, as runs and
    ``policy_values_check`` use): at least its MOQ, a whole number of lots and of cases (so
    of their least common multiple). A SKU-location without a lane passes."""
    lane = SupplierLane.objects.filter(
        item_id=OuterRef("item_id"), destination_id=OuterRef("location_id")
    ).order_by("pk")
    kept = Q(~Exists(lane))
    terms = Q(order_quantity__gte=Subquery(lane.values("moq")[:1]))
    for name in ("lot_size", "case_pack"):
        count = F("order_quantity") / Subquery(lane.values(name)[:1])
        terms &= Q(LessThanOrEqual(Abs(count - Round(count)), Value(1e-9) * (Abs(count) + 1)))
    return kept | terms


def _within() -> Q:
    return within_tolerance(_CURRENT, F("tolerance"))


def within_tolerance(current: Mapping[str, str], tolerance) -> Q:
    """Reorder point and max level each within ``tolerance`` (a share) of the policy's,
    whose fields ``current`` names (field → lookup)."""
    within = Q()
    for name in ("reorder_point", "max_level"):
        change = Abs(F(name) - F(current[name]))
        within &= Q(LessThanOrEqual(change, tolerance * Abs(F(current[name]))))
    return within


def _supersede(accepted: QuerySet, user: AbstractBaseUser, stamp) -> int:
    """Supersede the open proposals of the SKU-locations proposed, with their history."""
    open_ones = PolicyProposal.objects.filter(
        Exists(accepted.filter(item_id=OuterRef("item_id"), location_id=OuterRef("location_id"))),
        status=ProposalStatus.PROPOSED,
    )
    ids = list(open_ones.select_for_update().values_list("pk", flat=True))
    superseded = PolicyProposal.objects.filter(pk__in=ids)
    count = superseded.update(status=ProposalStatus.SUPERSEDED, version=F("version") + 1)
    reason = "Superseded by a later proposal (accept-all)."
    insert_history(PolicyProposal, superseded, user=user, reason=reason)
    return count


def _insert_proposals(accepted: QuerySet, user: AbstractBaseUser, stamp) -> int:
    """One proposal per accepted recommendation, in one INSERT … SELECT; how many."""
    current = JSONObject(**{name: F(alias) for name, alias in _CURRENT.items()})
    recommended = JSONObject(
        run=F("run_id"),
        **{name: F(name) for name in (*PolicyValues.FIELDS, *EXPLANATION)},
        **{name: _Json(name) for name in EXPLANATION_JSON},
    )
    columns = {
        "item_id": F("item_id"),
        "location_id": F("location_id"),
        "policy_id": F("in_force_id"),
        "base_version": F("in_force_version"),
        "recommendation_id": F("pk"),
        "run_id": F("run_id"),
        "kind": Value(ProposalKind.ACCEPTED),
        "status": Value(ProposalStatus.PROPOSED),
        **{name: F(name) for name in PolicyValues.FIELDS},
        "current": current,
        "recommended": recommended,
        "justification": Value(""),
        "proposed_by_id": Value(user.pk),
        "created_at": Value(stamp),
        "decision_comment": Value(""),
        "version": Value(1),
    }
    select = accepted.annotate(**{f"new_{k}": v for k, v in columns.items()})
    select = select.values_list(*(f"new_{k}" for k in columns))
    return insert_select(PolicyProposal, list(columns), select)
