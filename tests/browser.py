"""Drive Debian's Chromium from Playwright in browser tests.

Playwright cannot download its own browser builds here (no internet; operators and CI run
offline), so tests drive the system Chromium from Debian's ``chromium`` package, which
``.ci/run`` installs. ``PLAYWRIGHT_BROWSERS_PATH`` is not needed.

Use it from a ``conftest.py``::

    pytest_plugins = ["tests.browser"]

and in a test module (keep browser tests in their own modules, see ``chromium_browser``)::

    pytestmark = pytest.mark.browser

    def test_login(browser_page, live_server, page_problems):
        ...
        assert page_problems == []

``page_problems`` collects the page's script errors and Content-Security-Policy violations.

Outside pytest, ``launch_chromium(playwright)`` gives a ``Browser`` with the same flags.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from django.core.servers.basehttp import WSGIServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright, ViewportSize

DEFAULT_CHROMIUM = "/usr/bin/chromium"

# Flags that work for headless Chromium as root on a machine whose network is closed.
# Playwright adds --headless itself. It also creates (and deletes on close) a fresh temporary
# profile for every launch(); passing --user-data-dir to launch() is refused by Playwright.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",  # Chromium's sandbox does not run as root
    "--disable-gpu",  # no GPU, no display
    "--disable-dev-shm-usage",  # small /dev/shm in containers crashes the renderer
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps trying Google's hosts, which the closed network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

DESKTOP_VIEWPORT: ViewportSize = {"width": 1366, "height": 768}

# Runs in every document before its own scripts (Playwright injects it, so the page's CSP does not
# block it): a blocked script, style, image, frame or form target becomes a console error.
CSP_VIOLATION_REPORTER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.effectiveDirective} refused ${e.blockedURI || "inline"}`
    + ` in ${e.documentURI} (${e.sourceFile || "?"}:${e.lineNumber})`);
});
"""


def chromium_path() -> str | None:
    """Path of the Chromium executable to use, or None when there is none.

    ``TOUSU_CHROMIUM`` overrides the default ``/usr/bin/chromium``; it may be a full path or
    a command name looked up on ``PATH``.
    """
    candidate = os.environ.get("TOUSU_CHROMIUM") or DEFAULT_CHROMIUM
    if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
        return candidate
    return shutil.which(candidate)


def launch_chromium(playwright: Playwright, **kwargs: Any) -> Browser:
    """Launch headless system Chromium with the flags above.

    Extra keyword arguments go to ``playwright.chromium.launch`` (e.g. ``slow_mo=250``).
    Raises RuntimeError when no Chromium is installed.
    """
    path = chromium_path()
    if path is None:
        raise RuntimeError(
            "Chromium not found: install Debian's package (apt-get install chromium) "
            "or set TOUSU_CHROMIUM to its path"
        )
    args = [*CHROMIUM_ARGS, *kwargs.pop("args", [])]
    kwargs.setdefault("headless", True)
    return playwright.chromium.launch(executable_path=path, args=args, **kwargs)


class _SerialWSGIServer(WSGIServer):
    """Django's WSGI server answering one request at a time.

    Django's live server is threaded: each request gets its own thread. On an in-memory SQLite
    test database every thread shares the test's single connection, so two requests at once
    (a page and the browser's background fetch of an icon or a fragment) interleave their
    transactions and fail with "cannot start a transaction within a transaction". Answering
    requests in turn removes the race; Django closes the connection after each response on
    a non-threaded server, so the browser's keep-alive cannot block the next request.
    """

    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        # LiveServerThread.run() has already installed the overrides in this thread.
        super().__init__(*args, **kwargs)


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest, django_db_setup: None) -> Iterator[Any]:
    """pytest-django's ``live_server``, made serial when the test database is in memory.

    It waits for ``django_db_setup``: pytest-django's own fixture is built before the test
    database exists, so it never sees the in-memory database and its request threads open
    their own shared-cache connections, whose table locks fail concurrent requests at once.
    Built after, the server shares the test's connection and answers in turn.
    """
    from pytest_django.live_server_helper import LiveServer

    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    if server.thread.connections_override:
        server.thread.server_class = _SerialWSGIServer  # type: ignore[misc]
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[Browser]:
    """One Chromium per test module.

    Playwright's sync API keeps an asyncio event loop running in the test thread for as long
    as it is open. While it is, Django refuses ORM calls from that thread
    (SynchronousOnlyOperation) unless DJANGO_ALLOW_ASYNC_UNSAFE is set, and asyncio.run()
    fails. So the loop lives only for one module (put browser tests in their own modules) and
    the variable is set only meanwhile.

    Without Chromium the tests are skipped locally but fail under CI (CI=true), so a
    missing install step cannot turn the browser suite silently green.
    """
    if chromium_path() is None:
        message = "Chromium not installed (apt-get install chromium, or set TOUSU_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)

    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def problems_watch(page: Page) -> list[str]:
    """A list that fills, from now on, with the page's uncaught script errors and its
    Content-Security-Policy violations (the reporter's and Chromium's own console messages)."""
    problems: list[str] = []
    page.add_init_script(CSP_VIOLATION_REPORTER)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))

    def on_console(message: Any) -> None:
        text = message.text
        if message.type == "error" and (
            text.startswith("CSP violation") or "Content Security Policy" in text
        ):
            problems.append(text)

    page.on("console", on_console)
    return problems


@pytest.fixture
def page_problems(browser_page: Page) -> list[str]:
    """`browser_page`'s script errors and CSP violations (see `problems_watch`)."""
    return problems_watch(browser_page)


@pytest.fixture
def browser_page(chromium_browser: Browser) -> Iterator[Page]:
    """A page in a fresh context (own cookies/storage), Chinese locale, 1366×768."""
    context = chromium_browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESKTOP_VIEWPORT
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


# The password of the staff the browser tests create.
PASSWORD = "Tousu-browser-2026"


def log_in(page: Page, base: str, username: str, *, lands: str = "/") -> None:
    """Log in on the login page as a person would, and wait for the landing page (`lands`,
    the path a role lands on, with or without a query)."""
    import re

    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(re.compile(re.escape(base + lands) + r"(\?.*)?$"))


def inside(box: dict[str, float] | None, width: int, height: int) -> bool:
    """Whether an element's bounding box lies wholly within the first `width`×`height`
    screen: what a person sees without scrolling."""
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= width
        and box["y"] + box["height"] <= height
    )
