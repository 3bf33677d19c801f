"""The diagnostic as a whole (governance.sop.diagnostic): the seed's RAG rule at its
boundaries, the maturity bands, an empty database, a bounded number of queries, the scope."""

import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.proposals import proposal_approve, proposal_from_recommendation
from governance.selectors import LocationScope
from governance.sop.diagnostic import (
    CHECKS,
    EVIDENCE_MAX_AGE,
    diagnostic_evaluate,
    maturity_level,
    rag_for,
)
from governance.sop.models import DiagnosticAnswer, SopCycle
from inventory.choices import LeadTimeBasis
from inventory.models import PolicyRun
from tests.factories import (
    make_item,
    make_location,
    make_policy,
    make_recommendation,
    make_supplier,
    make_supplier_lane,
)


@pytest.mark.parametrize(
    ("share", "rag"),
    [
        (0.0, "red"),
        (0.39, "red"),
        (0.40, "amber"),
        (0.79, "amber"),
        (0.80, "green"),
        (1.0, "green"),
    ],
)
def test_rag_rule_at_its_boundaries(share, rag):
    assert rag_for(share) == rag


def test_rag_of_an_areas_three_checks():
    assert [rag_for(score / 3) for score in range(4)] == ["red", "red", "amber", "green"]


@pytest.mark.parametrize(
    ("score", "level", "label"),
    [
        (0, 1, "Transactional / static settings"),
        (5, 1, "Transactional / static settings"),
        (6, 2, "Partial optimization"),
        (11, 2, "Partial optimization"),
        (12, 3, "Mature optimization foundation"),
        (15, 3, "Mature optimization foundation"),
    ],
)
def test_maturity_bands(score, level, label):
    found, found_label, actions = maturity_level(score)
    assert (found, found_label) == (level, label)
    assert len(actions) == 3


def test_each_level_has_the_seeds_actions():
    assert maturity_level(3)[2][0].startswith("Implement baseline safety stock")
    assert maturity_level(8)[2][1].startswith("Enforce constraint-aware recommendations")
    assert maturity_level(14)[2][2].startswith("Track financial outcomes in S&OP")


@pytest.mark.parametrize("score", [-1, 16])
def test_a_score_outside_the_checks_is_refused(score):
    with pytest.raises(ValueError, match="0 to 15"):
        maturity_level(score)


def test_fifteen_checks_three_per_area_in_the_seeds_order():
    assert [spec.number for spec in CHECKS] == list(range(1, 16))
    areas = [spec.area for spec in CHECKS]
    assert [areas[i : i + 3] for i in range(0, 15, 3)] == [[a] * 3 for a in dict.fromkeys(areas)]


@pytest.fixture
def cycle(db, pinned_now):
    return SopCycle.objects.create(month=date(2026, 11, 1))


def test_an_empty_database_scores_level_one_with_every_check_explained(cycle):
    diagnostic = diagnostic_evaluate(cycle=cycle)
    assert len(diagnostic.checks) == 15 and len(diagnostic.areas) == 5
    assert (diagnostic.score, diagnostic.level) == (0, 1)
    assert diagnostic.level_label == "Transactional / static settings"
    assert diagnostic.unanswered == [5, 8, 9]  # where no data may be legitimate: a person says
    assert all(check.evidence for check in diagnostic.checks)
    assert [area.rag for area in diagnostic.areas] == ["red"] * 5
    assert {check.source for check in diagnostic.checks} == {"evidence", "unanswered"}
    json.dumps(diagnostic.as_json())  # what a sign-off stores


def test_manual_answers_score_where_evidence_is_impossible_only(cycle, executive):
    for number in (1, 5, 8, 9):  # 1 has evidence (no policy: no); 5, 8, 9 have none
        DiagnosticAnswer.objects.create(
            cycle=cycle, check_number=number, answer=True, note="Seen.", answered_by=executive
        )
    diagnostic = diagnostic_evaluate(cycle=cycle)
    assert diagnostic.score == 3 and diagnostic.unanswered == []
    by_number = {check.number: check for check in diagnostic.checks}
    assert (by_number[1].answer, by_number[1].source) == (False, "evidence")
    assert (by_number[5].answer, by_number[5].source) == (True, "manual")
    supply = diagnostic.areas[2]
    assert (supply.label, supply.score, supply.rag) == ("Supply Constraints", 2, "amber")
    stored = diagnostic.as_json()["checks"][4]
    assert stored["manual"]["by"] == "test-executive" and stored["source"] == "manual"


def network(size: int, planner, manager, code: str = "DC-1") -> None:
    """``size`` SKU-locations at location ``code`` with policies set by accepted
    recommendations of one run, on constrained lanes."""
    dc, supplier = make_location(code), make_supplier(f"SUP-{code}")
    run = PolicyRun.objects.create(algorithm_version="test", status="succeeded")
    for n in range(size):
        item = make_item(f"{code}-SKU-{n}")
        make_policy(item, dc)
        lane = make_supplier_lane(supplier, item, dc, moq=10)
        rec = make_recommendation(
            item, dc, run=run, demand_sd=3.0, lead_time_sd=1.0,
            lead_time_basis=LeadTimeBasis.ACTUAL, supplier_lane=lane, binding_constraint="moq",
        )  # fmt: skip
        proposal = proposal_from_recommendation(user=planner, recommendation=rec)
        proposal_approve(proposal=proposal, user=manager)


def queries(cycle) -> int:
    with CaptureQueriesContext(connection) as captured:
        diagnostic_evaluate(cycle=cycle)
    return len(captured.captured_queries)


def test_the_same_number_of_queries_for_few_and_many_rows(cycle, planner, manager):
    network(2, planner, manager)
    few = queries(cycle)
    network(12, planner, manager, code="DC-2")
    assert queries(cycle) == few
    assert few <= 25


def test_evidence_is_read_within_the_scope(cycle, planner, manager):
    network(2, planner, manager)
    whole = diagnostic_evaluate(cycle=cycle).checks[0]
    assert (whole.answer, "2 of 2 active policies" in whole.evidence) == (True, True)
    nothing = LocationScope(whole_network=False)
    scoped = diagnostic_evaluate(cycle=cycle, scope=nothing).checks[0]
    assert scoped.answer is False and scoped.evidence.startswith("No active policy")


def test_pages_may_reuse_recent_evidence_but_read_manual_answers_afresh(
    cycle, executive, pinned_now
):
    first = diagnostic_evaluate(cycle=cycle, max_age=EVIDENCE_MAX_AGE)
    make_policy(make_item(), make_location())
    DiagnosticAnswer.objects.create(
        cycle=cycle, check_number=5, answer=True, note="Promo calendar.", answered_by=executive
    )
    reused = diagnostic_evaluate(cycle=cycle, max_age=EVIDENCE_MAX_AGE)
    assert reused.evaluated_at == first.evaluated_at
    assert reused.checks[0].evidence.startswith("No active policy")
    assert reused.checks[4].source == "manual"

    fresh = diagnostic_evaluate(cycle=cycle)  # a sign-off reads afresh
    assert "0 of 1 active policies" in fresh.checks[0].evidence
    assert diagnostic_evaluate(cycle=cycle, max_age=60).evaluated_at == fresh.evaluated_at
    pinned_now.shift(61)
    assert diagnostic_evaluate(cycle=cycle, max_age=60).evaluated_at > fresh.evaluated_at


def test_kept_evidence_is_never_shared_between_scopes(cycle, planner, manager):
    network(2, planner, manager)
    diagnostic_evaluate(cycle=cycle, max_age=EVIDENCE_MAX_AGE)
    nothing = LocationScope(whole_network=False)
    scoped = diagnostic_evaluate(cycle=cycle, scope=nothing, max_age=EVIDENCE_MAX_AGE)
    assert scoped.checks[0].evidence.startswith("No active policy")
