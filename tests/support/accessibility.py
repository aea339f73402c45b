"""axe-core (npm, pinned in tests/support/axe/package.json, installed by scripts/setup) run in a page of the browser."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Error, Page

from tests.support.browser import on_phone
from tests.support.paths import TESTS_DIR

AXE = TESTS_DIR / "support" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
ATTEMPTS = 10
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def violations(page: Page) -> list[dict[str, Any]]:
    """The serious and critical violations axe finds in the page as it is now (WCAG 2.1 AA and best practice).

    Found ones are checked again a second later, and only those still there count: a page that changes by itself
    (the chat names a button it has just shown, in the next frame) may have been read in the middle of a change.
    The page's context must bypass its Content-Security-Policy (``bypass_csp=True``): axe is an inline script.
    """
    found = _axe(page)
    if found:
        page.wait_for_timeout(1000)
        found = _axe(page)
    return found


def _axe(page: Page) -> list[dict[str, Any]]:
    assert AXE.is_file(), f"{AXE} is missing: run scripts/setup (npm ci in tests/support/axe/)"
    for attempt in range(ATTEMPTS):  # a page that navigates by itself (the chat settles its address) is checked settled
        page.wait_for_load_state("load")
        try:
            page.add_script_tag(path=str(AXE))
            found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
            break
        except Error as exc:
            if "context was destroyed" not in exc.message or attempt == ATTEMPTS - 1:
                raise
            page.wait_for_timeout(500)
    return [v for v in found["violations"] if v["impact"] in BLOCKING]


def described(found: list[dict[str, Any]]) -> str:
    """The violations, one a line, with the first elements each concerns (no personal data: the tests' own pages)."""
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:5]]}" for v in found)


def assert_accessible(page: Page, where: str) -> None:
    """No serious or critical violation in the page as it is now; else each is described, with ``where`` it was."""
    found = violations(page)
    assert not found, f"{where}:\n{described(found)}"


@contextmanager
def axe_phone(browser: Browser) -> Iterator[BrowserContext]:
    """A guest's phone whose pages axe can check, closed after the ``with`` block."""
    context = on_phone(browser, axe=True)
    try:
        yield context
    finally:
        context.close()
