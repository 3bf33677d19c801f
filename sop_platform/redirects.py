"""Where a page sends the user back to after a form."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def return_url(request: HttpRequest, candidate: str | None, default: str) -> str:
    """``candidate`` (a ``next`` the page was given) when it is a URL of this site, else
    ``default``: never an open redirect."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, {request.get_host()}, request.is_secure()
    ):
        return candidate
    return default
