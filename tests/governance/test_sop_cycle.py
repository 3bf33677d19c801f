"""The S&OP cycle's services (governance.sop.services): opening a month's cycle, the policy
review gate on sign-off and close, executives only for sign-off and the scorecard rows, stale
versions refused, and the audit each step leaves."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from governance.choices import DiagnosticArea, Role, SopCycleStatus
from governance.models import PolicyProposal
from governance.proposals import proposal_from_recommendation, proposal_reject
from governance.services import location_scope_grant
from governance.sop.models import ScorecardArea, SopCycle
from governance.sop.selectors import sop_cycle_open_reviews
from governance.sop.services import (
    SopCycleConflict,
    scorecard_area_update,
    sop_cycle_close,
    sop_cycle_open,
    sop_cycle_sign_off,
)
from tests.factories import make_item, make_location, make_policy, make_recommendation

# The cycle is this month's: "this month" needs a pinned today (2026-11-25).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]
NOVEMBER = date(2026, 11, 1)


@pytest.fixture
def cycle(executive) -> SopCycle:
    return sop_cycle_open(month=NOVEMBER, user=executive)


@pytest.fixture
def proposal(planner) -> PolicyProposal:
    """A policy change proposed now (in November), awaiting a decision."""
    item, location = make_item(), make_location()
    make_policy(item, location)
    return proposal_from_recommendation(
        user=planner, recommendation=make_recommendation(item, location)
    )


def _area(cycle: SopCycle, area: str = DiagnosticArea.SUPPLY) -> ScorecardArea:
    return cycle.areas.get(area=area)


def _edit(area: ScorecardArea, user, **changes) -> ScorecardArea:
    values = {
        "observation": area.observation,
        "decision_needed": area.decision_needed,
        "owner": area.owner,
        "due_date": area.due_date,
    }
    return scorecard_area_update(area=area, user=user, version=area.version, **values | changes)


def test_a_cycle_opens_once_per_month_with_its_five_scorecard_rows(executive, manager):
    cycle = sop_cycle_open(month=date(2026, 11, 17), user=executive)
    assert cycle.month == NOVEMBER and cycle.status == SopCycleStatus.OPEN
    assert sorted(cycle.areas.values_list("area", flat=True)) == sorted(DiagnosticArea.values)
    with pytest.raises(ValidationError, match="November 2026 is already open"):
        sop_cycle_open(month=NOVEMBER, user=manager)
    with pytest.raises(ValidationError, match="December 2026 has not begun"):
        sop_cycle_open(month=date(2026, 12, 1), user=manager)
    assert cycle.history.get().history_user == executive


def test_a_planner_cannot_open_a_cycle(planner):
    with pytest.raises(PermissionDenied):
        sop_cycle_open(month=NOVEMBER, user=planner)
    assert not SopCycle.objects.exists()


def test_open_decisions_carry_over_to_the_next_cycle(executive, manager):
    october = sop_cycle_open(month=date(2026, 10, 1), user=executive)
    due = date(2026, 12, 15)
    _edit(_area(october), executive, decision_needed="Fund the lane study.", owner=manager,
          due_date=due, observation="Lead times vary.")  # fmt: skip
    november = sop_cycle_open(month=NOVEMBER, user=executive)
    carried = _area(november)
    assert (carried.decision_needed, carried.owner, carried.due_date) == (
        "Fund the lane study.",
        manager,
        due,
    )
    assert carried.observation == ""  # a new month's observation is written anew
    assert _area(november, DiagnosticArea.POLICY_LOGIC).decision_needed == ""
    assert "Carried over" in carried.history.get().history_change_reason


def test_open_reviews_are_the_months_proposals_awaiting_a_decision(cycle, proposal, manager):
    assert list(sop_cycle_open_reviews(cycle=cycle)) == [proposal]
    PolicyProposal.objects.filter(pk=proposal.pk).update(
        created_at=proposal.created_at - timedelta(days=40)
    )
    assert not sop_cycle_open_reviews(cycle=cycle).exists()  # October's, not this cycle's
    PolicyProposal.objects.filter(pk=proposal.pk).update(created_at=proposal.created_at)
    proposal_reject(proposal=proposal, user=manager, comment="No.")
    assert not sop_cycle_open_reviews(cycle=cycle).exists()


def test_sign_off_is_refused_while_reviews_are_open_and_names_them(cycle, proposal, executive):
    with pytest.raises(ValidationError) as refused:
        sop_cycle_sign_off(cycle=cycle, user=executive, note="", version=cycle.version)
    text = " ".join(refused.value.messages)
    assert "1 policy change proposed in November 2026 awaits a decision" in text
    assert f"#{proposal.pk}" in text
    cycle.refresh_from_db()
    assert cycle.signed_off_at is None and cycle.version == 1


def test_sign_off_stores_who_when_the_note_and_the_summary(cycle, proposal, executive, manager):
    proposal_reject(proposal=proposal, user=manager, comment="Not now.")
    _edit(_area(cycle), executive, owner=manager, due_date=date(2026, 12, 4),
          decision_needed="Approve safety stock budget.")  # fmt: skip
    signed = sop_cycle_sign_off(cycle=cycle, user=executive, note=" Agreed. ", version=1)
    assert signed.signed_off_by == executive and signed.signed_off_at is not None
    assert signed.sign_off_note == "Agreed." and signed.version == 2
    summary = SopCycle.objects.get(pk=cycle.pk).summary
    assert summary["month"] == "2026-11-01"
    assert set(summary["diagnostic"]) >= {"score", "level", "level_label", "actions"}
    rows = {row["area"]: row for row in summary["rows"]}
    assert list(rows) == list(DiagnosticArea.values)
    supply = rows[DiagnosticArea.SUPPLY]
    assert (supply["owner"], supply["due_date"]) == (manager.get_username(), "2026-12-04")
    assert supply["decision_needed"] == "Approve safety stock budget."
    assert {"rag", "score"} <= set(supply)
    checks = summary["diagnostic"]["checks"]
    assert [check["number"] for check in checks] == list(range(1, 16))
    assert all({"answer", "evidence", "source"} <= set(check) for check in checks)
    assert [chart["title"] for chart in summary["kpis"]][0] == "Fill rate"
    assert summary["backlog"]["count"] == 0
    history = signed.history.first()
    assert (
        history.history_user == executive and history.history_change_reason == "Signed off. Agreed."
    )


@pytest.mark.parametrize("role", ["planner", "manager"])
def test_only_executives_sign_off(request, cycle, role):
    with pytest.raises(PermissionDenied):
        sop_cycle_sign_off(cycle=cycle, user=request.getfixturevalue(role), note="", version=1)
    assert SopCycle.objects.get(pk=cycle.pk).signed_off_at is None


def test_an_executive_without_the_whole_network_cannot_sign_off(cycle, django_user_model):
    user = django_user_model.objects.create_user(username="exec-north")
    user.groups.add(Group.objects.get(name=Role.EXECUTIVE))
    location_scope_grant(user=user, locations=[make_location("DC-N")])
    with pytest.raises(PermissionDenied, match="whole network"):
        sop_cycle_sign_off(cycle=cycle, user=user, note="", version=1)


def test_a_cycle_cannot_close_without_sign_off(cycle, manager):
    with pytest.raises(ValidationError, match="not signed off yet"):
        sop_cycle_close(cycle=cycle, user=manager, version=1)
    assert SopCycle.objects.get(pk=cycle.pk).status == SopCycleStatus.OPEN


def test_a_cycle_cannot_close_with_reviews_proposed_after_sign_off(
    cycle, executive, planner, manager
):
    signed = sop_cycle_sign_off(cycle=cycle, user=executive, note="", version=1)
    item, location = make_item("SKU-LATE"), make_location("DC-LATE")
    late = proposal_from_recommendation(
        user=planner, recommendation=make_recommendation(item, location)
    )
    with pytest.raises(ValidationError, match="cannot be closed: 1 policy change"):
        sop_cycle_close(cycle=cycle, user=manager, version=signed.version)
    assert SopCycle.objects.get(pk=cycle.pk).status == SopCycleStatus.OPEN
    proposal_reject(proposal=late, user=manager, comment="Too late for this cycle.")
    closed = sop_cycle_close(cycle=cycle, user=manager, version=signed.version)
    assert closed.status == SopCycleStatus.CLOSED and closed.closed_by == manager
    assert closed.history.first().history_user == manager
    with pytest.raises(ValidationError, match="already closed"):
        sop_cycle_sign_off(cycle=closed, user=executive, note="", version=closed.version)


def test_a_planner_cannot_close(cycle, executive, planner):
    sop_cycle_sign_off(cycle=cycle, user=executive, note="", version=1)
    with pytest.raises(PermissionDenied):
        sop_cycle_close(cycle=cycle, user=planner, version=2)


def test_stale_versions_are_refused(cycle, executive, manager):
    with pytest.raises(SopCycleConflict, match="version 1 now, 7 read"):
        sop_cycle_sign_off(cycle=cycle, user=executive, note="", version=7)
    sop_cycle_sign_off(cycle=cycle, user=executive, note="", version=1)
    with pytest.raises(SopCycleConflict):
        sop_cycle_close(cycle=cycle, user=manager, version=1)  # read before the sign-off
    area = _area(cycle)
    _edit(area, executive, observation="First.")
    with pytest.raises(SopCycleConflict, match="changed by someone else"):
        _edit(area, executive, observation="Second, from the same old page.")
    assert _area(cycle).observation == "First."


def test_scorecard_rows_are_edited_by_executives_only_and_audited(
    cycle, executive, manager, planner
):
    area = _area(cycle)
    for user in (manager, planner):
        with pytest.raises(PermissionDenied):
            _edit(area, user, observation="Not mine to write.")
    edited = _edit(area, executive, observation="Lanes vary.", decision_needed="Study lanes.",
                   owner=manager, due_date=date(2026, 12, 10))  # fmt: skip
    assert edited.version == 2 and edited.owner == manager
    latest = edited.history.first()
    assert latest.history_user == executive and latest.owner_id == manager.pk
    assert latest.due_date == date(2026, 12, 10) and latest.observation == "Lanes vary."


def test_a_closed_cycles_scorecard_is_final(cycle, executive, manager):
    sop_cycle_sign_off(cycle=cycle, user=executive, note="", version=1)
    sop_cycle_close(cycle=cycle, user=executive, version=2)
    with pytest.raises(ValidationError, match="is closed"):
        _edit(_area(cycle), executive, observation="Too late.")


def test_an_inactive_owner_is_refused(cycle, executive, manager):
    manager.is_active = False
    manager.save()
    with pytest.raises(ValidationError) as refused:
        _edit(_area(cycle), executive, owner=manager)
    assert "owner" in refused.value.error_dict
