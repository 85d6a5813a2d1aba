"""First-contact resolution in a real Chromium at 1366×768 (issue 13, Done when; S3 授权): a
hotline agent registers a small complaint on the register page, lands on its workspace with the
resolve form on the first screen, resolves it there and then within their 50-yuan authority,
closes it as the customer accepts; the supervisor's dashboard counts it in 一次解决率.

Kept in its own module: see `tests.browser.chromium_browser` on Playwright's event loop.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import PASSWORD, inside, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_resolves_a_small_complaint_at_first_contact_and_the_kpi_counts_it(
    browser_page: Any, live_server: Any, page_problems: list[str], chromium_browser: Any
) -> None:
    from tousu.accounts.services import user_create
    from tousu.complaints.models import Complaint
    from tousu.config import jobs
    from tousu.setup.services import reference_data_load

    reference_data_load()
    user_create(
        username="wang",
        role="agent",
        password=PASSWORD,
        department="customer_service",
        display_name="王芳",
    )
    user_create(username="zhao", role="supervisor", password=PASSWORD, department="billing")
    page, base = browser_page, live_server.url

    log_in(page, base, "wang")
    page.goto(f"{base}/register/")
    form = page.locator("form.register-form")
    form.locator("input[name=customer_phone]").fill("13800138002")
    form.locator("input[name=customer_name]").fill("陈小红")
    form.locator("select[name=category]").select_option("billing.unexplained_charge")
    form.locator("textarea[name=content]").fill("本月短信费多扣了20元，我没有发过这么多短信")
    form.locator("textarea[name=demand]").fill("退还多扣的费用")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".ws-head")
    assert "当场解决" in page.locator(".flashes").first.inner_text()
    complaint = Complaint.objects.get(customer__name="陈小红")
    assert complaint.status == "dispatched"

    # The registering agent is offered the outcome on the first screen.
    resolve = page.locator("form[action$='/resolve/']")
    assert inside(resolve.locator("button[type=submit]").bounding_box(), 1366, 768)
    resolve.locator("select[name=finding]").select_option("true")
    resolve.locator("select[name=cause]").select_option("explanation_lacking")
    resolve.locator("select[name=remedy_1_type]").select_option("refund")
    resolve.locator("input[name=remedy_1_amount]").fill("20")
    assert "在您的授权内" in resolve.locator("[data-authority]").inner_text()
    resolve.locator("textarea[name=reply]").fill(
        "已为您核实短信扣费，多扣的20元已退还，抱歉给您添麻烦了。"
    )
    resolve.locator("button[type=submit]").click()
    page.wait_for_selector(".ws-head .status-resolved")
    assert page.locator(".flash", has_text="一次解决").count() == 1

    # The customer accepts on the spot: the agent closes it too.
    close = page.locator("form[action$='/close/']")
    assert inside(close.locator("button[type=submit]").bounding_box(), 1366, 768)
    close.locator("input[name=customer_accepted][value='1']").check()
    close.locator("button[type=submit]").click()
    page.wait_for_selector(".ws-head .status-closed")
    complaint.refresh_from_db()
    assert complaint.status == "closed"
    assert complaint.first_contact

    # The count tables are filled by the every-minute job (D11); then the supervisor reads the
    # dashboard: one complaint closed, resolved at first contact.
    jobs.run("analytics.fill")
    log_in(page, base, "zhao")
    page.goto(f"{base}/dashboard/")
    card = page.locator("[data-kpi=fcr]")
    assert "一次解决率" in card.inner_text()
    assert card.locator(".kpi-value").inner_text().strip() == "100.0%"
    assert inside(card.bounding_box(), 1366, 768)
    assert page_problems == []
