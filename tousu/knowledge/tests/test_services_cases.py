"""The case library: a case from a closed complaint (service, API, the complaint page's
button), anonymised from the customer record; curation and publication; search and filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from conftest import reply_release
from tests.pages import as_user, page
from tousu.core.errors import Conflict, NotAllowed, ValidationFailed
from tousu.knowledge import selectors, services
from tousu.knowledge.choices import CaseStatus
from tousu.knowledge.models import Case

pytestmark = pytest.mark.django_db

SECRET_CONTENT = (
    "我是张三，手机13800138000，身份证32010219900307123X，家住南京市鼓楼区中山路100号3栋201室。"
    "上个月话费无故多扣了58元，张先生我要求退费。"
)


# Complaints are built in their status (`complaint_in`): these tests are about the cases made
# from them, not about how they were handled.
@pytest.fixture
def closed(complaint_in: Callable[..., Any]) -> Any:
    return complaint_in("closed", content=SECRET_CONTENT, demand="退还58元并道歉")


def test_case_from_a_closed_complaint_is_anonymised(closed: Any, quality: Any, clause: Any) -> None:
    case = services.case_create(complaint=closed, actor=quality, tags="退费, 计费错误")
    for secret in ("张三", "13800138000", "32010219900307123X", "中山路100号", "张先生"):
        assert secret not in case.content
        assert secret not in case.title
    assert "[电话]" in case.content
    assert "[证件号]" in case.content
    assert "[地址]" in case.content
    assert "某某" in case.content
    assert "某先生" in case.content
    assert "多扣了58元" in case.content
    assert "退还58元并道歉" in case.content
    assert case.outcome.startswith("经核查系计费系统错误")
    assert case.remedies == [{"type": "refund", "amount": "58.00"}]
    assert case.status == CaseStatus.DRAFT
    assert case.tag_list == ["退费", "计费错误"]
    assert case.finding == "true"
    assert case.cause == "process_error"
    # The clause that applied to the complaint, by default.
    assert list(case.clauses.all()) == [clause]
    assert case.title.startswith("不明扣费：")


def test_only_closed_complaints_become_cases(
    complaint_in: Callable[..., Any], quality: Any, reference: None
) -> None:
    resolved = complaint_in("resolved")
    with pytest.raises(Conflict, match="已结案"):
        services.case_create(complaint=resolved, actor=quality)
    assert not Case.objects.exists()


def test_one_case_per_complaint(closed: Any, quality: Any) -> None:
    services.case_create(complaint=closed, actor=quality)
    with pytest.raises(Conflict, match="已整理为案例"):
        services.case_create(complaint=closed, actor=quality)


def test_handlers_and_analysts_do_not_make_cases(closed: Any, handler: Any, analyst: Any) -> None:
    for user in (handler, analyst):
        with pytest.raises(NotAllowed):
            services.case_create(complaint=closed, actor=user)


def test_a_supervisor_of_the_department_makes_cases(closed: Any, supervisor: Any) -> None:
    assert services.case_create(complaint=closed, actor=supervisor).pk


def test_the_summary_given_or_the_handlers_steps(
    complaint_in: Callable[..., Any], handler: Any, quality: Any
) -> None:
    from tousu.resolution.services import handling_step_record

    complaint = complaint_in("in_progress", customer_name="李四")
    handling_step_record(
        complaint=complaint,
        actor=handler,
        step="solution",
        text="李四先生同意退款，电话13912345678",
    )
    from tousu.accounts.models import Department
    from tousu.resolution.services import RemedyInput, complaint_close, complaint_resolve

    complaint_resolve(
        complaint=complaint,
        actor=handler,
        finding="true",
        cause="process_error",
        responsible_department=Department.objects.get(code="billing"),
        remedies=[RemedyInput("refund", 58)],
        reply="已退还。",
    )
    reply_release(complaint)
    complaint = complaint_close(complaint=complaint, actor=handler, customer_accepted=True)
    case = services.case_create(complaint=complaint, actor=quality)
    assert case.summary == "某某先生同意退款，电话[电话]"


def test_curation_publishes_and_anonymises_what_is_typed(
    closed: Any, quality: Any, clause: Any
) -> None:
    case = services.case_create(complaint=closed, actor=quality)
    case = services.case_update(
        case=case,
        actor=quality,
        title="多扣58元的处理",
        summary="张三来电，核实后退款；联系电话13800138000",
        tags="退费 计费",
        clauses=[clause],
        for_training=True,
        status=CaseStatus.PUBLISHED,
    )
    assert case.status == CaseStatus.PUBLISHED
    assert case.published_by == quality
    assert case.summary == "某某来电，核实后退款；联系电话[电话]"
    assert case.for_training
    assert case.tag_list == ["退费", "计费"]
    with pytest.raises(ValidationFailed):
        services.case_update(
            case=case,
            actor=quality,
            title="",
            summary="",
            tags="",
            clauses=[],
            for_training=False,
            status="published",
        )


def test_search_and_filters(
    closed: Any, complaint_in: Callable[..., Any], quality: Any, handler: Any, clause: Any
) -> None:
    roaming = complaint_in(
        "closed",
        category="billing.roaming",
        content="出国漫游被收了天价流量费",
        customer_phone="13900000001",
    )
    a = services.case_create(complaint=closed, actor=quality, tags="退费")
    b = services.case_create(complaint=roaming, actor=quality, clauses=[], for_training=True)
    F = selectors.CaseFilters
    # Drafts are for curators; the front line sees published cases only.
    assert set(selectors.case_list(quality)) == {a, b}
    assert list(selectors.case_list(handler)) == []
    for case in (a, b):
        case.status = CaseStatus.PUBLISHED
        case.save()
    assert list(selectors.case_list(handler, F(q="漫游 流量"))) == [b]
    assert list(selectors.case_list(handler, F(q="漫游费"))) == [b]
    assert list(selectors.case_list(handler, F(q="身份证"))) == [a]
    assert set(selectors.case_list(handler, F(q="歉"))) == {a, b}  # one character: substring
    assert list(selectors.case_list(handler, F(category="billing.roaming"))) == [b]
    assert set(selectors.case_list(handler, F(category="billing"))) == {a, b}
    assert list(selectors.case_list(handler, F(clause="BILL-01"))) == [a]
    assert list(selectors.case_list(handler, F(tag="退费"))) == [a]
    assert list(selectors.case_list(handler, F(tag="退"))) == []
    assert list(selectors.case_list(handler, F(training=True))) == [b]
    assert list(selectors.case_list(quality, F(status="draft"))) == []


# ---- API --------------------------------------------------------------------------------------


def test_api_case_201_with_the_anonymised_text(
    closed: Any, quality: Any, clause: Any, api_as: Callable[..., Any]
) -> None:
    response = api_as(quality).post(
        f"/api/v1/complaints/{closed.number}/case",
        {"summary": "张三的多扣费，已退", "tags": ["退费"], "for_training": True},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["complaint"] == closed.number
    assert body["status"] == "draft"
    assert "13800138000" not in body["content"]
    assert "[电话]" in body["content"]
    assert body["summary"] == "某某的多扣费，已退"
    assert body["clauses"] == [{"code": "BILL-01", "version": 1, "title": "不明扣费退还"}]
    assert body["tags"] == ["退费"]
    assert body["for_training"] is True
    assert body["url"] == reverse("knowledge:case", args=[body["id"]])

    again = api_as(quality).post(f"/api/v1/complaints/{closed.number}/case")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"


def test_api_case_errors(
    complaint_in: Callable[..., Any],
    quality: Any,
    handler: Any,
    outsider: Any,
    supervisor: Any,
    api_as: Callable[..., Any],
) -> None:
    resolved = complaint_in("resolved")
    response = api_as(quality).post(f"/api/v1/complaints/{resolved.number}/case")
    assert response.status_code == 409
    assert "已结案" in response.json()["error"]["message"]
    closed = complaint_in("closed", customer_phone="13900000002")
    assert api_as(handler).post(f"/api/v1/complaints/{closed.number}/case").status_code == 403
    assert api_as(outsider).post(f"/api/v1/complaints/{closed.number}/case").status_code == 404
    assert api_as(quality).post("/api/v1/complaints/TS000/case").status_code == 404
    unknown = api_as(supervisor).post(
        f"/api/v1/complaints/{closed.number}/case", {"clauses": ["NOPE"]}
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["fields"]["clauses"] == ["未知条款「NOPE」"]
    extra = api_as(supervisor).post(f"/api/v1/complaints/{closed.number}/case", {"x": 1})
    assert extra.status_code == 422
    assert api_as(None).post(f"/api/v1/complaints/{closed.number}/case").status_code == 401


# ---- pages ------------------------------------------------------------------------------------


def test_the_button_on_the_complaint_page(closed: Any, quality: Any, handler: Any) -> None:
    url = reverse("desk:detail", args=[closed.number])
    button = reverse("desk:case_from_complaint", args=[closed.number])
    assert button in page(as_user(quality).get(url))
    assert button not in page(as_user(handler).get(url))

    response = as_user(quality).post(button)
    case = Case.objects.get(complaint=closed)
    assert response.status_code == 302
    assert response["Location"] == reverse("knowledge:case", args=[case.pk])
    text = page(as_user(quality).get(url))
    assert button not in text
    assert reverse("knowledge:case", args=[case.pk]) in text

    refused = as_user(quality).post(button, follow=True)
    assert "已整理为案例" in page(refused)
    assert as_user(handler).post(button).status_code == 302  # refused with a message
    assert Case.objects.count() == 1


def test_no_button_before_closing(complaint_in: Callable[..., Any], quality: Any) -> None:
    resolved = complaint_in("resolved")
    text = page(as_user(quality).get(reverse("desk:detail", args=[resolved.number])))
    assert reverse("desk:case_from_complaint", args=[resolved.number]) not in text
    response = as_user(quality).post(
        reverse("desk:case_from_complaint", args=[resolved.number]), follow=True
    )
    assert "只有已结案的投诉才能整理为案例" in page(response)


def test_case_pages_and_curation(closed: Any, quality: Any, handler: Any, clause: Any) -> None:
    case = services.case_create(complaint=closed, actor=quality)
    url = reverse("knowledge:case", args=[case.pk])
    # A draft is not for the front line.
    assert as_user(handler).get(url).status_code == 404
    assert case.title not in page(as_user(handler).get(reverse("knowledge:cases")))
    listing = page(as_user(quality).get(reverse("knowledge:cases")))
    assert case.title in listing

    response = as_user(quality).post(
        url,
        {
            "title": "多扣58元的处理",
            "summary": "核实后退款",
            "tags_text": "退费，计费",
            "clauses": [clause.pk],
            "for_training": "on",
            "status": "published",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "published"
    assert case.for_training
    assert case.tag_list == ["退费", "计费"]
    # Who published it, and what they changed, is on the audit log (R12.2).
    from tousu.accounts.models import AuditEntry

    entry = AuditEntry.objects.filter(object_type="knowledge.case").get()
    assert (entry.actor, entry.object_id) == (quality, str(case.pk))
    assert entry.changes["status"] == ["draft", "published"]

    text = page(as_user(handler).get(url))
    assert "多扣58元的处理" in text
    assert "13800138000" not in text
    assert "<li>退款 ¥58.00</li>" in text  # the remedy by its name, not its code
    assert "refund" not in text
    assert 'name="title"' not in text  # no curation form for the front line
    assert as_user(handler).post(url, {"title": "x"}).status_code == 403
    assert "多扣58元的处理" in page(as_user(handler).get(reverse("knowledge:cases"), {"q": "多扣"}))
    assert "多扣58元的处理" not in page(
        as_user(handler).get(reverse("knowledge:cases"), {"q": "漫游"})
    )
    invalid = as_user(quality).post(url, {"title": "", "status": "published"})
    assert invalid.status_code == 422


def test_case_list_is_a_fixed_number_of_queries(
    complaint_in: Callable[..., Any],
    quality: Any,
    clause: Any,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    client = as_user(quality)
    services.case_create(complaint=complaint_in("closed"), actor=quality)
    client.get(reverse("knowledge:cases"))
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("knowledge:cases"))
    for i in range(5):
        services.case_create(
            complaint=complaint_in("closed", customer_phone=f"1390000010{i}"), actor=quality
        )
    with django_assert_max_num_queries(20) as six:
        response = client.get(reverse("knowledge:cases"))
    assert len(response.context["page"].object_list) == 6
    assert len(six.captured_queries) == len(one.captured_queries)


def test_a_supervisor_curates_only_cases_of_their_departments_complaints(
    closed: Any, quality: Any, supervisor: Any, make_user: Callable[..., Any]
) -> None:
    """A billing complaint's case is for billing's supervisor (and quality staff) to edit and
    publish, not for another department's supervisor, who cannot see the complaint (issue 11)."""
    case = services.case_create(complaint=closed, actor=quality)
    network_supervisor = make_user("network_supervisor", "supervisor", department="network")
    edit: dict[str, Any] = {
        "title": "多扣58元的处理",
        "summary": "核实后退款",
        "tags": "退费",
        "clauses": [],
        "for_training": False,
        "status": CaseStatus.PUBLISHED,
    }
    with pytest.raises(NotAllowed):
        services.case_update(case=case, actor=network_supervisor, **edit)
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT
    url = reverse("knowledge:case", args=[case.pk])
    assert 'name="title"' not in page(as_user(network_supervisor).get(url))
    assert 'name="title"' in page(as_user(supervisor).get(url))
    done = services.case_update(case=case, actor=supervisor, **edit)
    assert done.status == CaseStatus.PUBLISHED
