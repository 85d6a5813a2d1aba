"""Approved wording: versions, the pages (list, search, what changed), the expired-wording check
on the resolve path (service, API and page), the suggestion panel and API, and the demo.

The complaints are built in their status (`complaint_in`): what is tested is the wording shown
and checked on them, not how they got there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tests.pages import as_user, page
from tousu.accounts.models import Department
from tousu.core.errors import NotAllowed, ValidationFailed
from tousu.knowledge import selectors, services
from tousu.knowledge.choices import CaseStatus, VersionState
from tousu.knowledge.models import Case, ReplyTemplate, WordingArticle
from tousu.knowledge.tests.conftest import NEW_TEXT, OLD_TEXT
from tousu.resolution.services import RemedyInput, complaint_resolve

pytestmark = pytest.mark.django_db


def test_versions_are_numbered_and_have_states(wording: Any) -> None:
    row = selectors.wording_article_get("unexplained-charge", channel="sms")
    assert [(v.version.number, v.state) for v in row.versions] == [
        (1, VersionState.EXPIRED),
        (2, VersionState.CURRENT),
    ]
    assert row.current is not None
    assert row.current.text == "多扣费用全额退还，三个工作日内到账。"
    assert row.previous is not None
    assert row.previous.version.number == 1


def test_only_quality_and_admins_edit_wording(
    wording: Any, handler: Any, supervisor: Any, quality: Any
) -> None:
    for user in (handler, supervisor):
        with pytest.raises(NotAllowed):
            services.wording_version_add(
                article=wording, actor=user, body="x", effective_from=dt.date(2026, 1, 1)
            )
    with pytest.raises(ValidationFailed) as error:
        services.wording_version_add(
            article=wording,
            actor=quality,
            body="",
            effective_from=dt.date(2026, 1, 2),
            valid_until=dt.date(2026, 1, 1),
            variants={"pigeon": "咕"},
        )
    assert set(error.value.fields) == {"body", "valid_until", "variants"}
    with pytest.raises(ValidationFailed):
        services.wording_article_create(
            actor=quality, key="unexplained-charge", title="重复", topic="policy"
        )


def test_the_check_names_expired_wording(wording: Any) -> None:
    stale = selectors.expired_wording_problems("您好，" + OLD_TEXT)
    assert len(stale) == 1
    assert "不明扣费退费口径" in stale[0]
    assert "第 1 版" in stale[0]
    assert selectors.expired_wording_problems(NEW_TEXT) == []
    assert selectors.expired_wording_problems("已退还，给您带来不便深表歉意。") == []


def test_a_reply_with_expired_wording_is_refused_before_it_is_sent(
    complaint_in: Callable[..., Any], handler: Any, wording: Any
) -> None:
    complaint = complaint_in("in_progress")
    arguments: dict[str, Any] = {
        "actor": handler,
        "finding": "true",
        "cause": "process_error",
        "responsible_department": Department.objects.get(code="billing"),
        "remedies": [RemedyInput("refund", Decimal("58"))],
    }
    with pytest.raises(ValidationFailed) as error:
        selectors.reply_wording_check(OLD_TEXT)
    assert "第 1 版" in error.value.fields["reply"][0]
    complaint.refresh_from_db()
    assert complaint.status == "in_progress"
    selectors.reply_wording_check(NEW_TEXT)
    done = complaint_resolve(complaint=complaint, reply=NEW_TEXT, **arguments)
    assert done.status == "resolved"


def test_the_resolve_form_shows_why_and_the_api_refuses(
    complaint_in: Callable[..., Any], handler: Any, wording: Any, api_as: Callable[..., Any]
) -> None:
    complaint = complaint_in("in_progress")
    billing = Department.objects.get(code="billing")
    response = as_user(handler).post(
        reverse("desk:action", args=[complaint.number, "resolve"]),
        {
            "finding": "true",
            "cause": "process_error",
            "responsible_department": billing.pk,
            "remedy_1_type": "refund",
            "remedy_1_amount": "58",
            "reply": OLD_TEXT,
        },
    )
    assert response.status_code == 422
    assert "已失效的统一口径" in page(response)
    api = api_as(handler).post(
        f"/api/v1/complaints/{complaint.number}/resolve",
        {
            "finding": "true",
            "cause": "process_error",
            "responsible_department": "billing",
            "reply": OLD_TEXT,
        },
    )
    assert api.status_code == 422
    assert "已失效的统一口径" in api.json()["error"]["fields"]["reply"][0]


def test_wording_pages(wording: Any, agent: Any) -> None:
    client = as_user(agent)
    listing = page(client.get(reverse("knowledge:wording")))
    assert "不明扣费退费口径" in listing
    assert NEW_TEXT in listing
    assert OLD_TEXT not in listing  # only what is in force on the list
    assert "不明扣费退费口径" in page(
        client.get(reverse("knowledge:wording"), {"q": "退款 工作日"})
    )
    assert "不明扣费退费口径" not in page(client.get(reverse("knowledge:wording"), {"q": "漫游"}))
    assert "不明扣费退费口径" not in page(
        client.get(reverse("knowledge:wording"), {"topic": "tariff"})
    )

    detail = page(client.get(reverse("knowledge:wording_article", args=["unexplained-charge"])))
    assert OLD_TEXT in detail
    assert NEW_TEXT in detail
    assert "多扣费用全额退还，三个工作日内到账。" in detail  # the SMS variant
    assert client.get(reverse("knowledge:wording_article", args=["nope"])).status_code == 404

    changes = client.get(reverse("knowledge:wording_changes", args=["unexplained-charge"]))
    text = page(changes)
    assert "<del>" in text
    assert "<ins>" in text
    assert "退款时限缩短为三个工作日" in text
    assert changes.context["old"].version.number == 1
    assert changes.context["new"].version.number == 2
    first = client.get(
        reverse("knowledge:wording_changes", args=["unexplained-charge"]), {"to": "1"}
    )
    assert first.context["old"] is None


# ---- the suggestion panel and API -------------------------------------------------------------


@pytest.fixture
def template(reference: None) -> Any:
    return ReplyTemplate.objects.create(
        name="退款答复", body="{greeting}\n单号{number}：已为您办理{remedies}，合计{amount}元。"
    )


def test_the_panel_and_the_reply_aids(
    complaint_in: Callable[..., Any],
    handler: Any,
    quality: Any,
    clause: Any,
    wording: Any,
    template: Any,
) -> None:
    source = complaint_in("closed", customer_phone="13900000009")
    case = services.case_create(complaint=source, actor=quality)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.PUBLISHED)
    complaint = complaint_in("in_progress")
    text = page(as_user(handler).get(reverse("desk:detail", args=[complaint.number])))
    assert 'id="suggestion"' in text
    assert "BILL-01" in text
    assert "不明扣费退费口径" in text
    assert NEW_TEXT in text
    assert reverse("knowledge:case", args=[case.pk]) in text
    # The reply editor offers the template, filled in the browser as it is inserted (from
    # the form and the letter's facts, the real name among them), and the wording to insert.
    assert "data-insert=" in text
    assert (
        'data-template="{greeting}\n单号{number}：已为您办理{remedies}，合计{amount}元。"' in text
    )
    assert '"greeting": "\\u5c0a\\u656c\\u7684\\u5f20\\u4e09' in text  # 尊敬的张三
    assert "尊敬的张*客户" not in text


def test_the_suggestion_api(
    complaint_in: Callable[..., Any],
    handler: Any,
    outsider: Any,
    quality: Any,
    clause: Any,
    wording: Any,
    template: Any,
    api_as: Callable[..., Any],
) -> None:
    source = complaint_in("closed", customer_phone="13900000009")
    case = services.case_create(complaint=source, actor=quality, tags="退费")
    complaint = complaint_in("in_progress")
    url = f"/api/v1/complaints/{complaint.number}/suggestion"
    body = api_as(handler).get(url).json()
    assert body["clause"] == {
        "code": "BILL-01",
        "version": 1,
        "title": "不明扣费退还",
        "text": "核实为我方计费错误的，全额退还争议金额。",
    }
    assert [r["type"] for r in body["remedies"]] == ["refund"]
    assert body["missing_evidence"] == []
    assert [(w["key"], w["version"], w["text"]) for w in body["wording"]] == [
        ("unexplained-charge", 2, NEW_TEXT)
    ]
    assert body["cases"] == []  # a draft is not suggested
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.PUBLISHED)
    body = api_as(handler).get(url).json()
    assert [c["id"] for c in body["cases"]] == [case.pk]
    assert body["cases"][0]["tags"] == ["退费"]
    assert body["templates"][0]["name"] == "退款答复"

    assert api_as(outsider).get(url).status_code == 404
    assert api_as(handler).get("/api/v1/complaints/TS000/suggestion").status_code == 404
    assert api_as(None).get(url).status_code == 401


def test_the_suggestion_api_without_a_clause(
    complaint_in: Callable[..., Any], agent: Any, api_as: Callable[..., Any]
) -> None:
    complaint = complaint_in(
        "dispatched", category="security.harassment", content="每天接到骚扰电话"
    )
    body = api_as(agent).get(f"/api/v1/complaints/{complaint.number}/suggestion").json()
    assert body["clause"] is None
    assert body["remedies"] == []
    assert body["wording"] == []
    assert body["cases"] == []


def test_the_sms_channel_gets_its_variant(
    complaint_in: Callable[..., Any], agent: Any, wording: Any
) -> None:
    complaint = complaint_in("dispatched", channel="sms")
    rows = selectors.wording_for_complaint(complaint)
    assert [r.text for r in rows] == ["多扣费用全额退还，三个工作日内到账。"]


# ---- demo ---------------------------------------------------------------------------------------


def test_demo_knowledge_is_idempotent(
    complaint_in: Callable[..., Any], quality: Any, reference: None
) -> None:
    from tousu.knowledge.demo import ARTICLES, TEMPLATES, knowledge_demo_load

    complaint_in("closed")
    first = knowledge_demo_load()
    assert first["wording"] == sum(len(a.versions) for a in ARTICLES)
    assert first["templates"] == len(TEMPLATES)
    assert first["cases"] == 1
    assert knowledge_demo_load() == {"wording": 0, "templates": 0, "cases": 0}
    # The demo's articles, beside the messages' wording that `tousu init` loads (issue 17).
    assert WordingArticle.objects.exclude(topic="messages").count() == len(ARTICLES)
    assert Case.objects.get().status == CaseStatus.PUBLISHED
    roaming = selectors.wording_article_get("roaming-day-pass")
    assert [v.state for v in roaming.versions] == [VersionState.EXPIRED, VersionState.CURRENT]


def test_demo_wording_states_the_amounts_of_the_clause_it_restates() -> None:
    """统一口径 that promises customers one remedy while the clause prescribes another is the
    contradiction the demo must not show: every figure such a wording names is the clause's."""
    import re

    from tousu.knowledge.demo import ARTICLES
    from tousu.resolution.demo_clauses import DEMO_CLAUSES
    from tousu.resolution.rules import category_covers

    figures = re.compile(r"\d+(?:\.\d+)?")
    restating = [a for a in ARTICLES if a.clause]
    assert {a.clause for a in restating} == {"NET-02", "VAS-01", "SEC-02"}
    for article in restating:
        clause = next(c for c in DEMO_CLAUSES if c["code"] == article.clause)
        assert category_covers(clause["category"], article.category), article.key
        allowed = set(figures.findall(clause["text"]))
        for version in article.versions:
            for text in (version.body, *version.variants.values()):
                assert figures.findall(text), (article.key, text)
                assert set(figures.findall(text)) <= allowed, (article.key, text)


def test_a_fraud_complaint_is_given_the_anti_fraud_wording(
    complaint_in: Callable[..., Any], quality: Any, reference: None
) -> None:
    """Every channel tells a customer cheated by phone the same: 110, 96110, the bank (SEC-02)."""
    from tousu.knowledge.demo import knowledge_demo_load

    knowledge_demo_load()
    complaint = complaint_in("dispatched", category="security.fraud", content="接到诈骗电话被骗了")
    [row] = selectors.wording_for_complaint(complaint)
    assert "110" in row.text
    assert "96110" in row.text
    assert "紧急止付" in row.text
    sms = complaint_in(
        "dispatched",
        category="security.fraud",
        channel="sms",
        content="被骗了",
        customer_phone="13700001234",
    )
    assert [r.text for r in selectors.wording_for_complaint(sms)] == [
        "如已被骗请立即拨打110报警，可拨96110反诈专线咨询，并联系银行紧急止付。"
        "我公司不会索要验证码或要求转账。"
    ]
