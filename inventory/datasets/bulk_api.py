"""Posting to the bulk API from inside the process: the real DRF views, with an API token.

A request goes through everything a client's request goes through once it reaches the view
(token authentication, the loader permission, throttling, body parsing, row validation, the
upsert and its after-load hooks), without a socket and without the middleware (sessions, CSRF,
host checks) that a token-authenticated API request does not depend on.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode

import pandas as pd
from django.contrib.auth.base_user import AbstractBaseUser
from django.test import RequestFactory
from django.urls import resolve, reverse
from rest_framework.response import Response

from sop_platform.accounts.tokens import api_token_issue

TOKEN_NAME = "manage.py load_man"
ATTEMPTS = 5  # a throttled (429) or busy (503) body is sent again after Retry-After seconds


class BulkApiError(Exception):
    """The API refused a whole body (authentication, permission, size, database): not row
    errors, which come back in the load report."""


@contextmanager
def api_token(*, user: AbstractBaseUser) -> Iterator[str]:
    """A one-day API token of ``user``, deleted on the way out: its key never leaves the
    process."""
    issued = api_token_issue(user=user, days=1, name=TOKEN_NAME)
    try:
        yield issued.key
    finally:
        issued.token.delete()


class BulkApi:
    """``POST /api/v1/<resource>/bulk/`` of CSV bodies, authenticated by a token."""

    def __init__(self, token_key: str, *, source: str, partial: bool) -> None:
        self._factory = RequestFactory()
        self._authorization = f"Token {token_key}"
        self._query = urlencode({"source": source, "partial": "true" if partial else "false"})

    def post_csv(self, resource: str, rows: pd.DataFrame) -> dict:
        """The load report of ``rows`` (the resource's field names as columns), sent as CSV;
        raises :class:`BulkApiError` when the body is refused as a whole."""
        body = rows.to_csv(index=False).encode()
        for attempt in range(1, ATTEMPTS + 1):
            response = self._send(reverse(f"{resource}-bulk"), body)
            if response.status_code not in (429, 503) or attempt == ATTEMPTS:
                break
            time.sleep(float(response.headers.get("Retry-After") or 1))
        data = response.data
        if response.status_code == 200 or (response.status_code == 400 and "errors" in data):
            return data
        raise BulkApiError(f"{resource}: HTTP {response.status_code}: {data.get('detail', data)}")

    def _send(self, path: str, body: bytes) -> Response:
        request = self._factory.post(
            f"{path}?{self._query}",
            data=body,
            content_type="text/csv",
            headers={"authorization": self._authorization},
        )
        match = resolve(path)
        return match.func(request, *match.args, **match.kwargs)
