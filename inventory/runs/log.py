"""A run's log: rows the Runs page shows, mirrored to Python logging with run and batch ids."""

import logging

from inventory.runs.models import PolicyRun, RunLogEntry

logger = logging.getLogger("inventory.runs")
LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def run_log(run: PolicyRun | int, message: str, *, level: str = "info", batch: int | None = None):
    """Record one log line of ``run`` (and of ``batch``, when given)."""
    run_id = run if isinstance(run, int) else run.pk
    RunLogEntry.objects.create(run_id=run_id, level=level, batch_number=batch, message=message)
    logger.log(
        LEVELS[level],
        "run=%s batch=%s %s",
        run_id,
        "-" if batch is None else batch,
        message,
        extra={"run_id": run_id, "batch": batch},
    )
