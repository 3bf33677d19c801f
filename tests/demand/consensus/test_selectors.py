"""Reads of the consensus plan: versions per period, the plan in force, promotions, history
and the overrides' audit trail, in a fixed number of queries."""

from datetime import date, timedelta

from demand.choices import ForecastKind
from demand.consensus.selectors import consensus_plan, override_history, promotions_in_scope
from demand.consensus.services import override_decide, override_submit
from demand.models import Forecast, Promotion
from tests.demand.consensus.conftest import MONDAY, WEEKS
from tests.factories import make_demand, make_item, make_location

TODAY = date(2026, 11, 25)


def _forecast(sku, week, kind, as_of, quantity):
    item, location = sku
    Forecast.objects.create(
        item=item, location=location, period_start=week, kind=kind, as_of=as_of, quantity=quantity
    )


def test_each_period_takes_each_versions_latest_and_the_consensus_in_force(
    sku, django_assert_num_queries
):
    item, location = sku
    _forecast(sku, WEEKS[0], ForecastKind.SALES, MONDAY - timedelta(days=7), 130.0)
    _forecast(sku, WEEKS[0], ForecastKind.SALES, MONDAY, 140.0)
    _forecast(sku, WEEKS[1], ForecastKind.CONSENSUS, TODAY, 150.0)
    _forecast(sku, WEEKS[2], ForecastKind.CONSENSUS, TODAY + timedelta(days=1), 999.0)  # ahead
    Promotion.objects.create(item=item, location=location, start=WEEKS[3], end=WEEKS[3], uplift=2)
    Promotion.objects.create(item=item, location=make_location("DC-2"), start=WEEKS[3],
                             end=WEEKS[3], uplift=3)  # fmt: skip
    make_demand(item, location, period_start=MONDAY - timedelta(weeks=1), quantity=95)
    make_demand(item, location, period_start=MONDAY - timedelta(weeks=30), quantity=5)  # older
    with django_assert_num_queries(5):
        plan = consensus_plan(item=item, location=location)
    rows = [
        (p.start, p.statistical, p.lower, p.upper, p.sales, p.consensus, p.plan)
        for p in plan.periods
    ]
    assert rows == [
        (WEEKS[0], 100.0, 80.0, 120.0, 140.0, None, 100.0),
        (WEEKS[1], 100.0, 80.0, 120.0, None, 150.0, 150.0),
        (WEEKS[2], 100.0, 80.0, 120.0, None, None, 100.0),
        (WEEKS[3], 100.0, 80.0, 120.0, None, None, 100.0),
    ]
    assert [[p.uplift for p in period.promotions] for period in plan.periods] == [[], [], [], [2]]
    assert plan.history == [(MONDAY - timedelta(weeks=1), 95.0)]


def test_without_forecasts_the_plan_has_weekly_periods_over_the_horizon(db, pinned_now):
    item, location = make_item(), make_location()
    plan = consensus_plan(item=item, location=location)
    assert len(plan.periods) == 26
    assert plan.periods[0].start == MONDAY
    assert plan.periods[-1].start == MONDAY + timedelta(weeks=25)
    assert all(p.plan is None for p in plan.periods)


def test_the_override_history_shows_who_and_what_changed(planner, manager, sku):
    item, location = sku
    override = override_submit(
        user=planner, item=item, location=location, period_start=WEEKS[1], quantity=500.0,
        rationale="Tender.",
    )  # fmt: skip
    override_decide(user=manager, override=override, approve=False, comment="Too high.")
    newest, first = override_history(item=item, location=location)
    assert (first.who, first.status, first.rationale, first.changes) == (
        planner.username,
        "Awaiting approval",
        "Tender.",
        [],
    )
    assert (newest.who, newest.status, newest.reason) == (
        manager.username,
        "Rejected",
        "Rejected: Too high.",
    )
    assert newest.changes == [
        ("Status", "pending", "rejected"),
        ("Decision comment", "", "Too high."),
    ]


def test_promotions_in_scope_include_those_of_every_location(
    sku, ungranted_planner, elsewhere_manager
):
    item, location = sku
    everywhere = Promotion.objects.create(item=item, start=WEEKS[1], end=WEEKS[2], uplift=1.2)
    here = Promotion.objects.create(
        item=item, location=location, start=WEEKS[1], end=WEEKS[2], uplift=1.5
    )
    assert set(promotions_in_scope(user=elsewhere_manager)) == {everywhere}
    assert list(promotions_in_scope(user=ungranted_planner)) == []  # fails closed
    assert here not in promotions_in_scope(user=elsewhere_manager)
