"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright's sync API runs an event loop in the test's thread, and Django refuses ORM calls
from a thread with a running loop unless DJANGO_ALLOW_ASYNC_UNSAFE is set; the live server
answers from its own thread, so the test and the server never share a connection at once.
"""

import os
from pathlib import Path

import pytest

from tests.exams.conftest import (  # noqa: F401  (fixtures shared with the exam tests)
    blueprint,
    exam_bank,
    law_library,
    open_session,
    org,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def browser_context(monkeypatch):
    """A fresh browser context at phone width (375 px)."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian's chromium package")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()
            browser.close()


@pytest.fixture
def page(browser_context):
    return browser_context.new_page()


def pytest_collection_modifyitems(items):
    for item in items:
        if os.sep + "e2e" + os.sep in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
