"""The management-review pack (issue 16 item 5, R12.3): `tousu report review` writes the
workbook and the PDF with every section; the figures match the selectors on a small fixture;
bad input writes nothing; the dashboard's download is for those who see everything.

Fixture (the last complete week): two billing complaints closed, one scored by `quality`
(the attitude item failed: fatal) and appealed by the handler, the appeal rejected by
`quality2`; one scored in full.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from tousu.analytics import report_review
from tousu.analytics.selectors import kpis
from tousu.analytics.services import counts_rebuild
from tousu.core import clock
from tousu.quality import review, services
from tousu.quality.models import Objective
from tousu.quality.tests.conftest import FULL

SHEETS = ["目标达成", "质检结果", "纠正预防措施", "顾客满意", "客户修复", "受控文件", "内部审核"]
SECTIONS = [
    "一、投诉管理目标达成情况",
    "二、质检结果",
    "三、纠正和预防措施及其效果",
    "四、顾客满意",
    "五、不满意客户修复效果",
    "六、受控文件评审与阅知",
    "七、内部审核检查表",
]


@pytest.fixture
def reviewed_week(
    closed_last_week: Callable[..., Any],
    last_week: tuple[dt.date, dt.datetime],
    quality: Any,
    quality2: Any,
    handler: Any,
    admin_user: Any,
) -> tuple[dt.date, dt.date]:
    start, moment = last_week
    with clock.frozen(moment + dt.timedelta(hours=2)):
        failed = services.inspection_create(
            actor=admin_user, complaint=closed_last_week(), inspector=quality
        )
        full = services.inspection_create(
            actor=admin_user, complaint=closed_last_week(), inspector=quality
        )
        services.inspection_score(inspection=failed, actor=quality, points={**FULL, "attitude": 0})
        services.inspection_score(inspection=full, actor=quality, points=FULL)
        services.inspection_appeal(inspection=failed, actor=handler, reason_text="客户先辱骂")
        services.appeal_decide(inspection=failed, actor=quality2, upheld=False, note="录音属实")
    counts_rebuild()
    return start, start + dt.timedelta(days=6)


def _rows(sheet: Any) -> dict[str, tuple[Any, ...]]:
    return {str(r[0]): r[1:] for r in sheet.iter_rows(values_only=True) if r[0] is not None}


def test_review_pack_files(
    reviewed_week: tuple[dt.date, dt.date], tousu_cli: Callable[..., Any], tmp_path: Path
) -> None:
    first, last = reviewed_week
    code, out, err = tousu_cli(
        "report", "review", "--from", str(first), "--to", str(last), "--output", str(tmp_path)
    )
    assert code == 0, err
    stem = f"review-{first}-{last}"
    xlsx, pdf = tmp_path / f"{stem}.xlsx", tmp_path / f"{stem}.pdf"
    assert out.split() == [str(xlsx), str(pdf)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{stem}.pdf", f"{stem}.xlsx"]

    book = load_workbook(xlsx)
    assert book.sheetnames == SHEETS
    period = report_review.Period(first, last)
    current = kpis(period.start, period.end, mixes=False)["current"]
    objectives = _rows(book["目标达成"])
    assert objectives["投诉量（件）"][0] == current["volume"] == 2
    on_time = objectives["按时结案率"]
    assert on_time[0] == pytest.approx(current["on_time_rate"])
    assert on_time[2] == "≥ 90.0%"
    assert on_time[3] == ("达成" if current["on_time_rate"] >= 0.9 else "未达成")

    inspections = _rows(book["质检结果"])
    # n, mean (a fatal failure scores 0, the other 100), fatal rate
    assert inspections["计费中心"][:3] == (2, 50.0, 0.5)
    assert inspections["维持原判"][0] == 1
    assert inspections["改判（申诉成立）"][0] == 0
    assert "本期完成质检 2 件" in str(book["质检结果"]["A4"].value)

    checklist = _rows(book["内部审核"])
    assert checklist["7.2"][1].startswith("本期登记投诉 2 件")
    assert checklist["8.4"][1:4] == ("本期质检 2 件", "质检 › 质检任务", "有证据")
    assert checklist["8.7"][3] == "缺口"  # no corrective action in the fixture
    assert {"5.2", "5.3", "5.4", "6.2", "7.9", "8.3", "8.5", "8.6"} <= set(checklist)

    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    for heading in SECTIONS:
        assert heading in text
    assert "投诉管理评审报告" in text


def test_objective_met_and_missed() -> None:
    at_least = Objective(kpi="on_time_rate", direction="at_least", target=Decimal("0.900"))
    at_most = Objective(kpi="repeat_rate", direction="at_most", target=Decimal("0.050"))
    assert (at_least.met(0.9), at_least.met(0.89), at_least.met(None)) == (True, False, None)
    assert (at_most.met(0.05), at_most.met(0.051)) == (True, False)


@pytest.mark.django_db
def test_objectives_loaded_once_and_kept() -> None:
    services.objectives_load()
    Objective.objects.filter(kpi="on_time_rate").update(target=Decimal("0.950"))
    assert services.objectives_load() == 0
    assert Objective.objects.get(kpi="on_time_rate").target == Decimal("0.950")
    rows = review.objective_rows({"on_time_rate": 0.93})
    assert [r["met"] for r in rows if r["kpi"] == "on_time_rate"] == [False]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "last", "says"),
    [
        ("2026-13-01", "2026-12-31", "2026-13-01"),
        ("2026-09-30", "2026-07-01", "2026-09-30"),
        ("2020-01-01", "2026-01-01", "732"),
    ],
)
def test_bad_period_writes_nothing(
    tousu_cli: Callable[..., Any], tmp_path: Path, first: str, last: str, says: str
) -> None:
    code, _out, err = tousu_cli(
        "report", "review", "--from", first, "--to", last, "--output", str(tmp_path)
    )
    assert code != 0
    assert says in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_unwritable_directory_is_refused(tousu_cli: Callable[..., Any], tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    code, _out, err = tousu_cli(
        "report", "review", "--from", "2026-07-01", "--to", "2026-09-30", "--output", str(missing)
    )
    assert code != 0
    assert str(missing) in err
    assert not missing.exists()


@pytest.mark.django_db
def test_dashboard_download_permission(client: Any, make_user: Callable[..., Any]) -> None:
    url = reverse("analytics:review")
    query = {"from": "2026-07-01", "to": "2026-09-30", "format": "xlsx"}
    allowed = {"admin": 200, "quality": 200, "analyst": 200}
    # A supervisor sees one department: the pack covers the whole operation.
    for role, status in {**allowed, "supervisor": 403, "agent": 403}.items():
        client.force_login(make_user(f"r-{role}", role))
        response = client.get(url, query)
        assert response.status_code == status, role
    client.force_login(make_user("r-boss", "analyst"))
    book = load_workbook(io.BytesIO(client.get(url, query).content))
    assert book.sheetnames == SHEETS
    pdf = client.get(url, {**query, "format": "pdf"})
    assert pdf.content.startswith(b"%PDF")
    assert "review-2026-07-01-2026-09-30.pdf" in pdf["Content-Disposition"]
    bad = client.get(url, {**query, "to": "2026-06-30"})
    assert bad.status_code == 400


def test_corrective_actions_documents_and_their_clauses(
    open_capa: Callable[..., Any],
    plant_counts: Callable[..., None],
    handler: Any,
    quality: Any,
) -> None:
    """A corrective action verified effective (a planted fall from 3 to 1 a day), another
    still open past its due day; the policy in force acknowledged by one reader."""
    from tousu.quality.models import ControlledDocument

    done = dt.datetime(2026, 9, 5, 10, tzinfo=clock.SHANGHAI)
    effective = open_capa()
    with clock.frozen(done):
        for action in effective.actions.all():
            services.capa_action_done(action=action, actor=handler, note="已完成")
    plant_counts("billing.unexplained_charge", dt.date(2026, 8, 2), 30, 3)
    plant_counts("billing.unexplained_charge", dt.date(2026, 9, 6), 30, 1)
    with clock.frozen(dt.datetime(2026, 10, 6, 12, tzinfo=clock.SHANGHAI)):
        services.capa_verify(capa=effective, actor=quality)
    late = open_capa(title="宽带装机超时", due_on=dt.date(2026, 9, 20))
    policy = ControlledDocument.objects.create(code="QP-01", title="投诉管理方针", kind="policy")
    with clock.frozen(dt.datetime(2026, 9, 1, 9, tzinfo=clock.SHANGHAI)):
        version = services.document_version_issue(
            document=policy, actor=quality, author=quality, text="以客户为中心，件件有着落。",
            change_note="首次发布", effective_from=dt.date(2026, 9, 1),
            review_by=dt.date(2026, 10, 20),
        )  # fmt: skip
        services.document_acknowledge(document=policy, user=handler, version=version.number)
    first, last = dt.date(2026, 9, 1), dt.date(2026, 10, 31)

    capa = review.capa_section(first, last)
    assert "本期新开纠正和预防措施 2 项" in capa.paragraphs[0]
    assert "有效 1 项、无效 0 项；到期未完成 1 项" in capa.paragraphs[0]
    rows = {str(r[0]): r[1:] for r in capa.tables[0].rows}
    assert rows[f"CA{effective.pk} 不明扣费投诉"][0] == "关闭：有效"
    assert rows[f"CA{effective.pk} 不明扣费投诉"][2:4] == ["3 件投诉/天", "1 件投诉/天"]
    assert rows[f"CA{effective.pk} 不明扣费投诉"][4] == pytest.approx(1 / 3, abs=1e-3)
    assert rows[f"CA{late.pk} 宽带装机超时"][:2] == ["进行中（逾期）", "2026-09-20"]

    documents = review.documents_section(first, last)
    assert [r[:4] for r in documents.tables[0].rows] == [
        ["QP-01 投诉管理方针", 1, "2026-10-20", "已超期"]
    ]
    coverage = documents.tables[1].rows[0]
    readers = coverage[2]
    assert isinstance(readers, int)
    assert readers > 1
    assert coverage[3] == 1

    checks = {c.clause: c for c in review.audit_checks(report_review.Period(first, last))}
    assert checks["5.3"].present
    assert "QP-01 v1" in checks["5.3"].evidence
    assert checks["5.2"].present  # the policy management approved
    assert not checks["8.1"].present  # no seal of the timelines yet
    # Every "where to look" is a place an office reader can go, never a shell command.
    assert all("tousu " not in c.where and "_" not in c.where for c in checks.values())
    assert checks["8.1"].where.startswith("投诉详情 › 时间轴")
    assert checks["8.7"].present
    assert "2 项" in checks["8.7"].evidence


@pytest.mark.django_db
def test_the_checklist_counts_the_clauses_the_register_lists(reference: None) -> None:
    """6.3 counts the standard clauses as the register of controlled documents lists them —
    one per code, the version in force — not every version ever written: a revised clause
    is one clause, an expired or withdrawn one none."""
    from tousu.quality import selectors
    from tousu.resolution.models import StandardClause

    last = dt.date(2026, 9, 30)
    StandardClause.objects.all().delete()
    fields = {"title": "t", "text": "t", "effective_from": dt.date(2025, 1, 1)}
    StandardClause.objects.create(code="A", version=1, effective_to=dt.date(2025, 6, 30), **fields)
    StandardClause.objects.create(code="A", version=2, **fields)
    StandardClause.objects.create(code="B", version=1, **fields)
    StandardClause.objects.create(code="C", version=1, active=False, **fields)
    StandardClause.objects.create(code="D", version=1, effective_to=dt.date(2026, 1, 31), **fields)

    in_register = selectors.clauses_in_force(last)
    checks = {c.clause: c for c in review.audit_checks(report_review.Period(last, last))}

    assert [r.code for r in in_register] == ["A", "B"]
    assert "现行有效的处理标准条款 2 条" in checks["6.3"].evidence
    assert checks["6.3"].present


@pytest.mark.django_db
def test_a_clause_whose_evidence_misses_its_objective_is_a_nonconformity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """7.4 with first responses on time 59.5% against a 95% objective is recorded as the
    auditor would — evidence held, target missed — and counted as a finding, not a pass."""
    Objective.objects.all().delete()
    Objective.objects.create(kpi="first_response_on_time_rate", direction="at_least",
                             target=Decimal("0.950"))  # fmt: skip
    Objective.objects.create(kpi="on_time_rate", direction="at_least", target=Decimal("0.900"))
    current = {
        "volume": 100, "closed": 90, "first_response_on_time_rate": 0.595,
        "on_time_rate": 0.93, "repeat_rate": 0.02, "satisfaction_rate": 0.9,
    }  # fmt: skip
    body = {"current": current, "mix": {"channel": [], "category": []}}
    monkeypatch.setattr(review, "_figures", lambda period: body)
    first = last = dt.date(2026, 9, 30)

    checks = {c.clause: c for c in review.audit_checks(report_review.Period(first, last))}

    assert checks["7.4"].evidence == "首次响应及时率 59.5%（目标 ≥ 95.0%，未达成）"
    assert checks["7.4"].row()[4] == "有证据·未达标"
    assert checks["7.7"].row()[4] == "有证据"  # 93% against 90%: met
    assert "（目标 ≥ 90.0%，达成）" in checks["7.7"].evidence
    assert checks["7.9"].row()[4] == "有证据"  # no objective for the repeat rate here
    summary = review.audit_section(first, last).paragraphs[0]
    assert "1 条证据表明未达目标（7.4），记为不符合项" in summary


CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


def test_the_pack_is_written_in_the_language_of_whoever_downloads_it(
    reviewed_week: tuple[dt.date, dt.date], client: Any, make_user: Callable[..., Any]
) -> None:
    """An English reader's pack has English headings, labels and sentences (its names too);
    a Chinese reader's reads as it always has."""
    from django.conf import settings

    first, last = reviewed_week
    client.force_login(make_user("r-en", "analyst"))
    url = reverse("analytics:review")
    query = {"from": str(first), "to": str(last)}

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    pdf = client.get(url, {**query, "format": "pdf"})
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Complaint management review" in text
    assert "1. Complaint-handling objectives" in text
    assert "7. Internal-audit checklist (ISO 10002:2018)" in text
    assert "Billing centre" in text
    assert not CJK.findall(text), sorted(set(CJK.findall(text)))
    book = load_workbook(io.BytesIO(client.get(url, {**query, "format": "xlsx"}).content))
    assert book.sheetnames == [
        "Objectives", "Inspections", "Corrective actions", "Satisfaction", "Repair",
        "Documents", "Internal audit",
    ]  # fmt: skip
    assert " closed. Of " in str(book["Objectives"]["A4"].value)  # sentences apart
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert not any(CJK.search(str(v)) for v in row if v is not None), row

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    pdf = client.get(url, {**query, "format": "pdf"})
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for heading in SECTIONS:
        assert heading in text
    assert "Complaint management review" not in text
