"""Exceptions to the Content-Security-Policy (settings.CONTENT_SECURITY_POLICY), view by view."""

from collections.abc import Callable

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace

# Swagger UI and ReDoc (served from drf-spectacular-sidecar) style themselves with inline
# <style> elements and ReDoc parses the schema in a blob: web worker. Scripts stay 'self' only;
# these pages show the API schema, nothing a user typed.
API_DOCS_POLICY = {"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}


def api_docs_policy(view: Callable) -> Callable:
    """The policy of the API documentation pages: inline styles and blob: workers allowed."""
    return csp_replace(API_DOCS_POLICY)(view)
