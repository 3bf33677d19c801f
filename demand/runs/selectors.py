"""Reads of forecast runs: the runs a user may see, and where one stands."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q, QuerySet, Sum

from demand.choices import ForecastKind
from demand.models import Forecast, ForecastFit, ForecastRun
from governance.selectors import location_scope
from inventory.choices import FINISHED_BATCH_STATUSES, BatchStatus
from inventory.runs.scope import RunScope


def forecast_runs_visible_to(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[ForecastRun]:
    """Forecast runs, newest first, with who started them, batches done and rows forecast:
    those whose every location is in the user's scope (a run's figures add up over all its
    locations, so a run reaching beyond the user's is not shown; scopes fail closed)."""
    runs = ForecastRun.objects.select_related("actor").order_by("-created_at", "-pk")
    allowed = location_scope(user=user)
    if not allowed.whole_network:
        scopes = ForecastRun.objects.values_list("pk", "scope")
        visible = [pk for pk, scope in scopes if _covered(scope, allowed)]
        runs = runs.filter(pk__in=visible)
    finished = Q(batches__status__in=FINISHED_BATCH_STATUSES)
    return runs.annotate(
        done_batches=Count("batches", filter=finished),
        done_rows=Sum("batches__rows", filter=Q(batches__status=BatchStatus.SUCCEEDED)),
    )


def _covered(scope: dict, allowed) -> bool:
    return allowed.covers(RunScope.from_json(scope).touched_location_ids())


def forecast_run_progress(run: ForecastRun) -> dict:
    """Where a run stands: batches and SKU-locations done, failures (one query)."""
    groups = list(
        run.batches.values("status").annotate(batches=Count("pk"), rows=Sum("rows")).order_by()
    )

    def total(field: str, *statuses: str) -> int:
        return sum(g[field] or 0 for g in groups if g["status"] in statuses)

    done = total("batches", *FINISHED_BATCH_STATUSES)
    return {
        "status": run.status,
        "total_batches": run.total_batches,
        "done_batches": done,
        "running_batches": total("batches", BatchStatus.RUNNING),
        "failed_batches": total("batches", BatchStatus.FAILED),
        "cancelled_batches": total("batches", BatchStatus.CANCELLED),
        "total_rows": run.total_rows,
        "done_rows": total("rows", BatchStatus.SUCCEEDED),
        "percent": round(100.0 * done / run.total_batches, 1) if run.total_batches else 0,
        "elapsed_seconds": run.duration_seconds,
        "timings": run.timings,
    }


def run_forecasts(run: ForecastRun) -> QuerySet[Forecast]:
    """The statistical forecasts standing for ``run``'s date (its own, unless a later run of
    the same date replaced them)."""
    return Forecast.objects.filter(kind=ForecastKind.STATISTICAL, as_of=run.as_of)


def forecast_run_sample(
    *, run: ForecastRun, user: AbstractBaseUser | AnonymousUser, limit: int = 20
) -> list[dict]:
    """The first ``limit`` SKU-locations of the run in the user's scope: the fitted model and
    the forecast quantities by period (two queries)."""
    fits = location_scope(user=user).restrict(
        ForecastFit.objects.filter(run=run).select_related("item", "location")
    )
    fits = list(fits.order_by("item_id", "location_id")[:limit])
    pairs = Q()
    for fit in fits:
        pairs |= Q(item_id=fit.item_id, location_id=fit.location_id)
    periods: dict[tuple[int, int], list] = {}
    if fits:
        rows = run_forecasts(run).filter(pairs).order_by("period_start")
        for item_id, location_id, quantity in rows.values_list(
            "item_id", "location_id", "quantity"
        ):
            periods.setdefault((item_id, location_id), []).append(quantity)
    return [
        {"fit": fit, "quantities": periods.get((fit.item_id, fit.location_id), [])} for fit in fits
    ]
