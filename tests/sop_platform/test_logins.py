"""Failed logins are throttled per username and per address (django-axes); admins unlock."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from sop_platform.accounts.logins import client_ip

pytestmark = pytest.mark.django_db

PASSWORD = "test-password-123"  # the role fixtures' password


def log_in(username: str, password: str, address: str = "10.0.0.1", url: str = "/login/"):
    return Client(REMOTE_ADDR=address).post(url, {"username": username, "password": password})


def test_the_sixth_login_is_refused_even_with_the_right_password(planner, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    statuses = [
        log_in(planner.username, f"wrong-{attempt}", address=f"10.0.1.{attempt}").status_code
        for attempt in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]  # the form with its error; the 5th locks
    response = log_in(planner.username, PASSWORD, address="10.0.2.1")  # another address too
    assert response.status_code == 429
    assert "Too many failed logins" in response.text and "15 minutes" in response.text
    assert "_auth_user_id" not in response.client.session


def test_fewer_failures_than_the_limit_still_log_in(planner):
    for attempt in range(4):
        log_in(planner.username, f"wrong-{attempt}")
    response = log_in(planner.username, PASSWORD)
    assert response.status_code == 302 and response.client.session["_auth_user_id"]


def test_one_address_is_locked_across_usernames(planner):
    for attempt in range(5):
        log_in(f"guess-{attempt}", "wrong", address="10.0.0.9")
    assert log_in(planner.username, PASSWORD, address="10.0.0.9").status_code == 429
    assert log_in(planner.username, PASSWORD, address="10.0.0.10").status_code == 302


def test_the_admin_login_is_throttled_too(manager):
    for attempt in range(5):
        log_in(manager.username, f"wrong-{attempt}", url="/admin/login/")
    assert log_in(manager.username, PASSWORD, url="/admin/login/").status_code == 429


def test_a_json_client_gets_the_lockout_as_json(planner):
    for attempt in range(5):
        log_in(planner.username, f"wrong-{attempt}")
    response = Client(REMOTE_ADDR="10.0.0.1").post(
        "/login/",
        {"username": planner.username, "password": PASSWORD},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 429 and response["Retry-After"] == "900"
    assert response.json()["detail"].startswith("Too many failed logins")


def test_an_admin_unlocks_by_deleting_the_access_attempts(planner, admin_user_in_role):
    for attempt in range(5):
        log_in(planner.username, f"wrong-{attempt}")
    assert log_in(planner.username, PASSWORD).status_code == 429
    admin = Client()
    admin.force_login(admin_user_in_role)
    assert admin.get("/admin/axes/accessattempt/").status_code == 200
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    assert log_in(planner.username, PASSWORD).status_code == 302


def test_the_test_clients_login_without_a_request_is_not_throttled(client, planner):
    assert client.login(username=planner.username, password=PASSWORD)


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}, "10.1.1.1"),
        (1, {"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 8.8.4.4"}, "8.8.4.4"),
        (2, {"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 8.8.4.4"}, "6.6.6.6"),
        (1, {"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "not-an-ip"}, "10.1.1.1"),
        (2, {"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "8.8.4.4"}, "10.1.1.1"),
    ],
)
def test_the_counted_address_trusts_only_the_configured_proxies(
    rf, settings, proxies, meta, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(rf.get("/", **meta)) == expected
