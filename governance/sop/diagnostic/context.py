"""What every check reads: the cycle, the user's location scope, the moment the evidence is
taken at, and the few aggregates several checks share (each computed once, in one query).

Policy, lane and lead-time checks read the current rows (the system keeps no cheap
point-in-time copy of them); the windows of the other checks (runs, history, proposals, KPI
months, the previous cycle) end at ``as_of``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from governance.choices import ProposalKind, ProposalStatus, SopCycleStatus
from governance.models import PolicyProposal
from governance.selectors import LocationScope
from governance.sop.models import SopCycle
from governance.sop.selectors import month_bounds
from inventory.choices import LeadTimeBasis, PolicySource, PolicyStatus, RunStatus
from inventory.models import InventoryPolicy, PolicyRecommendation, PolicyRun
from inventory.runs.scope import RunScope
from sop_platform.display import percent
from supply.models import SupplierLane
from supply.selectors import lead_time_settings

# How recently an accepted recommendation must have set a policy for it to count as
# refreshed: a monthly cadence plus a few days for the review to be decided.
REFRESH_CADENCE_DAYS = 35
# Lead-time bases that carry a lead-time deviation into sigma_LTD: measured receipts or a
# network lane's transfer figures. A promised lead time means too few receipts (sd 0).
VARIABLE_LEAD_TIME_BASES = (LeadTimeBasis.ACTUAL, LeadTimeBasis.TRANSFER)
FORECAST_ERROR = "forecast_error"  # a recommendation's demand_sd_source (inventory.runs.pipeline)
RUNS_SEARCHED = 200  # newest runs looked through for the latest whole-network one
# Lead-time actuals older than a quarter no longer describe the lane.
LEAD_TIME_MAX_AGE_DAYS = 92
# Policy changes looked at by the governance checks: the last three monthly cycles.
AUDIT_WINDOW_DAYS = 90


@dataclass(frozen=True)
class Finding:
    """What one check found: its evidence in words, and the answer that evidence gives
    (None: the system holds no evidence either way, a person answers)."""

    evidence: str
    answer: bool | None


def diagnostic_as_of(cycle: SopCycle) -> datetime:
    """When the evidence of ``cycle`` is taken: now for an open cycle; the end of its month
    (or now, if earlier) for a closed one."""
    now = timezone.now()
    if cycle.status == SopCycleStatus.OPEN:
        return now
    return min(now, month_bounds(cycle.month)[1])


def in_force(day: date) -> Q:
    """Active policies whose window holds ``day``."""
    return Q(status=PolicyStatus.ACTIVE, effective_from__lte=day) & (
        Q(effective_to__isnull=True) | Q(effective_to__gt=day)
    )


def _set_by_recommendation_with_variability() -> Exists:
    """The policy's current values are an accepted recommendation (the approval that gave
    this version) computed with a demand deviation and a lead-time deviation."""
    version_matches = Q(base_version=OuterRef("policy_version") - 1) | Q(
        base_version__isnull=True, policy__policy_version=1
    )
    return Exists(
        PolicyProposal.objects.filter(
            version_matches,
            policy=OuterRef("pk"),
            status=ProposalStatus.APPROVED,
            kind=ProposalKind.ACCEPTED,
            recommendation__demand_sd__isnull=False,
            recommendation__lead_time_sd__isnull=False,
            recommendation__lead_time_basis__in=VARIABLE_LEAD_TIME_BASES,
        )
    )


def constrained_lane(path: str = "") -> Q:
    """Lanes (through ``path``, e.g. ``supplier_lane__``) with an MOQ, a lot size or a case
    pack above one unit."""
    return (
        Q(**{f"{path}moq__gt": 0})
        | Q(**{f"{path}lot_size__gt": 1})
        | Q(**{f"{path}case_pack__gt": 1})
    )


def variable_lane(path: str = "") -> Q:
    """Lanes (through ``path``) whose trusted lead-time actuals show a deviation above zero."""
    actual = f"{path}lead_time_actual__"
    return Q(
        **{
            f"{actual}sd_lead_time_days__gt": 0,
            f"{actual}received_lines__gte": lead_time_settings().min_received_lines,
        }
    )


class Context:
    """The inputs of one evaluation; aggregates are computed on first use."""

    def __init__(self, *, cycle: SopCycle, scope: LocationScope, as_of: datetime) -> None:
        self.cycle = cycle
        self.scope = scope
        self.as_of = as_of
        self.day = timezone.localtime(as_of).date()
        self._shared: dict[str, Any] = {}

    def shared(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per evaluation under ``name``: a read several checks share."""
        if name not in self._shared:
            self._shared[name] = compute()
        return self._shared[name]

    def policies(self) -> QuerySet[InventoryPolicy]:
        """Active policies in force on the evidence day, in scope."""
        return self.scope.restrict(InventoryPolicy.objects.filter(in_force(self.day)).order_by())

    @cached_property
    def policy_counts(self) -> dict[str, int]:
        """Active policies (one query): in all, set by the optimizer, set by an optimization
        within the cadence, time-phased."""
        since = self.as_of - timedelta(days=REFRESH_CADENCE_DAYS)
        return self.policies().aggregate(
            total=Count("pk"),
            system=Count("pk", filter=Q(policy_source=PolicySource.SYSTEM)),
            refreshed=Count(
                "pk", filter=Q(last_optimized_at__gte=since, last_optimized_at__lte=self.as_of)
            ),
            time_phased=Count("pk", filter=Q(effective_to__isnull=False)),
        )

    @cached_property
    def variability_count(self) -> int:
        """Active policies whose values are an accepted recommendation computed from both
        variabilities (one query: a semi-join, not a test per row inside an aggregate)."""
        system = self.policies().filter(policy_source=PolicySource.SYSTEM)
        return system.filter(_set_by_recommendation_with_variability()).count()

    @cached_property
    def last_run(self) -> PolicyRun | None:
        """The latest succeeded whole-network run finished by ``as_of``."""
        runs = (
            PolicyRun.objects.filter(status=RunStatus.SUCCEEDED)
            .annotate(done=Coalesce("finished_at", "created_at"))
            .filter(done__lte=self.as_of)
            .order_by("-done", "-pk")
            .only("pk", "scope", "parameters", "finished_at", "created_at")
        )
        for run in runs[:RUNS_SEARCHED]:
            if RunScope.from_json(run.scope).is_whole_network:
                return run
        return None

    def run_rows(self) -> QuerySet[PolicyRecommendation]:
        """The last run's recommendations in scope (none without a run)."""
        if self.last_run is None:
            return PolicyRecommendation.objects.none()
        return self.scope.restrict(
            PolicyRecommendation.objects.filter(run=self.last_run).order_by()
        )

    @cached_property
    def run_counts(self) -> dict[str, int]:
        """The last run's recommendations in scope (one query): with a demand deviation, of
        which from forecast error; on constrained lanes, of which checked against their
        constraints (and how many bound by the MOQ, by multiples); with demand and safety
        stock on lanes whose lead times vary, of which with lead-time safety stock from
        actual receipts."""
        constrained = constrained_lane("supplier_lane__")
        varying = variable_lane("supplier_lane__") & Q(demand_mean__gt=0, safety_stock__gt=0)
        buffered = Q(lead_time_basis=LeadTimeBasis.ACTUAL, ss_lead_time__gt=0)
        return self.run_rows().aggregate(
            sigma=Count("pk", filter=Q(demand_sd__isnull=False)),
            forecast_error=Count("pk", filter=Q(demand_sd_source=FORECAST_ERROR)),
            constrained=Count("pk", filter=constrained),
            constrained_checked=Count("pk", filter=constrained & ~Q(binding_constraint="")),
            moq=Count("pk", filter=constrained & Q(binding_constraint="moq")),
            multiple=Count("pk", filter=constrained & Q(binding_constraint="multiple")),
            varying=Count("pk", filter=varying),
            varying_buffered=Count("pk", filter=varying & buffered),
        )

    @cached_property
    def lane_counts(self) -> dict[str, int]:
        """Supplier lanes in scope (one query): in all, with a fresh measured lead-time
        distribution, with order constraints, with lead times that vary."""
        fresh = self.day - timedelta(days=LEAD_TIME_MAX_AGE_DAYS)
        tracked = Q(
            lead_time_actual__sd_lead_time_days__isnull=False,
            lead_time_actual__received_lines__gte=lead_time_settings().min_received_lines,
            lead_time_actual__as_of__gte=fresh,
        )
        lanes = self.scope.restrict(SupplierLane.objects.order_by(), "destination")
        return lanes.aggregate(
            total=Count("pk"),
            tracked=Count("pk", filter=tracked),
            constrained=Count("pk", filter=constrained_lane()),
            varying=Count("pk", filter=variable_lane()),
        )

    @cached_property
    def change_counts(self) -> dict[str, int]:
        """Policy changes in scope over the audit window (three queries): history rows of
        changes (loaded creations, which carry no user, are the ERP's baseline, not a
        change), of which without a user; policies changed without a history row; proposals
        approved, of which by someone other than their proposer."""
        since = self.as_of - timedelta(days=AUDIT_WINDOW_DAYS)
        history = InventoryPolicy.history.model.objects.order_by()
        window = Q(history_date__gt=since, history_date__lte=self.as_of)
        change = ~Q(history_type="+") | Q(history_user__isnull=False)
        rows = self.scope.restrict(history.filter(window)).aggregate(
            changes=Count("pk", filter=change),
            unsigned=Count("pk", filter=change & Q(history_user__isnull=True)),
        )
        recorded = history.filter(id=OuterRef("pk"), history_date__gte=OuterRef("updated_at"))
        rows["unrecorded"] = (
            self.scope.restrict(InventoryPolicy.objects.order_by())
            .filter(updated_at__gt=since, updated_at__lte=self.as_of)
            .exclude(Exists(recorded))
            .count()
        )
        approvals = self.scope.restrict(
            PolicyProposal.objects.filter(
                status=ProposalStatus.APPROVED, decided_at__gt=since, decided_at__lte=self.as_of
            ).order_by()
        )
        return rows | approvals.aggregate(
            approved=Count("pk"), by_other=Count("pk", filter=~Q(decided_by=F("proposed_by")))
        )


def share(part: int, whole: int) -> float:
    """``part / whole``, 0 for an empty whole."""
    return part / whole if whole else 0.0


def count_of(part: int, whole: int, noun: str) -> str:
    """ "812 of 840 <noun> (97 %)"."""
    return f"{part:,} of {whole:,} {noun} ({percent(share(part, whole))})"
