"""Helpers for API tests: a token-authenticated client and a bulk POST."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def client_for(user) -> APIClient:
    """An API client sending ``user``'s token."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def post(client: APIClient, resource: str, body, content_type="text/csv", query=""):
    """POST a body to a resource's bulk endpoint."""
    data = body.encode() if isinstance(body, str) else body
    return client.post(f"/api/v1/{resource}/bulk/{query}", data=data, content_type=content_type)
