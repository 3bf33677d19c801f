"""Writing one batch's results: its recommendations, the exceptions they raise or clear, and
(in a whole-network run) its SKU-locations' stored segments.

Every statement is set-based, so the number of queries does not grow with the batch. The
caller runs this inside the transaction that marks the batch done, so a retried batch
replaces its own rows and a killed one leaves nothing behind.
"""

from datetime import timedelta

import numpy as np
from django.db.models import Exists, OuterRef
from django.utils import timezone

from governance.choices import DUE_DAYS, ExceptionKind
from governance.exception_rules import ExceptionRules, exception_rules_current
from governance.models import PlanningException
from governance.services import planning_exceptions_close
from inventory.runs.inputs import pair_keys, rows_of
from inventory.runs.models import (
    NetworkSegmentation,
    PolicyRecommendation,
    PolicyRun,
    RecommendationPeriod,
    SkuLocationSegment,
)
from inventory.runs.pipeline import PlannedBatch
from sop_platform.arrays import query_columns
from sop_platform.rows import columns_insert, columns_update


def _python(values: np.ndarray) -> list:
    """Plain Python values, NaN and infinities as None."""
    if values.dtype.kind == "f":
        objects = values.astype(object)
        objects[~np.isfinite(values)] = None
        return objects.tolist()
    return values.tolist()


def recommendations_write(run: PolicyRun, batch_number: int, planned: PlannedBatch) -> int:
    """Replace the batch's recommendations with ``planned``; returns how many were written.
    They become their SKU-locations' latest unless a newer run already planned them."""
    PolicyRecommendation.objects.filter(run=run, batch_number=batch_number).delete()
    written = _recommendations_insert(run, batch_number, planned)
    _periods_insert(run, batch_number, planned)
    _latest_mark(run, batch_number)
    return written


def _periods_insert(run: PolicyRun, batch_number: int, planned: PlannedBatch) -> int:
    """The time-phased periods of the batch's recommendations (runs.phased; deleted with
    them): one read of the ids just written, one insert."""
    periods = planned.periods
    if not len(periods.get("row", ())):
        return 0
    written = query_columns(
        PolicyRecommendation.objects.filter(run=run, batch_number=batch_number),
        {"id": "int", "item_id": "int", "location_id": "int"},
    )
    order = np.argsort(pair_keys(written["item_id"], written["location_id"]))
    row = periods["row"]
    found = rows_of(
        pair_keys(written["item_id"], written["location_id"])[order],
        planned.columns["item_id"][row],
        planned.columns["location_id"][row],
    )
    columns = {name: _python(periods[name]) for name in PERIOD_FIELDS}
    return columns_insert(
        RecommendationPeriod, {"recommendation_id": written["id"][order][found].tolist(), **columns}
    )


PERIOD_FIELDS = (
    "period_start",
    "forecast",
    "is_promotion",
    "safety_stock",
    "reorder_point",
    "order_up_to",
)


def _latest_mark(run: PolicyRun, batch_number: int) -> None:
    """Two set-based updates: older runs' recommendations of the batch's SKU-locations stop
    being the latest; the batch's own stop being it where a newer run has one."""
    batch = PolicyRecommendation.objects.filter(run=run, batch_number=batch_number)
    same_pair = {"item_id": OuterRef("item_id"), "location_id": OuterRef("location_id")}
    PolicyRecommendation.objects.filter(
        Exists(batch.filter(**same_pair)), is_latest=True, run_id__lt=run.pk
    ).update(is_latest=False)
    newer = PolicyRecommendation.objects.filter(**same_pair, is_latest=True, run_id__gt=run.pk)
    batch.filter(Exists(newer)).update(is_latest=False)


def _recommendations_insert(run: PolicyRun, batch_number: int, planned: PlannedBatch) -> int:
    count = len(planned.blocked)
    columns = {name: _python(values) for name, values in planned.columns.items()}
    return columns_insert(
        PolicyRecommendation,
        {
            **columns,
            "run_id": [run.pk] * count,
            "batch_number": [batch_number] * count,
            "stockout_reasons": planned.reasons["stockout"],
            "excess_reasons": planned.reasons["excess"],
            "data_quality_reasons": planned.reasons["data_quality"],
            "blocked": planned.blocked.tolist(),
            "is_latest": [True] * count,
        },
    )


def segments_write(run: PolicyRun, item_from: int, item_to: int, planned: PlannedBatch) -> int:
    """Store the batch's classes in the run's segmentation; returns how many were stored.

    The stored rows of the batch's items are replaced, so a retried batch writes them once
    and a SKU-location no longer planned (or no longer classifiable) keeps no stale class.
    """
    segmentation_id = NetworkSegmentation.objects.values_list("pk", flat=True).get(run=run)
    SkuLocationSegment.objects.filter(item_id__gte=item_from, item_id__lte=item_to).delete()
    segment = planned.columns["segment"]
    known = segment != ""
    return columns_insert(
        SkuLocationSegment,
        {
            "segmentation_id": [segmentation_id] * int(known.sum()),
            "item_id": planned.columns["item_id"][known].tolist(),
            "location_id": planned.columns["location_id"][known].tolist(),
            "segment": segment[known].tolist(),
        },
    )


def exceptions_write(
    run: PolicyRun, batch_number: int, planned: PlannedBatch, open_now: dict[str, np.ndarray]
) -> int:
    """Raise new exceptions, refresh the ones still true, resolve the ones that cleared.

    Only the batch's planned SKU-locations are judged, and only the exceptions the run's
    rules admit (governance.exception_rules) are raised; an open one now below its kind's
    threshold is resolved, with a note saying so. Returns how many are open for them.
    """
    now = timezone.now()
    items, locations = planned.columns["item_id"], planned.columns["location_id"]
    found = {
        (int(items[row]), int(locations[row]), str(kind)): (severity, codes, detail, money)
        for row, kind, severity, codes, detail, money in planned.exceptions
    }
    raised = {key: found[key] for key in _admitted(run, planned)}
    judged = np.isin(
        pair_keys(open_now["item_id"], open_now["location_id"]), pair_keys(items, locations)
    )
    existing = {
        (item, location, kind): pk
        for pk, item, location, kind in zip(
            *(open_now[name][judged].tolist() for name in ("id", "item_id", "location_id", "kind")),
            strict=True,
        )
    }
    _create(run, batch_number, now, {k: v for k, v in raised.items() if k not in existing})
    _refresh(run, now, {existing[k]: v for k, v in raised.items() if k in existing})
    cleared = [pk for key, pk in existing.items() if key not in found]
    below = [pk for key, pk in existing.items() if key in found and key not in raised]
    _close(run, now, cleared, f"Closed by run #{run.pk}: the condition no longer holds.")
    _close(run, now, below, f"Closed by run #{run.pk}: below the threshold of its kind.")
    return len(raised)


def _admitted(run: PolicyRun, planned: PlannedBatch) -> list[tuple[int, int, str]]:
    """The keys of the exceptions found that the run's rules raise."""
    rules = _rules(run)
    items, locations = planned.columns["item_id"], planned.columns["location_id"]
    change = planned.columns["safety_stock_change"]
    return [
        (int(items[row]), int(locations[row]), str(kind))
        for row, kind, _, _, _, money in planned.exceptions
        if rules.admits(
            kind,
            money=money,
            change=float(change[row]),
            blocking=kind == ExceptionKind.DATA_QUALITY and bool(planned.blocked[row]),
        )
    ]


def _close(run: PolicyRun, now, pks: list[int], closing: str) -> None:
    """Resolve the exceptions ``pks`` with the note ``closing``. Only those still open: a
    person may have closed one since the batch read them (their notes stay)."""
    planning_exceptions_close(pks=pks, note=closing, now=now, last_run=run)


def _rules(run: PolicyRun) -> ExceptionRules:
    """The rules the run copied when it was planned (a run planned before there were rules
    reads them as they are now)."""
    copied = run.snapshot.get("exception_rules")
    return exception_rules_current() if copied is None else ExceptionRules.from_json(copied)


def _create(run: PolicyRun, batch_number: int, now, new: dict) -> None:
    today = timezone.localdate(now)
    keys, details = list(new), list(new.values())
    columns_insert(
        PlanningException,
        {
            "item_id": [item for item, _, _ in keys],
            "location_id": [location for _, location, _ in keys],
            "kind": [kind for _, _, kind in keys],
            "severity": [str(severity) for severity, _, _, _ in details],
            "reasons": [codes for _, codes, _, _ in details],
            "detail": [detail for _, _, detail, _ in details],
            "money_at_risk": [money for _, _, _, money in details],
            "first_run_id": [run.pk] * len(keys),
            "last_run_id": [run.pk] * len(keys),
            "batch_number": [batch_number] * len(keys),
            "due_date": [today + timedelta(days=DUE_DAYS[sev]) for sev, _, _, _ in details],
        },
    )


def _refresh(run: PolicyRun, now, still: dict) -> None:
    """New severity, reasons, detail and money at risk of the exceptions still true, in one
    statement."""
    columns_update(
        PlanningException,
        {
            "pk": list(still),
            "severity": [str(severity) for severity, _, _, _ in still.values()],
            "reasons": [codes for _, codes, _, _ in still.values()],
            "detail": [detail for _, _, detail, _ in still.values()],
            "money_at_risk": [money for _, _, _, money in still.values()],
            "last_run_id": [run.pk] * len(still),
            "updated_at": [now] * len(still),
        },
    )
