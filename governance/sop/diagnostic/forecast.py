"""Checks 4–6, Forecast Integration: forecast error in the last run's buffers, promotions and
seasons in the policies, the consensus plan feeding the run."""

import math
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Mod
from django.utils import timezone

from demand.choices import ForecastKind
from demand.models import Forecast
from governance.sop.diagnostic.context import FORECAST_ERROR, Context, Finding, count_of, share
from inventory.models import PolicyRun
from inventory.runs.parameters import RunParameters

# Forecast error replaces the history's deviation only where a row has enough forecast-actual
# pairs; new and unforecast rows fall back. Half the portfolio shows the practice in place.
FORECAST_ERROR_MIN_SHARE = 0.5
# Recommendations probed for a consensus plan (check 6): a plan covering a thousandth of the
# run's forecast rows shows up, at a bounded cost whatever the size of the forecasts.
CONSENSUS_SAMPLE = 1000
NO_RUN = "No whole-network optimization run has succeeded yet"
ISSUE_14 = "forecasting and the consensus plan arrive with issue #14"


def run_label(run: PolicyRun) -> str:
    """ "run #12 (finished 2 November 2026)"."""
    finished = timezone.localdate(run.finished_at or run.created_at)
    return f"run #{run.pk} (finished {finished:%-d %B %Y})"


def check_forecast_error(ctx: Context) -> Finding:
    """Check 4: the last whole-network run took σ_d from forecast error for a meaningful
    share of its recommendations."""
    run = ctx.last_run
    if run is None:
        return Finding(f"{NO_RUN}, so no forecast error has fed a policy.", False)
    counts = ctx.run_counts
    total, part = counts["sigma"], counts["forecast_error"]
    if not total:
        return Finding(f"The last {run_label(run)} computed no demand deviation here.", False)
    evidence = (
        f"The last {run_label(run)} took σ_d from forecast error for "
        f"{count_of(part, total, 'recommendations')}; the others used the deviation of the "
        "demand history (too few forecast-actual pairs)."
    )
    return Finding(evidence, share(part, total) >= FORECAST_ERROR_MIN_SHARE)


def check_seasonality(ctx: Context) -> Finding:
    """Check 5: time-phased policies show seasons and promotions reaching the policies;
    without them the system cannot tell, so a person answers."""
    counts = ctx.policy_counts
    phased = counts["time_phased"]
    if phased:
        evidence = (
            f"{count_of(phased, counts['total'], 'active policies')} are time-phased: in force "
            "until a set date, when the next season's or promotion's values take over."
        )
        return Finding(evidence, True)
    evidence = (
        "No active policy is time-phased, and optimization runs do not yet plan promotion "
        f"weeks or seasons apart ({ISSUE_14}). Answer how promotions and seasonality reach "
        "the policies."
    )
    return Finding(evidence, None)


def _run_window(run: PolicyRun) -> tuple[date, date]:
    """[first, end) of the demand periods the run read (its parameters, or the defaults)."""
    parameters = run.parameters or {}
    finished = timezone.localdate(run.finished_at or run.created_at)
    end = date.fromisoformat(parameters["as_of"]) if "as_of" in parameters else finished
    days = parameters.get("period_days", settings.PLANNING_PERIOD_DAYS)
    periods = parameters.get("history_periods", RunParameters.history_periods)
    return end - timedelta(days=days * periods), end


def _consensus_coverage(ctx: Context, run: PolicyRun) -> dict[str, int]:
    """Of an even sample of the run's recommendations whose σ_d came from forecast error,
    how many have consensus forecasts made ahead of their periods in the run's window. A
    sample keeps the cost bounded: the forecasts have no index leading with their kind."""
    first, end = _run_window(run)
    step = max(1, math.ceil(ctx.run_counts["forecast_error"] / CONSENSUS_SAMPLE))
    plan = Forecast.objects.filter(
        item=OuterRef("item"),
        location=OuterRef("location"),
        kind=ForecastKind.CONSENSUS,
        period_start__gte=first,
        period_start__lt=end,
        as_of__lt=F("period_start"),
    )
    sample = (
        ctx.run_rows()
        .filter(demand_sd_source=FORECAST_ERROR)
        .annotate(slot=Mod("pk", step))
        .filter(slot=0)
    )
    return sample.aggregate(sampled=Count("pk"), covered=Count("pk", filter=Q(Exists(plan))))


def check_consensus(ctx: Context) -> Finding:
    """Check 6: the last run took σ_d from forecast error where a consensus plan (forecasts
    made ahead of their periods, in the run's window) exists. The run reads the plan for σ_d
    only (the mean comes from history until issue #14)."""
    run = ctx.last_run
    if run is None:
        return Finding(f"{NO_RUN}: no demand plan has fed a policy; {ISSUE_14}.", False)
    used = ctx.run_counts["forecast_error"]
    if not used:
        evidence = (
            f"The last {run_label(run)} took σ_d from forecast error for no recommendation: "
            f"no demand plan fed its policies; {ISSUE_14}."
        )
        return Finding(evidence, False)
    coverage = _consensus_coverage(ctx, run)
    covered, sampled = coverage["covered"], coverage["sampled"]
    evidence = (
        f"Consensus forecasts (the approved demand plan) cover {covered:,} of {sampled:,} "
        f"recommendations sampled from the {used:,} whose σ_d the last {run_label(run)} took "
        "from forecast error"
    )
    if not covered:
        return Finding(f"{evidence}: its policies rest on the demand history; {ISSUE_14}.", False)
    evidence += f". The plan feeds σ_d only: demand means still come from history ({ISSUE_14})."
    return Finding(evidence, True)
