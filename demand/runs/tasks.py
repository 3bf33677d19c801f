"""django-q2 entry points of forecast runs (dotted paths in the queue and the schedule)."""

from demand.runs.services import (
    forecast_batch_execute,
    forecast_batches_lost_fail,
    forecast_run_plan,
)


def plan_task(run_id: int, sync: bool | None = None) -> None:
    """Plan a forecast run and queue its batches (inline too when ``sync``)."""
    forecast_run_plan(run_id, sync=sync)


def batch_task(batch_id: int) -> None:
    """Execute one batch."""
    forecast_batch_execute(batch_id)


def lost_batches_task() -> str:
    """Fail forecast batches whose worker is gone, so their runs end."""
    return f"{forecast_batches_lost_fail()} lost forecast batch(es) failed"
