"""Every page requires login and checks permission; each role can log in and navigate."""

import pytest
from django.urls import reverse

from sop_platform.navigation import NAVIGATION
from tests.factories import make_item, make_location

pytestmark = pytest.mark.django_db

PAGE_URL_NAMES = [entry.url_name for entry in NAVIGATION]


@pytest.mark.parametrize("url_name", [*PAGE_URL_NAMES, "admin:index"])
def test_anonymous_users_are_sent_to_login(client, url_name):
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].split("?")[0] in (reverse("login"), reverse("admin:login"))


def test_static_files_and_login_page_need_no_login(client):
    assert client.get(reverse("login")).status_code == 200


@pytest.mark.parametrize("role", ["planner", "manager", "executive", "admin_user_in_role"])
def test_each_role_logs_in_and_sees_the_network(client, request, role):
    user = request.getfixturevalue(role)
    response = client.post(
        reverse("login"), {"username": user.username, "password": "test-password-123"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("governance:home")
    landing = "governance:scorecard" if role == "executive" else "inventory:network"
    assert client.get(response["Location"])["Location"] == reverse(landing)
    page = client.get(reverse("inventory:network"))
    assert page.status_code == 200
    assert b'aria-current="page"' in page.content


def test_a_user_without_a_role_is_refused_with_403(client, no_role_user):
    client.force_login(no_role_user)
    response = client.get(reverse("inventory:network"))
    assert response.status_code == 403
    assert b"Your role does not give access" in response.content


def test_wrong_password_shows_an_error(client, planner):
    response = client.post(reverse("login"), {"username": planner.username, "password": "no"})
    assert response.status_code == 200
    assert b"did not match" in response.content


def test_admin_link_only_for_staff(client, planner, manager):
    client.force_login(planner)
    assert reverse("admin:index").encode() not in client.get(reverse("inventory:network")).content
    client.force_login(manager)
    assert reverse("admin:index").encode() in client.get(reverse("inventory:network")).content


def test_network_page_shows_locations_lanes_and_items_in_constant_queries(
    client, planner, django_assert_max_num_queries
):
    from inventory.models import NetworkLane

    plant = make_location("PLANT", echelon=1, location_type="plant")
    for number in range(5):
        dc = make_location(f"DC-{number}")
        NetworkLane.objects.create(origin=plant, destination=dc, transfer_lead_time_mean_days=3)
        make_item(f"SKU-{number}")
    client.force_login(planner)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("inventory:network"))
    text = page.content.decode()
    assert "DC-4" in text and "PLANT (3.0 ± 0.0)" in text
    assert 'data-plotly="network-chart"' in text and "vendor/plotly/plotly.min.js" in text


def test_logout_requires_post_and_csrf(planner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(planner)
    assert client.post(reverse("logout")).status_code == 403  # no CSRF token
    assert client.get(reverse("logout")).status_code == 405
