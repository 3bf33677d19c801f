"""API tokens: stored hashed, shown once, expiring, their last use recorded."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from sop_platform.accounts.tokens import api_token_issue
from sop_platform.models import ApiToken

pytestmark = pytest.mark.django_db

URL = "/api/v1/items/"


@pytest.fixture
def erp(django_user_model):
    user = django_user_model.objects.create_user(username="erp")
    user.groups.add(Group.objects.get(name="integration"))
    return user


def get(key: str, url: str = URL):
    return APIClient().get(url, headers={"Authorization": f"Token {key}"})


def test_the_database_holds_a_hash_not_the_key(erp):
    key = api_token_issue(user=erp, days=30).key
    assert get(key).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM sop_platform_apitoken")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert len(key) == 64 and key not in stored and key[:15] in stored  # only its prefix


def test_an_expired_token_is_refused(erp):
    issued = api_token_issue(user=erp, days=1)
    assert get(issued.key).status_code == 200
    ApiToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    response = get(issued.key)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert ApiToken.objects.filter(pk=issued.token.pk).exists()  # still listed, as expired


@pytest.mark.parametrize("header", ["Token nope", "Token ", "Token a b", "Token \xff\xfe"])
def test_a_bad_token_is_a_401(erp, header):
    response = APIClient().get(URL, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_a_revoked_token_is_refused(erp):
    issued = api_token_issue(user=erp, days=1)
    issued.token.delete()
    assert get(issued.key).status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(erp):
    issued = api_token_issue(user=erp, days=1)
    assert issued.token.last_used_at is None
    get(issued.key)
    first = ApiToken.objects.get().last_used_at
    assert timezone.now() - first < timedelta(seconds=30)
    get(issued.key)
    assert ApiToken.objects.get().last_used_at == first  # no write within the minute
    ApiToken.objects.update(last_used_at=first - timedelta(minutes=2))
    get(issued.key)
    assert ApiToken.objects.get().last_used_at > first


def test_tokens_are_issued_for_1_to_3650_days_to_active_users(erp):
    with pytest.raises(ValidationError, match="1 to 3650 days"):
        api_token_issue(user=erp, days=0)
    with pytest.raises(ValidationError, match="1 to 3650 days"):
        api_token_issue(user=erp, days=10**9)
    erp.is_active = False
    with pytest.raises(ValidationError, match="inactive"):
        api_token_issue(user=erp, days=1)


def test_the_admin_issues_a_token_and_shows_its_key_once(erp, admin_user_in_role):
    admin = Client()
    admin.force_login(admin_user_in_role)
    response = admin.post(
        "/admin/sop_platform/apitoken/add/", {"user": erp.pk, "name": "ERP nightly", "days": 7}
    )
    assert response.status_code == 200 and "shown only this once" in response.text
    token = ApiToken.objects.get()
    key = response.text.split('<code id="api-token-key">')[1].split("</code>")[0]
    assert token.digest != key and get(key).status_code == 200
    assert (token.user, token.name) == (erp, "ERP nightly")
    assert timedelta(days=6, hours=23) < token.expiry - timezone.now() <= timedelta(days=7)
    assert response["Cache-Control"].startswith("max-age=0")  # never cached
    for page in (
        "/admin/sop_platform/apitoken/",
        f"/admin/sop_platform/apitoken/{token.pk}/change/",
    ):
        shown = admin.get(page)
        assert shown.status_code == 200 and key not in shown.text


def test_the_command_prints_the_key_once(erp):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "erp", "--days", "30", "--name", "ERP", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert get(key).status_code == 200 and "shown only now" in err.getvalue()
    assert ApiToken.objects.get().expiry.date() == (timezone.now() + timedelta(days=30)).date()
    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_token", "nobody-here", stdout=out)


def test_the_old_plain_text_token_table_is_gone():
    assert "authtoken_token" not in connection.introspection.table_names()
