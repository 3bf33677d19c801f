"""Playwright driving Debian's chromium (/usr/bin/chromium); no browser is downloaded."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """A headless chromium per test module; missing chromium fails under CI, skips elsewhere.

    Playwright's sync API keeps an event loop running in the test thread while the browser
    is open, so the tests' own (synchronous, safe) ORM calls are allowed for that time only.
    """
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; .ci/run installs Debian's package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page per test (no shared cookies)."""
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def log_in(page, live_server, username: str, password: str, heading: str = "Network"):
    """``page`` logged in through the login form, on the page the role lands on (whose
    heading is ``heading``: the scorecard's for executives)."""
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_selector(f"h1:has-text('{heading}')")
    return page


FAILURE_SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "failures"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When a browser test fails, a screenshot of every page it has open, named after it."""
    outcome = yield
    report = outcome.get_result()
    browser = item.funcargs.get("browser") if hasattr(item, "funcargs") else None
    if report.when != "call" or not report.failed or browser is None:
        return
    FAILURE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = item.name.replace("/", "_").replace("[", "-").replace("]", "")
    pages = [page for context in browser.contexts for page in context.pages]
    for number, page in enumerate(pages):
        try:
            page.screenshot(path=str(FAILURE_SCREENSHOTS / f"{name}-{number}.png"), full_page=True)
        except Exception as error:  # a closed page must not hide the test's own failure
            report.sections.append(("screenshot", f"page {number}: {error}"))
