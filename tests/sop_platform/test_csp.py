"""The Content-Security-Policy header is on every page; its plotly style hashes match plotly.js.

tests/browser/test_csp.py proves in Chromium that the pages and their charts obey it.
"""

import base64
import hashlib
import re
from pathlib import Path

import plotly
import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def policy(response) -> dict[str, list[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {words[0]: words[1:] for words in directives if words}


def test_pages_carry_a_policy_without_inline_scripts(client, planner):
    assert policy(client.get("/login/"))["script-src"] == ["'self'"]
    client.force_login(planner)
    for path in ("/", "/runs/", "/account/password/", "/admin/login/"):
        found = policy(client.get(path, follow=True))
        assert found["default-src"] == ["'self'"] and found["script-src"] == ["'self'"], path
        assert "'unsafe-inline'" not in found["style-src"] and found["object-src"] == ["'none'"]
        assert found["frame-ancestors"] == ["'none'"]


def test_the_api_docs_relax_styles_only(planner):
    client = Client()
    client.force_login(planner)
    found = policy(client.get("/api/v1/docs/"))
    assert found["script-src"] == ["'self'"] and "'unsafe-inline'" in found["style-src"]


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_allowed_inline_styles_are_the_ones_the_pinned_plotly_adds():
    bundle = PLOTLY_JS.read_text()
    [maplibre] = re.findall(r"\.textContent='(\.maplibregl-map\{[^']*)'", bundle)
    assert 'appendChild(document.createTextNode(""))' in bundle  # the empty <style> it fills
    assert [_sha256(""), _sha256(maplibre)] == settings.PLOTLY_INLINE_STYLES
