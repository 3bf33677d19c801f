"""Failed-login throttling with django-axes: the backend, the client address, the lockout answer.

Every web login (the login page, the admin login) goes through ``authenticate(request, ...)``;
django-axes counts failures per username and per address (``AXES_LOCKOUT_PARAMETERS``) and,
past ``AXES_FAILURE_LIMIT``, refuses even the right password until the cool-off ends or an
admin deletes the access attempts. API tokens are 256-bit random keys, not guessable
passwords, so token authentication is not counted.
"""

import ipaddress
import math

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for authentications that come with a request.

    ``authenticate()`` without a request (the test client's ``login()``, a shell) is not a web
    login and has no address to count; axes would raise, so it is let through unchecked. Every
    web login passes its request (Django's login views and the admin do).
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """The address failed logins are counted against.

    ``REMOTE_ADDR``, or behind ``TRUSTED_PROXY_COUNT`` reverse proxies the entry of
    ``X-Forwarded-For`` the outermost proxy appended (counted from the right: a client can
    prepend fake entries, not append them). Anything that is not an IP address is ignored.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        hops = [hop.strip() for hop in forwarded if hop.strip()]
        if len(hops) >= count and _is_ip(hops[-count]):
            return hops[-count]
    remote = request.META.get("REMOTE_ADDR")
    return remote if remote and _is_ip(remote) else None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return (
        request.path.startswith("/api/")
        or request.headers.get("X-Requested-With") == "XMLHttpRequest"
        or ("application/json" in accept and "text/html" not in accept)
    )


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """What a locked-out login gets: 429 with the cool-off, as a page or as JSON for the API.

    The same answer whether or not the username exists, so it reveals nothing about accounts.
    """
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    minutes = max(1, math.ceil(seconds / 60))
    message = (
        f"Too many failed logins. Try again in {minutes} minutes, "
        "or ask an admin to unlock the account."
    )
    if _wants_json(request):
        response = JsonResponse({"detail": message, "retry_after_seconds": seconds}, status=429)
    else:
        context = {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
        response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
