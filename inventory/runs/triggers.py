"""Event-triggered runs: a supplier lane's lead time shifted, so its SKU-locations are
re-optimized (the seed's event-triggered maintenance)."""

from django.db import transaction
from django.utils import timezone

from inventory.choices import RunStatus, RunTrigger
from inventory.runs.models import PolicyRun
from inventory.runs.scope import RunScope
from supply.models import LaneChangeEvent
from supply.selectors import lane_change_events_pending

EVENTS_KEY = "lane_change_events"


def lane_change_runs_start() -> PolicyRun | None:
    """Start one run over the SKU-locations of every pending, unclaimed lane-change event.

    Events stay pending until that run succeeds; an overlapping active run defers them to
    the next trigger. Returns the run, or None when there is nothing to do or it must wait.
    """
    from inventory.runs.services import RunConflict, policy_run_start

    claimed = _claimed_events()
    events = [e for e in lane_change_events_pending() if e.pk not in claimed]
    if not events:
        return None
    pairs = sorted({(e.lane.item_id, e.lane.destination_id) for e in events})
    labels = sorted({f"{e.lane.item.sku}@{e.lane.destination.code}" for e in events})
    scope = RunScope(pairs=tuple(pairs), labels={"sku_locations": labels})
    try:
        run = policy_run_start(
            scope=scope,
            trigger=RunTrigger.EVENT,
            description=f"{len(events)} lead-time change event(s)",
            snapshot={EVENTS_KEY: [e.pk for e in events]},
        )
    except RunConflict:
        return None
    return run


def _claimed_events() -> set[int]:
    active = PolicyRun.objects.filter(
        trigger=RunTrigger.EVENT, status__in=(RunStatus.QUEUED, RunStatus.RUNNING)
    )
    return {pk for run in active for pk in run.snapshot.get(EVENTS_KEY, [])}


def lane_change_events_close(run_id: int) -> int:
    """Mark the events a succeeded run answered as processed; returns how many."""
    run = PolicyRun.objects.get(pk=run_id)
    events = run.snapshot.get(EVENTS_KEY, [])
    if run.status != RunStatus.SUCCEEDED or not events:
        return 0
    return LaneChangeEvent.objects.filter(pk__in=events, processed_at__isnull=True).update(
        processed_at=timezone.now()
    )


def on_lane_changes_recorded(sender, events: int, **kwargs) -> None:
    """Signal receiver: start the event run once the refresh's transaction commits."""
    transaction.on_commit(lane_change_runs_start)
