"""A real browser opens every kind of page under the Content-Security-Policy: no violation, and
the plotly charts still render."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from inventory.runs.models import PolicyRun

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-12345-x"
CDNS = ("https://fonts.googleapis.com/", "https://cdn.redoc.ly/")
# Collects violations from the first moment of every document, before any page script runs.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}`);
});
"""


@pytest.fixture
def admin_page(page, live_server, django_user_model, settings):
    """A browser page logged in as a staff admin, over a small demo network with one run and
    its KPIs."""
    settings.RUNS_SYNC = True
    call_command("load_demo", "--skus", "12", "--locations", "3", "--weeks", "30", "--seed", "2",
                 stdout=StringIO())  # fmt: skip
    call_command("optimize", stdout=StringIO())
    call_command("kpi_snapshots", "--sync", stdout=StringIO())
    user = django_user_model.objects.create_user(
        username="b-admin", password=PASSWORD, is_staff=True
    )
    user.groups.add(Group.objects.get(name="admin"))
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(LISTEN)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('Network')")
    page.console_messages = console
    return page


def assert_no_violation(page, path: str, blocked_hosts: tuple[str, ...] = ()) -> None:
    """No violation on the page, except refused fetches from ``blocked_hosts`` (CDNs)."""
    violations = [
        v
        for v in page.evaluate("window.__cspViolations")
        if not v.split()[1].startswith(blocked_hosts)
    ]
    console = [
        text
        for text in page.console_messages
        if "Content Security Policy" in text and not any(host in text for host in blocked_hosts)
    ]
    assert (violations, console) == ([], []), path


def test_pages_and_charts_render_without_a_csp_violation(admin_page, live_server):
    page = admin_page
    run = PolicyRun.objects.get()
    chart_pages = {"/": 1, "/runs/operations/": 3, "/kpis/": 9}
    for path, charts in chart_pages.items():
        response = page.goto(f"{live_server.url}{path}")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector("[data-plotly] .main-svg")
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-plotly].js-plotly-plot").count() == charts, path
        page.hover("[data-plotly] .main-svg")  # hover labels and the mode bar appear
        assert_no_violation(page, path)
    for path in (
        "/runs/",
        f"/runs/{run.pk}/",
        f"/runs/{run.pk}/recommendations/",
        f"/runs/{run.pk}/exceptions/",
        "/account/password/",
        "/admin/",
        "/admin/auth/user/",
        "/admin/sop_platform/apitoken/add/",
        "/admin/axes/accessattempt/",
        "/api/v1/docs/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert_no_violation(page, path)
    # ReDoc renders (inline styles, a blob: worker); the web fonts and the logo it would fetch
    # from CDNs are refused, as intended: nothing is loaded from outside.
    page.goto(f"{live_server.url}/api/v1/redoc/")
    page.wait_for_selector(".api-content")
    assert_no_violation(page, "/api/v1/redoc/", CDNS)
