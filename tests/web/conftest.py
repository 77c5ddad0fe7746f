"""Headless Debian chromium driven by Playwright against a live `keystead serve --demo`.

Chromium comes from Debian (`apt install chromium`), never from `playwright install`.
Screenshots of every page go to `KEYSTEAD_SCREENSHOTS` (default `build/screenshots`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Response,
    sync_playwright,
)

from tests.server.conftest import Server, start_server, stop_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(os.environ.get("KEYSTEAD_SCREENSHOTS", "build/screenshots"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope: Playwright's sync API keeps an event loop running while it is
    # open, and the async tests of other modules need the thread's loop free.
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Debian chromium is required under CI (.ci/run installs it)")
        pytest.skip("chromium is not installed: apt-get install chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("web-server"), None, "--demo")
    yield running
    stop_server(running)


class PageWatch:
    """Console errors (a CSP violation, a script error) and sub-resources that failed
    to load fail the test. Documents answered 4xx on purpose are not errors."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def response(self, response: Response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            self.errors.append(f"{response.status} {response.url}")


@pytest.fixture
def context(browser: Browser, live: Server) -> Iterator[BrowserContext]:
    opened = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 900})
    opened.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    yield opened
    opened.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    opened = context.new_page()
    watch = PageWatch()
    opened.on("console", watch.console)
    opened.on("response", watch.response)
    opened.on("pageerror", lambda error: watch.errors.append(str(error)))
    yield opened
    assert watch.errors == [], watch.errors


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
