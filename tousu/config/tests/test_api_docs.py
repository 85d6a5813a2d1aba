"""The API's docs page works on an intranet: Swagger UI from the vendored files, started by a
static script (tests/test_browser_api_docs.py shows it in Chromium)."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from django.test import Client

from tests.pages import inline_code


def test_the_docs_page_uses_only_local_files() -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"https?://", html)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in assets
    assert "/static/vendor/swagger-ui/swagger-ui.css" in assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not a static file"
    assert inline_code(html) == []
    # The settings are data for the static script, with the schema's local address.
    assert '"url": "/api/v1/openapi.json"' in html
    assert '"validatorUrl": null' in html
