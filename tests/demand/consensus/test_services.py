"""The consensus plan's writes (demand.consensus.services): rationale, tolerance, approval,
superseding, scope, versions and the audit trail."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from demand.choices import ForecastKind, OverrideStatus
from demand.consensus.services import (
    OverrideConflict,
    beyond_tolerance,
    override_decide,
    override_submit,
    overrides_submit,
)
from demand.models import Forecast, ForecastOverride
from governance.services import location_scope_grant
from tests.demand.consensus.conftest import MONDAY, WEEKS

TODAY = date(2026, 11, 25)


def _submit(user, sku, quantity, period=WEEKS[1], rationale="Tender won for December."):
    item, location = sku
    return override_submit(
        user=user,
        item=item,
        location=location,
        period_start=period,
        quantity=quantity,
        rationale=rationale,
    )


def _consensus(sku) -> list[tuple[date, date, float]]:
    rows = Forecast.objects.filter(kind=ForecastKind.CONSENSUS, item=sku[0], location=sku[1])
    return list(rows.values_list("period_start", "as_of", "quantity"))


@pytest.mark.parametrize("rationale", ["", "   \n\t"])
def test_an_override_without_a_rationale_is_refused_and_nothing_saved(planner, sku, rationale):
    with pytest.raises(ValidationError) as refused:
        _submit(planner, sku, 110.0, rationale=rationale)
    assert "rationale" in refused.value.message_dict
    assert not ForecastOverride.objects.exists()
    assert _consensus(sku) == []


def test_within_tolerance_is_approved_at_once_and_becomes_the_consensus(planner, sku):
    override = _submit(planner, sku, 115.0)  # |115 - 100| = 15 <= 0.20 * 100
    assert override.baseline == 100.0  # the latest statistical forecast, not the older 90
    assert override.status == OverrideStatus.APPROVED
    assert override.needs_approval is False
    assert _consensus(sku) == [(WEEKS[1], TODAY, 115.0)]


def test_beyond_tolerance_waits_for_a_manager_and_writes_no_consensus(planner, sku):
    override = _submit(planner, sku, 1000.0)
    assert (override.status, override.needs_approval) == (OverrideStatus.PENDING, True)
    assert _consensus(sku) == []


@pytest.mark.parametrize(
    ("quantity", "baseline", "beyond"),
    [
        (120.0, 100.0, False),  # exactly 20 % above
        (80.0, 100.0, False),  # exactly 20 % below
        (120.5, 100.0, True),
        (79.0, 100.0, True),
        (0.0, None, False),  # no baseline: only 0 is within
        (1.0, None, True),
        (1.0, 0.0, True),
        (0.0, 0.0, False),
    ],
)
def test_the_tolerance_is_a_share_of_the_baseline(quantity, baseline, beyond):
    assert beyond_tolerance(quantity, baseline, 0.20) is beyond


def test_a_period_without_a_baseline_needs_approval(planner, sku):
    override = _submit(planner, sku, 5.0, period=MONDAY + timedelta(weeks=10))
    assert override.baseline is None
    assert override.status == OverrideStatus.PENDING


def test_quantity_and_period_are_checked_naming_the_field(planner, sku):
    with pytest.raises(ValidationError) as negative:
        _submit(planner, sku, -1.0)
    assert list(negative.value.message_dict) == ["quantity"]
    with pytest.raises(ValidationError) as past:
        _submit(planner, sku, 10.0, period=MONDAY - timedelta(weeks=1))
    assert list(past.value.message_dict) == ["period_start"]


def test_the_current_week_may_be_overridden(planner, sku):
    assert _submit(planner, sku, 100.0, period=MONDAY).status == OverrideStatus.APPROVED


def test_several_periods_are_saved_all_or_none(planner, sku):
    item, location = sku
    with pytest.raises(ValidationError):
        overrides_submit(
            user=planner,
            item=item,
            location=location,
            quantities={WEEKS[1]: 110.0, WEEKS[2]: -5.0},
            rationale="Promotion.",
        )
    assert not ForecastOverride.objects.exists()
    made = overrides_submit(
        user=planner,
        item=item,
        location=location,
        quantities={WEEKS[2]: 500.0, WEEKS[1]: 110.0},
        rationale="Promotion.",
    )
    assert [(o.period_start, o.status) for o in made] == [
        (WEEKS[1], OverrideStatus.APPROVED),
        (WEEKS[2], OverrideStatus.PENDING),
    ]


def test_a_manager_approves_and_the_consensus_is_written(planner, manager, sku):
    override = _submit(planner, sku, 1000.0)
    decided = override_decide(
        user=manager, override=override, approve=True, comment="Tender confirmed.", version=1
    )
    assert decided.status == OverrideStatus.APPROVED
    assert (decided.decided_by, decided.version) == (manager, 2)
    assert _consensus(sku) == [(WEEKS[1], TODAY, 1000.0)]


def test_a_rejection_needs_a_comment_and_writes_nothing(planner, manager, sku):
    override = _submit(planner, sku, 1000.0)
    with pytest.raises(ValidationError) as refused:
        override_decide(user=manager, override=override, approve=False, comment=" ")
    assert "comment" in refused.value.message_dict
    decided = override_decide(user=manager, override=override, approve=False, comment="No.")
    assert decided.status == OverrideStatus.REJECTED
    assert _consensus(sku) == []


def test_nobody_decides_their_own_override(manager, other_manager, sku):
    override = _submit(manager, sku, 1000.0)
    with pytest.raises(PermissionDenied, match="your own"):
        override_decide(user=manager, override=override, approve=True)
    override_decide(user=other_manager, override=override, approve=True)
    assert _consensus(sku) == [(WEEKS[1], TODAY, 1000.0)]


def test_planners_may_not_decide(planner, sku, django_user_model):
    override = _submit(planner, sku, 1000.0)
    with pytest.raises(PermissionDenied, match="manager role"):
        override_decide(user=planner, override=override, approve=True)


def test_a_stale_version_or_a_decided_override_is_a_conflict(planner, manager, sku):
    override = _submit(planner, sku, 1000.0)
    with pytest.raises(OverrideConflict, match="changed since"):
        override_decide(user=manager, override=override, approve=True, version=7)
    override_decide(user=manager, override=override, approve=True, version=1)
    with pytest.raises(OverrideConflict, match="already approved"):
        override_decide(user=manager, override=override, approve=False, comment="No.", version=2)


def test_scope_is_enforced_on_both_sides(ungranted_planner, planner, elsewhere_manager, sku):
    with pytest.raises(PermissionDenied, match="not in your scope"):
        _submit(ungranted_planner, sku, 110.0)
    location_scope_grant(user=ungranted_planner, locations=[sku[1]])
    ungranted_planner._location_scope = None  # the scope is cached per user object
    assert _submit(ungranted_planner, sku, 110.0).status == OverrideStatus.APPROVED
    override = _submit(planner, sku, 1000.0)
    with pytest.raises(PermissionDenied, match="not in your scope"):
        override_decide(user=elsewhere_manager, override=override, approve=True)


def test_a_later_override_supersedes_the_pending_one(planner, manager, sku):
    first = _submit(planner, sku, 1000.0)
    second = _submit(planner, sku, 900.0)
    first.refresh_from_db()
    assert (first.status, first.version) == (OverrideStatus.SUPERSEDED, 2)
    assert second.status == OverrideStatus.PENDING
    with pytest.raises(OverrideConflict):
        override_decide(user=manager, override=first, approve=True, version=1)
    third = _submit(planner, sku, 105.0)  # within tolerance: approved, the 900 superseded
    second.refresh_from_db()
    assert (second.status, third.status) == (OverrideStatus.SUPERSEDED, OverrideStatus.APPROVED)


def test_a_submission_on_a_stale_pending_version_is_refused(planner, sku):
    item, location = sku
    _submit(planner, sku, 1000.0)
    with pytest.raises(OverrideConflict):
        override_submit(
            user=planner,
            item=item,
            location=location,
            period_start=WEEKS[1],
            quantity=800.0,
            rationale="Revised.",
            base_version=5,
        )
    assert ForecastOverride.objects.count() == 1


def test_a_second_approval_the_same_day_replaces_the_days_consensus(planner, sku):
    _submit(planner, sku, 110.0)
    _submit(planner, sku, 90.0)
    assert _consensus(sku) == [(WEEKS[1], TODAY, 90.0)]


def test_every_change_is_in_the_history_with_who_and_why(planner, manager, sku):
    override = _submit(planner, sku, 1000.0, rationale="Tender won for December.")
    override_decide(user=manager, override=override, approve=True, comment="Confirmed.")
    rows = list(override.history.order_by("history_id"))
    assert [(r.history_user, r.status, r.rationale) for r in rows] == [
        (planner, OverrideStatus.PENDING, "Tender won for December."),
        (manager, OverrideStatus.APPROVED, "Tender won for December."),
    ]
    assert rows[0].history_change_reason == "Submitted for approval: Tender won for December."
    assert rows[1].history_change_reason == "Approved: Confirmed."
