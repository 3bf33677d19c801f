"""``/api/v1/``: the map of the API, so a client (or a person with a token) finds every
endpoint from one address."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

ROOT = "api-root"


def _group(name: str) -> str:
    if name.endswith("-list"):
        return "read"
    if name.endswith("-bulk"):
        return "load"
    return "other"


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def api_root(request: Request) -> Response:
    """Links to every endpoint without a parameter in its path: reads, bulk loads, the
    policy export and the OpenAPI schema and docs."""
    from sop_platform.api.urls import urlpatterns  # the module that routes to this view

    links: dict[str, dict[str, str]] = {"read": {}, "load": {}, "other": {}}
    for pattern in urlpatterns:
        if not pattern.name or pattern.name == ROOT or pattern.pattern.regex.groups:
            continue
        group = _group(pattern.name)
        label = pattern.name.removesuffix("-list").removesuffix("-bulk")
        links[group][label] = reverse(pattern.name, request=request)
    return Response(links)
