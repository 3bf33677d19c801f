"""When and from whom to order, and the capacities that bound the orders: the engine's
per-order cap (a lane's capacity per period), the order date arithmetic, the storage-capacity
cut of ``engine.capacity``, and both on a real run over the demo network, whose stored
periods, dates and lanes equal the engine's."""

from datetime import date
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.db.models import F, Max, Sum

from inventory.engine import compute_policies
from inventory.engine.capacity import orders_trimmed
from inventory.models import InventoryPosition, Location, PolicyRecommendation
from inventory.runs.capacity import storage_capacity_apply
from inventory.runs.inputs import batch_inputs
from inventory.runs.models import PolicyRun
from inventory.runs.order_dates import order_dates
from inventory.runs.parameters import RunParameters
from inventory.runs.pipeline import plan_batch
from inventory.runs.planning import SegmentationPlan
from inventory.runs.scope import RunScope
from inventory.runs.services import policy_run_start
from supply.models import SupplierLane
from tests.inventory.engine_inputs import policy_inputs

# The demo history ends on the current Monday: its runs depend on the date.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]

# --- The engine's per-order cap (max_order) -------------------------------------------------


def test_a_lane_capacity_caps_the_order_quantity_and_the_order_now():
    # d = 100, EOQ = √(2·5200·50 / 2.5) = 456.07 → 460 in lots of 20. Position 0 against a
    # reorder point of 400 + SS: the order now is n·Q. A cap of 250 a period: Q = 240 (the
    # largest multiple of 20 within it), and the order now is cut to 240 too.
    free = compute_policies(policy_inputs(lot_size=20.0, on_hand=0.0))
    assert free.order_quantity[0] == 460 and free.recommended_qty[0] == 920
    assert free.binding_constraint[0] == "multiple"
    capped = compute_policies(policy_inputs(lot_size=20.0, on_hand=0.0, max_order=250.0))
    assert capped.order_quantity[0] == 240 and capped.recommended_qty[0] == 240
    assert capped.binding_constraint[0] == "capacity"
    # The levels follow the capped Q (continuous review: max = ROP + Q).
    assert capped.max_level[0] == pytest.approx(capped.reorder_point[0] + 240)
    assert capped.periods_until_order[0] == 0


def test_a_loose_lane_capacity_changes_nothing():
    x = {"lot_size": 20.0, "on_hand": 0.0}
    free = compute_policies(policy_inputs(**x))
    loose = compute_policies(policy_inputs(**x, max_order=5_000.0))
    for name in ("order_quantity", "recommended_qty", "reorder_point", "max_level"):
        assert getattr(loose, name)[0] == getattr(free, name)[0]
    assert loose.binding_constraint[0] == free.binding_constraint[0] == "multiple"


def test_only_the_order_now_cut_is_marked_capacity():
    # Q = 460 fits a cap of 500, but the position needs 2·Q = 920 now: cut to 500 (25 lots).
    capped = compute_policies(policy_inputs(lot_size=20.0, on_hand=0.0, max_order=500.0))
    assert capped.order_quantity[0] == 460
    assert capped.recommended_qty[0] == 500 and capped.binding_constraint[0] == "capacity"


def test_a_moq_above_the_lane_capacity_orders_nothing_now_and_is_flagged():
    capped = compute_policies(policy_inputs(moq=600.0, on_hand=0.0, max_order=500.0))
    assert capped.recommended_qty[0] == 0
    assert capped.binding_constraint[0] == "infeasible"
    assert "ORDER_CONSTRAINTS_CONFLICT" in capped.reasons(0)["data_quality"]


def test_a_lane_capacity_of_zero_is_invalid():
    result = compute_policies(policy_inputs(max_order=0.0))
    assert "CONSTRAINT_INVALID" in result.reasons(0)["data_quality"]
    assert np.isnan(result.order_quantity[0])


# --- Order dates ------------------------------------------------------------------------------


def test_order_dates_add_whole_days_to_the_as_of_date():
    # Weekly periods from Monday 30 November 2026: 0 → that day; 2.4785 periods = 17.35 days →
    # Thursday 17 December; 0.5 → 3.5 days → Thursday 3 December; none for NaN, inf, 1e9.
    found = order_dates(date(2026, 11, 30), 7, np.array([0.0, 2.4785, 0.5, np.nan, np.inf, 1e9]))
    assert found.tolist() == [
        date(2026, 11, 30),
        date(2026, 12, 17),
        date(2026, 12, 3),
        None,
        None,
        None,
    ]
    assert order_dates(date(2026, 11, 30), 1, np.array([2.999])).tolist() == [date(2026, 12, 2)]


# --- Cutting orders to a shared capacity --------------------------------------------------------


def test_orders_trimmed_takes_from_the_most_cover_first():
    # Location 0 must shed 50: the order of cover 9 (30) goes, then 20 of the one of cover 5
    # (40 → 20); the one of cover 1 stays. Location 1 sheds 5 of 10. Location 2 fits.
    kept = orders_trimmed(
        group=[0, 0, 0, 1, 2],
        quantity=[40.0, 30.0, 20.0, 10.0, 7.0],
        cover=[5.0, 9.0, 1.0, 3.0, 1.0],
        excess=[50.0, 5.0, -3.0],
        moq=0.0,
        lot_size=1.0,
        case_pack=1.0,
    )
    assert kept.tolist() == [20.0, 0.0, 20.0, 5.0, 7.0]


def test_a_cut_order_is_rounded_down_to_its_multiple_and_to_nothing_below_its_moq():
    kept = orders_trimmed(
        group=[0, 0, 1],
        quantity=[48.0, 10.0, 60.0],
        cover=[9.0, 1.0, np.nan],  # NaN: no demand, trimmed first
        excess=[10.0, 25.0],
        moq=[0.0, 0.0, 40.0],
        lot_size=[12.0, 1.0, 1.0],
        case_pack=1.0,
    )
    # 48 − 10 = 38 → 36 (three lots of 12); 60 − 25 = 35 is below the MOQ of 40 → 0.
    assert kept.tolist() == [36.0, 10.0, 0.0]


# --- On a real run over the demo network ------------------------------------------------------


@pytest.fixture
def demo(settings):
    """20 SKUs × 3 locations (a central DC fed by suppliers, two regional DCs)."""
    settings.RUNS_SYNC = True
    call_command(
        "load_demo", "--skus", "20", "--locations", "3", "--weeks", "30", "--seed", "1",
        stdout=StringIO(),
    )  # fmt: skip


def run_now(capture) -> PolicyRun:
    with capture(execute=True):
        run = policy_run_start(scope=RunScope(), parameters={"demand_model": "parametric"})
    run.refresh_from_db()
    return run


def held(location: Location) -> float:
    """On hand (not below 0) + on order of every item at the location, as of the latest
    positions (the demo also writes a weekly history)."""
    latest = InventoryPosition.objects.aggregate(latest=Max("as_of"))["latest"]
    positions = InventoryPosition.objects.filter(location=location, as_of=latest)
    return sum(max(p.on_hand, 0.0) + p.in_transit for p in positions)


def ordered(run: PolicyRun, location: Location) -> float:
    return run.recommendations.filter(location=location).aggregate(q=Sum("recommended_qty"))["q"]


def test_the_run_stores_periods_dates_and_lanes_as_the_engine_computes_them(
    demo, django_capture_on_commit_callbacks
):
    run = run_now(django_capture_on_commit_callbacks)
    params = RunParameters.from_json(run.parameters)
    segmentation = SegmentationPlan.from_snapshot(run.snapshot, params.as_of)
    inputs = batch_inputs(RunScope(), params, 0, 2**62)
    _, planned = plan_batch(inputs, params, segmentation.cutoffs)
    stored = {
        (r.item_id, r.location_id): r
        for r in PolicyRecommendation.objects.filter(run=run).select_related("supplier_lane")
    }
    columns = planned.columns
    assert len(stored) == len(columns["item_id"]) == 60
    with_lane = 0
    for row, key in enumerate(zip(columns["item_id"], columns["location_id"], strict=True)):
        rec = stored[tuple(int(k) for k in key)]
        engine = columns["periods_until_order"][row]
        if np.isnan(engine):
            assert rec.periods_until_order is None and rec.order_date is None
            continue
        assert rec.periods_until_order == pytest.approx(engine, rel=1e-12)
        days = int(np.floor(engine * params.period_days))
        assert (rec.order_date - params.as_of).days == days
        assert rec.supplier_lane_id == columns["supplier_lane_id"][row]
        with_lane += rec.supplier_lane_id is not None
    # Supplier lanes feed the central DC only; the regional DCs are fed by transfer.
    cdc = Location.objects.get(code="CDC-01")
    assert with_lane == run.recommendations.filter(location=cdc, order_date__isnull=False).count()
    for rec in run.recommendations.filter(location=cdc).select_related("supplier_lane"):
        first = SupplierLane.objects.filter(item=rec.item, destination=cdc).order_by("pk")[0]
        assert rec.supplier_lane == first  # the primary lane: lowest id
    assert not run.recommendations.exclude(location=cdc).filter(supplier_lane__isnull=False)


def test_a_lane_capacity_binds_every_order_of_its_lane(demo, django_capture_on_commit_callbacks):
    lanes = SupplierLane.objects.filter(moq=0)
    lanes.update(capacity_per_period=25.0)
    run = run_now(django_capture_on_commit_callbacks)
    recs = run.recommendations.filter(supplier_lane__in=lanes, blocked=False).select_related(
        "supplier_lane"
    )
    assert recs
    bound = 0
    for rec in recs:
        assert rec.order_quantity <= 25.0 and (rec.recommended_qty or 0) <= 25.0
        bound += rec.binding_constraint == "capacity"
    assert bound > len(recs) / 2


def test_storage_capacity_cuts_the_orders_with_the_most_cover_first(
    demo, django_capture_on_commit_callbacks
):
    Location.objects.update(storage_capacity=None)
    location = Location.objects.get(code="CDC-01")
    # The demo's central DC holds its network's cover: draw it down so it orders many items.
    InventoryPosition.objects.filter(location=location).update(
        on_hand=F("on_hand") * 0.2, in_transit=0
    )
    free = run_now(django_capture_on_commit_callbacks)
    stock, wanted = held(location), ordered(free, location)
    assert wanted > 100
    capacity = stock + wanted / 2  # half the orders fit
    Location.objects.filter(pk=location.pk).update(storage_capacity=capacity)
    Location.objects.exclude(pk=location.pk).update(storage_capacity=1e9)  # loose
    run = run_now(django_capture_on_commit_callbacks)
    assert stock + ordered(run, location) <= capacity + 1e-6
    orders = {
        r.item_id: r for r in free.recommendations.filter(location=location, recommended_qty__gt=0)
    }
    cut, kept = [], []
    for rec in run.recommendations.filter(location=location, recommended_qty__isnull=False):
        before = orders.get(rec.item_id)
        if before is None:
            assert rec.recommended_qty == 0
            continue
        cover = rec.inventory_position / rec.demand_mean if rec.demand_mean else np.inf
        if rec.recommended_qty < before.recommended_qty:
            assert rec.binding_constraint == "capacity"
            cut.append(cover)
        else:
            assert rec.recommended_qty == before.recommended_qty
            kept.append(cover)
    assert cut and kept and min(cut) >= max(kept)
    # The regional DCs, loose, keep the orders the engine computed.
    others = run.recommendations.exclude(location=location)
    assert not others.filter(binding_constraint="capacity").exists()
    orders_elsewhere = free.recommendations.exclude(location=location)
    assert sorted(others.values_list("recommended_qty", flat=True), key=str) == sorted(
        orders_elsewhere.values_list("recommended_qty", flat=True), key=str
    )
    log = run.log_entries.get(message__startswith="Storage capacity")
    assert f"{len(cut)} order(s) cut" in log.message and "CDC-01" in log.message
    # Applied again, nothing more is cut.
    assert storage_capacity_apply(run) == 0


def test_a_loose_storage_capacity_cuts_nothing(demo, django_capture_on_commit_callbacks):
    Location.objects.update(storage_capacity=1e9)
    run = run_now(django_capture_on_commit_callbacks)
    assert not run.log_entries.filter(message__startswith="Storage capacity").exists()
    Location.objects.update(storage_capacity=None)  # unconstrained: not even checked
    assert storage_capacity_apply(run) == 0
