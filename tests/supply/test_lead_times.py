"""Lead-time actuals per supplier lane, the lead time to plan with, and lane-change events.

The hand-computed lane (as of 2026-06-30, promised 14 days) has four received lines:

    ordered     promised    last receipt   lead time  lateness  3-month period
    2026-01-05  2026-01-19  2026-01-19     14          0        before (age 162 days)
    2026-02-02  2026-02-16  2026-02-20     18          4 late   before (age 130)
    2026-04-06  2026-04-20  2026-04-18     12         -2 early  last   (age 73)
    2026-05-04  2026-05-18  2026-05-26     22          8 late   last   (age 35; two parts)

mean 66/4 = 16.5; sample sd sqrt(59/3) (deviations -2.5, 1.5, -4.5, 5.5); mean lateness
10/4 = 2.5; on time 2 of 4; trend mean(12, 22) - mean(14, 18) = 17 - 16 = 1. Lines that must
not count: one received 2025-05-15 (outside the 365-day window), one still awaiting its second
part, one received after the as-of date, and one to another destination.
"""

import math
import statistics
from datetime import date, timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from inventory.demo.spec import DemoSpec
from inventory.demo.supply import suppliers_plan
from supply.choices import LaneShift, LeadTimeSource, PurchaseOrderStatus
from supply.models import LaneChangeEvent, LaneLeadTimeActual, PurchaseOrderLine, SupplierLane
from supply.selectors import LeadTimeSettings, lane_change_events_pending, lead_time_for_lanes
from supply.services import LaneFigures, lane_positions, lane_shifts, lead_time_actuals_refresh
from tests.factories import (
    make_item,
    make_location,
    make_po_line,
    make_receipt,
    make_supplier,
    make_supplier_lane,
)

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)
SD = math.sqrt(59 / 3)
_line_numbers = iter(range(1, 1_000_000))


def _received(
    lane: SupplierLane, ordered: date, *parts: tuple[date, float], **fields
) -> PurchaseOrderLine:
    """A 100-unit PO line on ``lane`` promised after the lane's lead time, and its receipts."""
    line = make_po_line(
        lane.supplier,
        lane.item,
        lane.destination,
        po_number=f"PO-{next(_line_numbers)}",
        order_date=ordered,
        promised_date=ordered + timedelta(days=lane.promised_lead_time_days),
        **fields,
    )
    for number, (received_on, quantity) in enumerate(parts, start=1):
        make_receipt(
            line, receipt_number=f"R-{number}", receipt_date=received_on, quantity=quantity
        )
    return line


def _lead_time(lane: SupplierLane, ordered: date, days: int) -> None:
    """A line of ``lane`` ordered on ``ordered`` and received in full ``days`` later."""
    _received(lane, ordered, (ordered + timedelta(days=days), 100))


@pytest.fixture
def lane() -> SupplierLane:
    """The hand-computed lane of the module docstring, with the lines that must not count."""
    lane = make_supplier_lane(make_supplier(), make_item(), make_location())
    _received(lane, date(2026, 1, 5), (date(2026, 1, 19), 100))
    _received(lane, date(2026, 2, 2), (date(2026, 2, 20), 100))
    _received(lane, date(2026, 4, 6), (date(2026, 4, 18), 100))
    _received(lane, date(2026, 5, 4), (date(2026, 5, 18), 60), (date(2026, 5, 26), 40))
    _received(lane, date(2025, 5, 1), (date(2025, 5, 15), 100))  # outside the window
    partial = PurchaseOrderStatus.PARTIALLY_RECEIVED
    _received(lane, date(2026, 6, 1), (date(2026, 6, 15), 50), status=partial)  # awaits 50
    _received(lane, date(2026, 6, 20), (date(2026, 7, 10), 100))  # after the as-of date
    elsewhere = make_supplier_lane(lane.supplier, lane.item, make_location("DC-2"))
    _received(elsewhere, date(2026, 4, 1), (date(2026, 6, 1), 100))
    return lane


def _actual(lane: SupplierLane) -> LaneLeadTimeActual:
    return LaneLeadTimeActual.objects.get(lane=lane)


# --- Figures ----------------------------------------------------------------------------------


def test_hand_computed_lane(lane):
    report = lead_time_actuals_refresh(as_of=AS_OF)
    actual = _actual(lane)
    assert actual.received_lines == 4
    assert actual.mean_lead_time_days == pytest.approx(16.5)
    assert actual.sd_lead_time_days == pytest.approx(SD)
    assert actual.mean_lateness_days == pytest.approx(2.5)
    assert actual.on_time_rate == pytest.approx(0.5)
    assert actual.trend_days == pytest.approx(1.0)
    assert (actual.as_of, actual.window_start) == (AS_OF, date(2025, 7, 1))
    assert (report.lanes, report.trusted_lanes, report.received_lines, report.events) == (
        2,
        1,
        5,
        0,
    )


@pytest.mark.parametrize("status", [PurchaseOrderStatus.RECEIVED, PurchaseOrderStatus.CANCELLED])
def test_a_line_closed_short_counts_at_its_last_receipt(lane, status):
    _received(
        lane, date(2026, 6, 1), (date(2026, 6, 10), 50), (date(2026, 6, 19), 30), status=status
    )
    lead_time_actuals_refresh(as_of=AS_OF)
    actual = _actual(lane)
    assert actual.received_lines == 5
    assert actual.mean_lead_time_days == pytest.approx((66 + 18) / 5)


def test_on_time_tolerance_is_configurable(lane, settings):
    settings.LEAD_TIME_ON_TIME_TOLERANCE_DAYS = 4  # the 4-day-late line is now on time
    lead_time_actuals_refresh(as_of=AS_OF)
    assert _actual(lane).on_time_rate == pytest.approx(0.75)


def test_receipts_outside_a_shorter_window_are_ignored(lane, settings):
    settings.LEAD_TIME_HISTORY_DAYS = 91  # only the last two lines remain
    lead_time_actuals_refresh(as_of=AS_OF)
    actual = _actual(lane)
    assert actual.received_lines == 2
    assert actual.mean_lead_time_days == pytest.approx(17.0)
    assert actual.sd_lead_time_days == pytest.approx(math.sqrt(50))
    assert actual.on_time_rate == pytest.approx(0.5)
    assert actual.trend_days == pytest.approx(1.0)  # the trend always spans 2 x 91 days
    assert actual.window_start == date(2026, 4, 1)


def test_lane_without_receipts_gets_empty_figures(lane):
    lead_time_actuals_refresh(as_of=date(2024, 1, 1))  # before any receipt
    actual = _actual(lane)
    assert actual.received_lines == 0
    assert actual.mean_lead_time_days is None
    assert actual.sd_lead_time_days is None
    assert actual.on_time_rate is None
    assert actual.trend_days is None


def test_actuals_of_lines_that_left_the_window_do_not_linger(lane):
    lead_time_actuals_refresh(as_of=AS_OF)
    report = lead_time_actuals_refresh(as_of=date(2028, 1, 3))
    actual = _actual(lane)
    assert (report.changed_lanes, report.events) == (2, 0)
    assert (actual.as_of, actual.received_lines, actual.mean_lead_time_days) == (
        date(2028, 1, 3),
        0,
        None,
    )


def test_trend_is_empty_without_lines_in_both_periods(lane):
    # The two winter lines (last 3 months) and the 2025-05-15 one (now in the window, but
    # not in the 3 months before).
    lead_time_actuals_refresh(as_of=date(2026, 3, 1))
    actual = _actual(lane)
    assert actual.received_lines == 3
    assert actual.mean_lead_time_days == pytest.approx((14 + 14 + 18) / 3)
    assert actual.trend_days is None


def test_refresh_of_some_lanes_leaves_the_others(lane):
    other = make_supplier_lane(make_supplier("SUP-2"), lane.item, lane.destination)
    _lead_time(other, date(2026, 6, 1), 10)
    report = lead_time_actuals_refresh(as_of=AS_OF, lanes=SupplierLane.objects.filter(pk=other.pk))
    assert report.lanes == 1
    assert report.received_lines == 1
    assert list(LaneLeadTimeActual.objects.values_list("lane", "mean_lead_time_days")) == [
        (other.pk, 10.0)
    ]


# --- Lead time to plan with --------------------------------------------------------------------


def test_selector_uses_trusted_actuals_and_flags_the_fallback(lane):
    few = make_supplier_lane(make_supplier("SUP-2"), lane.item, lane.destination)
    few.promised_lead_time_days = 9
    few.save()
    _lead_time(few, date(2026, 5, 1), 20)
    _lead_time(few, date(2026, 6, 1), 26)
    never = make_supplier_lane(make_supplier("SUP-3"), lane.item, lane.destination)
    lead_time_actuals_refresh(as_of=AS_OF, lanes=SupplierLane.objects.exclude(pk=never.pk))
    result = lead_time_for_lanes(
        lanes=SupplierLane.objects.filter(pk__in=[lane.pk, few.pk, never.pk])
    )
    assert result.lane_id.tolist() == [lane.pk, few.pk, never.pk]
    assert result.mean_days.tolist() == pytest.approx([16.5, 9.0, 14.0])
    assert result.sd_days.tolist() == pytest.approx([SD, 0.0, 0.0])
    assert result.source.tolist() == [
        LeadTimeSource.ACTUAL,
        LeadTimeSource.PROMISED,
        LeadTimeSource.PROMISED,
    ]
    assert result.received_lines.tolist() == [4, 2, 0]
    assert result.item_id.tolist() == [lane.item_id] * 3


def test_selector_minimum_lines_is_configurable(lane, settings):
    lead_time_actuals_refresh(as_of=AS_OF)
    settings.LEAD_TIME_MIN_RECEIVED_LINES = 5
    result = lead_time_for_lanes(lanes=SupplierLane.objects.filter(pk=lane.pk))
    assert result.source.tolist() == [LeadTimeSource.PROMISED]
    assert result.mean_days.tolist() == [14.0]


def test_selector_reads_every_lane_in_one_query(lane, django_assert_num_queries):
    lead_time_actuals_refresh(as_of=AS_OF)
    with django_assert_num_queries(1):
        result = lead_time_for_lanes()
    assert len(result.lane_id) == SupplierLane.objects.count() == 2


# --- Lane-change events ----------------------------------------------------------------------


def test_late_receipts_record_one_event_with_before_and_after(lane):
    lead_time_actuals_refresh(as_of=AS_OF)
    _lead_time(lane, date(2026, 5, 25), 35)
    _lead_time(lane, date(2026, 5, 30), 30)
    report = lead_time_actuals_refresh(as_of=AS_OF)
    new = [14, 18, 12, 22, 35, 30]
    event = LaneChangeEvent.objects.get()
    assert report.events == 1
    assert (event.lane, event.as_of, event.shift) == (lane, AS_OF, LaneShift.BOTH)
    assert event.previous_mean_days == pytest.approx(16.5)
    assert event.previous_sd_days == pytest.approx(SD)
    assert event.new_mean_days == pytest.approx(statistics.mean(new))  # 21.83: +5.3 > 3.3
    assert event.new_sd_days == pytest.approx(statistics.stdev(new))
    assert (event.relative_threshold, event.absolute_threshold_days) == (0.2, 1.0)
    assert event.processed_at is None
    assert list(lane_change_events_pending()) == [event]


def test_a_small_move_records_no_event(lane):
    lead_time_actuals_refresh(as_of=AS_OF)
    _lead_time(lane, date(2026, 6, 1), 16)
    report = lead_time_actuals_refresh(as_of=AS_OF)
    assert (report.changed_lanes, report.events) == (1, 0)
    assert not LaneChangeEvent.objects.exists()
    assert _actual(lane).received_lines == 5


def test_refresh_twice_changes_nothing(lane):
    lead_time_actuals_refresh(as_of=AS_OF)
    _lead_time(lane, date(2026, 5, 25), 35)
    _lead_time(lane, date(2026, 5, 30), 30)
    lead_time_actuals_refresh(as_of=AS_OF)
    figures = list(LaneLeadTimeActual.objects.order_by("lane").values())
    report = lead_time_actuals_refresh(as_of=AS_OF)
    assert (report.lanes, report.changed_lanes, report.events) == (2, 0, 0)
    assert LaneChangeEvent.objects.count() == 1
    again = list(LaneLeadTimeActual.objects.order_by("lane").values())
    assert all(a["computed_at"] > f["computed_at"] for a, f in zip(again, figures, strict=True))
    for row in (*figures, *again):
        del row["computed_at"]
    assert again == figures


def test_no_event_while_a_lane_is_not_trusted(lane):
    few = make_supplier_lane(make_supplier("SUP-2"), lane.item, lane.destination)
    _lead_time(few, date(2026, 6, 1), 10)
    _lead_time(few, date(2026, 6, 2), 12)
    lead_time_actuals_refresh(as_of=AS_OF)
    _lead_time(few, date(2026, 6, 3), 26)  # mean 11 -> 16, but only now trusted
    assert lead_time_actuals_refresh(as_of=AS_OF).events == 0


def test_shift_thresholds_relative_and_minimum_days():
    config = LeadTimeSettings()
    previous = _figures(
        lines=[5, 5, 5, 5, 5, 2], mean=[10, 10, 3, 10, 10, 10], sd=[2, 2, 0.5, 0, 0, 2]
    )
    new = _figures(
        lines=[5, 5, 5, 5, 5, 5], mean=[12.5, 11.9, 3.8, 10, 10, 20], sd=[2, 2.3, 0.5, 0.9, 1.5, 2]
    )
    mean_shift, sd_shift = lane_shifts(previous, new, config=config)
    # +25 % shifts; +19 % does not; +27 % of a 3-day lane is under 1 day; sd from 0 needs
    # more than 1 day; an untrusted previous never shifts.
    assert mean_shift.tolist() == [True, False, False, False, False, False]
    assert sd_shift.tolist() == [False, False, False, False, True, False]


def _figures(*, lines: list[int], mean: list[float], sd: list[float]) -> LaneFigures:
    nan = np.full(len(lines), np.nan)
    return LaneFigures(np.array(lines), np.array(mean, float), np.array(sd, float), nan, nan, nan)


def test_lane_positions_match_keys_and_flag_unknown_ones():
    lanes = (np.array([1, 1, 2]), np.array([7, 8, 7]), np.array([3, 3, 4]))
    lines = (np.array([2, 1, 1, 1, 9]), np.array([7, 8, 7, 7, 7]), np.array([4, 3, 3, 4, 3]))
    assert lane_positions(lanes, lines).tolist() == [2, 1, 0, -1, -1]
    empty = (np.array([], np.int64),) * 3
    assert lane_positions(empty, lines).tolist() == [-1] * 5


# --- Set-based ---------------------------------------------------------------------------------

REFRESH_QUERY_BOUND = 8  # savepoint, 3 reads, stamp, upsert, events, release


def _lanes_with_lines(count: int) -> list[SupplierLane]:
    supplier, location = make_supplier(), make_location()
    lanes = [make_supplier_lane(supplier, make_item(f"SKU-{i}"), location) for i in range(count)]
    for lane in lanes:
        for week, days in enumerate((13, 14, 15, 14)):
            _lead_time(lane, date(2026, 5, 4) + timedelta(weeks=week), days)
    return lanes


@pytest.mark.parametrize("lanes", [3, 30])
def test_refresh_query_count_does_not_grow_with_lanes(lanes, django_assert_max_num_queries):
    created = _lanes_with_lines(lanes)
    with django_assert_max_num_queries(REFRESH_QUERY_BOUND):
        lead_time_actuals_refresh(as_of=AS_OF)
    for lane in created:
        _lead_time(lane, date(2026, 5, 30), 30)  # mean 14 -> 17.2, sd 0.8 -> 7.2
    with django_assert_max_num_queries(REFRESH_QUERY_BOUND):
        report = lead_time_actuals_refresh(as_of=AS_OF)
    assert report.events == lanes
    assert LaneLeadTimeActual.objects.filter(received_lines=5).count() == lanes


# --- Command -----------------------------------------------------------------------------------


def test_command_refreshes_and_reports(lane):
    out = StringIO()
    call_command("refresh_lead_times", "--as-of", "2026-06-30", stdout=out)
    assert (
        "as of 2026-06-30: 2 lanes (1 trusted, 2 changed) from 5 received PO lines; "
        "0 lane-change events" in out.getvalue()
    )
    assert _actual(lane).mean_lead_time_days == pytest.approx(16.5)


def test_command_refuses_a_bad_date():
    with pytest.raises(CommandError, match="not a date"):
        call_command("refresh_lead_times", "--as-of", "30/06/2026")


# --- Demo network ------------------------------------------------------------------------------

DEMO_END = date(2025, 6, 2)  # a Monday


def test_unreliable_demo_suppliers_are_late_more_often_and_vary_more():
    """The demo draws reliability 0..1 per supplier: on time with probability 0.55 + 0.42 r,
    else late by a Gamma tail of mean 2 + 12 (1 - r) days (inventory/demo/orders.py)."""
    call_command(
        "load_demo",
        skus=40,
        locations=4,
        weeks=30,
        seed=3,
        end_date="2025-06-02",
        stdout=StringIO(),
    )
    lead_time_actuals_refresh(as_of=DEMO_END)
    plan = suppliers_plan(DemoSpec(skus=40, locations=4, weeks=30, seed=3, end_date=DEMO_END))
    reliability = dict(zip(plan.code, plan.reliability, strict=True))
    lanes = _demo_trusted_lanes()
    assert len(lanes) >= 30
    good = [lane for lane in lanes if reliability[lane[0]] >= 0.5]
    poor = [lane for lane in lanes if reliability[lane[0]] < 0.5]
    assert _on_time_rate(poor) < _on_time_rate(good) - 0.15
    assert statistics.median(sd for *_, sd in poor) > statistics.median(sd for *_, sd in good) + 2
    ranked = sorted({lane[0] for lane in lanes}, key=reliability.get)
    assert len(ranked) >= 5
    on_time = [_on_time_rate([lane for lane in lanes if lane[0] == code]) for code in ranked]
    assert _rank_correlation(on_time) > 0.7


def _demo_trusted_lanes() -> list[tuple[str, int, float, float]]:
    """(supplier code, received lines, on-time rate, sd) of every trusted lane."""
    rows = LaneLeadTimeActual.objects.filter(received_lines__gte=3)
    return list(
        rows.values_list(
            "lane__supplier__code", "received_lines", "on_time_rate", "sd_lead_time_days"
        )
    )


def _on_time_rate(lanes: list[tuple[str, int, float, float]]) -> float:
    """On-time rate of all the lanes' lines together."""
    return sum(n * rate for _, n, rate, _ in lanes) / sum(n for _, n, _, _ in lanes)


def _rank_correlation(values: list[float]) -> float:
    """Spearman correlation of ``values`` with their position (no ties expected)."""
    ranks = np.argsort(np.argsort(values))
    return float(np.corrcoef(ranks, np.arange(len(values)))[0, 1])


def test_a_recorded_event_starts_a_run_for_its_sku_location(
    lane, settings, django_capture_on_commit_callbacks
):
    from inventory.choices import RunStatus, RunTrigger
    from inventory.models import PolicyRun

    settings.RUNS_SYNC = True  # the run's tasks execute here, once the refresh commits
    lead_time_actuals_refresh(as_of=AS_OF)
    _lead_time(lane, date(2026, 5, 25), 35)
    _lead_time(lane, date(2026, 5, 30), 30)
    with django_capture_on_commit_callbacks(execute=True):
        lead_time_actuals_refresh(as_of=AS_OF)
    run = PolicyRun.objects.get()
    assert run.trigger == RunTrigger.EVENT and run.status == RunStatus.SUCCEEDED
    assert run.scope["pairs"] == [[lane.item_id, lane.destination_id]]
    assert LaneChangeEvent.objects.get().processed_at is not None
    assert list(lane_change_events_pending()) == []
