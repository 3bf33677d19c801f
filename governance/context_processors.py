"""Template context of the governance app, shared by every page."""

from django.http import HttpRequest

from governance.selectors import NO_SCOPE_MESSAGE, location_scope


def location_scope_notice(request: HttpRequest) -> dict:
    """``scope_notice``: why a signed-in user without any location grant sees nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"scope_notice": NO_SCOPE_MESSAGE if location_scope(user=user).is_empty else ""}
