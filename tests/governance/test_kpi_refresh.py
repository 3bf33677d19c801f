"""KPI refreshes: who may start one, the default weeks, progress and outcome recorded on the
refresh, failures kept with their error, the django-q2 task and manage.py kpi_snapshots."""

import threading
from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, connections

from governance.choices import KpiRefreshStatus
from governance.kpis.models import KpiRefresh, KpiSnapshot
from governance.kpis.services import kpi_refresh_start, kpi_snapshots_compute
from governance.kpis.tasks import kpi_refresh_task
from inventory.models import InventoryPosition
from tests.factories import make_item, make_location
from tests.governance.kpi_example import W, kpi_network  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_now(settings, django_capture_on_commit_callbacks):
    """Queued work runs in this process when the caller's transaction commits."""
    settings.RUNS_SYNC = True

    def start(**kwargs) -> KpiRefresh:
        with django_capture_on_commit_callbacks(execute=True):
            refresh = kpi_refresh_start(**kwargs)
        refresh.refresh_from_db()
        return refresh

    return start


@pytest.mark.usefixtures("kpi_network")
def test_manager_computes_every_week_with_positions(run_now, manager):
    refresh = run_now(user=manager)
    assert (refresh.first_period, refresh.last_period) == (W[0], W[3])
    assert refresh.status == KpiRefreshStatus.SUCCEEDED
    assert (refresh.periods_done, refresh.periods_total, refresh.cells_written) == (4, 4, 15)
    assert refresh.started_by == manager and refresh.finished_at >= refresh.started_at
    assert KpiSnapshot.objects.count() == 15


@pytest.mark.usefixtures("kpi_network")
def test_a_range_is_taken_to_whole_weeks(run_now, manager):
    refresh = run_now(user=manager, first=date(2026, 1, 14), last=date(2026, 1, 21))
    assert (refresh.first_period, refresh.last_period, refresh.periods_total) == (W[1], W[2], 2)
    assert set(KpiSnapshot.objects.values_list("period_start", flat=True)) == {W[1], W[2]}


@pytest.mark.usefixtures("kpi_network")
def test_planners_and_executives_may_not_recompute(planner, executive):
    for user in (planner, executive):
        with pytest.raises(PermissionDenied):
            kpi_refresh_start(user=user)
    assert not KpiRefresh.objects.exists()


def test_nothing_to_compute_or_a_reversed_range(manager):
    with pytest.raises(ValidationError, match="no stock positions"):
        kpi_refresh_start(user=manager)
    with pytest.raises(ValidationError, match="before the first"):
        kpi_refresh_start(user=manager, first=W[2], last=W[0])


def test_a_failure_is_recorded(run_now, manager):
    # An item id too large to pack with its location and week into one 64-bit key.
    item, location = make_item("HUGE", id=2**58), make_location("X")
    InventoryPosition.objects.create(item=item, location=location, as_of=W[0], on_hand=1)
    refresh = run_now(user=manager)
    assert refresh.status == KpiRefreshStatus.FAILED
    assert "too large" in refresh.error and refresh.finished_at is not None
    assert not KpiSnapshot.objects.exists()


@pytest.mark.usefixtures("kpi_network")
def test_the_task_runs_a_queued_refresh(manager):
    refresh = kpi_refresh_start(user=manager, first=W[3], last=W[3])
    assert refresh.status == KpiRefreshStatus.QUEUED
    assert kpi_refresh_task(refresh.pk) == f"KPI refresh #{refresh.pk}: succeeded, 3 cells"


@pytest.mark.usefixtures("kpi_network")
def test_command_computes_or_queues():
    out = StringIO()
    call_command("kpi_snapshots", "--sync", "--first", "2026-01-05", stdout=out)
    assert "succeeded: 2026-01-05 to 2026-01-26 (4 weeks), 15 cells" in out.getvalue()
    call_command("kpi_snapshots", stdout=out)
    assert KpiRefresh.objects.latest("pk").status == KpiRefreshStatus.QUEUED
    assert "queued: 2026-01-05 to 2026-01-26" in out.getvalue()


def test_command_reports_bad_input():
    with pytest.raises(CommandError, match="no stock positions"):
        call_command("kpi_snapshots", "--sync")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("kpi_network")
def test_concurrent_refreshes_of_the_same_weeks():
    failures = []

    def compute() -> None:
        try:
            kpi_snapshots_compute(first=W[0], last=W[3])
        except Exception as error:  # the assertion below reports it
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=compute) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert KpiSnapshot.objects.count() == 15  # one copy of each week's cells
