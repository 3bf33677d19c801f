"""Checks 1–3, Policy Logic: policies computed from variability, refreshed on a cadence, with
segmented service targets."""

from django.db.models import Count
from django_q.models import Schedule

from governance.sop.diagnostic.context import (
    REFRESH_CADENCE_DAYS,
    Context,
    Finding,
    count_of,
    share,
)
from inventory.runs.tasks import monthly_run_task
from sop_platform.display import percent

# The seed's green bar for an area (80 %): most of the portfolio, not a pilot.
PORTFOLIO_SHARE = 0.8
# A service target counts as a segment when this share of the active policies holds it:
# a stray override is not a segmentation, a small strategic class is.
SEGMENT_MIN_SHARE = 0.02
TARGETS_LISTED = 5
RUN_TASK = f"{monthly_run_task.__module__}.{monthly_run_task.__name__}"
# Schedules that recur at least monthly (a cron expression is not read: it does not count).
RECURRING = (
    Schedule.MINUTES,
    Schedule.HOURLY,
    Schedule.DAILY,
    Schedule.WEEKLY,
    Schedule.BIWEEKLY,
    Schedule.MONTHLY,
)
NO_POLICY = "No active policy is in force"


def check_variability(ctx: Context) -> Finding:
    """Check 1: active policies take the values of an accepted recommendation computed from
    the demand deviation and a lead-time deviation (measured receipts or a transfer lane's)."""
    counts = ctx.policy_counts
    total = counts["total"]
    if not total:
        return Finding(f"{NO_POLICY}: no policy was computed from variability.", False)
    part = ctx.variability_count
    evidence = (
        f"{count_of(part, total, 'active policies')} take the values of an accepted "
        "recommendation computed from the demand deviation and a measured lead-time deviation "
        f"(σ_LTD); {counts['system']:,} in all come from an optimization run."
    )
    return Finding(evidence, share(part, total) >= PORTFOLIO_SHARE)


def check_cadence(ctx: Context) -> Finding:
    """Check 2: the optimization run is scheduled to recur at least monthly, and the active
    policies were set by an optimization within the cadence."""
    schedule = (
        Schedule.objects.filter(func=RUN_TASK, schedule_type__in=RECURRING)
        .exclude(repeats=0)
        .order_by("next_run")
        .first()
    )
    if schedule is None:
        planned = "No recurring optimization run is scheduled"
    else:
        planned = (
            f"The optimization run is scheduled {schedule.get_schedule_type_display().lower()}"
        )
    counts = ctx.policy_counts
    total, part = counts["total"], counts["refreshed"]
    if not total:
        return Finding(f"{planned}; {NO_POLICY.lower()}.", False)
    evidence = (
        f"{planned}; {count_of(part, total, 'active policies')} were set by an optimization "
        f"in the last {REFRESH_CADENCE_DAYS} days."
    )
    return Finding(evidence, schedule is not None and share(part, total) >= PORTFOLIO_SHARE)


def check_segmentation(ctx: Context) -> Finding:
    """Check 3: at least two service targets are each held by a real share of the active
    policies."""
    targets = list(
        ctx.policies()
        .values("service_target", "service_type")
        .annotate(policies=Count("pk"))
        .order_by("-policies", "-service_target", "service_type")
    )
    total = sum(row["policies"] for row in targets)
    if not total:
        return Finding(f"{NO_POLICY}: no service target is in use.", False)
    segments = [row for row in targets if share(row["policies"], total) >= SEGMENT_MIN_SHARE]
    listed = "; ".join(
        f"{percent(row['service_target'])} {row['service_type']} ({row['policies']:,})"
        for row in targets[:TARGETS_LISTED]
    )
    more = f"; {len(targets) - TARGETS_LISTED} more" if len(targets) > TARGETS_LISTED else ""
    evidence = (
        f"{total:,} active policies use {len(targets)} service target(s), "
        f"{len(segments)} of them held by at least {percent(SEGMENT_MIN_SHARE)} of the policies: "
        f"{listed}{more}."
    )
    return Finding(evidence, len(segments) >= 2)
