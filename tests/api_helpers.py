"""Helpers for API tests: a token-authenticated client and a bulk POST."""

from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from sop_platform.accounts.tokens import api_token_issue
from sop_platform.models import ApiToken


def client_for(user) -> APIClient:
    """An API client sending ``user``'s token.

    The token counts as just used, so the first request does not record its use (one UPDATE
    a minute at most) and query counts compare like with like.
    """
    client = APIClient()
    issued = api_token_issue(user=user, days=settings.API_TOKEN_MAX_DAYS)  # survives clock pins
    ApiToken.objects.filter(pk=issued.token.pk).update(last_used_at=timezone.now())
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")
    return client


def post(client: APIClient, resource: str, body, content_type="text/csv", query=""):
    """POST a body to a resource's bulk endpoint."""
    data = body.encode() if isinstance(body, str) else body
    return client.post(f"/api/v1/{resource}/bulk/{query}", data=data, content_type=content_type)
