"""Debian's Chromium under Playwright for the browser tests.

/usr/bin/chromium is installed by `make browser` (which `make test` runs);
Playwright's own browser downloads are never used, and a missing Chromium
fails the tests instead of skipping them.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium under Playwright; a missing or broken browser fails the test with the fix."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the browser tests cannot run. "
            "Run `make browser` (apt-get install chromium) first; `make test` does it for you.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except PlaywrightError as exc:
            pytest.fail(f"Chromium at {CHROMIUM} did not start under Playwright: {exc}", pytrace=False)
        try:
            yield browser
        finally:
            browser.close()
