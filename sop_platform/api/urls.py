"""URLs under /api/v1/: one bulk endpoint per resource, the OpenAPI schema and its docs."""

from importlib import import_module

from django.urls import path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from inventory.api.export import PolicyExportView
from sop_platform.api.bulk import bulk_view
from sop_platform.api.root import ROOT, api_root
from sop_platform.bulk.registry import RESOURCES
from sop_platform.content_policy import api_docs_policy


def _open(view):
    """DRF views authenticate themselves (token or session), so Django's login redirect
    must not intercept them: an API client gets 401/403, not an HTML login page."""
    view.login_required = False
    return view


def _reads(module: str) -> list:
    """An app's read endpoints, each answering API clients itself (401/403, not a redirect)."""
    patterns = import_module(module).urlpatterns
    for pattern in patterns:
        _open(pattern.callback)
    return patterns


urlpatterns = [
    path("", _open(api_root), name=ROOT),
    *(
        path(f"{name}/bulk/", bulk_view(resource), name=f"{name}-bulk")
        for name, resource in RESOURCES.items()
    ),
    path("policies/export/", _open(PolicyExportView.as_view()), name="policies-export"),
    *_reads("inventory.api.urls"),
    *_reads("demand.api.urls"),
    *_reads("supply.api.urls"),
    *_reads("governance.api.urls"),
    path("schema/", _open(SpectacularAPIView.as_view()), name="schema"),
    # The split view serves Swagger UI's setup as a script file: no inline script under the CSP.
    path(
        "docs/",
        _open(api_docs_policy(SpectacularSwaggerSplitView.as_view(url_name="schema"))),
        name="swagger-ui",
    ),
    path(
        "redoc/",
        _open(api_docs_policy(SpectacularRedocView.as_view(url_name="schema"))),
        name="redoc",
    ),
]
