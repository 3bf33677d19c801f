"""Template context shared by every page."""

from django.http import HttpRequest
from django.urls import reverse

from sop_platform.navigation import NAVIGATION


def navigation(request: HttpRequest) -> dict:
    """The navigation entries the current user may see, with the active one marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    entries = []
    for entry in NAVIGATION:
        if entry.permission and not user.has_perm(entry.permission):
            continue
        url = reverse(entry.url_name)
        entries.append({"label": entry.label, "url": url, "active": request.path == url})
    return {"navigation": entries}
