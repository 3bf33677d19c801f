"""API tokens (django-rest-knox): issued with an expiry and shown once, their use recorded.

Clients send ``Authorization: Token <key>``. The database holds the key's SHA-512 digest and
its first 15 characters (to find the digest to compare), never the key.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions

from sop_platform.models import ApiToken

# Last use is stored at this resolution: at most one write per token per minute.
LAST_USE_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    """A newly issued token and its key: the only moment the key exists outside the client."""

    token: ApiToken
    key: str


def api_token_issue(*, user: AbstractBaseUser, days: int, name: str = "") -> IssuedToken:
    """Issue an API token for ``user`` valid for ``days`` days; the key is returned only here."""
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError(
            f"A token is valid for 1 to {settings.API_TOKEN_MAX_DAYS} days, not {days}."
        )
    if not user.is_active:
        raise ValidationError(f"{user} is inactive: activate the user first.")
    token, key = ApiToken.objects.create(user=user, expiry=timedelta(days=days), name=name)
    return IssuedToken(token=token, key=key)


def api_token_record_use(*, token: ApiToken) -> None:
    """Record that ``token`` authenticated a request (one UPDATE per token per minute at most)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's token authentication, recording last use and keeping expired tokens.

    knox deletes the user's expired tokens on every request (extra queries, and the admin no
    longer sees them); here an expired token is refused (401) and stays listed as expired
    until an admin deletes it.
    """

    def authenticate_credentials(self, token: bytes) -> tuple:
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        return super().authenticate_credentials(token)

    def _cleanup_token(self, auth_token: ApiToken) -> bool:
        return auth_token.expiry is not None and auth_token.expiry <= timezone.now()

    def validate_user(self, auth_token: ApiToken) -> tuple:
        user, token = super().validate_user(auth_token)
        api_token_record_use(token=token)
        return user, token


class TokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme of ``TokenAuthentication``: ``Authorization: Token <key>``."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=settings.REST_KNOX["AUTH_HEADER_PREFIX"]
        )
