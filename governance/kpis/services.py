"""Computing KPI snapshots: a refresh record, its django-q2 task, and the computation of a
range of weeks, written week by week (a recompute of a week replaces that week's cells)."""

import traceback
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django_q.tasks import async_task

from governance.choices import KpiRefreshStatus
from governance.kpis.compute import KpiParameters, week_components
from governance.kpis.models import COMPONENTS, COUNTS, KpiRefresh, KpiSnapshot
from governance.kpis.reader import kpi_inputs, week_range
from governance.kpis.selectors import kpi_settings
from inventory.models import InventoryPosition
from sop_platform.bulk.writer import bulk_writer

REFRESH_PERMISSION = "governance.refresh_kpis"
WEEK_LOCK = 7_415_013
"""PostgreSQL advisory lock class serialising writers of one week's cells (with the week)."""
TASK = "governance.kpis.tasks.kpi_refresh_task"


def positions_span() -> tuple[date, date] | None:
    """The first and the last day with a stock position (None when there is none)."""
    span = InventoryPosition.objects.aggregate(first=Min("as_of"), last=Max("as_of"))
    return None if span["first"] is None else (span["first"], span["last"])


def _parameters() -> KpiParameters:
    current = kpi_settings()
    return KpiParameters(
        carrying_rate=current.carrying_rate,
        excess_cover_days=float(current.excess_cover_days),
        obsolete_weeks=current.obsolete_weeks,
    )


def _written(monday: date, cells: dict[str, np.ndarray], inputs, now) -> int:
    """Replace the week's snapshot cells by those with anything in them; their number."""
    kept = np.flatnonzero(
        (cells["sku_locations"] > 0) | (cells["expedite_count"] > 0)
        | (cells["write_off_value"] != 0)
    )  # fmt: skip
    columns = {
        "period_start": monday,
        "location_id": inputs.cell_location[kept],
        "category": inputs.cell_category[kept],
        "segment": inputs.cell_segment[kept],
        **{name: np.rint(cells[name][kept]).astype(np.int64) for name in COUNTS},
        **{name: cells[name][kept].astype(np.float64) for name in COMPONENTS},
        "computed_at": now,
    }
    with transaction.atomic():
        if connection.vendor == "postgresql":  # a concurrent refresh of the week waits, then
            with connection.cursor() as cursor:  # replaces these cells (no duplicate key)
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [WEEK_LOCK, monday.toordinal()]
                )
        KpiSnapshot.objects.filter(period_start=monday).delete()
        if len(kept):
            bulk_writer(connection).write(KpiSnapshot, columns)
    return len(kept)


def kpi_snapshots_compute(
    *, first: date, last: date, progress: Callable[[int, int], None] | None = None
) -> int:
    """Compute and store the snapshots of the weeks from ``first``'s to ``last``'s, week by
    week (each week in its own transaction); ``progress(done, total)`` after each week.
    Returns the number of cells written."""
    parameters = _parameters()
    inputs = kpi_inputs(first=first, last=last, obsolete_weeks=parameters.obsolete_weeks)
    weeks, now, written = week_range(first, last), timezone.now(), 0
    for week, cells in week_components(inputs, parameters):
        written += _written(weeks[week], cells, inputs, now)
        if progress is not None:
            progress(week + 1, len(weeks))
    return written


def _checked_span(first: date | None, last: date | None) -> tuple[date, date]:
    """The requested weeks, by default every week with a stock position."""
    if first is None or last is None:
        span = positions_span()
        if span is None:
            raise ValidationError("There are no stock positions, so no week to compute.")
        first, last = first or span[0], last or span[1]
    if last < first:
        raise ValidationError({"last": f"The last week {last} is before the first {first}."})
    return first - timedelta(days=first.weekday()), last - timedelta(days=last.weekday())


def kpi_refresh_create(
    *, user: AbstractBaseUser | None, first: date | None = None, last: date | None = None
) -> KpiRefresh:
    """A queued refresh of the weeks from ``first``'s to ``last``'s (by default every week
    with a stock position), not handed to the queue. ``user`` None is the system; a user
    needs the refresh permission (``PermissionDenied``)."""
    if user is not None and not (user.is_active and user.has_perm(REFRESH_PERMISSION)):
        raise PermissionDenied("Recomputing KPIs needs the manager or admin role.")
    first, last = _checked_span(first, last)
    return KpiRefresh.objects.create(
        first_period=first,
        last_period=last,
        periods_total=len(week_range(first, last)),
        started_by=user,
    )


@transaction.atomic
def kpi_refresh_start(
    *, user: AbstractBaseUser | None, first: date | None = None, last: date | None = None
) -> KpiRefresh:
    """Create a refresh (:func:`kpi_refresh_create`) and queue it for the django-q2 workers
    once the caller's transaction commits (in this process with the RUNS_SYNC setting)."""
    refresh = kpi_refresh_create(user=user, first=first, last=last)
    sync = getattr(settings, "RUNS_SYNC", False)
    transaction.on_commit(
        lambda: async_task(TASK, refresh.pk, task_name=f"kpi-refresh-{refresh.pk}", sync=sync)
    )
    return refresh


def kpi_refresh_run(*, refresh: KpiRefresh) -> KpiRefresh:
    """Compute a queued refresh, recording progress, the cells written and any failure (the
    weeks written before a failure stay written; a rerun replaces them)."""
    KpiRefresh.objects.filter(pk=refresh.pk).update(
        status=KpiRefreshStatus.RUNNING, started_at=timezone.now(), error="", periods_done=0
    )

    def progress(done: int, total: int) -> None:
        KpiRefresh.objects.filter(pk=refresh.pk).update(periods_done=done)

    try:
        cells = kpi_snapshots_compute(
            first=refresh.first_period, last=refresh.last_period, progress=progress
        )
    except Exception:  # recorded on the refresh, which is what its page shows
        KpiRefresh.objects.filter(pk=refresh.pk).update(
            status=KpiRefreshStatus.FAILED, finished_at=timezone.now(),
            error=traceback.format_exc(limit=5),
        )  # fmt: skip
    else:
        KpiRefresh.objects.filter(pk=refresh.pk).update(
            status=KpiRefreshStatus.SUCCEEDED, finished_at=timezone.now(), cells_written=cells
        )
    refresh.refresh_from_db()
    return refresh
