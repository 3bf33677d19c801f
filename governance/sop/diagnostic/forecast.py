"""Checks 4–6, Forecast Integration: forecast error in the last run's buffers, promotions and
seasons in the policies, the consensus plan feeding the run."""

from datetime import date, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from demand.choices import ForecastKind
from demand.models import Forecast
from governance.sop.diagnostic.context import Context, Finding, count_of, share
from inventory.models import PolicyRun
from inventory.runs.parameters import RunParameters

# Forecast error replaces the history's deviation only where a row has enough forecast-actual
# pairs; new and unforecast rows fall back. Half the portfolio shows the practice in place.
FORECAST_ERROR_MIN_SHARE = 0.5
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


def check_consensus(ctx: Context) -> Finding:
    """Check 6: consensus forecasts made ahead of their periods fall in the last run's window
    and the run took forecast error from them. The run reads the plan for σ_d only (the mean
    comes from history until issue #14)."""
    run = ctx.last_run
    if run is None:
        return Finding(f"{NO_RUN}: no demand plan has fed a policy; {ISSUE_14}.", False)
    first, end = _run_window(run)
    plan = ctx.scope.restrict(
        Forecast.objects.filter(
            kind=ForecastKind.CONSENSUS,
            period_start__gte=first,
            period_start__lt=end,
            as_of__lt=F("period_start"),
        ).order_by()
    )
    if not plan.exists():
        evidence = (
            f"No consensus forecast (approved demand plan) falls in the window of the last "
            f"{run_label(run)}: its policies rest on the demand history; {ISSUE_14}."
        )
        return Finding(evidence, False)
    used = ctx.run_counts["forecast_error"]
    evidence = (
        f"Consensus forecasts fall in the window of the last {run_label(run)}, which took σ_d "
        f"from forecast error for {used:,} recommendations. The plan feeds σ_d only: demand "
        f"means still come from history ({ISSUE_14})."
    )
    return Finding(evidence, used > 0)
