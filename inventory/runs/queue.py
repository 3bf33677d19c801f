"""Handing run work to django-q2: the plan task, one task per batch, follow-ups on finish."""

from django.conf import settings
from django_q.tasks import async_task

TASKS = "inventory.runs.tasks"


def _options(run_id: int) -> dict:
    return {"group": f"run-{run_id}", "sync": getattr(settings, "RUNS_SYNC", False)}


def enqueue_plan(run_id: int) -> None:
    """Queue the run-wide planning stage."""
    async_task(f"{TASKS}.plan_task", run_id, task_name=f"run-{run_id}-plan", **_options(run_id))


def enqueue_batches(run_id: int, batch_ids: list[int]) -> None:
    """Queue every batch of a run; workers take them in order."""
    for batch_id in batch_ids:
        async_task(f"{TASKS}.batch_task", batch_id, **_options(run_id))


def after_finish(run_id: int) -> None:
    """Follow-ups of a finished run (lane-change events it answered)."""
    from inventory.runs.triggers import lane_change_events_close

    lane_change_events_close(run_id)
