"""The API's docs page in a real Chromium (Debian's): Swagger UI, from the vendored files only,
shows every operation of the OpenAPI schema, within the Content-Security-Policy.

Kept in its own module: see `tests.browser.chromium_browser` on Playwright's event loop.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_the_docs_show_every_operation_from_local_files(
    browser_page: Any, live_server: Any, page_problems: list[str]
) -> None:
    from tousu.config.api import api

    schema = api.get_openapi_schema()
    operations = sum(len(methods) for methods in schema["paths"].values())
    page, base = browser_page, live_server.url
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))

    page.goto(f"{base}/api/v1/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() == operations
    # An operation opens on its parameters and its answers' example (highlighted code).
    page.locator(".opblock-summary-path[data-path='/api/v1/complaints/{number}']").first.click()
    page.wait_for_selector(".opblock.is-open .responses-wrapper .microlight, .opblock.is-open pre")
    assert "number" in page.locator(".opblock.is-open .parameters").inner_text()
    # Every file the page loaded came from this server (or is inline data): no CDN.
    assert [url for url in fetched if not url.startswith((f"{base}/", "data:"))] == []
    assert f"{base}/api/v1/openapi.json" in fetched
    assert page_problems == []
