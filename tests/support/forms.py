"""A page's form posted as a browser without JavaScript posts it: the page first, for its CSRF token."""

from __future__ import annotations

from collections.abc import Mapping

import httpx2

from tests.support.checks import csrf_token


def post_form(
    client: httpx2.Client, url: str, fields: Mapping[str, str], headers: Mapping[str, str] | None = None
) -> httpx2.Response:
    """Open the page at ``url`` for its CSRF token, then post its form with ``fields``, asking for HTML back."""
    page = client.get(url, headers=headers)
    token = csrf_token(page.text)
    return client.post(url, headers={**(headers or {}), "Accept": "text/html"}, data={"csrf_token": token, **fields})
