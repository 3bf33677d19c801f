"""Every role changes its own password; admins issue one-time password-reset links."""

from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client

pytestmark = pytest.mark.django_db

OLD, NEW = "test-password-123", "a-new-Passw0rd-42"


@pytest.mark.parametrize("role", ["planner", "manager", "executive", "admin_user_in_role"])
def test_each_role_changes_its_own_password(request, role):
    user = request.getfixturevalue(role)
    client = Client()
    client.force_login(user)
    page = client.get("/account/password/")
    assert page.status_code == 200 and "Change your password" in page.text
    home = client.get("/", follow=True)
    assert 'href="/account/password/"' in home.text  # linked from the header
    response = client.post(
        "/account/password/",
        {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302 and response["Location"] == "/account/password/done/"
    assert client.get("/account/password/done/").status_code == 200  # still logged in
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_a_wrong_old_password_changes_nothing(planner):
    client = Client()
    client.force_login(planner)
    response = client.post(
        "/account/password/", {"old_password": "nope", "new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 200 and 'role="alert"' in response.text
    planner.refresh_from_db()
    assert planner.check_password(OLD)


def test_changing_a_password_needs_a_login(client):
    response = client.get("/account/password/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def issue_links(admin_user, *users) -> list[str]:
    admin = Client()
    admin.force_login(admin_user)
    response = admin.post(
        "/admin/auth/user/",
        {"action": "issue_password_reset_link", "_selected_action": [u.pk for u in users]},
    )
    assert response.status_code == 200, response
    return [part.split("</code>")[0] for part in response.text.split('class="reset-link">')[1:]]


def set_password(link: str, password: str = NEW):
    client = Client()
    form = client.get(link, follow=True)
    if not form.redirect_chain:  # an invalid link shows its page, a valid one redirects
        return form
    return client.post(
        form.redirect_chain[-1][0],
        {"new_password1": password, "new_password2": password},
        follow=True,
    )


def test_an_admin_issued_reset_link_works_once(admin_user_in_role, planner):
    [link] = issue_links(admin_user_in_role, planner)
    assert link.startswith("http://testserver/account/reset/")
    done = set_password(link)
    assert "Password set" in done.text
    planner.refresh_from_db()
    assert planner.check_password(NEW)
    again = set_password(link, "yet-another-Passw0rd-9")
    assert "Link no longer valid" in again.text
    planner.refresh_from_db()
    assert planner.check_password(NEW)


def test_a_reset_link_expires(admin_user_in_role, planner, settings, monkeypatch):
    [link] = issue_links(admin_user_in_role, planner)
    later = default_token_generator._now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    assert "Link no longer valid" in set_password(link).text


def test_only_a_superuser_gets_a_link_for_a_superuser(admin_user_in_role, django_user_model):
    root = django_user_model.objects.create_superuser("root", password=OLD)
    admin = Client()
    admin.force_login(admin_user_in_role)
    response = admin.post(
        "/admin/auth/user/",
        {"action": "issue_password_reset_link", "_selected_action": [root.pk]},
        follow=True,
    )
    assert "Only a superuser may issue a reset link" in response.text
    assert "reset-link" not in response.text


def test_a_manager_cannot_issue_links(manager, planner):
    client = Client()
    client.force_login(manager)
    response = client.post(
        "/admin/auth/user/",
        {"action": "issue_password_reset_link", "_selected_action": [planner.pk]},
    )
    assert response.status_code == 403
