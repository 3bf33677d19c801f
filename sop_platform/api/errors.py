"""Error answers outside the API views: JSON under /api/, Django's HTML pages elsewhere.

DRF renders the errors its views raise; these cover what happens before or beyond them (an
unknown URL, an unhandled exception, a CSRF failure), in production too (DEBUG off). Wired as
``handler400`` / ``handler403`` / ``handler404`` / ``handler500`` and ``CSRF_FAILURE_VIEW``.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import csrf, defaults

API_PREFIX = "/api/"


def _for_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400: a request Django refused (e.g. a suspicious operation)."""
    if _for_api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403 raised outside the API views (DRF answers its own)."""
    if _for_api(request):
        return JsonResponse({"detail": "You do not have permission to do this."}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: no such URL."""
    if _for_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: an unhandled exception (logged by Django; nothing of it is shown)."""
    if _for_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403 from Django's CSRF check, worded as DRF words its own CSRF failures."""
    if _for_api(request):
        return JsonResponse({"detail": f"CSRF Failed: {reason}"}, status=403)
    return csrf.csrf_failure(request, reason=reason)
