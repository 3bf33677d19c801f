"""End to end in a real browser: a planner opens a SKU-location's demand plan (a run's
recommendation and statistical forecasts in the database), types a quantity far beyond the
baseline with a rationale, sees the policy preview's reorder point move before submitting,
submits, finds the override in the history awaiting approval; a manager approves it on the
overrides page and the period's consensus is written."""

import pytest
from django.contrib.auth.models import Group

from demand.choices import ForecastKind, OverrideStatus
from demand.consensus.forms import cell_name
from demand.models import Forecast, ForecastOverride
from governance.services import location_scope_grant
from tests.browser.conftest import log_in
from tests.browser.test_runs_page import screenshot
from tests.demand.consensus.conftest import MONDAY, busiest_planned, demo_run_start

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("pinned_now"),
]
PASSWORD = "pw-12345-x"


def _user(django_user_model, name: str, role: str):
    user = django_user_model.objects.create_user(
        username=name, password=PASSWORD, is_staff=role == "manager"
    )
    user.groups.add(Group.objects.get(name=role))
    location_scope_grant(user=user, whole_network=True)
    return user


def test_override_with_preview_then_approval(browser, live_server, django_user_model, settings):
    settings.RUNS_SYNC = True
    demo_run_start()
    rec, baseline = busiest_planned()
    planner = _user(django_user_model, "plan-planner", "planner")
    manager = _user(django_user_model, "plan-manager", "manager")
    far = round(baseline * 20, 1)

    page = log_in(browser.new_context().new_page(), live_server, planner.username, PASSWORD)
    page.goto(f"{live_server.url}/sku-locations/{rec.item_id}/{rec.location_id}/")
    page.click("a:has-text('Demand plan')")
    page.wait_for_selector(f"h1:has-text('Demand plan: {rec.item.sku}')")
    page.wait_for_selector(".chart .main-svg")  # plotly drew the chart
    cell = page.locator(f"input[name='{cell_name(MONDAY)}']")
    assert float(cell.input_value()) == baseline
    reorder_point = page.locator("[data-preview='reorder_point']")
    before = reorder_point.inner_text()

    cell.fill(str(far))
    page.wait_for_function(
        "([selector, before]) => document.querySelector(selector).textContent !== before",
        arg=["[data-preview='reorder_point']", before],
    )
    after = reorder_point.inner_text()
    assert float(after.replace(",", "")) > float(before.replace(",", ""))
    assert "not saved" in page.locator("[data-preview-status]").inner_text()
    assert not ForecastOverride.objects.exists()  # the preview saves nothing
    screenshot(page, "consensus-preview")

    page.click("button:has-text('Submit the changed periods')")  # no rationale yet
    page.wait_for_selector(".field-rationale .errorlist")
    assert "rationale" in page.locator(".field-rationale .errorlist").inner_text()
    assert not ForecastOverride.objects.exists()
    page.fill("#id_rationale", "Key account tender: a one-off order in the current week.")
    page.click("button:has-text('Submit the changed periods')")
    page.wait_for_selector(".messages")
    assert "await a manager's approval" in page.locator(".messages").inner_text()
    history = page.locator(".override-history li").first.inner_text()
    assert "Awaiting approval" in history and "Key account tender" in history
    assert planner.username in history

    admin = log_in(browser.new_context().new_page(), live_server, manager.username, PASSWORD)
    admin.goto(f"{live_server.url}/forecasts/overrides/")
    row = admin.locator(".overrides-table tbody tr").first
    assert "Key account tender" in row.inner_text() and "+1,900 %" in row.inner_text()
    row.locator("button:has-text('Approve')").click()
    admin.wait_for_selector(".messages")
    assert "approved" in admin.locator(".messages").inner_text()
    screenshot(admin, "consensus-approved")

    override = ForecastOverride.objects.get()
    assert (override.status, override.decided_by) == (OverrideStatus.APPROVED, manager)
    consensus = Forecast.objects.get(kind=ForecastKind.CONSENSUS, item=rec.item)
    assert (consensus.period_start, consensus.quantity) == (MONDAY, far)
