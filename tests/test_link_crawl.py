"""No dead link, no error page (issue 13, WORKSPACE.md "Checks that keep it true"): each role
starts on the landing page and follows every same-site link it is shown, in Chinese and in
English; English pages show generated text (routing, risk, consistency and approval reasons,
role names) in English.

Bounded: links are grouped by pattern (digits and complaint numbers folded, query keys kept)
and a few of each pattern are visited, not every complaint."""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from html import unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.template.base import Template
from django.test import Client
from django.utils import translation

from tests.pages import as_user

pytestmark = pytest.mark.django_db

PER_PATTERN = 2
# Links a crawl must not follow: leaving (logout), switching language (a POST form anyway),
# downloads that are large or slow to build (their own tests fetch them), files.
SKIP = re.compile(
    r"^/(logout/|i18n/|static/|media/|admin/logout/|admin/jsi18n/|complaints/export/"
    r"|dashboard/report/|api/v1/)"
)
ADMIN_SKIP = re.compile(r"/(add|delete|history|password)/$")
CJK = re.compile(r"[\u4e00-\u9fff]")


ANCHOR = re.compile(r"<a\s[^>]*?href=\"([^\"]*)\"")


def links(html: str) -> list[str]:
    """The targets of the page's links (Django escapes attribute values: no quote inside)."""
    return [unescape(href) for href in ANCHOR.findall(html)]


def pattern(url: str) -> str:
    """/complaints/TS20250101000001/ and /complaints/TS20250101000002/ are one pattern; so are
    ?page=2 and ?page=3."""
    parts = urlsplit(url)
    path = re.sub(r"[A-Z]*\d+", "N", parts.path)
    keys = sorted(k.split("=")[0] for k in parts.query.split("&") if k)
    return path + ("?" + "&".join(keys) if keys else "")


@dataclass
class Crawl:
    visited: dict[str, int] = field(default_factory=dict)  # url → status
    broken: list[tuple[str, int, str]] = field(default_factory=list)  # url, status, found on
    pages: dict[str, str] = field(default_factory=dict)  # url → HTML


def crawl(client: Client, starts: tuple[str, ...] = ("/",)) -> Crawl:
    """Follow links breadth first from `starts`, at most PER_PATTERN pages per pattern."""
    result = Crawl()
    seen_patterns: dict[str, int] = defaultdict(int)
    queue: deque[tuple[str, str]] = deque((start, "") for start in starts)
    queued = set(starts)
    while queue:
        url, source = queue.popleft()
        response = client.get(url)
        result.visited[url] = response.status_code
        if response.status_code in (301, 302):
            target = urljoin(url, response["Location"])
            if urlsplit(target).path.startswith("/login/"):
                # Sent to log in again: the page is closed to this role and linked anyway.
                result.broken.append((url, 403, source))
            continue
        if response.status_code >= 400:
            result.broken.append((url, response.status_code, source))
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        result.pages[url] = html
        for href in links(html):
            target = urljoin(url, href.split("#")[0])
            parts = urlsplit(target)
            if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if not local or SKIP.match(local) or local in queued:
                continue
            admin = local.startswith("/admin/")
            if admin and (parts.query or ADMIN_SKIP.search(local)):
                # The admin's own sorting, filtering, add, delete and history pages: Django's
                # machinery, tested by Django; each model's list and one record are ours.
                continue
            key = pattern(local)
            if seen_patterns[key] >= (1 if admin else PER_PATTERN):
                continue
            seen_patterns[key] += 1
            queued.add(local)
            queue.append((local, url))
    return result


@pytest.fixture
def office(complaint_in: Callable[..., Any], handler: Any) -> dict[str, Any]:
    """A small office: a complaint in every status; one waiting for approval over the
    handler's authority (approval reasons) from a customer who threatens the regulator (risk
    reasons), routed by a rule (routing reason); one resolved outside its clause (a
    consistency flag, with the amount the report sums)."""
    from tousu.resolution.models import ConsistencyFlag

    waiting = complaint_in("awaiting_approval", risk_score=0.8, risk_reasons=RISK_REASONS)
    flagged = complaint_in("resolved", remedies=[("refund", Decimal("915.9"))])
    ConsistencyFlag.objects.create(
        complaint=flagged,
        kind="out_of_range",
        remedy_type="refund",
        amount=Decimal("915.9"),
        reference=Decimal("58"),
        reason=CONSISTENCY_REASON,
        created_at=flagged.resolved_at,
    )
    for status in ("registered", "dispatched", "in_progress", "closed"):
        complaint_in(status)
    pages = [f"/complaints/{c.number}/" for c in (waiting, flagged)]
    return {"waiting": waiting, "flagged": flagged, "pages": pages}


# What intake and resolution wrote before reasons were stored as codes (issue 13).
RISK_REASONS = ["提到向工信部申诉", "30天内第3次投诉"]
CONSISTENCY_REASON = "退款 915.9 元，高于标准条款的 58 元"
# Generated text as stored in Chinese, which English pages (the admin apart) must show in
# English, and what the pages show (the risk, approval and consistency reasons; the approver's
# role by its name, not its code: "级别 supervisor" before).
GENERATED = [*RISK_REASONS, CONSISTENCY_REASON, "超出单笔授权"]
EXPECTED_EN = [
    "Mentions an appeal to the MIIT",
    "Complaint no. 3 within 30 days",
    "Refund 915.9 yuan, above the standard clause&#x27;s 58 yuan",
    "yuan is over the per-complaint authority of",
    "915.90",
    '<span class="muted">Approver</span>Supervisor',
]
EXPECTED_ZH = [
    *RISK_REASONS,
    CONSISTENCY_REASON,
    "元超出单笔授权",
    "915.90",
    '<span class="muted">审批人角色</span>主管',
]
ROLES = ("agent", "handler", "supervisor", "dept_head", "quality", "analyst", "admin_user")


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def plain_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    """Templates render as in production: the test runner's instrumented rendering copies the
    context of every template and include for `response.context`, which the crawl never
    reads (a third of its time)."""
    monkeypatch.setattr(Template, "_render", lambda self, context: self.nodelist.render(context))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_link_each_role_is_shown_opens(
    request: pytest.FixtureRequest, office: dict[str, Any], language: str, plain_rendering: None
) -> None:
    broken, untranslated, pages = [], [], {}
    for role in ROLES:
        client = as_user(request.getfixturevalue(role))
        if language == "en":
            english(client)
        # The landing page, and the complaints with generated reasons, as a notice opens them.
        result = crawl(client, ("/", *office["pages"]))
        broken += [f"{role}: {s} {u} (linked from {f})" for u, s, f in result.broken]
        # The crawl went past the landing page: the queue links to the pages of the role.
        assert len(result.visited) > 3, role
        if language == "en":
            for url, html in result.pages.items():
                if url.startswith("/admin/"):
                    continue  # the admin shows stored values as stored
                untranslated += [f"{role}: {t!r} on {url}" for t in GENERATED if t in html]
        pages.update(result.pages)
        translation.deactivate()
    assert broken == [], "\n".join(broken)
    assert untranslated == [], "\n".join(untranslated)
    text = "".join(pages.values())
    expected = EXPECTED_EN if language == "en" else EXPECTED_ZH
    assert [t for t in expected if t not in text] == []
