"""Starting, executing, finishing and cancelling optimization runs.

A run is planned by one task (SKU-locations, batches, segmentation, snapshot), then each batch
is a django-q2 task of its own. Batches are idempotent: a batch writes its recommendations,
exceptions and its own "succeeded" status in one transaction, so a batch retried after a
killed worker starts from nothing and one already done is skipped. The last batch to finish
closes the run.

A run with optimized service levels (``runs.portfolio``) goes over its batches twice: pass 1's
batches store their step summaries; the last of them to finish finds the one threshold of the
whole run (under the run's lock, like closing it) and queues pass 2, whose batches plan and
write at that threshold. A failed pass-1 batch fails the run (the threshold needs every row);
a cancel between the passes ends it before pass 2.
"""

import hashlib
import time
import traceback
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_q.exceptions import TimeoutException

from governance.exception_rules import exception_rules_current
from governance.selectors import location_scope
from inventory.choices import (
    ACTIVE_RUN_STATUSES,
    FINISHED_BATCH_STATUSES,
    BatchPhase,
    BatchStatus,
    RunStatus,
    RunTrigger,
    SegmentationSource,
)
from inventory.engine.portfolio import StepSummary
from inventory.engine.version import ENGINE_VERSION
from inventory.models import ServiceLevelClass
from inventory.runs import queue
from inventory.runs.calibration import calibration_from_snapshot, calibration_text
from inventory.runs.capacity import storage_capacity_apply
from inventory.runs.curves_cache import curves_drop, curves_key, curves_load, curves_save
from inventory.runs.inputs import BatchInputs, batch_inputs, stored_segments
from inventory.runs.log import logger, run_log
from inventory.runs.models import NetworkSegmentation, PolicyRun, RunBatch
from inventory.runs.parameters import RunParameters, parameters_build
from inventory.runs.passes import (
    awaiting_threshold,
    between_passes,
    check_same_inputs,
    portfolio_record,
)
from inventory.runs.pipeline import PlannedBatch, batch_curves, plan_batch
from inventory.runs.planning import RunPlan, SegmentationPlan, run_plan_build
from inventory.runs.portfolio import asked_of, asked_text, step_summary
from inventory.runs.replay import replay_summary
from inventory.runs.scope import RunScope, scope_check_covered, scope_for_user
from inventory.runs.writer import exceptions_write, recommendations_write, segments_write
from sop_platform.batch_runs import batch_claim, run_plan_claim

RUN_LOCK = 7_415_001  # PostgreSQL advisory lock serialising run starts


class RunConflict(Exception):
    """Another active run covers some of the same SKU-locations."""


def _service_classes() -> dict:
    return {
        code: [target, kind]
        for code, target, kind in ServiceLevelClass.objects.values_list(
            "code", "target", "service_type"
        )
    }


def policy_run_start(
    *,
    scope: RunScope,
    parameters: dict | None = None,
    actor=None,
    trigger: str = RunTrigger.USER,
    description: str = "",
    snapshot: dict | None = None,
) -> PolicyRun:
    """Queue a run; ``snapshot`` seeds its snapshot (e.g. the events it answers).

    A user's run stays within their location scope (a scope naming no location means all of
    theirs); runs without an actor are the system's. Raises ``PermissionDenied`` beyond the
    user's scope, :class:`RunConflict` if an active run overlaps the scope and
    :class:`~inventory.runs.parameters.ParameterError` for a bad parameter.
    """
    if actor is not None:
        scope = scope_for_user(scope, location_scope(user=actor))
    params = parameters_build(parameters, service_classes=_service_classes())
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RUN_LOCK])
        for other in PolicyRun.objects.filter(status__in=ACTIVE_RUN_STATUSES):
            if scope.overlaps(RunScope.from_json(other.scope)):
                raise RunConflict(
                    f"Run #{other.pk} ({other.get_status_display().lower()}) already covers "
                    f"some of these SKU-locations ({RunScope.from_json(other.scope).describe()})."
                    " Wait for it to finish or cancel it."
                )
        run = PolicyRun.objects.create(
            scope=scope.as_json(),
            parameters=params.as_json(),
            actor=actor if actor is not None and actor.is_authenticated else None,
            trigger=trigger,
            description=description,
            snapshot=dict(snapshot or {}),
            algorithm_version=ENGINE_VERSION,
        )
        run_log(run, f"Queued by {_who(run)}; scope: {scope.describe()}.")
        transaction.on_commit(lambda: queue.enqueue_plan(run.pk))
    return run


def _who(run: PolicyRun) -> str:
    if run.trigger == RunTrigger.USER:
        return run.actor.get_username() if run.actor else "a user"
    return run.get_trigger_display().lower()


def policy_run_plan(run_id: int) -> None:
    """The run-wide stage: cut the scope into batches and queue them."""
    started = time.perf_counter()
    run = _plan_claim(run_id)
    if run is None:
        return
    try:
        params = RunParameters.from_json(run.parameters)
        plan = run_plan_build(RunScope.from_json(run.scope), params, seed=run.pk)
        batch_ids = _batches_create(run, plan, params, started)
    except (Exception, TimeoutException) as error:  # the run cannot start: say why and stop
        logger.exception("run=%s planning failed", run.pk)
        run.refresh_from_db()
        run_log(run, f"Planning failed: {error!r}", level="error")
        _finish(run, RunStatus.FAILED)
        return
    if not batch_ids:
        _finish(run, RunStatus.SUCCEEDED)


@transaction.atomic
def _batches_create(
    run: PolicyRun, plan: RunPlan, params: RunParameters, started: float
) -> list[int]:
    """Write the batches (both passes' for optimized service levels: pass 2's numbered after
    pass 1's, over the same items), the run's totals and snapshot, and the segmentation a
    whole-network run stores (its batches add the classes); queue the (first) batches on
    commit."""
    phases = [BatchPhase.CURVES, BatchPhase.POLICIES] if params.optimized else [BatchPhase.PLAN]
    count = len(plan.batches)
    RunBatch.objects.bulk_create(
        RunBatch(
            run=run,
            phase=phase,
            number=offset * count + number,
            item_from=first,
            item_to=last,
            rows=rows,
        )
        for offset, phase in enumerate(phases)
        for number, (first, last, rows) in enumerate(plan.batches, start=1)
    )
    run.total_batches = count * len(phases)
    run.total_rows = sum(rows for _, _, rows in plan.batches)
    rules = exception_rules_current().as_json()  # read once: every batch applies the same
    run.snapshot = {**run.snapshot, **plan.snapshot, "exception_rules": rules}
    segmentation = plan.segmentation
    if segmentation.source == SegmentationSource.RECOMPUTED:
        a_cutoff, b_cutoff = segmentation.stored_cutoffs
        NetworkSegmentation.objects.create(
            run=run, as_of=segmentation.as_of, a_cutoff=a_cutoff, b_cutoff=b_cutoff
        )
    run.timings = {"plan": round(time.perf_counter() - started, 3)}
    run.save(update_fields=["total_batches", "total_rows", "snapshot", "timings"])
    if "calibration" in plan.snapshot:
        run_log(run, calibration_text(plan.snapshot["calibration"]))
    run_log(run, f"Planned {run.total_rows:,} SKU-locations in {count:,} batches.")
    if params.optimized:
        asked = asked_text(asked_of(params))
        run_log(
            run,
            f"Optimized service levels ({asked}), in two passes: pass 1 computes each batch's "
            "service-level curves, one threshold is then found for the whole run, and pass 2 "
            f"sets the policies at it (batches {count + 1:,}–{2 * count:,}).",
        )
    batch_ids = list(run.batches.filter(phase=phases[0]).values_list("pk", flat=True))
    transaction.on_commit(lambda: queue.enqueue_batches(run.pk, batch_ids))
    return batch_ids


def _plan_claim(run_id: int) -> PolicyRun | None:
    """Mark the run running (sop_platform.batch_runs), with a warning when its planning
    worker died and planning starts again."""
    run, again = run_plan_claim(PolicyRun, run_id)
    if again:
        run_log(run, "Planning again: the worker planning this run stopped.", level="warning")
    return run


def _claim(batch_id: int) -> RunBatch | None:
    """Mark the batch running (sop_platform.batch_runs), logging a repeated attempt."""
    batch = batch_claim(RunBatch, batch_id)
    if batch is not None and batch.attempts > 1:
        run_log(batch.run, f"Attempt {batch.attempts}.", level="warning", batch=batch.number)
    return batch


def run_batch_execute(batch_id: int) -> None:
    """Plan one batch and write its results; a failure is recorded, not re-raised."""
    batch = _claim(batch_id)
    if batch is not None:
        try:
            _compute(batch)
        except (Exception, TimeoutException) as error:  # the time limit raises SystemExit
            RunBatch.objects.filter(pk=batch.pk, status=BatchStatus.RUNNING).update(
                status=BatchStatus.FAILED,
                finished_at=timezone.now(),
                error="".join(traceback.format_exception_only(error)).strip(),
            )
            run_log(batch.run, f"Failed: {error!r}", level="error", batch=batch.number)
    policy_run_finish_if_done(RunBatch.objects.values_list("run_id", flat=True).get(pk=batch_id))


def _compute(batch: RunBatch) -> None:
    run = batch.run
    scope, params = RunScope.from_json(run.scope), RunParameters.from_json(run.parameters)
    clock = time.perf_counter()
    segmentation = SegmentationPlan.from_snapshot(run.snapshot, params.as_of)
    calibration = calibration_from_snapshot(run.snapshot)
    inputs = batch_inputs(scope, params, batch.item_from, batch.item_to)
    stored = _stored_segments(segmentation, batch, inputs)
    input_hash = _inputs_hash(inputs, stored)
    read = time.perf_counter()
    given = (inputs, params, segmentation.cutoffs, scope.segments, stored)
    key = curves_key(input_hash, run.parameters, run.snapshot.get("calibration"))
    slice_number = _slice_number(run, batch)
    if batch.phase == BatchPhase.CURVES:
        curves = batch_curves(*given, calibration=calibration)
        outcome = step_summary(curves)
        curves_save(run.pk, slice_number, key, curves)  # before the batch is done
    else:
        threshold, curves = None, None
        if batch.phase == BatchPhase.POLICIES:
            threshold = run.snapshot["portfolio"]["threshold"]
            curves = curves_load(run.pk, slice_number, key)
        _, outcome = plan_batch(*given, calibration=calibration, threshold=threshold, curves=curves)
    computed = time.perf_counter()
    with transaction.atomic():
        # Two deliveries of one batch may overlap (a worker presumed dead was only slow): the
        # lock serialises their writes, and the later one finds the batch done.
        if RunBatch.objects.select_for_update().get(pk=batch.pk).status != BatchStatus.RUNNING:
            return
        if isinstance(outcome, StepSummary):  # pass 1 writes its summary alone
            batch.portfolio = outcome.as_json()
        else:
            _write(batch, outcome, inputs, segmentation)
        done = time.perf_counter()
        batch.status, batch.finished_at = BatchStatus.SUCCEEDED, timezone.now()
        batch.input_hash = input_hash
        batch.timings = {
            "read": round(read - clock, 3),
            "compute": round(computed - read, 3),
            "write": round(done - computed, 3),
        }
        if batch.phase == BatchPhase.POLICIES:
            batch.portfolio["reloaded"] = float(curves is not None)
        batch.error = ""
        batch.save()
    if batch.phase == BatchPhase.POLICIES:
        curves_drop(run.pk, slice_number)
        check_same_inputs(batch)


def _slice_number(run: PolicyRun, batch: RunBatch) -> int:
    """The number of the batch's slice of items: its own, or pass 1's for a pass-2 batch."""
    if batch.phase == BatchPhase.POLICIES:
        return batch.number - run.total_batches // 2
    return batch.number


def _write(
    batch: RunBatch, planned: PlannedBatch, inputs: BatchInputs, segmentation: SegmentationPlan
) -> None:
    """The batch's recommendations, exceptions and (whole-network run) segments, and its
    sums on the batch row (saved by the caller)."""
    run = batch.run
    batch.recommendations = recommendations_write(run, batch.number, planned)
    batch.exceptions = exceptions_write(run, batch.number, planned, inputs.open_exceptions)
    if segmentation.source == SegmentationSource.RECOMPUTED:
        segments_write(run, batch.item_from, batch.item_to, planned)
    batch.replay, batch.portfolio = planned.replay, planned.portfolio


def _stored_segments(
    segmentation: SegmentationPlan, batch: RunBatch, inputs: BatchInputs
) -> np.ndarray | None:
    """The batch rows' classes in the stored segmentation the run reuses (None otherwise)."""
    if segmentation.source != SegmentationSource.REUSED:
        return None
    return stored_segments(segmentation.stored_id, batch.item_from, batch.item_to, inputs)


def _inputs_hash(inputs: BatchInputs, stored: np.ndarray | None) -> str:
    digest = hashlib.sha256()
    arrays = {**vars(inputs), "stored_segment": stored}
    for name, value in arrays.items():
        if name != "open_exceptions" and value is not None:
            digest.update(name.encode())
            digest.update(value.tobytes())
    return digest.hexdigest()


def run_batches_lost_fail() -> int:
    """Fail the batches no worker can still be on, so their runs end; returns how many.

    A batch running for longer than django-q2's time limit plus its re-delivery time lost
    its worker and will not be delivered again (the Redis broker never re-delivers; the
    database broker gives up after Q_MAX_ATTEMPTS). Without this its run would stay active,
    and block overlapping runs, for good. Called by a django-q2 schedule.
    """
    limit = settings.Q_CLUSTER.get("timeout", 0) + settings.Q_CLUSTER.get("retry", 0)
    now = timezone.now()
    lost = RunBatch.objects.filter(
        status=BatchStatus.RUNNING, started_at__lt=now - timedelta(seconds=limit)
    )
    found = list(lost.values_list("pk", "run_id", "number"))
    RunBatch.objects.filter(pk__in=[pk for pk, _, _ in found]).update(
        status=BatchStatus.FAILED,
        finished_at=now,
        error=f"Lost: no worker finished it within {limit} s (time limit plus re-delivery).",
    )
    for _, run_id, number in found:
        run_log(run_id, "Lost its worker; marked failed.", level="error", batch=number)
    for run_id in sorted({run_id for _, run_id, _ in found}):
        policy_run_finish_if_done(run_id)
    return len(found)


def policy_run_finish_if_done(run_id: int) -> None:
    """Close the run once every batch has finished: status, timings, content hash. Between the
    passes of optimized service levels, find the run's threshold and queue pass 2 instead
    (or call pass 2 off when pass 1 failed or the run was cancelled)."""
    with transaction.atomic():
        run = PolicyRun.objects.select_for_update().get(pk=run_id)
        if not run.is_active or run.total_batches == 0:
            return
        batches = _batch_rows(run)
        forced = None
        if awaiting_threshold(run, batches):
            forced = between_passes(run, batches)
            if forced is None:
                return
            batches = _batch_rows(run)
        if any(b["status"] not in FINISHED_BATCH_STATUSES for b in batches):
            return
        for stage in ("read", "compute", "write"):
            run.timings[stage] = round(sum(b["timings"].get(stage, 0) for b in batches), 3)
        final = [b for b in batches if b["phase"] != BatchPhase.CURVES]
        hashes = sorted(b["input_hash"] for b in final if b["input_hash"])
        run.snapshot["content_hash"] = hashlib.sha256("".join(hashes).encode()).hexdigest()
        succeeded = [b for b in final if b["status"] == BatchStatus.SUCCEEDED]
        _replay_record(run, [b["replay"] for b in succeeded])
        portfolio_record(run, succeeded)
        if succeeded:  # a location's orders come from every batch: cut them to its capacity
            storage_capacity_apply(run)
        _finish(run, forced or _status_of(final))


def _batch_rows(run: PolicyRun) -> list[dict]:
    """What closing the run reads of its batches (not pass 1's summaries)."""
    return list(run.batches.values("pk", "phase", "status", "timings", "input_hash", "replay"))


def _status_of(final: list[dict]) -> str:
    """The run's status from its batches that plan and write (pass 2's, when optimized)."""
    statuses = {b["status"] for b in final}
    if BatchStatus.CANCELLED in statuses:
        return RunStatus.CANCELLED
    if BatchStatus.FAILED not in statuses:
        return RunStatus.SUCCEEDED
    if BatchStatus.SUCCEEDED in statuses:
        return RunStatus.PARTIALLY_FAILED
    return RunStatus.FAILED


def _replay_record(run: PolicyRun, batch_sums: list[dict]) -> None:
    """The run's replay summary (``snapshot["backtest"]``), from its batches' sums."""
    if not any(batch_sums):
        return
    params = RunParameters.from_json(run.parameters)
    summary = replay_summary(batch_sums, params.backtest_periods, params.replay_out_of_sample)
    if summary is not None:
        run.snapshot["backtest"] = summary


def _finish(run: PolicyRun, status: str) -> None:
    run.status, run.finished_at = status, timezone.now()
    run.save(update_fields=["status", "finished_at", "timings", "snapshot"])
    curves_drop(run.pk)  # what pass 2 left behind on this machine (optimized runs)
    failed = run.batches.filter(status=BatchStatus.FAILED).count()
    tail = f"; {failed} batch(es) failed" if failed else ""
    level = "info" if status == RunStatus.SUCCEEDED else "warning"
    run_log(run, f"Finished: {run.get_status_display().lower()}{tail}.", level=level)
    transaction.on_commit(lambda: queue.after_finish(run.pk))


def policy_run_cancel(run: PolicyRun, *, actor=None) -> PolicyRun:
    """Stop queued batches; running ones finish. A run not yet planned ends at once.

    Cancelling a finished run changes nothing. A user may cancel only a run whose locations
    are all in their scope (``PermissionDenied`` otherwise).
    """
    if actor is not None:
        scope_check_covered(RunScope.from_json(run.scope), location_scope(user=actor))
    if not run.is_active:
        return run
    with transaction.atomic():
        run = PolicyRun.objects.select_for_update().get(pk=run.pk)
        run.cancel_requested = True
        run.save(update_fields=["cancel_requested"])
        RunBatch.objects.filter(run=run, status=BatchStatus.QUEUED).update(
            status=BatchStatus.CANCELLED, finished_at=timezone.now()
        )
        who = actor.get_username() if actor is not None else "the system"
        run_log(run, f"Cancel requested by {who}.", level="warning")
        if run.status == RunStatus.QUEUED:  # its plan task will find it finished
            _finish(run, RunStatus.CANCELLED)
    policy_run_finish_if_done(run.pk)
    run.refresh_from_db()
    return run
