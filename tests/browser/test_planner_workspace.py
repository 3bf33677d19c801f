"""End to end in a real browser, on a real run over the demo network: a planner filters the
policy table, opens a SKU-location and finds the engine's numbers for it, proposes an
override from there, resolves an exception from the inbox, and exports the table as CSV and
XLSX. Screenshots of every open page are saved when a step fails (tests/browser/conftest.py)."""

import csv
import io
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from governance.choices import ExceptionStatus, ProposalKind, ProposalStatus
from governance.models import PlanningException, PolicyProposal
from governance.services import location_scope_grant
from inventory.models import PolicyRecommendation
from inventory.policy_table.export import HEADER
from inventory.runs.scope import RunScope
from inventory.runs.services import policy_run_start
from sop_platform.display import percent, units
from tests.browser.conftest import log_in
from tests.browser.test_runs_page import screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("pinned_now"),
]
PASSWORD = "pw-12345-x"


@pytest.fixture
def demo_run(settings):
    """The demo network (20 SKUs × 3 locations × 30 weeks) and a finished parametric run."""
    settings.RUNS_SYNC = True
    call_command(
        "load_demo", "--skus", "20", "--locations", "3", "--weeks", "30", "--seed", "1",
        stdout=StringIO(),
    )  # fmt: skip
    run = policy_run_start(scope=RunScope(), parameters={"demand_model": "parametric"})
    run.refresh_from_db()
    assert run.recommendations.filter(is_latest=True).count() == 60
    return run


@pytest.fixture
def planner_user(django_user_model):
    user = django_user_model.objects.create_user(username="ws-planner", password=PASSWORD)
    user.groups.add(Group.objects.get(name="planner"))
    location_scope_grant(user=user, whole_network=True)
    return user


def _shown_skus(page) -> list[tuple[str, str]]:
    rows = page.locator("table.policy-table tbody tr")
    return [
        (row.locator("th.item a").inner_text(), row.locator("td.nowrap").inner_text())
        for row in rows.all()
    ]


def test_a_planner_works_through_the_workspace(browser, live_server, demo_run, planner_user):
    page = log_in(browser.new_context(accept_downloads=True).new_page(), live_server,
                  planner_user.username, PASSWORD)  # fmt: skip

    # The policy table, filtered by segment and status.
    page.click("nav >> text=Policies")
    page.wait_for_selector("h1:has-text('Policies')")
    rec = (
        PolicyRecommendation.objects.filter(is_latest=True, blocked=False)
        .select_related("item", "location")
        .order_by("item__sku", "location__code")
        .first()
    )
    page.select_option("#filter-segment", rec.segment)
    page.select_option("#filter-status", "to_review")
    page.click("form.filters button:has-text('Filter')")
    page.wait_for_url(f"**segment={rec.segment}**")
    expected = set(
        PolicyRecommendation.objects.filter(is_latest=True, segment=rec.segment, blocked=False)
        .exclude(policy__isnull=True)
        .values_list("item__sku", "location__code")
    )
    shown = _shown_skus(page)
    assert shown and set(shown) <= expected
    assert (rec.item.sku, rec.location.code) in shown
    screenshot(page, "workspace-policy-table")

    # Exports of the filtered table.
    for fmt in ("CSV", "XLSX"):
        with page.expect_download() as download:
            page.click(f".downloads a:has-text('{fmt}')")
        content = Path(download.value.path()).read_bytes()
        if fmt == "CSV":
            lines = list(csv.reader(StringIO(content.decode())))
            header, keys = lines[0], {(line[0], line[2]) for line in lines[1:]}
        else:
            values = list(openpyxl.load_workbook(io.BytesIO(content)).active.values)
            header, keys = list(values[0]), {(row[0], row[2]) for row in values[1:]}
        assert header == HEADER and keys == set(shown)

    # The SKU-location page shows the engine's numbers for the row.
    page.click(f"th.item a:has-text('{rec.item.sku}') >> nth=0")
    page.wait_for_selector(f"h1:has-text('{rec.item.sku}')")
    tiles = page.locator("section.tiles").inner_text()
    for value in (rec.safety_stock, rec.reorder_point, rec.order_quantity):
        assert units(value) in tiles
    assert percent(rec.service_target) in tiles
    formula = page.locator("table.formula").inner_text()
    assert units(rec.safety_stock) in formula and units(rec.reorder_point) in formula
    screenshot(page, "workspace-sku-location")

    # An override proposed from the SKU-location page comes back to it.
    page.click("a:has-text('Propose an override')")
    page.wait_for_selector(f"h1:has-text('Propose a policy for {rec.item.sku}')")
    raised = round(rec.reorder_point + 5)
    page.fill("#id_reorder_point", str(raised))
    page.fill("#id_min_level", str(raised))
    page.fill("#id_max_level", str(max(raised, round(rec.max_level + 5))))
    page.fill("#id_justification", "Customer promotion next month.")
    page.click("button:has-text('Send for approval')")
    page.wait_for_selector(f"h1:has-text('{rec.item.sku}')")
    assert "sent for approval" in page.locator(".messages").inner_text()
    proposal = PolicyProposal.objects.get(item=rec.item, location=rec.location)
    assert (proposal.kind, proposal.status) == (ProposalKind.OVERRIDE, ProposalStatus.PROPOSED)
    assert proposal.reorder_point == raised

    # An exception resolved from the inbox.
    exception = PlanningException.objects.filter(status=ExceptionStatus.OPEN).first()
    page.click("nav >> text=Exceptions")
    page.wait_for_selector("h1:has-text('Exceptions')")
    page.fill("#filter-sku", exception.item.sku)
    page.click("form.filters button:has-text('Filter')")
    page.click(f"#exception-{exception.pk} td.handle a:has-text('Handle')")
    form = page.locator(f"form[aria-label='Handle exception #{exception.pk}']")
    form.locator("select[name=status]").select_option(ExceptionStatus.RESOLVED)
    form.locator("textarea[name=resolution_notes]").fill("Stock counted; record corrected.")
    form.locator("button:has-text('Save')").click()
    page.wait_for_selector(".messages")
    screenshot(page, "workspace-inbox")
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.RESOLVED
    assert "Stock counted" in exception.resolution_notes
