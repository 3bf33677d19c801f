"""Starting, planning, executing, finishing and cancelling forecast runs.

Mirrors optimization runs (``inventory.runs.services``): one task plans the run (which
SKU-locations, cut into batches by item-id range), then each batch is a django-q2 task of its
own that reads the batch's history, calls ``demand.forecasting.forecast_portfolio`` and writes
the statistical forecasts and fitted models together with its own "succeeded" status, in one
transaction: a batch retried after a killed worker starts from nothing, one already done is
skipped. The last batch to finish closes the run and adds up its summary.
"""

import time
import traceback
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_q.exceptions import TimeoutException

from demand.forecasting import forecast_portfolio
from demand.models import ForecastBatch, ForecastRun
from demand.runs import queue
from demand.runs.inputs import forecast_inputs, horizon_promotions, plan_keys
from demand.runs.parameters import ForecastParameters, forecast_parameters_build
from demand.runs.summary import batch_summary, run_summary
from demand.runs.writer import fits_write, forecasts_write, uplift_factors
from governance.selectors import location_scope
from inventory.choices import (
    ACTIVE_RUN_STATUSES,
    FINISHED_BATCH_STATUSES,
    BatchStatus,
    RunStatus,
    RunTrigger,
)
from inventory.runs.log import logger
from inventory.runs.planning import batches_cut
from inventory.runs.scope import RunScope, scope_check_covered, scope_for_user
from inventory.runs.services import RunConflict
from sop_platform.batch_runs import batch_claim, run_plan_claim

ALGORITHM_VERSION = "forecast-1"
RUN_LOCK = 7_415_014  # PostgreSQL advisory lock serialising forecast-run starts
STAGES = ("read", "compute", "write")


def forecast_run_start(
    *,
    scope: RunScope,
    actor=None,
    trigger: str = RunTrigger.USER,
    description: str = "",
    as_of=None,
    parameters: dict | None = None,
    sync: bool | None = None,
) -> ForecastRun:
    """Queue a forecast run of ``scope`` as of ``as_of`` (default: this period's start).

    Defaults come from ``ForecastSettings`` (horizon, holdout, season length). A user's run
    stays within their location scope (a scope naming no location means all of theirs).
    Raises :class:`~inventory.runs.parameters.ParameterError` naming a bad parameter,
    ``PermissionDenied`` beyond the user's scope and :class:`RunConflict` while another active
    forecast run covers some of the scope. ``sync`` runs it inline (see ``runs.queue``).
    """
    if actor is not None:
        scope = scope_for_user(scope, location_scope(user=actor))
    given = dict(parameters or {})
    if as_of is not None:
        given["as_of"] = as_of
    params = forecast_parameters_build(given)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RUN_LOCK])
        for other in ForecastRun.objects.filter(status__in=ACTIVE_RUN_STATUSES):
            covered = RunScope.from_json(other.scope)
            if scope.overlaps(covered):
                raise RunConflict(
                    f"Forecast run #{other.pk} ({other.get_status_display().lower()}) already "
                    f"covers some of these SKU-locations ({covered.describe()}). Wait for it "
                    "to finish or cancel it."
                )
        run = ForecastRun.objects.create(
            scope=scope.as_json(),
            parameters=params.as_json(),
            as_of=params.as_of,
            actor=actor if actor is not None and actor.is_authenticated else None,
            trigger=trigger,
            description=description,
            algorithm_version=ALGORITHM_VERSION,
        )
        transaction.on_commit(lambda: queue.enqueue_plan(run.pk, sync=sync))
    return run


def forecast_run_plan(run_id: int, *, sync: bool | None = None) -> None:
    """The run-wide stage: the SKU-locations in scope, cut into batches, which are queued."""
    started = time.perf_counter()
    run, _ = run_plan_claim(ForecastRun, run_id)
    if run is None:
        return
    try:
        params = ForecastParameters.from_json(run.parameters)
        keys = plan_keys(RunScope.from_json(run.scope), params)
        batches = batches_cut(keys, params.batch_size)
        batch_ids = _batches_create(run, batches, started, sync)
    except (Exception, TimeoutException) as error:  # the run cannot start: say why and stop
        logger.exception("forecast run=%s planning failed", run.pk)
        run.refresh_from_db()
        run.error = f"Planning failed: {error!r}"
        _finish(run, RunStatus.FAILED)
        return
    if not batch_ids:
        _finish(run, RunStatus.SUCCEEDED)


@transaction.atomic
def _batches_create(
    run: ForecastRun, batches: list[tuple[int, int, int]], started: float, sync: bool | None
) -> list[int]:
    """Write the batches and the run's totals; queue the batches on commit."""
    ForecastBatch.objects.bulk_create(
        ForecastBatch(run=run, number=number, item_from=first, item_to=last, rows=rows)
        for number, (first, last, rows) in enumerate(batches, start=1)
    )
    run.total_batches = len(batches)
    run.total_rows = sum(rows for _, _, rows in batches)
    run.timings = {"plan": round(time.perf_counter() - started, 3)}
    run.save(update_fields=["total_batches", "total_rows", "timings"])
    batch_ids = list(run.batches.values_list("pk", flat=True))
    transaction.on_commit(lambda: queue.enqueue_batches(run.pk, batch_ids, sync=sync))
    return batch_ids


def forecast_batch_execute(batch_id: int) -> None:
    """Forecast one batch and write its rows; a failure is recorded on it, not re-raised."""
    batch = batch_claim(ForecastBatch, batch_id)
    if batch is not None:
        try:
            _compute(batch)
        except (Exception, TimeoutException) as error:  # the time limit raises SystemExit
            logger.exception("forecast run=%s batch=%s failed", batch.run_id, batch.number)
            ForecastBatch.objects.filter(pk=batch.pk, status=BatchStatus.RUNNING).update(
                status=BatchStatus.FAILED,
                finished_at=timezone.now(),
                error="".join(traceback.format_exception_only(error)).strip(),
            )
    run_id = ForecastBatch.objects.values_list("run_id", flat=True).get(pk=batch_id)
    forecast_run_finish_if_done(run_id)


def _compute(batch: ForecastBatch) -> None:
    run = batch.run
    scope, params = RunScope.from_json(run.scope), ForecastParameters.from_json(run.parameters)
    item_range = (batch.item_from, batch.item_to)
    clock = time.perf_counter()
    inputs = forecast_inputs(scope, params, *item_range)
    promotions = horizon_promotions(params, *item_range)
    read = time.perf_counter()
    result = forecast_portfolio(
        inputs.history,
        horizon=params.horizon_periods,
        holdout=params.holdout_periods,
        season_length=params.season_length,
        promotion=inputs.promotion,
        group=inputs.group,
        interval=params.interval,
    )
    factor = uplift_factors(inputs, params, promotions)
    computed = time.perf_counter()
    with transaction.atomic():
        # Two deliveries of one batch may overlap (a worker presumed dead was only slow): the
        # lock serialises their writes, and the later one finds the batch done.
        locked = ForecastBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != BatchStatus.RUNNING:
            return
        if len(inputs):
            forecasts_write(run, scope, item_range, inputs, result, factor)
            fits_write(run, item_range, inputs, result)
        done = time.perf_counter()
        batch.status, batch.finished_at = BatchStatus.SUCCEEDED, timezone.now()
        batch.rows = len(inputs)
        batch.summary = batch_summary(result) if len(inputs) else {"groups": []}
        batch.timings = {
            "read": round(read - clock, 3),
            "compute": round(computed - read, 3),
            "write": round(done - computed, 3),
        }
        batch.error = ""
        batch.save()


def forecast_run_finish_if_done(run_id: int) -> None:
    """Close the run once every batch has finished: status, stage timings, summary."""
    with transaction.atomic():
        run = ForecastRun.objects.select_for_update().get(pk=run_id)
        if not run.is_active or run.total_batches == 0:
            return
        batches = list(run.batches.values("status", "timings", "summary"))
        if any(b["status"] not in FINISHED_BATCH_STATUSES for b in batches):
            return
        for stage in STAGES:
            run.timings[stage] = round(sum(b["timings"].get(stage, 0) for b in batches), 3)
        succeeded = [b["summary"] for b in batches if b["status"] == BatchStatus.SUCCEEDED]
        run.summary = run_summary(succeeded)
        _finish(run, _status_of({b["status"] for b in batches}))


def _status_of(statuses: set[str]) -> str:
    if BatchStatus.CANCELLED in statuses:
        return RunStatus.CANCELLED
    if BatchStatus.FAILED not in statuses:
        return RunStatus.SUCCEEDED
    if BatchStatus.SUCCEEDED in statuses:
        return RunStatus.PARTIALLY_FAILED
    return RunStatus.FAILED


def _finish(run: ForecastRun, status: str) -> None:
    run.status, run.finished_at = status, timezone.now()
    run.save(update_fields=["status", "finished_at", "timings", "summary", "error"])
    logger.info("forecast run=%s finished: %s", run.pk, status)


def forecast_run_cancel(run: ForecastRun, *, actor=None) -> ForecastRun:
    """Stop queued batches; running ones finish. A run not yet planned ends at once.

    Cancelling a finished run changes nothing. A user may cancel only a run whose locations
    are all in their scope (``PermissionDenied`` otherwise).
    """
    if actor is not None:
        scope_check_covered(RunScope.from_json(run.scope), location_scope(user=actor))
    if not run.is_active:
        return run
    with transaction.atomic():
        run = ForecastRun.objects.select_for_update().get(pk=run.pk)
        run.cancel_requested = True
        run.save(update_fields=["cancel_requested"])
        ForecastBatch.objects.filter(run=run, status=BatchStatus.QUEUED).update(
            status=BatchStatus.CANCELLED, finished_at=timezone.now()
        )
        if run.status == RunStatus.QUEUED:  # its plan task will find it finished
            _finish(run, RunStatus.CANCELLED)
    forecast_run_finish_if_done(run.pk)
    run.refresh_from_db()
    return run


def forecast_batches_lost_fail() -> int:
    """Fail the batches no worker can still be on, so their runs end; returns how many.

    As for optimization runs (``inventory.runs.services.run_batches_lost_fail``): a batch
    running for longer than django-q2's time limit plus its re-delivery time lost its worker
    and will not be delivered again. Called by a django-q2 schedule.
    """
    limit = settings.Q_CLUSTER.get("timeout", 0) + settings.Q_CLUSTER.get("retry", 0)
    now = timezone.now()
    lost = ForecastBatch.objects.filter(
        status=BatchStatus.RUNNING, started_at__lt=now - timedelta(seconds=limit)
    )
    found = list(lost.values_list("pk", "run_id"))
    ForecastBatch.objects.filter(pk__in=[pk for pk, _ in found]).update(
        status=BatchStatus.FAILED,
        finished_at=now,
        error=f"Lost: no worker finished it within {limit} s (time limit plus re-delivery).",
    )
    for run_id in sorted({run_id for _, run_id in found}):
        forecast_run_finish_if_done(run_id)
    return len(found)
