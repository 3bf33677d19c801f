"""A real browser starts a run from the Runs page and watches a running one update live."""

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from governance.services import location_scope_grant
from inventory.choices import BatchStatus, RunStatus
from inventory.runs.log import run_log
from inventory.runs.models import PolicyRun, RunBatch
from inventory.runs.scope import RunScope
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PASSWORD = "pw-12345-x"


@pytest.fixture
def planner_page(page, live_server, django_user_model):
    """The browser page, logged in as a planner."""
    user = django_user_model.objects.create_user(username="b-planner", password=PASSWORD)
    user.groups.add(Group.objects.get(name="planner"))
    location_scope_grant(user=user, whole_network=True)
    return log_in(page, live_server, user.username, PASSWORD)


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_planner_starts_a_run_and_sees_it_succeed(planner_page, live_server, settings):
    settings.RUNS_SYNC = True
    call_command(
        "load_demo", "--skus", "20", "--locations", "3", "--weeks", "30", "--seed", "1",
        stdout=StringIO(),
    )  # fmt: skip
    page = planner_page
    page.click("nav >> text=Runs")
    page.wait_for_selector("h2:has-text('Start a run')")
    assert page.locator("nav a[aria-current=page]").inner_text() == "Runs"
    screenshot(page, "runs-list-empty")
    page.select_option("#id_locations", index=0)
    page.check("input[name=segments][value=AX]")
    page.check("input[name=segments][value=BY]")
    page.fill("#id_history_periods", "26")
    page.fill("#id_description", "From the browser")
    page.click("button:has-text('Start run')")

    page.wait_for_selector("h1:has-text('Run #')")
    run = PolicyRun.objects.get()
    assert page.url == f"{live_server.url}/runs/{run.pk}/"
    assert page.locator("h1 .badge").inner_text() == "Succeeded"
    assert page.locator(".messages").inner_text() == f"Run #{run.pk} started."
    batches = run.total_batches
    assert (
        page.locator("#progress-text").inner_text() == f"100.0 % · {batches} of {batches} batches"
    )
    assert page.locator("#run-progress").get_attribute("value") == "100.0"
    assert page.locator(".batches-table tbody tr").count() == run.total_batches
    assert "Finished: succeeded." in page.locator("#run-log").inner_text()
    assert page.locator("button:has-text('Cancel run')").count() == 0
    screenshot(page, "run-detail-succeeded")

    page.click(".crumbs >> text=Runs")
    row = page.locator(".runs-table tbody tr").first
    assert row.locator(".badge").inner_text() == "Succeeded"
    assert "From the browser" in row.inner_text() and "100 %" in row.inner_text()
    screenshot(page, "runs-list")


def _running_run() -> PolicyRun:
    run = PolicyRun.objects.create(
        status=RunStatus.RUNNING,
        scope=RunScope().as_json(),
        parameters={"history_periods": 104},
        algorithm_version="test",
        started_at=timezone.now(),
        total_batches=4,
        total_rows=40,
    )
    RunBatch.objects.bulk_create(
        RunBatch(run=run, number=n, item_from=n, item_to=n, rows=10) for n in range(1, 5)
    )
    RunBatch.objects.filter(run=run, number=1).update(status=BatchStatus.SUCCEEDED)
    run_log(run, "Planned 40 SKU-locations in 4 batches.")
    return run


def test_detail_page_follows_a_running_run_without_reloading(planner_page, live_server):
    run = _running_run()
    page = planner_page
    progress_requests = []
    page.on("request", lambda r: progress_requests.append(r.url) if "/progress/" in r.url else None)
    page.goto(f"{live_server.url}/runs/{run.pk}/")
    progress = page.locator("#progress-text")
    assert progress.inner_text() == "25.0 % · 1 of 4 batches"
    assert page.locator("h1 .badge").inner_text() == "Running"
    page.evaluate("window.notReloaded = true")

    RunBatch.objects.filter(run=run, number__in=[2, 3]).update(
        status=BatchStatus.SUCCEEDED, recommendations=10, exceptions=2
    )
    run_log(run, "Batch three is done.", batch=3)
    # expect() polls without evaluating strings, which the page's CSP (no unsafe-eval) forbids.
    expect(progress).to_have_text("75.0 % · 3 of 4 batches", timeout=10_000)
    assert page.locator("[data-field=recommendations]").inner_text() == "20"
    assert page.locator("#run-log li").last.inner_text().endswith("batch 3 Batch three is done.")
    screenshot(page, "run-detail-running")

    RunBatch.objects.filter(run=run, number=4).update(status=BatchStatus.FAILED)
    PolicyRun.objects.filter(pk=run.pk).update(
        status=RunStatus.PARTIALLY_FAILED, finished_at=timezone.now()
    )
    run_log(run, "Finished: partially failed; 1 batch(es) failed.", level="warning")
    expect(page.locator("h1 .badge")).to_have_text("Partially failed", timeout=10_000)
    assert progress.inner_text() == "100.0 % · 4 of 4 batches"
    assert page.locator("h1 .badge").get_attribute("class") == "badge status-partially_failed"
    assert page.locator("[data-field=failed_batches]").inner_text() == "1"
    assert page.locator("#run-log li").count() == 3
    assert page.locator("button:has-text('Cancel run')").is_hidden()
    assert page.locator("[data-field=finished_note]").is_visible()
    assert page.evaluate("window.notReloaded") is True  # updated in place
    polls = len(progress_requests)
    page.wait_for_timeout(4_500)  # two more intervals: polling has stopped
    assert len(progress_requests) == polls
    screenshot(page, "run-detail-finished-live")
