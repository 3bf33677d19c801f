"""The Runs pages: list and start form, run detail, progress JSON, cancel, operations view."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.choices import ExceptionKind, ExceptionStatus, Severity
from governance.models import PlanningException
from governance.selectors import LocationScope
from inventory.choices import BatchStatus, PolicyStatus, RunStatus, RunTrigger
from inventory.models import Location
from inventory.runs.log import run_log
from inventory.runs.models import PolicyRun, RunBatch
from inventory.runs.scope import RunScope
from inventory.runs.selectors import exception_backlog, policy_staleness, run_daily_stats
from tests.factories import make_item, make_location, make_policy

WHOLE_NETWORK = LocationScope(whole_network=True)

pytestmark = pytest.mark.django_db

RUNS = reverse("inventory:runs")
OPERATIONS = reverse("inventory:runs-operations")


def make_run(status: str = RunStatus.RUNNING, batches: list[str] = (), **fields) -> PolicyRun:
    """A run over the whole network with one batch of 10 SKU-locations per given status."""
    run = PolicyRun.objects.create(
        status=status,
        scope=RunScope().as_json(),
        parameters={"history_periods": 104},
        algorithm_version="test",
        total_batches=len(batches),
        total_rows=10 * len(batches),
        started_at=fields.pop("started_at", timezone.now()),
        **fields,
    )
    RunBatch.objects.bulk_create(
        RunBatch(
            run=run,
            number=number,
            item_from=number * 10,
            item_to=number * 10 + 9,
            rows=10,
            status=batch_status,
            recommendations=10 if batch_status == BatchStatus.SUCCEEDED else 0,
            exceptions=3 if batch_status == BatchStatus.SUCCEEDED else 0,
        )
        for number, batch_status in enumerate(batches, start=1)
    )
    return run


def run_url(name: str, run: PolicyRun) -> str:
    return reverse(f"inventory:{name}", args=[run.pk])


@pytest.fixture
def demo_network():
    call_command(
        "load_demo", "--skus", "20", "--locations", "3", "--weeks", "30", "--seed", "1",
        stdout=StringIO(),
    )  # fmt: skip


# --- Access -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["runs", "runs-operations", "run-detail", "run-progress"])
def test_anonymous_users_are_sent_to_login(client, name):
    url = reverse(f"inventory:{name}", args=[make_run().pk] if name.startswith("run-") else [])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_cancel_is_sent_to_login_and_changes_nothing(client):
    run = make_run(batches=[BatchStatus.QUEUED])
    assert client.post(run_url("run-cancel", run)).status_code == 302
    run.refresh_from_db()
    assert not run.cancel_requested


def test_a_user_without_the_permission_gets_403_everywhere(client, no_role_user):
    run = make_run(batches=[BatchStatus.QUEUED])
    client.force_login(no_role_user)
    for url in (RUNS, OPERATIONS, run_url("run-detail", run), run_url("run-progress", run)):
        assert client.get(url).status_code == 403, url
    assert client.post(RUNS, {"history_periods": 52}).status_code == 403
    assert client.post(run_url("run-cancel", run)).status_code == 403
    assert PolicyRun.objects.count() == 1 and not PolicyRun.objects.get().cancel_requested


def test_executive_sees_runs_but_can_neither_start_nor_cancel(client, executive):
    run = make_run(batches=[BatchStatus.QUEUED])
    client.force_login(executive)
    page = client.get(RUNS).content.decode()
    assert f">#{run.pk}</a>" in page
    assert 'name="history_periods"' not in page and "Start a run" not in page
    assert '<a href="/runs/" aria-current="page">Runs</a>' in page
    assert '<a href="/runs/operations/">Operations</a>' in page
    assert client.post(RUNS, {"history_periods": 52}).status_code == 403
    assert PolicyRun.objects.count() == 1
    detail = client.get(run_url("run-detail", run)).content.decode()
    assert "Cancel run" not in detail
    assert client.post(run_url("run-cancel", run)).status_code == 403


def test_navigation_links_to_runs_only_for_users_who_may_see_them(client, planner):
    client.force_login(planner)
    page = client.get(reverse("inventory:network")).content.decode()
    assert '<a href="/runs/">Runs</a>' in page
    assert '<a href="/runs/operations/">Operations</a>' in page


# --- Starting a run -----------------------------------------------------------------------


def test_planner_starts_a_run_and_lands_on_its_finished_detail_page(
    client, planner, settings, demo_network, django_capture_on_commit_callbacks
):
    settings.RUNS_SYNC = True
    client.force_login(planner)
    form = client.get(RUNS).content.decode()
    assert 'name="csrfmiddlewaretoken"' in form and 'value="CZ"' in form
    location = Location.objects.order_by("code").first()
    assert f'value="{location.code}"' in form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            RUNS,
            {
                "locations": [location.code],
                "segments": ["AX", "AY", "AZ", "BX", "BY", "BZ", "CX", "CY", "CZ"],
                "description": "Weekly check",
                "history_periods": 26,
                "review_period": 1,
                "holding_rate": 0.2,
                "batch_size": 8,
            },
        )
    run = PolicyRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run_url("run-detail", run)
    assert run.status == RunStatus.SUCCEEDED and run.actor == planner
    assert run.parameters["history_periods"] == 26 and run.parameters["batch_size"] == 8
    assert run.total_rows == 20 and run.total_batches == 3  # 20 SKUs at one location, 8 a batch

    detail = client.get(response["Location"])
    text = detail.content.decode()
    assert detail.status_code == 200
    assert '<span class="badge status-succeeded">Succeeded</span>' in text
    assert (
        '<span data-field="done_rows">20</span> / <span data-field="total_rows">20</span>' in text
    )
    assert f"locations: {location.code}" in text and "Weekly check" in text
    assert text.count('<span class="badge status-succeeded">') == 1 + 3  # run + batches
    assert "Content hash" in text and run.snapshot["content_hash"] in text
    assert f"/runs/{run.pk}/recommendations/" in text and f"/runs/{run.pk}/exceptions/" in text
    assert "Finished: succeeded." in text
    assert "Cancel run" not in text  # finished

    listing = client.get(RUNS).content.decode()
    assert "100 %" in listing and f"locations: {location.code}" in listing


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("history_periods", 1, "1 is outside [4, 520]."),
        ("batch_size", 0, "0 is outside [1, 1000000]."),
        ("holding_rate", "lots", "Enter a number."),
    ],
)
def test_bad_input_is_shown_on_its_field_and_starts_nothing(client, planner, field, value, message):
    client.force_login(planner)
    response = client.post(RUNS, {field: value})
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert f'<ul class="errorlist" id="id_{field}_error"><li>{message}</li></ul>' in (
        response.content.decode()
    )
    assert not PolicyRun.objects.exists()


def test_an_unknown_location_is_refused_by_the_form(client, planner):
    make_location("DC-1")
    client.force_login(planner)
    response = client.post(RUNS, {"locations": ["DC-9"]})
    assert "locations" in response.context["form"].errors
    assert not PolicyRun.objects.exists()


def test_a_scope_error_from_the_service_lands_on_its_field():
    from inventory.runs.forms import RunStartForm
    from inventory.runs.scope import ScopeError

    form = RunStartForm(data={}, locations=Location.objects.none())
    assert form.is_valid()
    form.add_service_error(ScopeError("categories: no item has category 'X'."))
    form.add_service_error(ScopeError("sku_locations (SKU): unknown 'A'."))
    assert form.errors["categories"] == ["no item has category 'X'."]
    assert form.non_field_errors() == ["sku_locations (SKU): unknown 'A'."]


def test_an_overlapping_active_run_is_shown_as_a_conflict(client, planner):
    make_location("DC-1")
    other = make_run(batches=[BatchStatus.RUNNING])
    client.force_login(planner)
    response = client.post(RUNS, {"locations": ["DC-1"], "history_periods": 52})
    text = response.content.decode()
    assert response.status_code == 200
    assert '<div class="form-alert" role="alert">' in text
    assert f"Run #{other.pk} (running) already covers some of these SKU-locations" in text
    assert PolicyRun.objects.count() == 1


# --- Detail, progress and cancel ----------------------------------------------------------


def test_detail_shows_batches_timings_and_polls_while_active(client, planner):
    run = make_run(
        batches=[BatchStatus.SUCCEEDED, BatchStatus.FAILED, BatchStatus.RUNNING],
        timings={"plan": 0.5},
        snapshot={"sku_locations": 30, "positions_as_of": "2026-11-23"},
    )
    RunBatch.objects.filter(run=run, number=1).update(
        timings={"read": 0.2, "compute": 0.1, "write": 0.2}
    )
    RunBatch.objects.filter(run=run, number=2).update(error="ValueError: boom <b>")
    run_log(run, "Planned 30 SKU-locations in 3 batches.")
    client.force_login(planner)
    text = client.get(run_url("run-detail", run)).content.decode()
    assert f'data-progress-url="{run_url("run-progress", run)}"' in text
    assert 'data-active="true"' in text and "js/runs.js" in text
    assert '<progress id="run-progress" max="100" value="66.7"' in text
    assert "ValueError: boom &lt;b&gt;" in text  # escaped
    stages = text[text.index("Stage timings") : text.index("Batches</h2>")]
    rows = [cells.split('<td class="num">')[1:] for cells in stages.split("<tr><td>")[1:]]
    assert [[cell.split("<")[0] for cell in row] for row in rows] == [
        ["0.500", "30", "60"],  # plan: 30 SKU-locations in 0.5 s
        ["0.200", "10", "50"],  # read, compute, write: the one timed batch of 10
        ["0.100", "10", "100"],
        ["0.200", "10", "50"],
    ]
    assert "Positions as of" in text and "2026-11-23" in text
    assert "Cancel run" in text and "onclick" not in text and "<script>" not in text


def test_progress_json_gives_counts_and_only_new_log_lines(client, executive):
    run = make_run(
        batches=[
            BatchStatus.SUCCEEDED,
            BatchStatus.SUCCEEDED,
            BatchStatus.FAILED,
            BatchStatus.RUNNING,
        ]
    )
    run_log(run, "first")
    run_log(run, "second", level="warning", batch=3)
    first = run.log_entries.get(message="first")
    client.force_login(executive)
    data = client.get(run_url("run-progress", run), {"after": first.pk}).json()
    assert data["status"] == "running" and data["status_display"] == "Running"
    assert data["active"] is True and data["cancel_requested"] is False
    assert (data["done_batches"], data["total_batches"], data["failed_batches"]) == (3, 4, 1)
    assert (data["done_rows"], data["total_rows"], data["percent"]) == (30, 40, 75.0)
    assert (data["recommendations"], data["exceptions"]) == (20, 6)
    assert [(e["message"], e["level"], e["batch"]) for e in data["log"]] == [
        ("second", "warning", 3)
    ]
    everything = client.get(run_url("run-progress", run), {"after": "junk"}).json()
    assert [e["message"] for e in everything["log"]] == ["first", "second"]
    assert client.get(reverse("inventory:run-progress", args=[run.pk + 99])).status_code == 404


def test_planner_cancels_an_active_run(client, planner):
    run = make_run(batches=[BatchStatus.QUEUED, BatchStatus.QUEUED])
    client.force_login(planner)
    assert client.get(run_url("run-cancel", run)).status_code == 405
    response = client.post(run_url("run-cancel", run), follow=True)
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.cancel_requested
    assert set(run.batches.values_list("status", flat=True)) == {BatchStatus.CANCELLED}
    text = response.content.decode()
    assert f"Cancel requested for run #{run.pk}." in text
    assert '<span class="badge status-cancelled">Cancelled</span>' in text
    assert "Cancel requested by test-planner." in text and "Cancel run" not in text
    again = client.post(run_url("run-cancel", run), follow=True)
    assert "had already finished" in again.content.decode()


def test_a_run_with_a_batch_still_running_stays_active_after_cancel(client, planner):
    run = make_run(batches=[BatchStatus.RUNNING, BatchStatus.QUEUED])
    client.force_login(planner)
    text = client.post(run_url("run-cancel", run), follow=True).content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.cancel_requested
    assert '<span class="badge status-running">Running</span>' in text
    assert "Cancel run" not in text  # asked once is enough
    assert '<p class="cancel-note" data-field="cancel_requested">Cancel requested' in text
    assert client.get(run_url("run-progress", run)).json()["cancel_requested"] is True


def test_output_links_open_the_admin_changelists_filtered_by_the_run(client, manager):
    run = make_run(RunStatus.SUCCEEDED, batches=[BatchStatus.SUCCEEDED])
    client.force_login(manager)
    text = client.get(run_url("run-detail", run)).content.decode()
    for url in (
        f"/admin/inventory/policyrecommendation/?run__id__exact={run.pk}",
        f"/admin/governance/planningexception/?last_run__id__exact={run.pk}",
    ):
        assert f'href="{url}"' in text
        response = client.get(url)
        assert response.status_code == 200, url  # an unknown filter redirects with ?e=1


def test_detail_of_a_missing_run_is_404(client, planner):
    client.force_login(planner)
    assert client.get(reverse("inventory:run-detail", args=[12345])).status_code == 404


# --- List ---------------------------------------------------------------------------------


def test_list_shows_each_runs_figures_and_pages_by_25(client, planner):
    finished = make_run(
        RunStatus.PARTIALLY_FAILED,
        batches=[BatchStatus.SUCCEEDED, BatchStatus.SUCCEEDED, BatchStatus.FAILED],
        trigger=RunTrigger.SCHEDULE,
        description="Monthly review run",
    )
    PolicyRun.objects.filter(pk=finished.pk).update(
        finished_at=finished.started_at + timedelta(seconds=192)
    )
    client.force_login(planner)
    text = client.get(RUNS).content.decode()
    row = text[text.index(f">#{finished.pk}</a>") :].split("</tr>")[0]
    assert '<span class="badge status-partially_failed">Partially failed</span>' in row
    assert '<td title="The monthly schedule">Schedule</td>' in row and "Monthly review run" in row
    assert "whole network" in row and "3 min 12 s" in row
    assert '<td class="num">30</td>' in row and "100 %" in row
    assert '<td class="num">20</td>' in row and '<td class="num">6</td>' in row

    for _ in range(25):
        make_run(RunStatus.SUCCEEDED)
    first, second = client.get(RUNS), client.get(RUNS, {"page": 2})
    assert len(first.context["page"].object_list) == 25
    assert [r.pk for r in second.context["page"].object_list] == [finished.pk]
    assert "Page 2 of 2 (26 runs)" in second.content.decode()


def test_list_and_detail_queries_do_not_grow_with_runs_or_batches(
    client, planner, django_assert_max_num_queries
):
    client.force_login(planner)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    make_location("DC-1")
    make_item("SKU-1", category="Tools")
    small_run = make_run(batches=[BatchStatus.SUCCEEDED])
    run_log(small_run, "one line")
    few_list, few_detail = queries(RUNS), queries(run_url("run-detail", small_run))
    for _ in range(30):
        make_run(batches=[BatchStatus.SUCCEEDED] * 3)
    big_run = make_run(batches=[BatchStatus.SUCCEEDED] * 40)
    for number in range(20):
        run_log(big_run, f"line {number}", batch=number)
    assert queries(RUNS) == few_list
    assert queries(run_url("run-detail", big_run)) == few_detail
    with django_assert_max_num_queries(12):
        client.get(RUNS)
    with django_assert_max_num_queries(12):
        client.get(run_url("run-detail", big_run))
    with django_assert_max_num_queries(7):  # session, user, 2 permissions, run, batches, log
        client.get(run_url("run-progress", big_run))


# --- Operations ---------------------------------------------------------------------------


@pytest.fixture
def operations_history():
    """Hand-built runs, exceptions and policies with known figures (ages relative to now)."""
    now = timezone.now()

    def run(days_ago: float, status: str, seconds: float | None) -> None:
        created = now - timedelta(days=days_ago)
        record = make_run(status)
        PolicyRun.objects.filter(pk=record.pk).update(
            created_at=created,
            started_at=created,
            finished_at=None if seconds is None else created + timedelta(seconds=seconds),
        )

    run(2, RunStatus.SUCCEEDED, 60)
    run(2, RunStatus.FAILED, 120)
    run(2, RunStatus.PARTIALLY_FAILED, 300)
    run(1, RunStatus.SUCCEEDED, 10)
    run(1, RunStatus.RUNNING, None)
    run(100, RunStatus.FAILED, 5)  # outside the 90-day window

    item, other = make_item("SKU-1"), make_item("SKU-2")
    dc, store = make_location("DC-1"), make_location("ST-1", location_type="store")

    def exception(kind, severity, status, days_ago, item=item, location=dc) -> None:
        record = PlanningException.objects.create(
            kind=kind,
            severity=severity,
            status=status,
            item=item,
            location=location,
            batch_number=1,
            due_date=date(2026, 1, 1),
        )
        PlanningException.objects.filter(pk=record.pk).update(
            created_at=now - timedelta(days=days_ago)
        )

    exception(ExceptionKind.STOCKOUT_RISK, Severity.HIGH, ExceptionStatus.OPEN, 2)
    exception(ExceptionKind.STOCKOUT_RISK, Severity.MEDIUM, ExceptionStatus.IN_PROGRESS, 10, other)
    exception(ExceptionKind.DATA_QUALITY, Severity.LOW, ExceptionStatus.OPEN, 40)
    exception(ExceptionKind.EXCESS_RISK, Severity.HIGH, ExceptionStatus.RESOLVED, 40)
    exception(ExceptionKind.EXCESS_RISK, Severity.HIGH, ExceptionStatus.OPEN, 31, other, store)

    today = timezone.localdate()
    make_policy(  # optimized 100 days ago: stale, the oldest
        item,
        dc,
        effective_from=today - timedelta(days=200),
        last_optimized_at=now - timedelta(days=100),
    )
    make_policy(other, dc, effective_from=today - timedelta(days=10))  # fresh, never optimized
    make_policy(  # effective long ago but optimized 5 days ago: fresh
        item,
        store,
        effective_from=today - timedelta(days=300),
        last_optimized_at=now - timedelta(days=5),
    )
    make_policy(  # an old retired policy does not count
        other, store, effective_from=today - timedelta(days=500), status=PolicyStatus.RETIRED
    )
    return now


def test_operations_selectors_against_hand_computed_figures(
    operations_history, django_assert_num_queries
):
    now = operations_history
    with django_assert_num_queries(1):
        days = run_daily_stats(days=90, now=now)
    assert [d.day for d in days] == [
        timezone.localdate(now - timedelta(days=2)),
        timezone.localdate(now - timedelta(days=1)),
    ]
    older, newer = days
    assert (older.runs, older.finished, older.failed) == (3, 3, 2)
    assert older.failed_share == pytest.approx(2 / 3)
    assert older.median_duration_seconds == pytest.approx(120)
    assert (newer.runs, newer.finished, newer.failed, newer.failed_share) == (2, 1, 0, 0)
    assert newer.median_duration_seconds == pytest.approx(10)

    with django_assert_num_queries(1):
        staleness = policy_staleness(scope=WHOLE_NETWORK, max_age_days=90)
    assert (staleness.active, staleness.stale, staleness.oldest_age_days) == (3, 1, 100)

    with django_assert_num_queries(2):
        backlog = exception_backlog(scope=WHOLE_NETWORK, now=now)
    by_kind = {row["kind"]: row for row in backlog.by_kind}
    assert by_kind["Stock-out risk"] == {
        "kind": "Stock-out risk", "recent": 1, "week": 1, "month": 0, "total": 2
    }  # fmt: skip
    assert by_kind["Data quality"]["month"] == 1 and by_kind["Excess risk"]["month"] == 1
    assert by_kind["Large policy change"]["total"] == 0
    assert backlog.by_severity == [
        {"severity": "High", "count": 2},
        {"severity": "Medium", "count": 1},
        {"severity": "Low", "count": 1},
    ]
    assert backlog.total == 4


def test_operations_page_shows_the_figures_and_charts(client, manager, operations_history):
    client.force_login(manager)
    text = client.get(OPERATIONS).content.decode()
    assert '<div class="tile" data-figure="runs"><span class="value">5</span>' in text
    assert 'data-figure="failed-share"><span class="value">50 %</span>' in text  # 2 of 4
    assert 'data-figure="stale"><span class="value">1 / 3</span>' in text
    assert 'data-figure="oldest"><span class="value">100 d</span>' in text
    assert 'data-figure="backlog"><span class="value">4</span>' in text
    assert '<tr><td>Stock-out risk</td><td class="num">1</td><td class="num">1</td>' in text
    assert '<tr><td>High</td><td class="num">2</td></tr>' in text
    assert "67 %" in text and "2 min 0 s" in text  # the day two days ago
    for chart in ("duration-chart", "failure-chart", "backlog-chart"):
        assert f'data-plotly="{chart}"' in text and f'id="{chart}"' in text
    assert "vendor/plotly/plotly.min.js" in text and "js/charts.js" in text


def test_operations_page_works_with_nothing_loaded(client, planner):
    client.force_login(planner)
    text = client.get(OPERATIONS).content.decode()
    assert "No runs in the last 90 days." in text
    assert 'data-figure="oldest"><span class="value">—</span>' in text


def test_operations_queries_do_not_grow_with_history(
    client, planner, operations_history, django_assert_max_num_queries
):
    client.force_login(planner)
    with CaptureQueriesContext(connection) as before:
        client.get(OPERATIONS)
    for days_ago in range(40):
        run = make_run(RunStatus.SUCCEEDED, batches=[BatchStatus.SUCCEEDED])
        created = timezone.now() - timedelta(days=days_ago, hours=1)
        PolicyRun.objects.filter(pk=run.pk).update(
            created_at=created, started_at=created, finished_at=created + timedelta(minutes=3)
        )
    with CaptureQueriesContext(connection) as after:
        client.get(OPERATIONS)
    assert len(after) == len(before)
    with django_assert_max_num_queries(10):
        client.get(OPERATIONS)


def test_the_exception_rules_a_run_applied_read_as_words():
    from inventory.runs.views import rules_text

    rules = {
        "data_quality": {"enabled": True, "min_money_at_risk": 0.0, "min_relative_change": 0.0},
        "excess_risk": {"enabled": False, "min_money_at_risk": 50.0, "min_relative_change": 0.0},
        "large_policy_change": {
            "enabled": True,
            "min_money_at_risk": 250.0,
            "min_relative_change": 0.5,
        },
        "stockout_risk": {"enabled": True, "min_money_at_risk": 1500.0, "min_relative_change": 0},
    }
    assert rules_text(rules) == (
        "Data quality: always; Excess risk: off; Large policy change: from 250 at risk and "
        "safety stock change of 50% or more; Stock-out risk: from 1,500 at risk"
    )
