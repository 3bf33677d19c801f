"""Escalation rules (governance.escalations): each fires beyond its threshold and not at it,
for as many periods in a row as the rule asks; the exceptions they raise carry the rule and
its owner, are refreshed rather than duplicated, resolved when cleared, left alone by a
disabled rule and by optimization runs.

The clock is pinned on Wednesday 2026-11-25: the weeks judged are the complete ones before
its week, the last being the week commencing Monday 2026-11-16.
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demand.choices import ForecastKind
from demand.models import DemandHistory, Forecast
from governance.choices import EscalationKind, ExceptionStatus, Severity
from governance.escalations.models import EscalationRule
from governance.escalations.services import escalation_rule_apply
from governance.models import PlanningException
from inventory.choices import ServiceType
from inventory.models import InventoryPolicy, InventoryPosition
from inventory.runs.models import NetworkSegmentation, SkuLocationSegment
from tests.factories import (
    make_demand,
    make_item,
    make_location,
    make_po_line,
    make_policy,
    make_receipt,
    make_supplier,
)

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 11, 25)
LAST_WEEK = date(2026, 11, 16)


def mondays(count: int, last: date = LAST_WEEK) -> list[date]:
    """``count`` Mondays ending with ``last``, oldest first."""
    return [last - timedelta(weeks=back) for back in range(count - 1, -1, -1)]


def rule(kind: str, **changes) -> EscalationRule:
    """The seeded rule of ``kind`` with ``changes`` saved."""
    found = EscalationRule.objects.get(kind=kind)
    for name, value in changes.items():
        setattr(found, name, value)
    found.save()
    return found


def apply(kind: str):
    return escalation_rule_apply(rule=EscalationRule.objects.get(kind=kind), as_of=AS_OF)


def open_of(kind: str):
    return PlanningException.objects.filter(
        kind=kind, status__in=(ExceptionStatus.OPEN, ExceptionStatus.IN_PROGRESS)
    )


# --- days on hand ---------------------------------------------------------------------------


@pytest.fixture
def stocked(pinned_now):
    """A SKU-location selling 70 a week (10 a day) for 20 weeks, whose policy holds a target
    stock of 40 + 120 / 2 = 100 units (10 days); unit cost 10."""
    item, location = make_item("DOH"), make_location("DC-1")
    make_policy(item, location, safety_stock=40, order_quantity=120)
    for monday in mondays(20):
        make_demand(item, location, period_start=monday, quantity=70)
    return item, location


def stock(item, location, *on_hand: float) -> None:
    """Opening positions of the last ``len(on_hand)`` weeks (a Monday each), oldest first."""
    InventoryPosition.objects.filter(item=item, location=location).delete()
    for monday, units in zip(mondays(len(on_hand)), on_hand, strict=True):
        InventoryPosition.objects.create(item=item, location=location, as_of=monday, on_hand=units)


def test_days_on_hand_fires_just_above_15_percent_for_two_weeks(stocked):
    item, location = stocked
    stock(item, location, 116, 116)  # 11.6 days against 10: +16 %
    outcome = apply(EscalationKind.DAYS_ON_HAND)
    assert (outcome.raised, outcome.refreshed, outcome.resolved) == (1, 0, 0)
    raised = open_of(EscalationKind.DAYS_ON_HAND).get()
    assert (raised.item, raised.location, raised.severity) == (item, location, Severity.LOW)
    assert raised.reasons == ["DAYS_ON_HAND_ABOVE_TARGET"]
    assert raised.money_at_risk == 160  # 16 units above the target stock x 10
    assert raised.detail.startswith("11.6 days on hand w/c 16 Nov 2026 against a target of 10.0")
    assert "+16 % w/c 9 Nov 2026, +16 % w/c 16 Nov 2026" in raised.detail


def test_days_on_hand_exactly_15_percent_above_does_not_fire(stocked):
    stock(*stocked, 115, 115)
    assert apply(EscalationKind.DAYS_ON_HAND).raised == 0


def test_days_on_hand_one_week_above_is_not_two(stocked):
    stock(*stocked, 114, 200)
    assert apply(EscalationKind.DAYS_ON_HAND).raised == 0
    stock(*stocked, 200)  # a single week with a position: the week before is not measured
    assert apply(EscalationKind.DAYS_ON_HAND).raised == 0


def test_days_on_hand_needs_a_policy_and_demand(stocked):
    item, location = stocked
    other = make_item("NO-POLICY")
    for monday in mondays(20):
        make_demand(other, location, period_start=monday, quantity=70)
    stock(other, location, 500, 500)
    assert apply(EscalationKind.DAYS_ON_HAND).raised == 0


def test_severity_grows_with_the_distance_beyond_the_threshold(stocked):
    stock(*stocked, 200, 144)  # the latest week decides: +44 %, less than a step beyond
    apply(EscalationKind.DAYS_ON_HAND)
    assert open_of(EscalationKind.DAYS_ON_HAND).get().severity == Severity.LOW
    stock(*stocked, 200, 145)  # +45 %: a step (twice 15 %) beyond the threshold
    apply(EscalationKind.DAYS_ON_HAND)
    assert open_of(EscalationKind.DAYS_ON_HAND).get().severity == Severity.MEDIUM
    stock(*stocked, 200, 175)  # +75 %: two steps
    apply(EscalationKind.DAYS_ON_HAND)
    assert open_of(EscalationKind.DAYS_ON_HAND).get().severity == Severity.HIGH


# --- owner, refresh, resolve, disabled --------------------------------------------------------


def test_the_exception_carries_its_rule_owner_and_due_date(stocked, planner):
    escalation = rule(EscalationKind.DAYS_ON_HAND, owner=planner)
    stock(*stocked, 150, 150)  # +50 %: medium
    apply(EscalationKind.DAYS_ON_HAND)
    raised = open_of(EscalationKind.DAYS_ON_HAND).get()
    assert raised.escalation_rule == escalation and raised.owner == planner
    assert raised.batch_number == 0 and raised.last_run is None
    assert raised.severity == Severity.MEDIUM
    assert raised.due_date == AS_OF + timedelta(days=7)


def test_a_second_evaluation_refreshes_the_open_exception(stocked, planner):
    stock(*stocked, 120, 120)
    apply(EscalationKind.DAYS_ON_HAND)
    first = open_of(EscalationKind.DAYS_ON_HAND).get()
    rule(EscalationKind.DAYS_ON_HAND, owner=planner)
    stock(*stocked, 120, 160)
    outcome = apply(EscalationKind.DAYS_ON_HAND)
    assert (outcome.raised, outcome.refreshed) == (0, 1)
    again = open_of(EscalationKind.DAYS_ON_HAND).get()
    assert again.pk == first.pk and again.severity == Severity.MEDIUM
    assert again.money_at_risk == 600 and "+60 %" in again.detail
    assert again.owner == planner  # it had none: the rule's owner now


def test_a_refresh_keeps_what_people_set(stocked, planner, manager):
    stock(*stocked, 120, 120)
    rule(EscalationKind.DAYS_ON_HAND, owner=planner)
    apply(EscalationKind.DAYS_ON_HAND)
    open_of(EscalationKind.DAYS_ON_HAND).update(
        owner=manager, status=ExceptionStatus.IN_PROGRESS, due_date=date(2027, 1, 8)
    )
    apply(EscalationKind.DAYS_ON_HAND)
    kept = open_of(EscalationKind.DAYS_ON_HAND).get()
    assert (kept.owner, kept.status, kept.due_date) == (
        manager,
        ExceptionStatus.IN_PROGRESS,
        date(2027, 1, 8),
    )


def test_an_exception_that_cleared_is_resolved_with_a_note(stocked):
    stock(*stocked, 120, 120)
    apply(EscalationKind.DAYS_ON_HAND)
    raised = open_of(EscalationKind.DAYS_ON_HAND).get()
    PlanningException.objects.filter(pk=raised.pk).update(resolution_notes="Called the DC.")
    stock(*stocked, 120, 100)
    outcome = apply(EscalationKind.DAYS_ON_HAND)
    assert (outcome.raised, outcome.refreshed, outcome.resolved) == (0, 0, 1)
    raised.refresh_from_db()
    assert raised.status == ExceptionStatus.RESOLVED and raised.resolved_at
    assert raised.resolution_notes == (
        "Called the DC.\nClosed by the escalation rule as of 2026-11-25: no longer beyond its "
        "threshold."
    )
    assert raised.version == 2


def test_a_disabled_rule_raises_nothing_and_leaves_open_ones(stocked):
    item, location = stocked
    stock(item, location, 120, 120)
    apply(EscalationKind.DAYS_ON_HAND)
    rule(EscalationKind.DAYS_ON_HAND, enabled=False)
    other = make_item("OTHER")
    make_policy(other, location, safety_stock=40, order_quantity=120)
    for monday in mondays(20):
        make_demand(other, location, period_start=monday, quantity=70)
    stock(other, location, 300, 300)
    stock(item, location, 100, 100)  # cleared, but a disabled rule does not judge
    outcome = apply(EscalationKind.DAYS_ON_HAND)
    assert not outcome.enabled and outcome.left_open == 1
    assert "rule disabled, nothing raised; 1 open left as they are" in str(outcome)
    assert list(open_of(EscalationKind.DAYS_ON_HAND).values_list("item__sku", flat=True)) == ["DOH"]


# --- forecast bias ----------------------------------------------------------------------------


def classed(segment: str, sku: str, location):
    """An item of ``segment`` (stored class) at ``location``, demand 100 a week for 13 weeks."""
    item = make_item(sku)
    segmentation = NetworkSegmentation.objects.first() or NetworkSegmentation.objects.create(
        as_of=date(2026, 11, 2)
    )
    SkuLocationSegment.objects.create(
        segmentation=segmentation, item=item, location=location, segment=segment
    )
    for monday in mondays(13):
        make_demand(item, location, period_start=monday, quantity=100)
    return item


def forecast(item, location, quantity: float, weeks: int = 13) -> None:
    """Lag-1 forecasts of the last ``weeks`` weeks (made the Monday before each), and a later
    one made as each week began (not before it: never used)."""
    for monday in mondays(weeks):
        for as_of, units in ((monday - timedelta(weeks=1), quantity), (monday, 999)):
            Forecast.objects.create(
                item=item,
                location=location,
                period_start=monday,
                as_of=as_of,
                quantity=units,
                kind=ForecastKind.STATISTICAL,
            )


def test_forecast_bias_fires_beyond_8_percent_for_a_items_only(pinned_now):
    dc = make_location("DC-1")
    at_threshold, above, below = (classed("AX", sku, dc) for sku in ("A-8.0", "A-8.1", "A-LOW"))
    b_item = classed("BX", "B-20", dc)
    forecast(at_threshold, dc, 108.0)  # 1,404 / 1,300 - 1 = 8.0 % (0.08000000000000007)
    forecast(above, dc, 108.1)  # 8.1 %
    forecast(below, dc, 91.9)  # -8.1 %
    forecast(b_item, dc, 120.0)  # 20 %, but class B
    outcome = apply(EscalationKind.FORECAST_BIAS)
    raised = {e.item.sku: e for e in open_of(EscalationKind.FORECAST_BIAS)}
    assert outcome.raised == 2 and set(raised) == {"A-8.1", "A-LOW"}
    assert raised["A-8.1"].reasons == ["FORECAST_ABOVE_DEMAND"]
    assert raised["A-LOW"].reasons == ["FORECAST_BELOW_DEMAND"]
    assert raised["A-8.1"].detail == (
        "Forecast 8.1 % above demand over the 13 weeks to w/c 16 Nov 2026 (forecast 1,405, "
        "demand 1,300; limit ±8 %); class AX"
    )
    assert float(raised["A-8.1"].money_at_risk) == pytest.approx(1053.0)  # 105.3 units x 10


def test_forecast_bias_for_every_class_when_the_rule_names_none(pinned_now):
    dc = make_location("DC-1")
    forecast(classed("BX", "B-20", dc), dc, 120.0)
    rule(EscalationKind.FORECAST_BIAS, segments="")
    apply(EscalationKind.FORECAST_BIAS)
    assert open_of(EscalationKind.FORECAST_BIAS).get().severity == Severity.LOW  # 20 % < 24 %


# --- receipt timing -----------------------------------------------------------------------------


def test_receipts_more_than_10_percent_of_the_lead_time_off_fire_late_and_early(pinned_now):
    supplier, dc = make_supplier(), make_location("DC-1")
    lines = {}
    for number, sku in enumerate(("ON-TIME-ISH", "LATE", "EARLY", "OLD"), start=1):
        lines[sku] = make_po_line(
            supplier,
            make_item(sku),
            dc,
            po_number=f"PO-{number}",
            order_date=date(2026, 10, 20),
            promised_date=date(2026, 11, 9),  # a lead time of 20 days: 10 % is 2 days
        )
    make_receipt(lines["ON-TIME-ISH"], receipt_date=date(2026, 11, 11))  # 2 days: at 10 %
    make_receipt(lines["LATE"], receipt_date=date(2026, 11, 12))  # 3 days late
    make_receipt(lines["LATE"], receipt_number="R-2", receipt_date=date(2026, 11, 9))
    make_receipt(lines["EARLY"], receipt_date=date(2026, 11, 6))  # 3 days early
    make_receipt(lines["OLD"], receipt_date=date(2026, 11, 23))  # after the weeks judged
    apply(EscalationKind.RECEIPT_TIMING)
    raised = {e.item.sku: e for e in open_of(EscalationKind.RECEIPT_TIMING)}
    assert set(raised) == {"LATE", "EARLY"}
    assert raised["LATE"].reasons == ["RECEIPTS_LATE"]
    assert raised["EARLY"].reasons == ["RECEIPTS_EARLY"]
    assert raised["LATE"].detail == (
        "1 of 2 receipts in the 4 weeks to w/c 16 Nov 2026 off their promised date by more "
        "than 10 % of the promised lead time: PO-2/1 3 d late of 20 d (15 %)"
    )
    assert raised["LATE"].severity == Severity.LOW and raised["LATE"].money_at_risk == 0


# --- service below target -------------------------------------------------------------------


@pytest.fixture
def served(pinned_now):
    """A SKU-location with a 95 % fill-rate policy, demand 100 a week for a year and weekly
    positions of 1,000 (everything served) unless a test lowers them."""
    item, location = make_item("SERVED"), make_location("DC-1")
    make_policy(item, location, service_target=0.95, service_type=ServiceType.FILL)
    for monday in mondays(52):
        make_demand(item, location, period_start=monday, quantity=100)
        InventoryPosition.objects.create(item=item, location=location, as_of=monday, on_hand=1000)
    return item, location


def short(item, location, periods_back: list[int], on_hand: float) -> None:
    """Positions of ``on_hand`` in every week of the 4-week periods ``periods_back`` (0: the
    latest period, to w/c 16 Nov 2026)."""
    for back in periods_back:
        last = LAST_WEEK - timedelta(weeks=4 * back)
        InventoryPosition.objects.filter(
            item=item, location=location, as_of__in=mondays(4, last)
        ).update(on_hand=on_hand)


def test_service_below_target_three_periods_in_a_row_fires(served):
    short(*served, [0, 1, 2], 90)  # 90 shipped of 100 each week: fill rate 90 %
    outcome = apply(EscalationKind.SERVICE_BELOW_TARGET)
    assert outcome.raised == 1
    raised = open_of(EscalationKind.SERVICE_BELOW_TARGET).get()
    assert raised.reasons == ["SERVICE_BELOW_TARGET"] and raised.severity == Severity.LOW
    assert raised.detail == (
        "Fill rate under its 95 % target in each of the last 3 periods of 4 weeks with demand "
        "(to w/c 16 Nov 2026): 90 %, 90 %, 90 %; 120 units not shipped"
    )
    assert raised.money_at_risk == 1200  # 120 units x 10


def test_service_below_target_two_periods_do_not_fire(served):
    short(*served, [0, 1, 3], 90)  # the third period back was served in full
    assert apply(EscalationKind.SERVICE_BELOW_TARGET).raised == 0


def test_service_exactly_at_target_does_not_fire(served):
    short(*served, [0, 1, 2], 95)
    assert apply(EscalationKind.SERVICE_BELOW_TARGET).raised == 0


def test_periods_without_demand_are_skipped(served):
    item, location = served
    short(item, location, [0, 2, 3], 90)
    DemandHistory.objects.filter(
        item=item, location=location, period_start__in=mondays(4, LAST_WEEK - timedelta(weeks=4))
    ).update(quantity=0)  # period 1 had no demand: periods 0, 2 and 3 are the last three
    assert apply(EscalationKind.SERVICE_BELOW_TARGET).raised == 1


def test_receipts_in_the_week_count_as_served(served):
    item, location = served
    short(item, location, [0, 1, 2], 90)
    line = make_po_line(make_supplier(), item, location)
    make_receipt(line, receipt_date=date(2026, 11, 18), quantity=40)  # w/c 16 Nov served in full
    raised = apply(EscalationKind.SERVICE_BELOW_TARGET)
    assert raised.raised == 1  # 92.5 % in the latest period: still below 95 %
    assert (
        "90 %, 90 %, 92.5 %; 110 units not shipped"
        in open_of(EscalationKind.SERVICE_BELOW_TARGET).get().detail
    )


def test_a_cycle_service_target_is_judged_by_weeks_served_in_full(served):
    item, location = served
    InventoryPolicy.objects.filter(item=item).update(
        service_type=ServiceType.CYCLE, service_target=0.75
    )
    for back in (0, 1, 2):  # one week of four short in each period: 75 %, at the target
        InventoryPosition.objects.filter(
            item=item, as_of=LAST_WEEK - timedelta(weeks=4 * back)
        ).update(on_hand=10)
    assert apply(EscalationKind.SERVICE_BELOW_TARGET).raised == 0
    for back in (0, 1, 2):  # two weeks of four: 50 %
        InventoryPosition.objects.filter(
            item=item, as_of=LAST_WEEK - timedelta(weeks=4 * back + 1)
        ).update(on_hand=10)
    apply(EscalationKind.SERVICE_BELOW_TARGET)
    raised = open_of(EscalationKind.SERVICE_BELOW_TARGET).get()
    assert raised.severity == Severity.HIGH  # 25 points below: beyond two steps of 10
    assert raised.detail.startswith("Weeks served in full (cycle service) under its 75 % target")


def test_an_owner_who_may_no_longer_handle_exceptions_is_not_given_them(stocked, planner):
    rule(EscalationKind.DAYS_ON_HAND, owner=planner)
    planner.is_active = False
    planner.save()
    stock(*stocked, 120, 120)
    outcome = apply(EscalationKind.DAYS_ON_HAND)
    assert open_of(EscalationKind.DAYS_ON_HAND).get().owner is None
    assert "the owner test-planner may no longer handle exceptions: raised unassigned" in str(
        outcome
    )


def test_evaluating_costs_the_same_queries_for_one_or_many_sku_locations(pinned_now):
    """Set-based: raising, refreshing and resolving take a fixed number of statements."""
    location, supplier = make_location("DC-1"), make_supplier()

    def crossing(sku: str) -> None:
        item = make_item(sku)
        make_policy(item, location, safety_stock=40, order_quantity=120)
        for monday in mondays(20):
            make_demand(item, location, period_start=monday, quantity=70)
        stock(item, location, 130, 130)
        line = make_po_line(supplier, item, location, po_number=f"PO-{sku}")
        make_receipt(line, receipt_date=date(2026, 11, 18))  # ten months late

    def queries() -> list[int]:
        counts = []
        for kind in (EscalationKind.DAYS_ON_HAND, EscalationKind.RECEIPT_TIMING):
            with CaptureQueriesContext(connection) as captured:
                apply(kind)
            counts.append(len(captured))
        return counts

    crossing("ONE")
    raising_one, refreshing_one = queries(), queries()
    for number in range(6):
        crossing(f"MORE-{number}")
    PlanningException.objects.all().delete()
    assert queries() == raising_one
    assert queries() == refreshing_one
