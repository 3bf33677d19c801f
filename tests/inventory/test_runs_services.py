"""Runs end to end over the demo network (inventory/runs/services.py), in sync mode.

``RUNS_SYNC`` makes every queued task run in the calling process; the test transaction never
commits, so the on-commit callbacks that queue the tasks are captured and executed by
``django_capture_on_commit_callbacks(execute=True)``. Without that capture a started run stays
queued, as if no worker had picked it up yet.
"""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from demand.models import DemandHistory
from governance.choices import ExceptionKind, ExceptionStatus, Severity
from governance.models import PlanningException
from governance.services import planning_exception_update
from inventory.choices import BatchStatus, RunStatus, RunTrigger
from inventory.demo.defects import defects_choose
from inventory.demo.spec import DemoSpec, monday_of
from inventory.engine.history import abc_cutoffs
from inventory.models import InventoryPosition, Item, Location
from inventory.runs import queue
from inventory.runs import services as run_services
from inventory.runs.models import PolicyRecommendation, PolicyRun, RunBatch
from inventory.runs.scope import RunScope, scope_resolve
from inventory.runs.services import (
    RunConflict,
    policy_run_cancel,
    policy_run_start,
    run_batch_execute,
)
from inventory.runs.triggers import lane_change_runs_start
from supply.choices import LaneShift
from supply.models import LaneChangeEvent, SupplierLane

pytestmark = pytest.mark.django_db
SKUS, LOCATIONS, WEEKS, SEED = 30, 3, 30, 1
# This week's Monday: event-triggered runs plan as of it (they take no parameters).
END = monday_of(timezone.localdate())
AS_OF = END.isoformat()


@pytest.fixture
def demo(settings):
    """The demo network (30 SKUs × 3 locations × 30 weeks, seed 1) ending this Monday."""
    settings.RUNS_SYNC = True
    call_command(
        "load_demo",
        *("--skus", str(SKUS), "--locations", str(LOCATIONS), "--weeks", str(WEEKS)),
        *("--seed", str(SEED), "--end-date", AS_OF),
        verbosity=0,
    )
    return DemoSpec(SKUS, LOCATIONS, WEEKS, SEED, END)


@pytest.fixture
def run_now(django_capture_on_commit_callbacks):
    """Start a run and let it finish (queued tasks executed inline); the refreshed run."""

    def start(scope: RunScope | None = None, **parameters) -> PolicyRun:
        with django_capture_on_commit_callbacks(execute=True):
            run = policy_run_start(
                scope=scope or RunScope(), parameters={"as_of": AS_OF, **parameters}
            )
        run.refresh_from_db()
        return run

    return start


@pytest.fixture
def hold_batches(monkeypatch):
    """Batches are created but no worker takes them: run them by hand."""
    queued: list[int] = []
    monkeypatch.setattr(queue, "enqueue_batches", lambda run_id, ids: queued.extend(ids))
    return queued


def position_pairs() -> set[tuple[int, int]]:
    positions = InventoryPosition.objects.filter(as_of__lte=END)
    return set(positions.values_list("item_id", "location_id").distinct())


def recommended_pairs(run: PolicyRun) -> list[tuple[int, int]]:
    return list(PolicyRecommendation.objects.filter(run=run).values_list("item_id", "location_id"))


def open_exceptions(kind: str = ExceptionKind.DATA_QUALITY):
    return PlanningException.objects.filter(
        kind=kind, status__in=(ExceptionStatus.OPEN, ExceptionStatus.IN_PROGRESS)
    )


def negative_pairs() -> set[tuple[int, int]]:
    """SKU-locations whose latest position has a negative on hand."""
    latest = {}
    for item, location, on_hand in InventoryPosition.objects.order_by("as_of").values_list(
        "item_id", "location_id", "on_hand"
    ):
        latest[item, location] = on_hand
    return {pair for pair, on_hand in latest.items() if on_hand < 0}


# --- a whole-network run ------------------------------------------------------------------


def test_whole_network_run_recommends_every_stocked_sku_location_and_flags_the_defects(
    demo, run_now
):
    run = run_now()
    assert run.status == RunStatus.SUCCEEDED
    assert run.trigger == RunTrigger.USER and run.started_at and run.finished_at
    pairs = position_pairs()
    recommended = recommended_pairs(run)
    assert len(recommended) == len(set(recommended)) == len(pairs) == SKUS * LOCATIONS
    assert set(recommended) == pairs
    assert run.total_rows == len(pairs)
    assert set(run.batches.values_list("status", flat=True)) == {BatchStatus.SUCCEEDED}

    defects = defects_choose(demo)
    with_history = set(DemandHistory.objects.values_list("item_id", "location_id").distinct())
    no_history = pairs - with_history
    no_cost_items = set(Item.objects.filter(unit_cost__isnull=True).values_list("pk", flat=True))
    no_cost = {(i, loc) for i, loc in pairs if i in no_cost_items}
    negative = negative_pairs()
    assert len(no_history) == len(defects.no_history) >= 1
    assert len(no_cost_items) == len(defects.missing_cost_items) >= 1
    assert len(negative) == len(defects.negative_on_hand) >= 1

    exceptions = {(e.item_id, e.location_id): e for e in open_exceptions()}
    recommendations = {
        (r.item_id, r.location_id): r for r in PolicyRecommendation.objects.filter(run=run)
    }
    for pair, code in [
        *((p, "DEMAND_MISSING") for p in no_history),
        *((p, "COST_INVALID") for p in no_cost),
        *((p, "NEGATIVE_ON_HAND") for p in negative),
    ]:
        exception = exceptions[pair]
        assert code in exception.reasons, (pair, exception.reasons)
        assert exception.first_run == run and exception.last_run == run
        assert code in recommendations[pair].data_quality_reasons
    for pair in no_history | no_cost:
        assert exceptions[pair].severity == Severity.HIGH
        assert exceptions[pair].detail == "Policy blocked until resolved."
        assert recommendations[pair].safety_stock is None
    for pair in negative - no_cost:
        assert exceptions[pair].severity == Severity.MEDIUM
        assert recommendations[pair].safety_stock is not None
    # Blocked are exactly the SKU-locations without demand or cost.
    blocked = {pair for pair, r in recommendations.items() if r.blocked}
    assert blocked == no_history | no_cost
    # The batches' counts add up to what was written.
    totals = run.batches.aggregate(r=Sum("recommendations"), e=Sum("exceptions"))
    assert totals["r"] == len(pairs)
    assert totals["e"] == PlanningException.objects.filter(last_run=run).count()


def test_run_log_tells_the_story(demo, run_now):
    run = run_now(batch_size=30)
    messages = list(run.log_entries.order_by("pk").values_list("level", "message"))
    calibrated = messages.pop(1)  # the history model's calibration, before the batches
    assert calibrated[0] == "info"
    assert re.fullmatch(
        rf"Calibrated on {SKUS * LOCATIONS} SKU-locations \(3 rolling origins of 26 periods\); "
        r"achieved before → after: .+\.",
        calibrated[1],
    )
    capacity = messages.pop(2)  # this demo's orders overfill some locations' storage
    assert re.fullmatch(
        r"Storage capacity: \d+ order\(s\) cut, .+ at \d location\(s\) \(.+\)\.", capacity[1]
    )
    assert messages == [
        ("info", "Queued by a user; scope: whole network."),
        ("info", f"Planned {SKUS * LOCATIONS} SKU-locations in 3 batches."),
        ("info", "Finished: succeeded."),
    ]
    assert set(run.timings) == {"plan", "read", "compute", "write"}


# --- idempotent batches -------------------------------------------------------------------


def test_re_executing_a_succeeded_batch_changes_nothing(demo, run_now):
    run = run_now(batch_size=30)
    batch = run.batches.get(number=2)

    def state() -> dict:
        return {
            "batch": RunBatch.objects.filter(pk=batch.pk).values().get(),
            "recommendations": sorted(
                PolicyRecommendation.objects.filter(run=run).values_list("pk", flat=True)
            ),
            "exceptions": sorted(PlanningException.objects.values_list("pk", "updated_at")),
            "log": run.log_entries.count(),
            "run": PolicyRun.objects.filter(pk=run.pk).values().get(),
        }

    before = state()
    run_batch_execute(batch.pk)
    after = state()
    assert after == before
    assert before["batch"]["attempts"] == 1


def test_of_two_overlapping_deliveries_of_a_batch_only_the_first_to_finish_writes(demo, run_now):
    run = run_now(batch_size=30)
    batch = run.batches.get(number=2)
    rows = set(PolicyRecommendation.objects.filter(run=run, batch_number=2).values_list("pk"))
    slow_attempt = RunBatch.objects.select_related("run").get(pk=batch.pk)
    slow_attempt.status = BatchStatus.RUNNING  # as the slow attempt saw it when it claimed
    run_services._compute(slow_attempt)  # finishes after the batch already succeeded
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUCCEEDED
    assert set(PolicyRecommendation.objects.filter(run=run, batch_number=2).values_list("pk")) == (
        rows
    )


def test_a_batch_re_executed_after_its_worker_died_replaces_its_own_rows(demo, run_now):
    run = run_now(batch_size=30)
    batch = run.batches.get(number=2)
    open_before = sorted(
        PlanningException.objects.filter(status=ExceptionStatus.OPEN).values_list("pk", flat=True)
    )
    old_rows = set(
        PolicyRecommendation.objects.filter(run=run, batch_number=2).values_list("pk", flat=True)
    )
    assert len(old_rows) == batch.rows == 30
    # The worker claimed the batch and died: batch and run still running.
    RunBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING, finished_at=None)
    PolicyRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, finished_at=None)

    run_batch_execute(batch.pk)

    batch.refresh_from_db()
    run.refresh_from_db()
    assert batch.status == BatchStatus.SUCCEEDED and batch.attempts == 2
    assert run.status == RunStatus.SUCCEEDED
    per_pair = (
        PolicyRecommendation.objects.filter(run=run)
        .values("item_id", "location_id")
        .annotate(n=Count("pk"))
    )
    assert {row["n"] for row in per_pair} == {1}
    assert len(per_pair) == len(position_pairs())
    new_rows = set(
        PolicyRecommendation.objects.filter(run=run, batch_number=2).values_list("pk", flat=True)
    )
    assert len(new_rows) == 30 and not new_rows & old_rows
    open_after = sorted(
        PlanningException.objects.filter(status=ExceptionStatus.OPEN).values_list("pk", flat=True)
    )
    assert open_after == open_before  # the same exceptions, refreshed, none doubled
    assert run.log_entries.filter(level="warning", batch_number=2, message="Attempt 2.").exists()


def test_a_failing_batch_is_recorded_and_the_others_succeed(demo, run_now, monkeypatch):
    calls = []
    real_plan_batch = run_services.plan_batch

    def plan_batch_failing_the_second_time(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("planner exploded")
        return real_plan_batch(*args, **kwargs)

    monkeypatch.setattr(run_services, "plan_batch", plan_batch_failing_the_second_time)
    run = run_now(batch_size=30)

    assert len(calls) == 3
    assert run.status == RunStatus.PARTIALLY_FAILED
    batches = {b.number: b for b in run.batches.all()}
    assert batches[2].status == BatchStatus.FAILED
    assert batches[2].error == "RuntimeError: planner exploded"
    assert batches[2].finished_at is not None
    assert batches[1].status == batches[3].status == BatchStatus.SUCCEEDED
    written = set(
        PolicyRecommendation.objects.filter(run=run).values_list("batch_number", flat=True)
    )
    assert written == {1, 3}
    errors = list(run.log_entries.filter(level="error").values_list("batch_number", "message"))
    assert errors == [(2, "Failed: RuntimeError('planner exploded')")]
    last = run.log_entries.order_by("pk").last()
    assert (last.level, last.message) == (
        "warning",
        "Finished: partially failed; 1 batch(es) failed.",
    )


# --- conflicts and cancelling -------------------------------------------------------------


def test_an_overlapping_active_run_is_refused_and_a_disjoint_one_allowed(demo):
    first, second, third = Location.objects.order_by("code")[:3]
    queued = policy_run_start(
        scope=scope_resolve(locations=[first.code]), parameters={"as_of": AS_OF}
    )
    assert queued.status == RunStatus.QUEUED  # no worker has taken it
    with pytest.raises(RunConflict, match=rf"Run #{queued.pk} \(queued\)") as conflict:
        policy_run_start(scope=RunScope(), parameters={"as_of": AS_OF})
    assert f"locations: {first.code}" in str(conflict.value)
    with pytest.raises(RunConflict, match=rf"Run #{queued.pk}\b"):
        policy_run_start(
            scope=scope_resolve(locations=[third.code, first.code]), parameters={"as_of": AS_OF}
        )
    other = policy_run_start(
        scope=scope_resolve(locations=[second.code]), parameters={"as_of": AS_OF}
    )
    assert other.pk != queued.pk and other.status == RunStatus.QUEUED
    assert PolicyRun.objects.count() == 2
    # Once the first run is finished, its locations are free again.
    PolicyRun.objects.filter(pk=queued.pk).update(status=RunStatus.SUCCEEDED)
    policy_run_start(scope=scope_resolve(locations=[first.code]), parameters={"as_of": AS_OF})
    assert PolicyRun.objects.count() == 3


def test_cancelling_before_planning_cancels_the_run(demo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:  # queued, not yet picked up
        run = policy_run_start(scope=RunScope(), parameters={"as_of": AS_OF})
    run = policy_run_cancel(run)
    assert run.cancel_requested
    callbacks[0]()  # the worker now takes the plan task
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.finished_at is not None
    assert run.total_batches == 0 and not run.batches.exists()
    assert not PolicyRecommendation.objects.exists()
    messages = list(run.log_entries.order_by("pk").values_list("message", flat=True))
    assert messages[1:] == ["Cancel requested by the system.", "Finished: cancelled."]


def test_cancelling_with_queued_batches_cancels_them(demo, run_now, hold_batches, planner):
    run = run_now(batch_size=30)
    assert run.status == RunStatus.RUNNING and len(hold_batches) == 3
    first, second, third = run.batches.order_by("number")
    run_batch_execute(first.pk)

    run = policy_run_cancel(run, actor=planner)

    assert run.status == RunStatus.CANCELLED
    statuses = dict(run.batches.values_list("number", "status"))
    assert statuses == {
        1: BatchStatus.SUCCEEDED,
        2: BatchStatus.CANCELLED,
        3: BatchStatus.CANCELLED,
    }
    run_batch_execute(second.pk)  # a worker reaching a cancelled batch does nothing
    second.refresh_from_db()
    assert second.status == BatchStatus.CANCELLED and second.attempts == 0
    written = set(
        PolicyRecommendation.objects.filter(run=run).values_list("batch_number", flat=True)
    )
    assert written == {1}
    assert run.log_entries.filter(message="Cancel requested by test-planner.").exists()
    # Cancelling a finished run changes nothing.
    assert policy_run_cancel(run).status == RunStatus.CANCELLED


# --- exceptions over successive runs ------------------------------------------------------


def test_a_cleared_condition_is_resolved_and_a_persisting_one_refreshed(demo, run_now, planner):
    first = run_now()
    (negative,) = negative_pairs()
    no_cost = next(e for e in open_exceptions() if "COST_INVALID" in e.reasons)
    flagged = open_exceptions().get(item_id=negative[0], location_id=negative[1])
    assert flagged.reasons == ["NEGATIVE_ON_HAND"]
    planning_exception_update(exception=flagged, user=planner, resolution_notes="Counting.")
    # The stock record is corrected by a newer position (dated after the first one).
    InventoryPosition.objects.create(
        item_id=negative[0], location_id=negative[1], as_of=END + timedelta(days=3), on_hand=5
    )

    second = run_now(as_of=(END + timedelta(days=7)).isoformat())

    assert second.status == RunStatus.SUCCEEDED
    flagged.refresh_from_db()
    assert flagged.status == ExceptionStatus.RESOLVED
    assert flagged.resolved_at is not None
    assert flagged.last_run == second and flagged.first_run == first
    assert flagged.version == 3  # a person's change based on the open one is now refused
    assert flagged.resolution_notes == (  # added to the person's note, not over it
        f"Counting.\nClosed by run #{second.pk}: the condition no longer holds."
    )
    recommendation = PolicyRecommendation.objects.get(
        run=second, item_id=negative[0], location_id=negative[1]
    )
    assert "NEGATIVE_ON_HAND" not in recommendation.data_quality_reasons
    assert not open_exceptions().filter(item_id=negative[0], location_id=negative[1]).exists()

    persisting = PlanningException.objects.get(pk=no_cost.pk)
    assert persisting.status == ExceptionStatus.OPEN
    assert persisting.first_run == first and persisting.last_run == second
    assert persisting.updated_at > no_cost.updated_at
    # One open exception per SKU-location and kind, still.
    keys = list(
        PlanningException.objects.filter(status=ExceptionStatus.OPEN).values_list(
            "item_id", "location_id", "kind"
        )
    )
    assert len(keys) == len(set(keys))


# --- queries, snapshot --------------------------------------------------------------------


def test_batch_execution_queries_do_not_grow_with_the_batch(demo, run_now, hold_batches):
    baseline = run_now()  # afterwards every SKU-location has its exceptions: both measured
    for batch_id in hold_batches:  # batches below refresh them rather than create them
        run_batch_execute(batch_id)
    baseline.refresh_from_db()
    assert baseline.status == RunStatus.SUCCEEDED

    def first_batch_queries(batch_size: int) -> tuple[int, int]:
        run = run_now(batch_size=batch_size)
        batch = run.batches.get(number=1)
        with CaptureQueriesContext(connection) as queries:
            run_batch_execute(batch.pk)
        batch.refresh_from_db()
        assert batch.status == BatchStatus.SUCCEEDED, batch.error
        policy_run_cancel(run)
        return batch.rows, len(queries)

    small_rows, small = first_batch_queries(10)
    large_rows, large = first_batch_queries(60)
    assert (small_rows, large_rows) == (12, 60)  # 4 and 20 items of 3 locations
    assert small == large


def _annual_values(as_of) -> list[float]:
    """Demand value of the last 52 weeks per SKU-location, from the ORM (units/yr × cost)."""
    first = as_of - timedelta(days=7 * 52)
    cost = dict(Item.objects.values_list("pk", "unit_cost"))
    totals = (
        DemandHistory.objects.filter(period_start__gte=first, period_start__lt=as_of)
        .values("item_id", "location_id")
        .annotate(total=Sum("quantity"), periods=Count("pk"))
    )
    return [
        row["total"] / row["periods"] * 365 / 7 * float(cost[row["item_id"]] or 0) for row in totals
    ]


def test_snapshot_counts_dates_and_content_hash(demo, run_now):
    run = run_now()
    snapshot = run.snapshot
    pairs = position_pairs()
    window = DemandHistory.objects.filter(
        period_start__gte=END - timedelta(weeks=52), period_start__lt=END
    )
    assert snapshot["sku_locations"] == len(pairs)
    assert snapshot["demand_rows_last_year"] == window.count()
    assert snapshot["sku_locations_with_demand_last_year"] == len(
        set(window.values_list("item_id", "location_id"))
    )
    last_week = window.order_by("-period_start").values_list("period_start", flat=True)[0]
    assert snapshot["demand_history_as_of"] == last_week.isoformat() == str(END - timedelta(7))
    assert snapshot["positions_as_of"] == AS_OF
    assert snapshot["lead_times_computed_at"] is None  # the demo computes no actuals
    assert snapshot["abc_cutoffs"] == pytest.approx(list(abc_cutoffs(_annual_values(END))))
    assert snapshot["abc_cutoffs"][0] >= snapshot["abc_cutoffs"][1]
    assert re.fullmatch(r"[0-9a-f]{64}", snapshot["content_hash"])
    assert all(
        re.fullmatch(r"[0-9a-f]{64}", h) for h in run.batches.values_list("input_hash", flat=True)
    )

    again = run_now()
    assert again.pk != run.pk
    assert again.snapshot["content_hash"] == snapshot["content_hash"]
    assert again.snapshot == snapshot

    # One demand quantity changes: another hash.
    row = DemandHistory.objects.order_by("pk").first()
    DemandHistory.objects.filter(pk=row.pk).update(quantity=row.quantity + 1)
    changed = run_now()
    assert changed.snapshot["content_hash"] != snapshot["content_hash"]


# --- scopes -------------------------------------------------------------------------------


def test_a_segment_scoped_run_plans_only_that_segment(demo, run_now):
    whole = run_now()
    wanted = set(
        PolicyRecommendation.objects.filter(run=whole, segment="AX").values_list(
            "item_id", "location_id"
        )
    )
    assert wanted  # the demo has AX SKU-locations
    run = run_now(scope_resolve(segments=["AX"]), batch_size=3)  # one item per batch
    assert set(run.batches.values_list("status", flat=True)) == {BatchStatus.SUCCEEDED}, list(
        run.batches.exclude(status=BatchStatus.SUCCEEDED).values_list("number", "error")[:1]
    )
    assert run.status == RunStatus.SUCCEEDED
    assert set(recommended_pairs(run)) == wanted


def lane_change_event(lane, shift: str, *, before: tuple, after: tuple) -> LaneChangeEvent:
    """A recorded shift of ``lane``'s lead time (mean, sd) in days."""
    return LaneChangeEvent.objects.create(
        lane=lane,
        detected_at=timezone.now(),
        as_of=END,
        shift=shift,
        previous_mean_days=before[0],
        previous_sd_days=before[1],
        new_mean_days=after[0],
        new_sd_days=after[1],
        relative_threshold=0.2,
        absolute_threshold_days=1,
    )


def test_a_lane_change_event_starts_a_run_for_its_sku_location(
    demo, django_capture_on_commit_callbacks
):
    lane = SupplierLane.objects.select_related("item", "destination").order_by("pk").first()
    event = lane_change_event(lane, LaneShift.MEAN, before=(14, 2), after=(21, 2))
    with django_capture_on_commit_callbacks(execute=True):
        run = lane_change_runs_start()
    assert run is not None
    run.refresh_from_db()
    assert run.trigger == RunTrigger.EVENT
    assert run.scope["pairs"] == [[lane.item_id, lane.destination_id]]
    assert run.scope["labels"] == {"sku_locations": [f"{lane.item.sku}@{lane.destination.code}"]}
    assert run.snapshot["lane_change_events"] == [event.pk]
    assert run.status == RunStatus.SUCCEEDED
    assert run.total_rows == 1
    assert recommended_pairs(run) == [(lane.item_id, lane.destination_id)]
    event.refresh_from_db()
    assert event.processed_at is not None
    assert lane_change_runs_start() is None  # nothing pending any more


def test_a_pending_event_is_not_claimed_twice_while_its_run_is_active(demo):
    lane = SupplierLane.objects.order_by("pk").first()
    lane_change_event(lane, LaneShift.SD, before=(14, 1), after=(14, 4))
    first = lane_change_runs_start()  # queued: no worker yet
    assert first is not None and first.status == RunStatus.QUEUED
    assert lane_change_runs_start() is None
    assert PolicyRun.objects.count() == 1


def test_a_run_whose_planning_worker_died_is_planned_again(
    demo, django_capture_on_commit_callbacks
):
    run = policy_run_start(scope=RunScope(), parameters={"as_of": AS_OF, "batch_size": 30})
    # The plan task was queued (not run: no on-commit callbacks here); a worker took it, marked
    # the run running and died before writing any batch.
    PolicyRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        run_services.policy_run_plan(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and run.total_batches > 1
    assert run.log_entries.filter(message__startswith="Planning again").exists()
    with django_capture_on_commit_callbacks(execute=True):  # a late duplicate changes nothing
        run_services.policy_run_plan(run.pk)
    assert run.batches.count() == run.total_batches


def test_a_run_that_cannot_be_planned_ends_failed_with_the_reason(demo, run_now, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(run_services, "_batches_create", refuse)
    run = run_now()
    assert run.status == RunStatus.FAILED and run.finished_at is not None
    assert run.total_batches == 0 and not run.batches.exists()
    failure = run.log_entries.get(level="error")
    assert "Planning failed" in failure.message and "database went away" in failure.message


def test_a_batch_whose_worker_is_gone_for_good_is_failed_and_its_run_ends(demo, run_now):
    run = run_now(batch_size=30)
    lost, recent = run.batches.get(number=1), run.batches.get(number=2)
    limit = run_services.settings.Q_CLUSTER["timeout"] + run_services.settings.Q_CLUSTER["retry"]
    # The Redis broker lost the task of batch 1 long ago; batch 2 was only just claimed.
    RunBatch.objects.filter(pk=lost.pk).update(
        status=BatchStatus.RUNNING, started_at=timezone.now() - timedelta(seconds=limit + 5)
    )
    RunBatch.objects.filter(pk=recent.pk).update(
        status=BatchStatus.RUNNING, started_at=timezone.now()
    )
    PolicyRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, finished_at=None)

    assert run_services.run_batches_lost_fail() == 1
    lost.refresh_from_db()
    assert lost.status == BatchStatus.FAILED and lost.error.startswith("Lost")
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING  # batch 2 may still finish
    assert run.log_entries.filter(level="error", batch_number=1).exists()

    RunBatch.objects.filter(pk=recent.pk).update(status=BatchStatus.SUCCEEDED)
    run_services.policy_run_finish_if_done(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.PARTIALLY_FAILED
    assert run_services.run_batches_lost_fail() == 0


# --- the latest recommendation per SKU-location -------------------------------------------


def latest_runs() -> dict[tuple[int, int], int]:
    latest = PolicyRecommendation.objects.filter(is_latest=True)
    pairs = list(latest.values_list("item_id", "location_id", "run_id"))
    assert len(pairs) == len({(item, location) for item, location, _ in pairs}), "one per pair"
    return {(item, location): run for item, location, run in pairs}


def test_each_sku_location_has_one_latest_recommendation_the_newest_runs(demo, run_now):
    first = run_now()
    assert set(latest_runs().values()) == {first.pk}
    location = Location.objects.order_by("code").first()
    scoped = run_now(RunScope(location_ids=(location.pk,)))
    latest = latest_runs()
    assert len(latest) == first.recommendations.count()
    assert {run for (_, loc), run in latest.items() if loc == location.pk} == {scoped.pk}
    assert {run for (_, loc), run in latest.items() if loc != location.pk} == {first.pk}


def test_an_older_run_finishing_last_does_not_take_the_latest_from_a_newer_one(
    demo, run_now, hold_batches
):
    older = run_now()  # its batches are queued, not executed
    older_batches = list(hold_batches)
    PolicyRun.objects.filter(pk=older.pk).update(status=RunStatus.SUCCEEDED)  # let one overlap
    newer = run_now()
    for batch_id in hold_batches[len(older_batches) :]:
        run_batch_execute(batch_id)
    assert set(latest_runs().values()) == {newer.pk}
    PolicyRun.objects.filter(pk=older.pk).update(status=RunStatus.RUNNING)
    for batch_id in older_batches:
        run_batch_execute(batch_id)
    assert PolicyRecommendation.objects.filter(run=older).count() == newer.total_rows
    assert set(latest_runs().values()) == {newer.pk}


def test_a_recommendation_points_to_the_policy_in_force(demo, run_now):
    run = run_now()
    with_policy = PolicyRecommendation.objects.filter(run=run, policy__isnull=False)
    assert with_policy.exists()
    for rec in with_policy.select_related("policy")[:20]:
        assert (rec.policy.item_id, rec.policy.location_id) == (rec.item_id, rec.location_id)
        assert rec.policy.safety_stock == rec.current_safety_stock
    assert not PolicyRecommendation.objects.filter(
        run=run, policy__isnull=True, current_safety_stock__isnull=False
    ).exists()
