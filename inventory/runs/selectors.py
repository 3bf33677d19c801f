"""Reads of optimization runs: progress while running, the operations figures afterwards, and
the stored network segmentation a run may reuse."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FloatField,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, TruncDate
from django.utils import timezone

from governance.choices import OPEN_EXCEPTION_STATUSES, ExceptionKind, Severity
from governance.models import PlanningException
from governance.selectors import LocationScope, location_scope
from inventory.choices import (
    ACTIVE_RUN_STATUSES,
    FINISHED_BATCH_STATUSES,
    BatchPhase,
    BatchStatus,
    PolicyStatus,
    RunStatus,
)
from inventory.models import InventoryPolicy
from inventory.runs.models import (
    NetworkSegmentation,
    PolicyRecommendation,
    PolicyRun,
    RunBatch,
    RunLogEntry,
)


def segmentation_newest() -> NetworkSegmentation | None:
    """The stored segmentation of the latest date (a whole-network run planning an earlier
    date must not replace it)."""
    return NetworkSegmentation.objects.order_by("-as_of", "-computed_at", "-pk").first()


def segmentation_fresh(*, as_of: date, max_age_days: int) -> NetworkSegmentation | None:
    """The newest stored segmentation a run planning ``as_of`` may reuse: of ``as_of`` or up
    to ``max_age_days`` days before it (never of a later date: no look-ahead)."""
    dated = NetworkSegmentation.objects.filter(
        as_of__lte=as_of, as_of__gte=as_of - timedelta(days=max_age_days)
    )
    return dated.order_by("-as_of", "-computed_at", "-pk").first()


def segmentation_calibration(*, segmentation_id: int) -> dict | None:
    """The calibration the whole-network run that stored a segmentation recorded, with that
    run's id (``run_id``); None when that run did not calibrate."""
    stored = (
        NetworkSegmentation.objects.filter(pk=segmentation_id, run__isnull=False)
        .values_list("run_id", "run__snapshot")
        .first()
    )
    if stored is None or not stored[1].get("calibration"):
        return None
    return {**stored[1]["calibration"], "run_id": stored[0]}


def runs_list() -> QuerySet[PolicyRun]:
    """Runs, newest first, with who started them."""
    return PolicyRun.objects.select_related("actor").order_by("-created_at", "-pk")


def run_progress(run: PolicyRun) -> dict:
    """Where a run stands: batches and SKU-locations done, failures, output counts, timings.

    An optimized run's batches count both passes, and ``passes`` says where each stands
    (empty for a run of one pass); its SKU-locations are done when pass 2 has planned them.
    One query over the run's batches, whatever their number.
    """
    grouped = run.batches.values("phase", "status").annotate(
        batches=Count("pk"),
        rows=Sum("rows"),
        recommendations=Sum("recommendations"),
        exceptions=Sum("exceptions"),
    )
    groups = list(grouped.order_by())

    def total(field: str, *statuses: str, phases=tuple(BatchPhase)) -> int:
        return sum(
            g[field] or 0 for g in groups if g["status"] in statuses and g["phase"] in phases
        )

    done_batches = total("batches", *FINISHED_BATCH_STATUSES)
    final = (BatchPhase.PLAN, BatchPhase.POLICIES)
    return {
        "status": run.status,
        "total_batches": run.total_batches,
        "done_batches": done_batches,
        "running_batches": total("batches", BatchStatus.RUNNING),
        "failed_batches": total("batches", BatchStatus.FAILED),
        "cancelled_batches": total("batches", BatchStatus.CANCELLED),
        "total_rows": run.total_rows,
        "done_rows": total("rows", *FINISHED_BATCH_STATUSES, phases=final),
        "recommendations": total("recommendations", BatchStatus.SUCCEEDED),
        "exceptions": total("exceptions", BatchStatus.SUCCEEDED),
        "percent": round(100.0 * done_batches / run.total_batches, 1) if run.total_batches else 0,
        "elapsed_seconds": run.duration_seconds,
        "timings": run.timings,
        "passes": _passes(groups),
    }


def _passes(groups: list[dict]) -> list[dict]:
    """Per pass of an optimized run: its number, what it does, batches done and in all."""
    passes = []
    for number, phase in enumerate((BatchPhase.CURVES, BatchPhase.POLICIES), start=1):
        mine = [g for g in groups if g["phase"] == phase]
        if mine:
            done = sum(g["batches"] for g in mine if g["status"] in FINISHED_BATCH_STATUSES)
            passes.append(
                {
                    "number": number,
                    "label": phase.label,
                    "done_batches": done,
                    "total_batches": sum(g["batches"] for g in mine),
                }
            )
    return passes


def run_log_entries(run: PolicyRun, *, after: int = 0) -> QuerySet[RunLogEntry]:
    """The run's log lines with an id above ``after`` (for incremental polling)."""
    return run.log_entries.filter(pk__gt=after).order_by("pk")


# --- Pages: the runs list, a run's stage timings, the operations view ----------------------

STAGES = ("plan", "read", "compute", "write")


def runs_with_totals() -> QuerySet[PolicyRun]:
    """``runs_list`` with each run's finished batches, percent done, recommendations and open
    exceptions summed from its batches (as ``run_progress`` counts them), in one query."""
    done = Count("batches", filter=Q(batches__status__in=FINISHED_BATCH_STATUSES))
    succeeded = Q(batches__status=BatchStatus.SUCCEEDED)
    return runs_list().annotate(
        done_batches=done,
        recommendation_count=Coalesce(Sum("batches__recommendations", filter=succeeded), 0),
        exception_count=Coalesce(Sum("batches__exceptions", filter=succeeded), 0),
        percent=Case(
            When(total_batches__gt=0, then=Cast(done, FloatField()) * 100.0 / F("total_batches")),
            default=Value(0.0),
            output_field=FloatField(),
        ),
    )


def run_stage_timings(run: PolicyRun, batches: Iterable[RunBatch]) -> list[dict]:
    """Seconds and SKU-locations per second of each stage, from batches already loaded.

    ``plan`` is run-wide over every SKU-location in scope, and so is ``solve`` (an optimized
    run's threshold, between its passes); ``read``, ``compute`` and ``write`` are summed over
    the batches that recorded timings (so far, while the run is running; both passes of an
    optimized run). No query.
    """
    timed = [b for b in batches if b.timings]
    rows_timed = sum(b.rows for b in timed)
    stages = []
    names = (*STAGES, "solve") if "solve" in run.timings else STAGES
    for stage in names:
        if stage in ("plan", "solve"):
            seconds, rows = run.timings.get(stage), run.total_rows
        else:
            seconds = sum(b.timings.get(stage, 0.0) for b in timed) if timed else None
            rows = rows_timed
        rate = rows / seconds if seconds else None
        stages.append({"stage": stage, "seconds": seconds, "rows": rows, "rows_per_second": rate})
    return stages


@dataclass(frozen=True)
class RunDay:
    """Runs created on one day: how many, the failed share of the finished ones, and the
    median wall time (seconds) of those with a start and a finish."""

    day: date
    runs: int
    finished: int
    failed: int
    failed_share: float | None
    median_duration_seconds: float | None


def run_daily_stats(*, days: int = 90, now: datetime | None = None) -> list[RunDay]:
    """Per day (in the current time zone) of the last ``days`` days, oldest first; days without
    runs are left out. "Failed" counts failed and partially failed runs. One query."""
    now = now or timezone.now()
    rows = (
        PolicyRun.objects.filter(created_at__gte=now - timedelta(days=days))
        .annotate(day=TruncDate("created_at"))
        .order_by("day")
        .values_list("day", "status", "started_at", "finished_at")
    )
    by_day: dict[date, list] = {}
    for day, status, started, finished in rows:
        by_day.setdefault(day, []).append((status, started, finished))
    return [_run_day(day, runs) for day, runs in by_day.items()]


def _run_day(day: date, runs: list) -> RunDay:
    finished = [status for status, _, _ in runs if status not in ACTIVE_RUN_STATUSES]
    failed = sum(status in (RunStatus.FAILED, RunStatus.PARTIALLY_FAILED) for status in finished)
    durations = [(end - start).total_seconds() for _, start, end in runs if start and end]
    return RunDay(
        day=day,
        runs=len(runs),
        finished=len(finished),
        failed=failed,
        failed_share=failed / len(finished) if finished else None,
        median_duration_seconds=median(durations) if durations else None,
    )


@dataclass(frozen=True)
class PolicyStaleness:
    """Active policies, how many were last optimized (or became effective) more than
    ``max_age_days`` ago, and the age in days of the oldest."""

    active: int
    stale: int
    oldest_age_days: int | None
    max_age_days: int


def policy_staleness(
    *, scope: LocationScope, max_age_days: int = 90, today: date | None = None
) -> PolicyStaleness:
    """Active policies in scope; a policy's age counts from the later of its last optimization
    and its effective date (the last time someone or something looked at it). One query."""
    today = today or timezone.localdate()
    reviewed = Greatest(
        Coalesce(TruncDate("last_optimized_at"), F("effective_from")), F("effective_from")
    )
    totals = (
        scope.restrict(InventoryPolicy.objects.filter(status=PolicyStatus.ACTIVE))
        .annotate(reviewed=reviewed)
        .aggregate(
            active=Count("pk"),
            stale=Count("pk", filter=Q(reviewed__lt=today - timedelta(days=max_age_days))),
            oldest=Min("reviewed"),
        )
    )
    oldest = totals["oldest"]
    return PolicyStaleness(
        active=totals["active"],
        stale=totals["stale"],
        oldest_age_days=(today - oldest).days if oldest else None,
        max_age_days=max_age_days,
    )


AGE_BUCKETS = (("recent", "< 7 days"), ("week", "7–30 days"), ("month", "> 30 days"))


@dataclass(frozen=True)
class ExceptionBacklog:
    """Open and in-progress exceptions: per kind a count per age bucket (keys of
    ``AGE_BUCKETS``, age since the exception was raised) and per severity."""

    by_kind: list[dict]
    by_severity: list[dict]
    total: int


def exception_backlog(*, scope: LocationScope, now: datetime | None = None) -> ExceptionBacklog:
    """Open exceptions in scope; every kind and severity is listed, with zeros where none are
    open. Two queries."""
    now = now or timezone.now()
    backlog = scope.restrict(
        PlanningException.objects.filter(status__in=OPEN_EXCEPTION_STATUSES).order_by()
    )
    bucket = Case(
        When(created_at__gt=now - timedelta(days=7), then=Value("recent")),
        When(created_at__gte=now - timedelta(days=30), then=Value("week")),
        default=Value("month"),
        output_field=CharField(),
    )
    counts = {
        (row["kind"], row["bucket"]): row["n"]
        for row in backlog.annotate(bucket=bucket).values("kind", "bucket").annotate(n=Count("pk"))
    }
    severities = dict(backlog.values_list("severity").annotate(n=Count("pk")))
    by_kind = []
    for kind in ExceptionKind:
        buckets = {key: counts.get((kind.value, key), 0) for key, _ in AGE_BUCKETS}
        by_kind.append({"kind": kind.label, **buckets, "total": sum(buckets.values())})
    return ExceptionBacklog(
        by_kind=by_kind,
        by_severity=[{"severity": s.label, "count": severities.get(s.value, 0)} for s in Severity],
        total=sum(severities.values()),
    )


def recommendations_visible_to(*, user, run: PolicyRun) -> QuerySet[PolicyRecommendation]:
    """The run's recommendations at the user's locations, by SKU then location."""
    queryset = PolicyRecommendation.objects.filter(run=run).select_related("item", "location")
    return location_scope(user=user).restrict(queryset).order_by("item__sku", "location__code")


def exceptions_visible_to(*, user, run: PolicyRun) -> QuerySet[PlanningException]:
    """The exceptions the run last raised or refreshed, at the user's locations."""
    queryset = PlanningException.objects.filter(last_run=run).select_related(
        "item", "location", "owner"
    )
    return location_scope(user=user).restrict(queryset)
