"""End to end in a real browser: a planner overrides a recommendation with a justification,
a manager approves it in the admin and publishes it, the export serves it, and the audit
page shows before → after with the reason."""

import json

import pytest
from django.contrib.auth.models import Group

from governance.services import location_scope_grant
from tests.api_helpers import client_for
from tests.browser.conftest import log_in
from tests.browser.test_runs_page import screenshot
from tests.factories import make_item, make_location, make_policy, make_recommendation

# Policies in the factories take effect on 2026-01-05: "in force today" needs a pinned today.
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


def _log_in(browser, live_server, user):
    """A page of its own browser context (its own cookies), logged in as ``user``."""
    return log_in(browser.new_context().new_page(), live_server, user.username, PASSWORD)


def test_override_approve_publish_export_and_audit(browser, live_server, django_user_model):
    item, location = make_item("WIDGET-7"), make_location("DC-1")
    make_policy(item, location)  # reorder point 30, max 80, version 1
    recommendation = make_recommendation(item, location)  # reorder point 40, max 100
    planner = _user(django_user_model, "e2e-planner", "planner")
    manager = _user(django_user_model, "e2e-manager", "manager")

    # The planner overrides the recommendation, with a justification.
    page = _log_in(browser, live_server, planner)
    page.goto(f"{live_server.url}/runs/{recommendation.run_id}/recommendations/")
    page.click("td.handle a:has-text('Propose')")
    page.wait_for_selector("h1:has-text('Propose a policy for WIDGET-7 at DC-1')")
    page.fill("#id_reorder_point", "45")
    page.fill("#id_min_level", "45")
    page.click("button:has-text('Send for approval')")
    assert "justification" in page.locator(".field-justification").inner_text().lower()
    page.fill("#id_justification", "Promotion in March doubles demand.")
    page.click("button:has-text('Send for approval')")
    page.wait_for_selector(".messages")
    assert "sent for approval" in page.locator(".messages").inner_text()
    screenshot(page, "proposal-sent")

    # The manager approves it in the admin, then publishes.
    admin = _log_in(browser, live_server, manager)
    admin.goto(f"{live_server.url}/admin/governance/policyproposal/")
    row = admin.locator("#result_list tbody tr").first
    assert "WIDGET-7" in row.inner_text() and "30 → 45" in row.inner_text()
    assert "Promotion in March" in row.inner_text()
    row.locator("input.action-select").check()
    admin.select_option("select[name=action]", "approve_selected")
    admin.click("button[name=index]")
    admin.wait_for_selector(".messagelist")
    assert "Approved 1" in admin.locator(".messagelist").inner_text()
    screenshot(admin, "proposal-approved")
    admin.goto(f"{live_server.url}/admin/governance/publicationbatch/add/")
    assert "1</strong> ready to publish" in admin.content()
    admin.click("input[value=Publish]")
    admin.wait_for_selector(".messagelist")
    assert "1 policies published" in admin.locator(".messagelist").inner_text()

    # The export serves the approved, published values.
    export = client_for(planner).get("/api/v1/policies/export/")
    rows = json.loads(b"".join(export.streaming_content))
    assert [(r["sku"], r["reorder_point"], r["policy_version"]) for r in rows] == [
        ("WIDGET-7", 45, 2)
    ]

    # The audit page shows before → after with the reason.
    page.goto(f"{live_server.url}/audit/?sku=WIDGET-7")
    text = page.locator("main").inner_text()
    assert "Reorder point\t30 → 45" in text and "Policy version\t1 → 2" in text
    assert "Override: Promotion in March doubles demand." in text
    assert "e2e-manager" in text
    screenshot(page, "audit")
