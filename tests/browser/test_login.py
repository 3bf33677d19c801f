"""A real browser logs in as each role and sees the network page with its chart (executives
land on the scorecard first)."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from governance.selectors import NO_SCOPE_MESSAGE
from governance.services import location_scope_grant
from inventory.models import NetworkLane
from tests.factories import make_item, make_location

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def small_network():
    plant = make_location("PLANT", echelon=1, location_type="plant", name="Central plant")
    for code in ("DC-N", "DC-S"):
        NetworkLane.objects.create(
            origin=plant, destination=make_location(code), transfer_lead_time_mean_days=4
        )
    make_item("SKU-1")


def log_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url  # anonymous users are sent to the login page
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


@pytest.mark.parametrize("role", ["planner", "manager", "executive", "admin"])
def test_each_role_logs_in_and_sees_the_network_chart(
    page, live_server, django_user_model, small_network, role
):
    user = django_user_model.objects.create_user(username=f"b-{role}", password="pw-12345-x")
    user.groups.add(Group.objects.get(name=role))
    location_scope_grant(user=user, whole_network=True)  # no-op for the admin role
    log_in(page, live_server, user.username, "pw-12345-x")
    if role == "executive":  # executives land on the scorecard; the network is a click away
        page.wait_for_selector("h1:has-text('Executive scorecard')")
        page.click("nav >> text=Network")
    page.wait_for_selector("h1:has-text('Network')")
    page.wait_for_selector("[data-plotly] .main-svg")  # plotly.js loaded from our static files
    assert page.locator("nav a[aria-current=page]").inner_text() == "Network"
    assert page.locator("section:has(h2:text-is('Locations')) tbody tr").count() == 3
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"network-{role}.png"), full_page=True)


def test_a_planner_without_grants_is_told_to_ask_an_admin(
    page, live_server, django_user_model, small_network
):
    user = django_user_model.objects.create_user(username="b-new", password="pw-12345-x")
    user.groups.add(Group.objects.get(name="planner"))
    log_in(page, live_server, user.username, "pw-12345-x")
    page.wait_for_selector("h1:has-text('Network')")
    assert page.locator(".scope-notice").inner_text() == NO_SCOPE_MESSAGE
    assert page.locator("section:has(h2:text-is('Locations')) tbody tr").count() == 0


def test_wrong_password_stays_on_login_with_a_message(page, live_server, django_user_model):
    django_user_model.objects.create_user(username="b-user", password="pw-12345-x")
    log_in(page, live_server, "b-user", "wrong")
    assert page.locator("[role=alert]").inner_text().startswith("Your username and password")
