"""Reads of optimization runs: progress while running, the operations figures afterwards."""

from django.db.models import Count, QuerySet, Sum

from inventory.choices import BatchStatus
from inventory.runs.models import PolicyRun, RunLogEntry


def runs_list() -> QuerySet[PolicyRun]:
    """Runs, newest first, with who started them."""
    return PolicyRun.objects.select_related("actor").order_by("-created_at", "-pk")


def run_progress(run: PolicyRun) -> dict:
    """Where a run stands: batches and SKU-locations done, failures, output counts, timings.

    One query over the run's batches, whatever their number.
    """
    by_status = {
        row["status"]: row
        for row in run.batches.values("status").annotate(
            batches=Count("pk"),
            rows=Sum("rows"),
            recommendations=Sum("recommendations"),
            exceptions=Sum("exceptions"),
        )
    }

    def total(field: str, *statuses: str) -> int:
        return sum((by_status.get(s) or {}).get(field) or 0 for s in statuses)

    finished = (BatchStatus.SUCCEEDED, BatchStatus.FAILED, BatchStatus.CANCELLED)
    done_batches = total("batches", *finished)
    return {
        "status": run.status,
        "total_batches": run.total_batches,
        "done_batches": done_batches,
        "running_batches": total("batches", BatchStatus.RUNNING),
        "failed_batches": total("batches", BatchStatus.FAILED),
        "cancelled_batches": total("batches", BatchStatus.CANCELLED),
        "total_rows": run.total_rows,
        "done_rows": total("rows", *finished),
        "recommendations": total("recommendations", BatchStatus.SUCCEEDED),
        "exceptions": total("exceptions", BatchStatus.SUCCEEDED),
        "percent": round(100.0 * done_batches / run.total_batches, 1) if run.total_batches else 0,
        "elapsed_seconds": run.duration_seconds,
        "timings": run.timings,
    }


def run_log_entries(run: PolicyRun, *, after: int = 0) -> QuerySet[RunLogEntry]:
    """The run's log lines with an id above ``after`` (for incremental polling)."""
    return run.log_entries.filter(pk__gt=after).order_by("pk")
