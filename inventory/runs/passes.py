"""The two passes of a run with optimized service levels, on the database side (the maths is
``runs.portfolio``'s): between the passes, the last pass-1 batch to finish adds the step
summaries up under the run's lock, stores the run's threshold in the snapshot and queues
pass 2, or calls pass 2 off (a failed pass-1 batch, a cancel); at the end, pass 2's sums
become the run's outcome. ``services.policy_run_finish_if_done`` calls these.
"""

import time

from django.db import transaction
from django.utils import timezone

from inventory.choices import FINISHED_BATCH_STATUSES, BatchPhase, BatchStatus, RunStatus
from inventory.engine.portfolio import StepSummary
from inventory.runs import queue
from inventory.runs.log import logger, run_log
from inventory.runs.models import PolicyRun, RunBatch
from inventory.runs.parameters import RunParameters
from inventory.runs.portfolio import outcome_text, portfolio_outcome, portfolio_solve, solve_text


def awaiting_threshold(run: PolicyRun, batches: list[dict]) -> bool:
    """An optimized run whose threshold is not found yet."""
    has_curves = any(b["phase"] == BatchPhase.CURVES for b in batches)
    return has_curves and "threshold" not in run.snapshot.get("portfolio", {})


def between_passes(run: PolicyRun, batches: list[dict]) -> str | None:
    """Once pass 1 is over: solve and queue pass 2 (None: the run goes on), or call pass 2
    off and return the status the run ends with. None while pass 1 is still running."""
    first = [b["status"] for b in batches if b["phase"] == BatchPhase.CURVES]
    if any(status not in FINISHED_BATCH_STATUSES for status in first):
        return None
    failed = first.count(BatchStatus.FAILED)
    if failed:
        reason = f"{failed} pass-1 batch(es) failed and the threshold needs every SKU-location"
        status = RunStatus.FAILED
    elif run.cancel_requested or BatchStatus.CANCELLED in first:
        reason, status = "the run was cancelled", RunStatus.CANCELLED
    else:
        try:
            with transaction.atomic():  # a savepoint: a failed solve leaves nothing behind
                _solve(run)
            return None
        except Exception as error:  # the run cannot go on: say why and stop
            logger.exception("run=%s solve failed", run.pk)
            run.snapshot.pop("portfolio", None)
            run.timings.pop("solve", None)
            reason, status = f"the threshold could not be found ({error!r})", RunStatus.FAILED
    RunBatch.objects.filter(run=run, phase=BatchPhase.POLICIES).exclude(
        status__in=FINISHED_BATCH_STATUSES
    ).update(status=BatchStatus.CANCELLED, finished_at=timezone.now())
    level = "warning" if status == RunStatus.CANCELLED else "error"
    run_log(run, f"Pass 2 not started: {reason}.", level=level)
    return status


def _solve(run: PolicyRun) -> None:
    """Add pass 1's summaries up, store the threshold and what it is expected to give in the
    snapshot (``portfolio``), and queue pass 2 on commit."""
    started = time.perf_counter()
    stored = run.batches.filter(phase=BatchPhase.CURVES).order_by("number")
    summaries = [StepSummary.from_json(s) for s in stored.values_list("portfolio", flat=True)]
    figures = portfolio_solve(summaries, RunParameters.from_json(run.parameters))
    run.snapshot["portfolio"] = figures
    run.timings["solve"] = round(time.perf_counter() - started, 3)
    run.save(update_fields=["snapshot", "timings"])
    line, warning = solve_text(figures)
    run_log(run, line)
    if warning:
        run_log(run, warning, level="warning")
    ids = list(run.batches.filter(phase=BatchPhase.POLICIES).values_list("pk", flat=True))
    transaction.on_commit(lambda: queue.enqueue_batches(run.pk, ids))


def portfolio_record(run: PolicyRun, succeeded: list[dict]) -> None:
    """What pass 2 gave (``snapshot['portfolio']['outcome']``), from its batches' sums."""
    if "threshold" not in run.snapshot.get("portfolio", {}) or not succeeded:
        return
    sums = RunBatch.objects.filter(
        pk__in=[b["pk"] for b in succeeded], phase=BatchPhase.POLICIES
    ).values_list("portfolio", flat=True)
    outcome = portfolio_outcome(list(sums))
    run.snapshot["portfolio"]["outcome"] = outcome
    run_log(run, outcome_text(outcome))


def check_same_inputs(batch: RunBatch) -> None:
    """Log a warning when a pass-2 batch read other inputs than its pass-1 batch (data
    loaded between the passes): its policies sit at a threshold found on the earlier data."""
    first = RunBatch.objects.filter(
        run_id=batch.run_id, phase=BatchPhase.CURVES, item_from=batch.item_from
    ).values_list("input_hash", flat=True)
    if first and first[0] != batch.input_hash:
        run_log(
            batch.run,
            "Inputs changed since pass 1: these policies use the threshold found on the "
            "earlier data.",
            level="warning",
            batch=batch.number,
        )
