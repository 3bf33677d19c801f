"""django-q2 entry points (dotted paths in the queue and the schedule)."""

from inventory.choices import RunTrigger
from inventory.runs.scope import RunScope
from inventory.runs.services import (
    RunConflict,
    policy_run_plan,
    policy_run_start,
    run_batch_execute,
    run_batches_lost_fail,
)
from inventory.runs.triggers import lane_change_runs_start


def plan_task(run_id: int) -> None:
    """Plan a run and queue its batches."""
    policy_run_plan(run_id)


def batch_task(batch_id: int) -> None:
    """Execute one batch."""
    run_batch_execute(batch_id)


def monthly_run_task() -> str:
    """The monthly run over the whole network (skipped while another run covers it)."""
    try:
        run = policy_run_start(
            scope=RunScope(), trigger=RunTrigger.SCHEDULE, description="Monthly review run"
        )
    except RunConflict as conflict:
        return f"Skipped: {conflict}"
    return f"Started run #{run.pk}"


def lane_change_task() -> str:
    """Re-optimize the SKU-locations of pending lane-change events."""
    run = lane_change_runs_start()
    return f"Started run #{run.pk}" if run else "Nothing to start"


def lost_batches_task() -> str:
    """Fail batches whose worker is gone, so their runs end."""
    return f"{run_batches_lost_fail()} lost batch(es) failed"
