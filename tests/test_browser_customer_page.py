"""The customer's own page in a real Chromium, on a phone (issue 17 item 4): the customer
asks for a code with the number and their phone, types the code from the SMS (read here from
the message record, as the SMS centre received it), adds a note with a photo, and the
handler is told. The page fits the phone's width.

Kept in its own module: see `tests.browser.chromium_browser` on Playwright's event loop.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_the_customer_opens_their_page_with_a_code_and_adds_a_note(
    browser_page: Any, live_server: Any, page_problems: list[str], tmp_path: Any
) -> None:
    from conftest import complaint_drive, persona_create
    from tousu.messages.models import Message
    from tousu.notifications.models import Notification
    from tousu.setup.services import reference_data_load

    reference_data_load()
    handler = persona_create("handler", "handler")
    complaint = complaint_drive("in_progress", handler)
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": 375, "height": 812})

    page.goto(f"{base}/public/mine/")
    page.fill("input[name=number]", complaint.number)
    page.fill("input[name=phone]", "13800138000")
    page.click(".page-login button[type=submit]")
    page.wait_for_selector("input[name=code]")
    assert "138****8000" in page.inner_text("main")
    sms = Message.objects.get(complaint=complaint, kind="code")
    found = re.search(r"(?<![0-9A-Z])\d{6}(?!\d)", sms.text)
    assert found is not None
    page.fill("input[name=code]", found.group())
    page.click("form:has(input[name=code]) button[type=submit]")
    page.wait_for_selector(".page-note")
    assert "处理中" in page.inner_text(".page-head")

    photo = tmp_path / "账单.png"
    photo.write_bytes(PNG)
    page.fill("textarea[name=text]", "补充：11月5日又扣了一次58元")
    page.set_input_files("input[name=files]", str(photo))
    button = page.locator(".page-note button[type=submit]")
    box = button.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 375
    button.click()
    page.wait_for_selector(".chat-mine")
    assert "11月5日又扣了一次" in page.inner_text(".page-messages")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    assert Notification.objects.filter(
        user=handler, kind="customer_message", complaint=complaint
    ).exists()
    assert page_problems == []
