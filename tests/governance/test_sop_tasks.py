"""The scorecard's evidence kept fresh by a django-q2 schedule (governance.sop.tasks): the
task reads the open cycles' evidence and the backlog afresh into the shared cache, where the
pages find them, and migrate leaves the schedule in place."""

from datetime import date

import pytest
from django_q.models import Schedule

from governance.selectors import LocationScope
from governance.sop import tasks
from governance.sop.diagnostic import EVIDENCE_MAX_AGE, diagnostic_evidence
from governance.sop.scorecard import BACKLOG_MAX_AGE, exception_backlog, kpi_trends
from governance.sop.services import sop_cycle_open, sop_cycle_sign_off
from tests.factories import make_exception, make_item, make_location

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]
WHOLE = LocationScope(whole_network=True)


def test_the_schedule_exists_after_migrate():
    schedule = Schedule.objects.get(name=tasks.SCHEDULE_NAME)
    assert schedule.func == tasks.SCHEDULE_TASK
    assert schedule.schedule_type == Schedule.MINUTES
    assert schedule.minutes == tasks.SCHEDULE_MINUTES
    # Refreshed more often than the pages' reuse windows, so pages find them fresh.
    assert min(EVIDENCE_MAX_AGE, BACKLOG_MAX_AGE) > tasks.SCHEDULE_MINUTES * 60


def test_the_task_keeps_the_open_cycles_evidence_trends_and_the_backlog_for_the_pages(
    executive, django_assert_max_num_queries
):
    cycle = sop_cycle_open(month=date(2026, 11, 1), user=executive)
    assert "1 open cycle(s)" in tasks.scorecard_evidence_task()
    kept = diagnostic_evidence(cycle=cycle, scope=WHOLE, max_age=EVIDENCE_MAX_AGE)
    make_exception(make_item(), make_location())  # counted only when the backlog is read afresh
    with django_assert_max_num_queries(0):  # all from the shared cache
        assert diagnostic_evidence(cycle=cycle, scope=WHOLE, max_age=EVIDENCE_MAX_AGE) == kept
        assert len(kpi_trends(scope=WHOLE, month=cycle.month, max_age=BACKLOG_MAX_AGE)) == 7
        assert exception_backlog(scope=WHOLE, max_age=BACKLOG_MAX_AGE)["count"] == 0
    tasks.scorecard_evidence_task()
    assert exception_backlog(scope=WHOLE, max_age=BACKLOG_MAX_AGE)["count"] == 1
    assert diagnostic_evidence(cycle=cycle, scope=WHOLE, max_age=EVIDENCE_MAX_AGE) != kept


def test_signed_off_cycles_are_still_refreshed_closed_ones_are_not(executive):
    cycle = sop_cycle_open(month=date(2026, 11, 1), user=executive)
    sop_cycle_sign_off(cycle=cycle, user=executive, note="ok", version=cycle.version)
    assert "1 open cycle(s)" in tasks.scorecard_evidence_task()
