"""The claims every batched background run (optimization, forecast) makes of its records,
under a row lock, so that two deliveries of one task never both work on it."""

from django.db import models, transaction
from django.utils import timezone

from inventory.choices import FINISHED_BATCH_STATUSES, BatchStatus, RunStatus


def run_plan_claim(model: type[models.Model], run_id: int) -> tuple[models.Model | None, bool]:
    """(the run, marked running; whether it already was) — (None, False) when it is cancelled,
    finished or already cut into batches. A run left running with no batches lost its
    planning worker: planning starts again."""
    with transaction.atomic():
        run = model.objects.select_for_update().get(pk=run_id)
        if run.cancel_requested or not run.is_active or run.batches.exists():
            return None, False
        again = run.status == RunStatus.RUNNING
        run.status, run.started_at = RunStatus.RUNNING, run.started_at or timezone.now()
        run.save(update_fields=["status", "started_at"])
    return run, again


def batch_claim(model: type[models.Model], batch_id: int) -> models.Model | None:
    """The batch, marked running (again, if a worker died on it) with one more attempt; None
    when it is finished, or cancelled with its run."""
    with transaction.atomic():
        batch = model.objects.select_for_update().select_related("run").get(pk=batch_id)
        if batch.status in FINISHED_BATCH_STATUSES:
            return None
        if batch.run.cancel_requested:
            batch.status, batch.finished_at = BatchStatus.CANCELLED, timezone.now()
            batch.save(update_fields=["status", "finished_at"])
            return None
        batch.status, batch.started_at = BatchStatus.RUNNING, timezone.now()
        batch.attempts += 1
        batch.save(update_fields=["status", "started_at", "attempts"])
    return batch
