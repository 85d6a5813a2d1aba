"""A corrective action from the root-cause page in a real Chromium (issue 16, Done when: a
cluster becomes a corrective action): quality opens the root-cause page, presses "open
corrective action" on a rising word, keeps the word's complaints ticked, names the owner and
the first action and opens it; the owner finds the action in their queue and marks it done, on
a phone-wide screen.

Kept in its own module: see `tests.browser.chromium_browser` on Playwright's event loop.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_rising_word_becomes_a_corrective_action_its_owner_works(
    browser_page: Any, live_server: Any, page_problems: list[str], chromium_browser: Any
) -> None:
    from conftest import complaint_register_billing
    from tousu.accounts.services import user_create
    from tousu.quality.models import CorrectiveAction
    from tousu.setup.services import reference_data_load

    reference_data_load()
    user_create(username="gao", role="quality", password=PASSWORD, department="complaint_office")
    chen = user_create(username="chen", role="handler", password=PASSWORD, department="billing")
    numbers = {complaint_register_billing(customer_phone=f"1380013800{i}").number for i in range(3)}
    page, base = browser_page, live_server.url

    log_in(page, base, "gao")
    page.goto(f"{base}/dashboard/causes/")
    button = page.locator("table[data-table=rising] a.capa-open").first
    button.click()
    page.wait_for_selector("form.capa-form")
    ticked = page.locator("input[name=complaints]:checked")
    assert {ticked.nth(i).get_attribute("value") for i in range(ticked.count())} == numbers
    form = page.locator("form.capa-form")
    form.locator("textarea[name=root_cause]").fill("增值业务订购未下发二次确认短信")
    form.locator("select[name=owner]").select_option(str(chen.pk))
    form.locator("input[name=action_title]").fill("恢复二次确认短信")
    form.locator("select[name=action_owner]").select_option(str(chen.pk))
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#effect")
    capa = CorrectiveAction.objects.get()
    assert {c.number for c in capa.complaints.all()} == numbers
    assert capa.source == "term"

    page.set_viewport_size({"width": 375, "height": 812})
    log_in(page, base, "chen")
    row = page.locator(f"tr[data-capa='{capa.pk}']")
    assert "恢复二次确认短信" in row.inner_text()
    row.locator(f"a[href='/quality/capa/{capa.pk}/']").click()
    action = page.locator("li[data-action] form")
    action.locator("input[name=note]").fill("接口已修复")
    action.locator("button[type=submit]").click()
    page.wait_for_selector("li[data-action].done")
    capa.refresh_from_db()
    assert capa.status == "actions_done"
    # Phone-wide: nothing runs off the side.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1, width
    assert page_problems == []
