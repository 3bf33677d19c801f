"""Checks 1–9 of the diagnostic (governance.sop.diagnostic): each flips from no (or no
evidence) to yes when its evidence appears."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from demand.choices import ForecastKind
from demand.models import Forecast
from governance.proposals import proposal_approve, proposal_from_recommendation
from governance.sop.diagnostic import diagnostic_evaluate
from governance.sop.models import DiagnosticAnswer, SopCycle
from inventory.choices import LeadTimeBasis, PolicySource, RunStatus
from inventory.models import InventoryPolicy, PolicyRun
from supply.models import LaneLeadTimeActual
from tests.factories import (
    make_item,
    make_location,
    make_policy,
    make_recommendation,
    make_supplier,
    make_supplier_lane,
)

# The cycle is November 2026; tests.clock.PINNED_NOW is 25 November 2026.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]


@pytest.fixture
def cycle():
    return SopCycle.objects.create(month=date(2026, 11, 1))


def check(cycle, number):
    """The check as the diagnostic evaluates it (whole network)."""
    return diagnostic_evaluate(cycle=cycle).checks[number - 1]


def new_run(**fields) -> PolicyRun:
    return PolicyRun.objects.create(algorithm_version="test", status=RunStatus.SUCCEEDED, **fields)


def accept(planner, manager, recommendation) -> InventoryPolicy:
    """The planner proposes the recommendation as is; the manager approves it."""
    proposal = proposal_from_recommendation(user=planner, recommendation=recommendation)
    return proposal_approve(proposal=proposal, user=manager)


# 1: policies computed from demand and lead-time variability


def test_check_1_flips_when_the_policy_takes_a_recommendation_with_both_deviations(
    cycle, planner, manager
):
    item, dc = make_item(), make_location()
    make_policy(item, dc)
    assert check(cycle, 1).answer is False
    assert "0 of 1 active policies (0 %)" in check(cycle, 1).evidence

    rec = make_recommendation(
        item, dc, demand_sd=4.0, lead_time_sd=1.5, lead_time_basis=LeadTimeBasis.ACTUAL
    )
    accept(planner, manager, rec)
    result = check(cycle, 1)
    assert (result.answer, result.source) == (True, "evidence")
    assert "1 of 1 active policies (100 %)" in result.evidence


def test_check_1_does_not_count_a_promised_lead_time(cycle, planner, manager):
    """A promised lead time means too few receipts: the engine assumed no lead-time spread."""
    item, dc = make_item(), make_location()
    make_policy(item, dc)
    rec = make_recommendation(
        item, dc, demand_sd=4.0, lead_time_sd=0.0, lead_time_basis=LeadTimeBasis.PROMISED
    )
    policy = accept(planner, manager, rec)
    assert policy.policy_source == PolicySource.SYSTEM
    assert check(cycle, 1).answer is False


def test_check_1_reads_the_approval_of_the_current_version_only(cycle, planner, manager):
    """An override approved after an accepted recommendation sets the values now."""
    item, dc = make_item(), make_location()
    make_policy(item, dc)
    kept = {"demand_sd": 4.0, "lead_time_sd": 1.5, "lead_time_basis": LeadTimeBasis.ACTUAL}
    accept(planner, manager, make_recommendation(item, dc, **kept))
    assert check(cycle, 1).answer is True
    override = proposal_from_recommendation(
        user=planner,
        recommendation=make_recommendation(item, dc, **kept),
        overrides={"reorder_point": 45.0, "min_level": 45.0},
        justification="Launch.",
    )
    proposal_approve(proposal=override, user=manager)
    assert check(cycle, 1).answer is False


# 2: reorder points refreshed on a cadence


def test_check_2_flips_when_an_optimization_refreshes_the_policies(cycle, planner, manager):
    item, dc = make_item(), make_location()
    make_policy(item, dc, last_optimized_at=timezone.now() - timedelta(days=60))
    result = check(cycle, 2)
    assert result.answer is False
    assert "scheduled monthly" in result.evidence  # the schedule the migrations create

    accept(planner, manager, make_recommendation(item, dc))
    result = check(cycle, 2)
    assert result.answer is True
    assert "1 of 1 active policies (100 %) were set by an optimization" in result.evidence


def test_check_2_needs_the_run_schedule(cycle, planner, manager):
    item, dc = make_item(), make_location()
    make_policy(item, dc)
    accept(planner, manager, make_recommendation(item, dc))
    Schedule.objects.filter(func="inventory.runs.tasks.monthly_run_task").update(repeats=0)
    result = check(cycle, 2)
    assert result.answer is False
    assert result.evidence.startswith("No recurring optimization run is scheduled")


# 3: segmented service targets


def test_check_3_flips_when_a_second_service_target_is_in_use(cycle):
    dc = make_location()
    policies = [make_policy(make_item(f"SKU-{n}"), dc) for n in range(3)]
    result = check(cycle, 3)
    assert result.answer is False
    assert "use 1 service target(s)" in result.evidence

    InventoryPolicy.objects.filter(pk=policies[0].pk).update(service_target=0.99)
    result = check(cycle, 3)
    assert result.answer is True
    assert "99 % cycle (1)" in result.evidence and "95 % cycle (2)" in result.evidence


def test_check_3_does_not_count_a_stray_target(cycle):
    """One policy in a hundred at another target (1 % < 2 %) is an override, not a segment."""
    dc = make_location()
    for n in range(100):
        make_policy(make_item(f"SKU-{n}"), dc, service_target=0.99 if n == 0 else 0.95)
    assert check(cycle, 3).answer is False


# 4: forecast error in the last run


def test_check_4_flips_when_the_last_run_takes_sigma_from_forecast_error(cycle):
    dc = make_location()
    items = [make_item(f"SKU-{n}") for n in range(2)]
    old = new_run()
    for item in items:
        make_recommendation(item, dc, run=old, demand_sd=3.0, demand_sd_source="history")
    result = check(cycle, 4)
    assert result.answer is False
    assert f"run #{old.pk}" in result.evidence and "0 of 2 recommendations" in result.evidence

    latest = new_run()
    make_recommendation(items[0], dc, run=latest, demand_sd=3.0, demand_sd_source="history")
    make_recommendation(items[1], dc, run=latest, demand_sd=2.0, demand_sd_source="forecast_error")
    result = check(cycle, 4)
    assert result.answer is True  # half the rows: the threshold
    assert f"run #{latest.pk}" in result.evidence and "1 of 2 recommendations (50 %)" in (
        result.evidence
    )


def test_check_4_reads_whole_network_runs_only(cycle):
    dc = make_location()
    item = make_item()
    make_recommendation(item, dc, run=new_run(), demand_sd=3.0, demand_sd_source="history")
    scoped = new_run(scope={"location_ids": [dc.pk]})
    make_recommendation(item, dc, run=scoped, demand_sd=2.0, demand_sd_source="forecast_error")
    assert check(cycle, 4).answer is False


# 5: promotions and seasonality (manual unless policies are time-phased)


def test_check_5_takes_the_manual_answer_until_policies_are_time_phased(cycle, executive):
    item, dc = make_item(), make_location()
    make_policy(item, dc)
    result = check(cycle, 5)
    assert (result.evidence_answer, result.answer, result.source) == (None, None, "unanswered")
    DiagnosticAnswer.objects.create(
        cycle=cycle, check_number=5, answer=False, note="No promo plan.", answered_by=executive
    )
    result = check(cycle, 5)
    assert (result.answer, result.source) == (False, "manual")

    make_policy(
        make_item("SEASONAL"),
        dc,
        effective_from=date(2026, 10, 1),
        effective_to=date(2027, 3, 1),
    )
    result = check(cycle, 5)
    assert (result.answer, result.source) == (True, "evidence")
    assert result.manual is not None  # still shown, no longer counted
    assert "1 of 2 active policies (50 %) are time-phased" in result.evidence


# 6: consensus plan feeding the last run


def test_check_6_flips_when_a_consensus_plan_feeds_the_last_run(cycle):
    item, dc = make_item(), make_location()
    run = new_run()
    make_recommendation(item, dc, run=run, demand_sd=2.0, demand_sd_source="forecast_error")
    Forecast.objects.create(
        item=item,
        location=dc,
        period_start=date(2026, 10, 5),
        as_of=date(2026, 9, 28),
        kind=ForecastKind.STATISTICAL,
        quantity=10,
    )
    result = check(cycle, 6)
    assert result.answer is False
    assert "cover 0 of 1 recommendations sampled from the 1 whose σ_d" in result.evidence
    assert "issue #14" in result.evidence

    Forecast.objects.create(
        item=item,
        location=dc,
        period_start=date(2026, 10, 5),
        as_of=date(2026, 9, 21),
        kind=ForecastKind.CONSENSUS,
        quantity=11,
    )
    result = check(cycle, 6)
    assert result.answer is True
    assert "cover 1 of 1 recommendations" in result.evidence
    assert "feeds σ_d only" in result.evidence


def test_check_6_says_no_when_the_run_used_no_forecast_error(cycle):
    item, dc = make_item(), make_location()
    make_recommendation(item, dc, run=new_run(), demand_sd=2.0, demand_sd_source="history")
    Forecast.objects.create(
        item=item,
        location=dc,
        period_start=date(2026, 10, 5),
        as_of=date(2026, 9, 21),
        kind=ForecastKind.CONSENSUS,
        quantity=11,
    )
    result = check(cycle, 6)
    assert result.answer is False and "for no recommendation" in result.evidence


def test_check_6_samples_the_run_evenly(cycle, monkeypatch):
    monkeypatch.setattr("governance.sop.diagnostic.forecast.CONSENSUS_SAMPLE", 2)
    dc, run = make_location(), new_run()
    for n in range(4):
        item = make_item(f"SKU-{n}")
        make_recommendation(item, dc, run=run, demand_sd=2.0, demand_sd_source="forecast_error")
        Forecast.objects.create(
            item=item,
            location=dc,
            period_start=date(2026, 10, 5),
            as_of=date(2026, 9, 21),
            kind=ForecastKind.CONSENSUS,
            quantity=11,
        )
    result = check(cycle, 6)
    assert "cover 2 of 2 recommendations sampled from the 4" in result.evidence


def test_check_6_ignores_a_plan_made_after_its_period(cycle):
    item, dc = make_item(), make_location()
    make_recommendation(item, dc, run=new_run(), demand_sd=2.0, demand_sd_source="forecast_error")
    Forecast.objects.create(
        item=item,
        location=dc,
        period_start=date(2026, 10, 5),
        as_of=date(2026, 10, 12),
        kind=ForecastKind.CONSENSUS,
        quantity=11,
    )
    assert check(cycle, 6).answer is False


# 7: lead-time distributions per lane


def actual(lane, *, lines=5, sd=2.0, as_of=date(2026, 11, 20)) -> LaneLeadTimeActual:
    return LaneLeadTimeActual.objects.create(
        lane=lane,
        computed_at=timezone.now(),
        as_of=as_of,
        window_start=as_of - timedelta(days=365),
        received_lines=lines,
        mean_lead_time_days=15.0,
        sd_lead_time_days=sd,
    )


def test_check_7_flips_when_the_lanes_carry_measured_distributions(cycle):
    supplier, dc = make_supplier(), make_location()
    lane = make_supplier_lane(supplier, make_item(), dc)
    assert check(cycle, 7).answer is False
    measured = actual(lane, lines=2)  # too few lines to trust a deviation
    assert check(cycle, 7).answer is False
    measured.delete()
    actual(lane, as_of=date(2026, 6, 1))  # stale: older than a quarter
    assert check(cycle, 7).answer is False
    LaneLeadTimeActual.objects.update(as_of=date(2026, 11, 20))
    result = check(cycle, 7)
    assert result.answer is True
    assert "1 of 1 supplier lanes (100 %)" in result.evidence


# 8: order constraints in the recommendations


def test_check_8_asks_a_person_without_constrained_lanes(cycle):
    make_supplier_lane(make_supplier(), make_item(), make_location())
    result = check(cycle, 8)
    assert (result.evidence_answer, result.source) == (None, "unanswered")


def test_check_8_flips_when_the_last_run_applies_the_lane_constraints(cycle):
    item, dc = make_item(), make_location()
    lane = make_supplier_lane(make_supplier(), item, dc, moq=100, case_pack=12)
    make_recommendation(item, dc, run=new_run(), supplier_lane=lane, binding_constraint="")
    result = check(cycle, 8)
    assert result.answer is False
    assert "0 of 1 recommendations on constrained lanes" in result.evidence

    make_recommendation(item, dc, run=new_run(), supplier_lane=lane, binding_constraint="moq")
    result = check(cycle, 8)
    assert result.answer is True
    assert "raised to the MOQ for 1" in result.evidence


# 9: supplier reliability in the buffers


def test_check_9_flips_when_the_run_buffers_lead_time_variability(cycle):
    item, dc = make_item(), make_location()
    lane = make_supplier_lane(make_supplier(), item, dc)
    assert check(cycle, 9).source == "unanswered"  # no lane whose lead times vary
    actual(lane, sd=3.0)
    common = {"supplier_lane": lane, "demand_mean": 10.0, "safety_stock": 12.0}
    make_recommendation(
        item, dc, run=new_run(), lead_time_basis=LeadTimeBasis.PROMISED, ss_lead_time=0.0, **common
    )
    result = check(cycle, 9)
    assert result.answer is False
    assert "0 of 1 recommendations on lanes whose lead times vary" in result.evidence

    make_recommendation(
        item, dc, run=new_run(), lead_time_basis=LeadTimeBasis.ACTUAL, ss_lead_time=4.0, **common
    )
    assert check(cycle, 9).answer is True


def test_runs_finished_after_the_evidence_moment_do_not_count(cycle):
    """A closed cycle is evaluated at the end of its month: a later run is not its evidence."""
    october = SopCycle.objects.create(
        month=date(2026, 10, 1),
        status="closed",
        signed_off_at=datetime(2026, 11, 2, tzinfo=timezone.get_current_timezone()),
    )
    dc, item = make_location(), make_item()
    make_recommendation(item, dc, run=new_run(), demand_sd=2.0, demand_sd_source="forecast_error")
    assert check(cycle, 4).answer is True
    assert check(october, 4).answer is False
