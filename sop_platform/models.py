"""Models of the platform itself (not of a planning domain): API tokens."""

from django.db import models
from django.utils import timezone
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    """An API token of one user (an integration such as the ERP), stored as a SHA-512 digest.

    The key itself is shown once when the token is issued and never stored: ``digest`` is its
    hash and ``token_key`` its first 15 characters, which only narrow the digest lookup.
    ``expiry`` is required by the issuing service; ``last_used_at`` is refreshed at most once
    a minute by the authentication class. Deleting a token revokes it.
    """

    name = models.CharField(
        max_length=100, blank=True, help_text="What the token is for, e.g. 'ERP nightly load'."
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created"]

    def __str__(self) -> str:
        label = self.name or "token"
        return f"{label} of {self.user} ({self.token_key}…)"

    @property
    def is_expired(self) -> bool:
        """Whether the token no longer authenticates."""
        return self.expiry is not None and self.expiry <= timezone.now()
