"""Handing forecast-run work to django-q2: the plan task, then one task per batch.

``sync`` (default: ``settings.RUNS_SYNC``, as for optimization runs) executes a task in the
calling process instead (tests, ``manage.py forecast --sync``).
"""

from django.conf import settings
from django_q.tasks import async_task

TASKS = "demand.runs.tasks"


def _options(run_id: int, sync: bool | None) -> dict:
    inline = getattr(settings, "RUNS_SYNC", False) if sync is None else sync
    return {"group": f"forecast-run-{run_id}", "sync": inline}


def enqueue_plan(run_id: int, *, sync: bool | None = None) -> None:
    """Queue the run-wide planning stage."""
    async_task(
        f"{TASKS}.plan_task",
        run_id,
        sync,
        task_name=f"forecast-run-{run_id}-plan",
        **_options(run_id, sync),
    )


def enqueue_batches(run_id: int, batch_ids: list[int], *, sync: bool | None = None) -> None:
    """Queue every batch of a run; workers take them in order."""
    for batch_id in batch_ids:
        async_task(f"{TASKS}.batch_task", batch_id, **_options(run_id, sync))
