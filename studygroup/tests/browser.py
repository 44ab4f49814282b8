"""The one Chromium fixture of every browser test, and a live server that answers one request at a time.

Browser tests need ``pytest.mark.django_db(transaction=True)``: the live
server's thread must see what the test wrote. On SQLite the test database
lives in memory and the live server shares the test's one connection; a
threaded server would run two requests at once on it (an htmx autosave
overlapping a submit gave "no such savepoint"), so requests are served one
after the other (the server then closes each connection, no keep-alive).
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not shutil.which("chromium"),
    reason="Debian's chromium is not installed (apt-get install chromium)",
)


def _serial_thread_class():
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler

    class SerialLiveServerThread(LiveServerThread):
        def _create_server(self, connections_override=None):
            return WSGIServer((self.host, self.port), QuietWSGIRequestHandler, allow_reuse_address=False)

    return SerialLiveServerThread


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, serving requests one at a time."""
    from pytest_django.live_server_helper import LiveServer

    addr = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    server = LiveServer(addr, start=False)
    threaded = server.thread
    server.thread = _serial_thread_class()(
        threaded.host,
        threaded.static_handler,
        connections_override=threaded.connections_override,
        port=threaded.port,
    )
    server.thread.daemon = True
    server.start()
    yield server
    server.stop()


@pytest.fixture
def browser(settings):
    """A headless Debian Chromium for one test (pages in Chinese, cookies over plain HTTP)."""
    pytest.importorskip("playwright", reason="playwright (requirements-test.txt) is not installed")
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def log_in(page, base: str, user, path: str = "/") -> None:
    """Open ``path`` through the login page as ``user`` and wait until it is shown."""
    from django.urls import reverse

    from studygroup.tests.factories import PASSWORD

    page.goto(f"{base}{reverse('login')}?next={path}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{path}")


def shows(page, text: str) -> None:
    """The page (once loaded after a click) shows ``text``: waits for it, where ``page.content()`` read in the
    middle of a navigation answers an empty page."""
    from playwright.sync_api import expect

    expect(page.locator("body")).to_contain_text(text)
