"""Writing one batch's results: its recommendations and the exceptions they raise or clear.

Every statement is set-based, so the number of queries does not grow with the batch. The
caller runs this inside the transaction that marks the batch done, so a retried batch
replaces its own rows and a killed one leaves nothing behind.
"""

from datetime import timedelta

import numpy as np
from django.utils import timezone

from governance.choices import ExceptionStatus, Severity
from governance.models import PlanningException
from inventory.runs.inputs import pair_keys
from inventory.runs.models import PolicyRecommendation, PolicyRun
from inventory.runs.pipeline import PlannedBatch

DUE_DAYS = {Severity.HIGH: 3, Severity.MEDIUM: 7, Severity.LOW: 14}


def _python(values: np.ndarray) -> list:
    """Plain Python values, NaN and infinities as None."""
    if values.dtype.kind == "f":
        objects = values.astype(object)
        objects[~np.isfinite(values)] = None
        return objects.tolist()
    return values.tolist()


def recommendations_write(run: PolicyRun, batch_number: int, planned: PlannedBatch) -> int:
    """Replace the batch's recommendations with ``planned``; returns how many were written."""
    PolicyRecommendation.objects.filter(run=run, batch_number=batch_number).delete()
    names = list(planned.columns)
    columns = [_python(planned.columns[name]) for name in names]
    rows = zip(
        *columns,
        planned.reasons["stockout"],
        planned.reasons["excess"],
        planned.reasons["data_quality"],
        planned.blocked.tolist(),
        strict=True,
    )
    objects = [
        PolicyRecommendation(
            run=run,
            batch_number=batch_number,
            **dict(zip(names, values, strict=True)),
            stockout_reasons=stockout,
            excess_reasons=excess,
            data_quality_reasons=quality,
            blocked=blocked,
        )
        for *values, stockout, excess, quality, blocked in rows
    ]
    PolicyRecommendation.objects.bulk_create(objects)
    return len(objects)


def exceptions_write(
    run: PolicyRun, batch_number: int, planned: PlannedBatch, open_now: dict[str, np.ndarray]
) -> int:
    """Raise new exceptions, refresh the ones still true, resolve the ones that cleared.

    Only the batch's planned SKU-locations are judged. Returns how many are open for them.
    """
    now = timezone.now()
    items, locations = planned.columns["item_id"], planned.columns["location_id"]
    raised = {
        (int(items[row]), int(locations[row]), str(kind)): (severity, codes, detail)
        for row, kind, severity, codes, detail in planned.exceptions
    }
    planned_keys = set(pair_keys(items, locations).tolist())
    existing = {
        (item, location, kind): pk
        for pk, item, location, kind in zip(
            open_now["id"].tolist(),
            open_now["item_id"].tolist(),
            open_now["location_id"].tolist(),
            open_now["kind"].tolist(),
            strict=True,
        )
        if (item << 32 | location) in planned_keys
    }
    _create(run, batch_number, now, {k: v for k, v in raised.items() if k not in existing})
    _refresh(run, now, {existing[k]: v for k, v in raised.items() if k in existing})
    cleared = [pk for key, pk in existing.items() if key not in raised]
    PlanningException.objects.filter(pk__in=cleared).update(
        status=ExceptionStatus.RESOLVED,
        resolved_at=now,
        updated_at=now,
        last_run=run,
        resolution_notes=f"Closed by run #{run.pk}: the condition no longer holds.",
    )
    return len(raised)


def _create(run: PolicyRun, batch_number: int, now, new: dict) -> None:
    today = timezone.localdate(now)
    PlanningException.objects.bulk_create(
        PlanningException(
            item_id=item,
            location_id=location,
            kind=kind,
            severity=severity,
            reasons=codes,
            detail=detail,
            first_run=run,
            last_run=run,
            batch_number=batch_number,
            due_date=today + timedelta(days=DUE_DAYS[severity]),
        )
        for (item, location, kind), (severity, codes, detail) in new.items()
    )


def _refresh(run: PolicyRun, now, still: dict) -> None:
    objects = [
        PlanningException(pk=pk, severity=severity, reasons=codes, detail=detail, last_run=run)
        for pk, (severity, codes, detail) in still.items()
    ]
    for exception in objects:
        exception.updated_at = now
    PlanningException.objects.bulk_update(
        objects, ["severity", "reasons", "detail", "last_run", "updated_at"]
    )
