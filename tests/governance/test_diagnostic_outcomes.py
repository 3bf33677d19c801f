"""Checks 10–15 of the diagnostic (governance.sop.diagnostic): the previous cycle's sign-off,
changes through approvals and audited, and the KPI trends of the quarter before the cycle's
month; each flips from no to yes when its evidence appears."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from governance.kpis.models import KpiSnapshot
from governance.proposals import audited, proposal_approve, proposal_from_recommendation
from governance.sop.diagnostic import diagnostic_evaluate
from governance.sop.models import SopCycle
from inventory.models import InventoryPolicy
from tests.factories import make_item, make_location, make_policy, make_recommendation

# The cycle is November 2026 (tests.clock.PINNED_NOW is 25 November 2026): its KPI window is
# August to October 2026.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]

MONTHS = {8: [3, 10, 17, 24, 31], 9: [7, 14, 21, 28], 10: [5, 12, 19, 26]}  # Mondays


@pytest.fixture
def cycle():
    return SopCycle.objects.create(month=date(2026, 11, 1))


def check(cycle, number):
    return diagnostic_evaluate(cycle=cycle).checks[number - 1]


# 10: the previous month's cycle signed off


def test_check_10_flips_when_last_months_cycle_is_signed_off(cycle, executive):
    assert check(cycle, 10).evidence == "No S&OP cycle was held for October 2026."
    october = SopCycle.objects.create(month=date(2026, 10, 1))
    result = check(cycle, 10)
    assert (result.answer, result.evidence) == (
        False,
        "The S&OP cycle of October 2026 was not signed off.",
    )
    october.signed_off_at = timezone.now() - timedelta(days=20)
    october.signed_off_by = executive
    october.save()
    result = check(cycle, 10)
    assert result.answer is True
    assert "signed off by test-executive on 2026-11-05" in result.evidence


def test_check_10_wants_the_month_just_before(cycle, executive):
    SopCycle.objects.create(
        month=date(2026, 9, 1), signed_off_at=timezone.now(), signed_off_by=executive
    )
    assert check(cycle, 10).answer is False


# 11 and 12: changes through approvals by another person, audited


@pytest.fixture
def policy():
    return make_policy(make_item(), make_location())


def test_checks_11_and_12_flip_when_a_change_goes_through_an_approval(
    cycle, policy, planner, manager
):
    """A policy loaded without a user is the ERP's baseline: no change yet."""
    assert (check(cycle, 11).answer, check(cycle, 12).answer) == (False, False)
    proposal = proposal_from_recommendation(
        user=planner, recommendation=make_recommendation(policy.item, policy.location)
    )
    proposal_approve(proposal=proposal, user=manager)
    eleven, twelve = check(cycle, 11), check(cycle, 12)
    assert eleven.answer is True
    assert "1 policy change(s) in the last 90 days; 1 proposal(s) approved, 1 of them" in (
        eleven.evidence
    )
    assert twelve.answer is True and "each naming who made it" in twelve.evidence


def test_check_11_says_no_to_a_change_without_a_proposal(cycle, policy, manager):
    policy.reorder_point = 35
    audited(policy, manager, "Edited by hand.").save()
    result = check(cycle, 11)
    assert result.answer is False
    assert "1 change(s) came without an approved proposal" in result.evidence
    assert check(cycle, 12).answer is True  # audited all the same


def test_check_12_says_no_to_a_change_without_a_user_or_without_a_history_row(
    cycle, policy, planner, manager
):
    proposal = proposal_from_recommendation(
        user=planner, recommendation=make_recommendation(policy.item, policy.location)
    )
    proposal_approve(proposal=proposal, user=manager)
    assert check(cycle, 12).answer is True
    InventoryPolicy.objects.filter(pk=policy.pk).update(
        safety_stock=99, updated_at=timezone.now()
    )  # a write that skips the history
    result = check(cycle, 12)
    assert result.answer is False and "1 polic(ies) changed without a history row" in (
        result.evidence
    )
    InventoryPolicy.objects.filter(pk=policy.pk).update(updated_at=timezone.now() - timedelta(1))
    policy.refresh_from_db()
    policy.save()  # a history row, but nobody named
    result = check(cycle, 12)
    assert result.answer is False and "1 history row(s) name no user" in result.evidence


def test_changes_before_the_audit_window_do_not_count(cycle, policy, planner, manager):
    proposal = proposal_from_recommendation(
        user=planner, recommendation=make_recommendation(policy.item, policy.location)
    )
    proposal_approve(proposal=proposal, user=manager)
    old = timezone.now() - timedelta(days=91)
    InventoryPolicy.history.update(history_date=old)
    type(proposal).objects.update(decided_at=old)
    assert check(cycle, 11).answer is False


# 13–15: KPI trends, August against October 2026


def snapshots(location, by_month: dict[int, dict]) -> None:
    """One snapshot cell per Monday of each month given, with that month's components."""
    for month, values in by_month.items():
        for day in MONTHS[month]:
            KpiSnapshot.objects.create(
                period_start=date(2026, month, day),
                location=location,
                sku_locations=1,
                computed_at=timezone.now(),
                **values,
            )


def steady(**changes) -> dict:
    """A week: 100 demanded, 95 shipped, inventory 1,000 at cost, cost of goods 95."""
    week = {
        "demand_units": 100,
        "shipped_units": 95,
        "inventory_value": 1000,
        "cogs_value": 95,
        "demand_periods": 10,
    }
    return week | changes


def test_check_13_flips_when_fill_rate_rises_with_turns_held(cycle):
    dc = make_location()
    assert "cover 0 of the 3 months August–October 2026" in check(cycle, 13).evidence
    snapshots(dc, {8: steady(), 9: steady()})
    result = check(cycle, 13)
    assert result.answer is False and "cover 2 of the 3 months" in result.evidence
    snapshots(dc, {10: steady(shipped_units=98, cogs_value=98)})
    result = check(cycle, 13)
    assert result.answer is True
    assert "Fill rate 95 % → 98 % (up)" in result.evidence


def test_check_13_takes_less_than_half_a_point_as_flat(cycle):
    dc = make_location()
    snapshots(dc, {8: steady(), 9: steady(), 10: steady(shipped_units=94.6, cogs_value=94.6)})
    result = check(cycle, 13)
    assert result.answer is True
    assert "Fill rate 95 % → 94.6 % (flat)" in result.evidence


def test_check_13_says_no_when_fill_rate_falls_or_turns_drop(cycle):
    north, south = make_location("N"), make_location("S")
    snapshots(north, {8: steady(), 9: steady(), 10: steady(shipped_units=94, cogs_value=94)})
    assert check(cycle, 13).answer is False  # 95 % -> 94 %: beyond half a point
    KpiSnapshot.objects.all().delete()
    snapshots(south, {8: steady(), 9: steady(), 10: steady(inventory_value=1200)})
    result = check(cycle, 13)
    assert result.answer is False  # turns down by a sixth
    assert "(down)" in result.evidence


def test_check_14_flips_when_shortages_trend_down(cycle):
    dc = make_location()
    # August: 2 stock-out weeks in 10, 50 on backorder, 2 expedites a week (10 in 5 weeks).
    august = steady(stockout_periods=2, backorder_units=50, expedite_count=2)
    snapshots(dc, {8: august, 9: august, 10: august})
    assert check(cycle, 14).answer is False  # flat is not downward
    KpiSnapshot.objects.filter(period_start__month=10).update(
        stockout_periods=1, backorder_units=40
    )  # expedites stay at 2 a week: four weeks in October, not a rise
    result = check(cycle, 14)
    assert result.answer is True
    assert "Expedites 2.0 → 2.0 a week (flat)" in result.evidence


def test_check_14_says_no_when_one_of_them_rises(cycle):
    dc = make_location()
    august = steady(stockout_periods=2, backorder_units=50, expedite_count=1)
    october = steady(stockout_periods=1, backorder_units=40, expedite_count=2)
    snapshots(dc, {8: august, 9: august, 10: october})
    assert check(cycle, 14).answer is False


def test_check_15_flips_when_excess_obsolete_and_cash_trend_down(cycle):
    dc = make_location()
    august = steady(excess_value=300, obsolete_value=50, in_transit_value=200)
    snapshots(dc, {8: august, 9: august, 10: steady(excess_value=320, obsolete_value=50)})
    assert check(cycle, 15).answer is False  # excess up
    KpiSnapshot.objects.filter(period_start__month=10).update(excess_value=250)
    result = check(cycle, 15)
    assert result.answer is True
    assert "Working capital in inventory 1,200 → 1,000 (down)" in result.evidence


def test_kpi_checks_read_the_users_scope(cycle):
    north, south = make_location("N"), make_location("S")
    snapshots(north, {8: steady(), 9: steady(), 10: steady(shipped_units=98, cogs_value=98)})
    from governance.selectors import LocationScope

    mine = LocationScope(whole_network=False, location_ids=frozenset({south.pk}))
    result = diagnostic_evaluate(cycle=cycle, scope=mine).checks[12]
    assert result.answer is False and "in your scope cover 0 of the 3 months" in result.evidence


def test_outcomes_use_complete_months_before_the_cycle(cycle):
    """November's own weeks (the cycle's month, still running) are not in the window."""
    dc = make_location()
    snapshots(dc, {8: steady(), 9: steady(), 10: steady(shipped_units=98, cogs_value=98)})
    KpiSnapshot.objects.create(
        period_start=date(2026, 11, 2),
        location=dc,
        demand_units=100,
        shipped_units=10,
        computed_at=datetime(2026, 11, 9, tzinfo=timezone.get_current_timezone()),
    )
    assert check(cycle, 13).answer is True
