"""Fixtures of the browser tests (the browser itself is the root conftest's: other tests drive it too)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) for each test."""
    ctx = browser.new_context(locale="vi-VN")
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()
