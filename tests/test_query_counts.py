"""Query counts of every page and API operation, held to a committed baseline.

Every staff page (from the URL resolver) and every API operation (from the OpenAPI schema) is
requested once, as a persona who may use it, against one small data set built through the
real services; the SQL statements of the request are counted and compared with
`tests/query_counts.json`. A rise fails, naming the page, both counts and the statements; a
fall passes with a warning. A new page or operation fails until it has a baseline.

Accept a deliberate change (and tighten after a fall) by rewriting the baseline:

    TOUSU_QUERY_BASELINE=update .venv/bin/python -m pytest -p no:cacheprovider \
        tests/test_query_counts.py

then commit tests/query_counts.json. Run it on PostgreSQL too (TOUSU_DATABASE_URL=…): an
entry whose counts differ between the databases keeps one count per database vendor.

The baseline is keyed by method and path pattern (`GET /complaints/<number>/`), never by URL
name: names change with the code's layout, the addresses people use do not. Requests use
literal paths for the same reason.

Since every page and operation is requested here anyway, each answer is also checked for the
deployment headers (issue 11): the Content-Security-Policy, `Cache-Control: no-store`, and no
inline code in an HTML page that the policy would refuse.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import (
    PASSWORD,
    ApiClient,
    complaint_drive,
    complaint_register_billing,
    persona_create,
)
from tests.pages import inline_code
from tousu.core import clock, refcache
from tousu.core.middleware import csp_header_value

BASELINE = Path(__file__).with_name("query_counts.json")
UPDATE = os.environ.get("TOUSU_QUERY_BASELINE", "") == "update"
UPDATE_COMMAND = (
    "TOUSU_QUERY_BASELINE=update .venv/bin/python -m pytest -p no:cacheprovider "
    "tests/test_query_counts.py (on each database whose count changed) and commit "
    "tests/query_counts.json"
)

# Every request happens at this moment and the data set is built a day before it, so that
# what depends on "now" (time left, overdue, the dashboard's default period, the business
# calendar) is the same on every run, whenever CI runs. A Wednesday, not a holiday.
NOW = dt.datetime(2026, 3, 11, 10, 0, tzinfo=clock.SHANGHAI)
BUILT_AT = NOW - dt.timedelta(days=1)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
REPLY = "经核查系计费系统错误，已退还多扣的58元，给您带来不便深表歉意。"


# ---- the data set ----------------------------------------------------------------------------


@dataclass
class World:
    """The data set the pages are requested against: the personas by username, complaints by
    a name saying what they are, and the other records pages need by address."""

    users: dict[str, Any] = field(default_factory=dict)
    complaints: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)

    def number(self, name: str) -> str:
        return str(self.complaints[name].number)


PERSONAS = (
    ("agent", "agent", "customer_service"),
    ("handler", "handler", "billing"),
    ("handler2", "handler", "billing"),
    ("supervisor", "supervisor", "billing"),
    ("dept_head", "dept_head", "billing"),
    ("quality", "quality", "complaint_office"),
    ("analyst", "analyst", "complaint_office"),
    ("admin", "admin", "complaint_office"),
    ("outsider", "handler", "network"),
)


def world_build() -> World:
    """A few complaints in every status, through the real services, with what the pages show
    about them: notes, handling steps, evidence, remedies, an approval, callbacks, a transfer,
    an expert team, a repeat, a high-risk one, one waiting for triage, a case, a clause, an
    approved wording, a special customer, notifications and filled count tables."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group

    from tousu.accounts.models import Department, LoginLockout
    from tousu.accounts.services import pii_access_log, token_create
    from tousu.analytics.services import counts_fill
    from tousu.callbacks.services import complaint_callback_record
    from tousu.classification.models import Category, TextModel
    from tousu.complaints.services import complaint_merge, complaint_note_add, saved_view_save
    from tousu.customers.services import customer_special_set
    from tousu.intake.services import Registration, complaint_register
    from tousu.knowledge import services as knowledge
    from tousu.knowledge.models import ReplyTemplate
    from tousu.notifications.models import WebhookEndpoint
    from tousu.resolution.models import ClauseRemedy, StandardClause
    from tousu.resolution.services import evidence_add, handling_step_record
    from tousu.routing.services import complaint_categorise, complaint_dispatch, expert_team_form
    from tousu.sla.services import complaint_escalate, complaint_pause

    w = World()
    u = w.users
    # An integration listening to every event: registrations and closings queue deliveries.
    WebhookEndpoint.objects.create(name="crm", url="https://crm.example.com/hook", secret="s3cret")

    def personas(*names: str) -> None:
        for username, role, department in PERSONAS:
            if username in names:
                u[username] = persona_create(username, role, department)

    # Billing assigns automatically, by load: while `handler` is its only handler, every
    # complaint driven through the lifecycle goes to them, as `complaint_drive` expects.
    personas("agent", "handler", "quality")

    clause = StandardClause.objects.create(
        code="BILL-01",
        title="不明扣费退还",
        text="核实为我方计费错误的，全额退还争议金额。",
        category=Category.objects.get(code="billing.unexplained_charge"),
        effective_from=dt.date(2020, 1, 1),
        required_evidence=["bill"],
    )
    ClauseRemedy.objects.create(clause=clause, type="refund", basis="none", note="全额退还")
    article = knowledge.wording_article_create(
        actor=u["quality"],
        key="unexplained-charge",
        title="不明扣费退费口径",
        topic="policy",
        category=Category.objects.get(code="billing"),
    )
    knowledge.wording_version_add(
        article=article,
        actor=u["quality"],
        body="不明扣费核实属实的，全额退还多扣费用。退款在三个工作日内返还至话费账户。",
        effective_from=dt.date(2026, 1, 1),
        variants={"sms": "多扣费用将在三个工作日内退还。"},
    )
    w.ids["wording"] = article.key

    def drive(name: str, status: str, **fields: Any) -> Any:
        w.complaints[name] = complaint_drive(status, u["handler"], **fields)
        return w.complaints[name]

    # Two customers with several complaints each, so that lists and the customer page have
    # more than one row to show (a query per row would show as a rise).
    drive("dispatched", "dispatched", actor=u["agent"])
    drive("in_progress", "in_progress", customer_phone="13800138001", customer_name="李四")
    drive("awaiting_approval", "awaiting_approval", customer_phone="13800138002")
    drive("resolved", "resolved", customer_phone="13800138001", channel="web")
    drive("closed", "closed", customer_phone="13800138003")
    drive("callback_done", "closed", customer_phone="13800138004", channel="app")
    drive("in_progress_2", "in_progress", customer_phone="13800138005", channel="store")
    personas("handler2", "supervisor", "dept_head", "analyst", "admin", "outsider")
    w.complaints["public"] = complaint_register(
        registration=Registration(
            channel="web",
            content="网上营业厅显示我订了一个从没办过的套餐，每月扣30元",
            customer_phone="13800138006",
        ),
        actor=None,
        actor_name="customer",
    )
    # A repeat of the first one: same customer, same category, within the window.
    w.complaints["repeat"] = complaint_register_billing(actor=u["agent"], content="又多扣了钱")
    w.complaints["high_risk"] = complaint_register_billing(
        actor=u["agent"],
        customer_phone="13800138007",
        content="第三次投诉了！再不解决我就去工信部申诉，还要找媒体曝光你们乱扣费",
    )
    # A regulator referral: the authority's clocks beside ours (issue 17).
    w.complaints["referral"] = complaint_register_billing(
        actor=u["agent"],
        customer_phone="13800138011",
        channel="regulator",
        external_ref="粤通管申〔2026〕第1187号",
        authority="广东省通信管理局",
    )
    w.complaints["triage"] = complaint_register_billing(
        actor=u["agent"], customer_phone="13800138008", category="", content="我有一个问题想反映"
    )
    # Registered for billing, transferred to the network department (the outsider's).
    w.complaints["transferred"] = complaint_register_billing(
        actor=u["agent"], customer_phone="13800138009"
    )

    c = w.complaints
    complaint_note_add(complaint=c["in_progress"], actor=u["handler"], text="已联系计费中心核查")
    complaint_note_add(complaint=c["in_progress"], actor=u["agent"], text="客户来电催促")
    handling_step_record(
        complaint=c["in_progress"], actor=u["handler"], step="calm", text="客户情绪激动，已安抚"
    )
    evidence = evidence_add(
        complaint=c["in_progress"],
        actor=u["handler"],
        name="bill.png",
        content=PNG,
        description="账单截图",
        kind="bill",
    )
    w.ids["evidence"] = evidence.pk
    complaint_pause(complaint=c["in_progress_2"], actor=u["handler"], reason="等待客户提供账单")
    complaint_escalate(
        complaint=c["high_risk"], actor=u["supervisor"], level="major", reason="客户扬言申诉"
    )
    expert_team_form(
        complaint=c["high_risk"], actor=u["supervisor"], lead=u["handler"], members=[u["outsider"]]
    )
    complaint_dispatch(
        complaint=c["transferred"],
        actor=u["supervisor"],
        department=Department.objects.get(code="network"),
        reason="经查为信号问题导致的计费异常，转网络部",
    )
    # A double registration merged into the in-progress complaint of the same customer.
    c["merged"] = complaint_register_billing(
        actor=u["agent"], customer_phone="13800138001", content="同一笔扣费再次来电"
    )
    complaint_merge(
        complaint=c["merged"], actor=u["supervisor"], into=c["in_progress"], reason="重复登记"
    )
    complaint_callback_record(
        complaint=c["callback_done"],
        actor=u["agent"],
        result="satisfied",
        scores={"timeliness": 5, "attitude": 4, "solution": 5, "simplicity": 4},
        comment="满意",
    )
    from tousu.callbacks.services import survey_import

    survey_import(data=b"phone,surveyed_at,overall,network\n13800138001,2026-03-01 10:00,3,2\n")
    case = knowledge.case_create(complaint=c["closed"], actor=u["quality"], summary="计费错误退费")
    w.ids["case"] = case.pk
    customer = c["in_progress"].customer
    customer_special_set(
        customer=customer, actor=u["supervisor"], special_type="irritable", note="易怒，先安抚"
    )
    w.ids["customer"] = customer.pk
    # The customer's own survey link of the closed complaint's callback (issue 17).
    from tousu.messages.links import survey_token

    w.ids["survey"] = survey_token(c["closed"].callbacks.get(status="pending").pk)
    w.ids["saved_view"] = saved_view_save(
        user=u["supervisor"], name="超时件", query="overdue=on"
    ).pk
    # The staff's correction of a category, which the next training learns from.
    complaint_categorise(
        complaint=c["repeat"],
        actor=u["supervisor"],
        category=Category.objects.get(code="billing.tariff_dispute"),
    )
    pii_access_log(
        user=u["supervisor"], subject=f"customer:{customer.pk}", fields="phone", via="page"
    )
    token_create(user=u["agent"])
    Group.objects.create(name="值班主管")
    # Rows that only a command or an administrator makes; made directly: a trained model
    # (its blob is not read by any page) and a reply template.
    TextModel.objects.create(
        version="tfidf-test", algorithm="tfidf+logreg", labels=["billing"], blob=b""
    )
    ReplyTemplate.objects.create(
        name="退费答复", category=Category.objects.get(code="billing"), body="已为您退还多扣费用。"
    )
    # What the login policy (django-axes) writes: a guess, a login, a lockout on the audit trail;
    # on a name that is not a persona's, and from minutes before NOW (auto_now_add stamps the
    # wall clock): an older attempt is expired, and any login (force_login too) deletes it.
    # A mail from the complaints mailbox held for review (issue 17): a spoofed reply.
    from tousu.intake.models import InboundMail

    InboundMail.objects.create(
        message_id="<spoofed@evil.example>",
        sender="li@evil.example",
        subject="Re: 投诉",
        outcome=InboundMail.Outcome.SPOOFED,
        problem={"code": "mail.sender_mismatch", "params": {}},
        received_at=NOW,
    )
    # An SMS from a customer held for review (R1.1): empty, nothing registered.
    from tousu.intake.models import InboundSms

    InboundSms.objects.create(
        sender="8613800138000",
        text="",
        outcome=InboundSms.Outcome.INVALID,
        problem={"code": "sms.no_text", "params": {}},
        received_at=NOW,
        acted_at=NOW,
    )
    guess = {"username": "mallory", "ip_address": "10.1.1.1", "user_agent": "Mozilla/5.0"}
    AccessAttempt.objects.create(
        **guess, http_accept="text/html", path_info="/login/", failures_since_start=5
    )
    AccessFailureLog.objects.create(
        **guess, http_accept="text/html", path_info="/login/", locked_out=True
    )
    AccessLog.objects.create(
        username="handler", ip_address="10.1.1.2", user_agent="Mozilla/5.0", path_info="/login/"
    )
    guessed_at = NOW - dt.timedelta(minutes=5)
    for logged in (AccessAttempt, AccessFailureLog, AccessLog):
        logged.objects.update(attempt_time=guessed_at)
    LoginLockout.objects.create(
        scope="username",
        username="mallory",
        ip_address="10.1.1.1",
        path="/login/",
        failures=5,
        at=guessed_at,
        until=guessed_at + dt.timedelta(minutes=15),
    )
    # Issue 14: a dissatisfied callback handed to repair puts its customer in a case (the
    # signal runs after commit, which this transaction never does: the service directly);
    # a second case opened by hand, with a step done and a contact logged.
    from tousu.repair import services as repair

    # Billing assigns by load: handler2, who holds the fewest, gets it.
    c["repair"] = complaint_drive("closed", u["handler2"], customer_phone="13800138010")
    task = complaint_callback_record(
        complaint=c["repair"],
        actor=u["agent"],
        result="dissatisfied",
        scores={"timeliness": 2, "attitude": 3, "solution": 1, "simplicity": 2},
        comment="问题没解决",
        dissatisfied_action="repair",
    )
    finding = repair.finding_of_callback(task)
    assert finding is not None
    case = repair.repair_case_find(finding=finding)
    assert case is not None
    w.ids["repair_case"] = case.pk
    other = repair.repair_case_open(
        actor=u["supervisor"], customer=c["in_progress"].customer, type="tariff"
    )
    repair.repair_action_record(
        case=other, actor=u["handler"], step="contact", note="已联系", contact_outcome="reached"
    )
    _inspections_build(w)
    _quality_build(w)
    counts_fill()
    _alerts_build(w)
    _care_build(w)
    _incident_build(w)
    _import_build(w)
    _emotion_build()
    _export_build(w)
    for name in c:
        c[name].refresh_from_db()
    return w


IMPORT_HEADERS = ["受理时间", "渠道", "客户姓名", "联系电话", "投诉内容"]


def _import_csv(rows: list[list[str]]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows([IMPORT_HEADERS, *rows])
    return out.getvalue().encode("utf-8-sig")


def _import_build(w: World) -> None:
    """Issue 17: a finished web import whose two rows were refused (a phone too short, no
    content), so that it lists errors without adding complaints to the other pages."""
    from tousu.intake import imports

    data = _import_csv(
        [
            ["2026-03-09 09:30", "热线", "赵六", "12345", "话费多扣"],
            ["2026-03-09 10:00", "热线", "钱七", "13600136000", ""],
        ]
    )
    checked = imports.import_file_check(name="三月投诉.csv", data=data)
    run = imports.import_run_create(actor=w.users["supervisor"], checked=checked)
    imports.import_runs_process()
    run.refresh_from_db()
    assert (run.status, run.errors) == ("done", 2)
    w.ids["import_run"] = run.pk


def _import_upload(_: World) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = _import_csv([["2026-03-10 09:30", "热线", "孙八", "13500135000", "宽带断网"]])
    return {"file": SimpleUploadedFile("补录.csv", data), "default_channel": ""}


def _export_build(w: World) -> None:
    """A list export on the log, for the log's read-only admin pages."""
    from tousu.complaints.services import list_export_record

    list_export_record(
        user=w.users["admin"], format="csv", filters={"status": "closed"}, rows=1, revealed=False
    )


def _emotion_build() -> None:
    """Issue 18: a trained anger model, inactive (the registrations of the data set read no
    model), for its read-only admin pages."""
    from tousu.intake.models import EmotionModel

    EmotionModel.objects.create(
        version="emotion-test", source="fixture", training_n=0, active=False, blob=b""
    )


def _quality_build(w: World) -> None:
    """Issue 16: a corrective action on billing with two linked complaints and two actions
    (one done); a controlled document in its second version, read by the handler."""
    from tousu.classification.models import Category
    from tousu.quality import services as quality
    from tousu.quality.models import ControlledDocument

    u, c = w.users, w.complaints
    today = BUILT_AT.date()
    capa = quality.capa_open(
        actor=u["quality"],
        title="不明扣费投诉上升",
        source="category",
        category=Category.objects.get(code="billing"),
        root_cause="增值业务二次确认短信未下发",
        owner=u["handler"],
        due_on=today + dt.timedelta(days=30),
        complaints=[c["in_progress"], c["closed"]],
        actions=[
            quality.ActionDraft("恢复二次确认短信", u["handler"], today + dt.timedelta(days=7)),
            quality.ActionDraft("话术培训", u["handler2"], today + dt.timedelta(days=9)),
        ],
    )
    first, second = capa.actions.order_by("pk")
    quality.capa_action_done(action=first, actor=u["handler"], note="已恢复")
    w.ids["capa"] = capa.pk
    w.ids["capa_action"] = second.pk
    doc = ControlledDocument.objects.create(code="QP-01", title="投诉处理程序", kind="procedure")
    for n, day in enumerate((dt.date(2025, 6, 1), dt.date(2026, 1, 1))):
        quality.document_version_issue(
            document=doc,
            actor=u["quality"],
            author=u["quality"],
            text=f"受理后{2 - n}小时内派单。",
            change_note=f"第{n + 1}版",
            effective_from=day,
            review_by=day + dt.timedelta(days=365),
        )
    quality.document_acknowledge(document=doc, user=u["handler"])
    w.ids["document"] = doc.code


def _care_build(w: World) -> None:
    """Issue 15: a known billing error hitting three customers' accounts, its care list built
    and one call recorded (the care pages and the billing back office's work queue)."""
    from tousu.customers.models import Customer
    from tousu.early_warning.fault_file import FaultInput
    from tousu.early_warning.models import CareItem
    from tousu.early_warning.services import care_item_record, care_list_build, faults_import

    accounts = []
    for i, name in enumerate(("closed", "resolved", "repair")):
        account = f"0251000000{i:02d}"
        Customer.objects.filter(pk=w.complaints[name].customer_id).update(
            account=account, value_tier="五星"
        )
        accounts.append(account)
    # After the data set's complaints: these customers have not complained about it.
    with clock.frozen(NOW - dt.timedelta(hours=1)):
        fault = faults_import(
            faults=[
                FaultInput(
                    row=1,
                    kind="billing",
                    title="套餐月费重复扣费",
                    description="计费系统升级后月费被重复扣取",
                    region="",
                    started_at=NOW - dt.timedelta(hours=2),
                    ended_at=None,
                    accounts=accounts,
                )
            ],
            source="world",
        ).created[0]
        care_list_build(fault=fault)
        items = list(CareItem.objects.filter(fault=fault).order_by("pk"))
        care_item_record(
            item=items[0], actor=w.users["handler"], outcome="contacted", note="已致电说明"
        )
    w.ids["fault"] = fault.pk
    w.ids["care_item"] = items[-1].pk


def _inspections_build(w: World) -> None:
    """Issue 16: inspections of the handled complaints — one open for the inspector, the
    handler's scores (one appealed, waiting for a decision), and a calibration round of two
    inspectors on two complaints, scored."""
    from tousu.complaints.models import Complaint
    from tousu.quality import services as quality

    u = w.users
    u["quality2"] = persona_create("quality2", "quality", "complaint_office")
    full = {"timeliness": 5, "attitude": 5, "explanation": 5, "standard": 5, "records": 5}
    handled = list(
        Complaint.objects.filter(status__in=["resolved", "closed"], handler=u["handler"]).order_by(
            "pk"
        )
    )
    assert len(handled) >= 3
    tasks = [
        quality.inspection_create(actor=u["quality"], complaint=c, inspector=u["quality"])
        for c in handled
    ]
    w.ids["inspection_open"] = tasks[0].pk
    for i, task in enumerate(tasks[1:]):
        quality.inspection_score(
            inspection=task, actor=u["quality"], points={**full, "wording": i}, comment="用语欠规范"
        )
    w.ids["inspection_scored"] = tasks[1].pk
    quality.inspection_appeal(inspection=tasks[2], actor=u["handler"], reason_text="已使用统一口径")
    w.ids["inspection_appealed"] = tasks[2].pk
    round_ = quality.calibration_create(
        actor=u["quality"],
        name="校准",
        complaints=handled[1:],
        inspectors=[u["quality"], u["quality2"]],
    )
    for task in round_.inspections.select_related("inspector"):
        quality.inspection_score(
            inspection=task, actor=task.inspector, points={**full, "wording": 4}
        )
    w.ids["calibration"] = round_.pk


def _alerts_build(w: World) -> None:
    """An ongoing spike in a category × region and an ended one in all complaints, as the
    hourly scan leaves them (the alerts page and the dashboard's panel show both kinds)."""
    from tousu.accounts.models import Region
    from tousu.classification.models import Category
    from tousu.early_warning.models import Alert, BacklogModel

    # A backlog model, so the dashboard's forecast and its API score the open complaints.
    BacklogModel.objects.create(
        trained_at=NOW - dt.timedelta(hours=3),
        rows=100,
        base_rate=0.2,
        coefficients={"intercept": -1.0, "coefficients": {"level=major": 1.0}},
        brier=0.15,
    )
    outage = Category.objects.get(code="network.broadband_outage")
    region = Region.objects.order_by("code").first()
    assert region is not None
    common = {"kind": "spike", "z": 6.0, "terms": [{"term": "断网", "docs": 9}]}
    w.ids["alert"] = Alert.objects.create(
        slice=[["category", str(outage.pk)], ["region", str(region.pk)]],
        slice_key=f"category={outage.pk},region={region.pk}",
        window="hour",
        observed=12,
        expected=1.5,
        window_start=NOW - dt.timedelta(hours=2),
        detected_at=NOW - dt.timedelta(hours=1),
        last_seen_at=NOW - dt.timedelta(hours=1),
        examples=[w.number("in_progress")],
        **common,
    ).pk
    Alert.objects.create(
        slice=[],
        slice_key="",
        window="day",
        observed=80,
        expected=30.0,
        window_start=NOW - dt.timedelta(days=3),
        detected_at=NOW - dt.timedelta(days=2),
        last_seen_at=NOW - dt.timedelta(days=2),
        ended_at=NOW - dt.timedelta(days=1),
        examples=[],
        **common,
    )


STATEMENT = "因计费系统升级故障，部分客户上月话费被多扣，多扣费用将于三个工作日内全额退还。"


def _incident_build(w: World) -> None:
    """An open incident (R10.4) with five children in different statuses, statement versions
    (v1 sent to the open children, v2 approved and not sent yet, v3 a draft), a media entry and
    a complaint proposed to it at registration."""
    from tousu.early_warning import services as incidents

    u, c = w.users, w.complaints
    children = ["in_progress", "in_progress_2", "dispatched", "resolved", "closed"]
    incident = incidents.incident_open(
        actor=u["supervisor"],
        title="计费系统故障多扣话费",
        level="serious",
        terms=["多扣"],
        numbers=[w.number(name) for name in children],
    )
    w.ids["incident"] = incident.pk
    for version in (1, 2):
        draft = incidents.statement_draft(
            incident=incident, actor=u["supervisor"], text=f"{STATEMENT}（第{version}版）"
        )
        incidents.statement_approve(statement=draft, actor=u["dept_head"])
        if version == 1:
            action = incidents.incident_action_start(
                incident=incident, actor=u["supervisor"], kind="reply"
            )
            incidents.incident_action_apply(action)
    incidents.statement_draft(incident=incident, actor=u["supervisor"], text=STATEMENT)
    incidents.media_log_add(
        incident=incident,
        actor=u["supervisor"],
        outlet="微博",
        at=BUILT_AT,
        summary="网友反映话费被多扣",
        tone="negative",
    )
    (proposal,) = incidents.incident_propose(complaint=c["repeat"])
    w.ids["proposal"] = proposal.pk


@pytest.fixture(scope="module")
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(autouse=True)
def _isolated_files(settings: Any, media_root: Path) -> None:
    """Uploads go to the module's temporary folder, where the data set's evidence file is
    (the root conftest's folder per test would not have it)."""
    settings.MEDIA_ROOT = media_root


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, media_root: Path) -> Iterator[World]:
    """The data set, built once for the module inside a transaction rolled back at its end;
    each test runs in a savepoint inside it (pytest-django's `db`), so what one request
    writes is gone before the next. The clock stays at NOW throughout."""
    from django.test import override_settings

    from tousu.accounts.models import Department
    from tousu.accounts.reference import DEFAULT_DEPARTMENT
    from tousu.setup.services import reference_data_load

    # The root conftest's fast hasher is function-scoped: without it here, nine personas
    # would cost Argon2's deliberate 0.4 s each.
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=media_root,
    )
    with django_db_blocker.unblock(), transaction.atomic():
        # A transactional test run before on this worker empties the database; the reference
        # data is then loaded again, as the `reference` fixture would (and undone at the end).
        if not Department.objects.filter(code=DEFAULT_DEPARTMENT).exists():
            reference_data_load()
        with fast, clock.frozen(BUILT_AT):
            built = world_build()
        with clock.frozen(NOW), override_settings(TOUSU_WECHAT_TOKEN=WECHAT_TOKEN):
            yield built
        transaction.set_rollback(True)


# ---- what is requested -----------------------------------------------------------------------

Data = dict[str, Any] | Callable[[World], dict[str, Any]] | str | None


@dataclass(frozen=True)
class Req:
    """One request: method, persona (username; None for an anonymous visitor), path
    parameters (`complaint:<name>` for a complaint's number, `id:<name>` for World.ids, or a
    literal), query string (GET) or body (POST), the status it must answer with, and for
    the complaint page's actions the action in the path."""

    method: str = "GET"
    as_: str | None = "supervisor"
    params: dict[str, str] = field(default_factory=dict)
    data: Data = None
    status: int = 200
    action: str = ""
    # Told apart in the baseline from other requests of the same pattern and method.
    variant: str = ""
    # Request headers (e.g. HX-Request for the part of a page that HTMX polls).
    headers: dict[str, str] = field(default_factory=dict)
    # Run before the request, outside the count: what the request needs that the data set
    # has no reason to hold (a session with a receipt number).
    prepare: Callable[[Client, World], None] | None = None
    # A query string made when the request is (a signature over the time of sending), and a
    # raw body's content type (WeChat's XML) instead of a form.
    query: Callable[[], str] | None = None
    content_type: str = ""


# Path parameters that mean the same everywhere; others are given per request.
DEFAULT_PARAMS = {"number": "complaint:in_progress", "key": "id:wording"}


def _department(code: str) -> Callable[[World], int]:
    def pk(_: World) -> int:
        from tousu.accounts.models import Department

        return Department.objects.get(code=code).pk

    return pk


def _form(**values: Any) -> Callable[[World], dict[str, Any]]:
    """A form body whose callables are resolved against the data set when it is sent."""

    def body(w: World) -> dict[str, Any]:
        return {k: v(w) if callable(v) else v for k, v in values.items()}

    return body


def _upload(_: World) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    # A fresh file object per request: the warm-up request reads the first one to its end.
    return {"file": SimpleUploadedFile("bill.png", PNG), "description": "账单截图", "kind": "bill"}


def _receipt(client: Client, w: World) -> None:
    # The receipt page shows the complaint this browser just submitted: submit one first.
    form = {"phone": "13700001111", "name": "王五", "content": "营业员态度很差"}
    assert client.post("/public/", form).status_code == 302


WECHAT_TOKEN = "query-count-token"


def _wechat_signed(echostr: str = "") -> Callable[[], str]:
    """WeChat's query string, signed at the (frozen) time of sending, with a fresh nonce."""

    def query() -> str:
        import hashlib
        import secrets

        timestamp, nonce = str(int(clock.now().timestamp())), str(secrets.randbelow(10**9))
        parts = sorted([WECHAT_TOKEN, timestamp, nonce])
        signature = hashlib.sha1("".join(parts).encode()).hexdigest()  # noqa: S324
        echo = f"&echostr={echostr}" if echostr else ""
        return f"signature={signature}&timestamp={timestamp}&nonce={nonce}{echo}"

    return query


WECHAT_TEXT = (
    "<xml><ToUserName><![CDATA[gh_3a9c1e2f7b10]]></ToUserName>"
    "<FromUserName><![CDATA[o_query_counts]]></FromUserName><CreateTime>1773194400</CreateTime>"
    "<MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[13600002222 宽带每天晚上都断网，报修两次没人来]]></Content>"
    "<MsgId>24500000000000001</MsgId></xml>"
)


def _page_code(number: str, phone: str) -> Callable[[World], dict[str, Any]]:
    """The code form of the customer's page, with a code just sent (outside the count)."""

    def body(w: World) -> dict[str, Any]:
        from tousu.intake.services import page_code_send

        return {
            "step": "verify",
            "number": w.number(number),
            "phone": phone,
            "code": _code_of(page_code_send(number=w.number(number), phone=phone, ip="t")),
        }

    return body


def _code_of(message: Any) -> str:
    found = re.search(r"(?<![0-9A-Z])\d{6}(?!\d)", message.text)
    assert found is not None
    return found.group()


def _page_session(number: str, phone: str) -> Callable[[Client, World], None]:
    """Open the customer's page of complaint `number` in this browser (code by SMS)."""

    def sign_in(client: Client, w: World) -> None:
        assert client.post("/public/mine/", _page_code(number, phone)(w)).status_code == 302

    return sign_in


MY_PAGE = _page_session("in_progress", "13800138001")
MY_RESOLVED_PAGE = _page_session("resolved", "13800138001")
SURVEY_ANSWER = {
    "timeliness": "4",
    "attitude": "5",
    "solution": "5",
    "simplicity": "4",
    "overall": "5",
    "comment": "处理得很快",
}


RESOLVE_FORM = _form(
    finding="true",
    cause="process_error",
    responsible_department=_department("billing"),
    remedy_1_type="refund",
    remedy_1_amount="58",
    reply=REPLY,
)
CALLBACK_FORM = {
    "result": "satisfied",
    "overall": "5",
    "timeliness": "5",
    "attitude": "4",
    "solution": "5",
    "simplicity": "4",
    "comment": "满意",
    "action": "reopen",
}


def _action(action: str, complaint: str, as_: str, data: Data = None) -> Req:
    # Every action answers a success with a redirect to the complaint page.
    return Req("POST", as_, {"number": f"complaint:{complaint}"}, data, status=302, action=action)


# Pages by path pattern (from the URL resolver, parameters without their converters). A
# pattern not listed here is requested with GET as the supervisor, and fails if that needs
# parameters or answers otherwise than 200: give it a request here.
INSPECTION_SCORES = {
    "timeliness": 5,
    "attitude": 5,
    "explanation": 4,
    "standard": 5,
    "records": 5,
    "wording": 5,
}


def _scores_form(_: World) -> dict[str, Any]:
    return {f"points_{code}": str(points) for code, points in INSPECTION_SCORES.items()}


PAGES: dict[str, list[Req]] = {
    "/login/": [
        Req(as_=None),
        Req("POST", None, data={"username": "handler", "password": PASSWORD}, status=302),
    ],
    "/logout/": [Req("POST", status=302)],
    "/i18n/setlang/": [Req("POST", data={"language": "en", "next": "/"}, status=302)],
    # The supervisor's queue holds their department's late complaints besides their own moves.
    "/": [Req(as_="handler"), Req(variant="supervisor")],
    "/complaints/": [Req(), Req(data={"q": "话费"}, variant="search")],
    # A bulk transfer of two complaints (each its own service call: the count grows with
    # them, by design: every complaint is checked and moved as from its own page).
    "/complaints/bulk/": [
        Req(
            "POST",
            data=_form(
                numbers=lambda w: [w.number("dispatched"), w.number("in_progress")],
                action="transfer",
                department=_department("network"),
                reason="属于网络问题",
            ),
        )
    ],
    "/complaints/views/": [
        Req("POST", data={"name": "我的重要件", "query": "level=important"}, status=302)
    ],
    "/complaints/views/<pk>/delete/": [Req("POST", params={"pk": "id:saved_view"}, status=302)],
    "/complaints/export/": [
        Req(data={"format": "csv"}, variant="csv"),
        Req(data={"format": "xlsx"}, variant="xlsx"),
    ],
    "/triage/": [Req(as_="agent")],
    "/triage/classifier/": [Req(as_="supervisor")],
    "/complaints/<number>/": [
        Req(as_="handler"),
        # The callback form with its script from the approved wording.
        Req(as_="agent", params={"number": "complaint:closed"}, variant="callback"),
        # A regulator referral: its authority's clocks read in one more query.
        Req(as_="admin", params={"number": "complaint:referral"}, variant="referral"),
    ],
    "/complaints/<number>/authority-reply.pdf": [
        Req(as_="admin", params={"number": "complaint:referral"})
    ],
    "/complaints/<number>/evidence/<pk>/": [Req(as_="handler", params={"pk": "id:evidence"})],
    "/complaints/<number>/<action>/": [
        _action("accept", "dispatched", "handler"),
        _action(
            "dispatch",
            "dispatched",
            "supervisor",
            _form(department=_department("billing"), handler="handler2", reason=""),
        ),
        _action("return", "dispatched", "handler", {"reason": "不属于计费问题，请重新派单"}),
        _action("step", "in_progress", "handler", {"step": "calm", "text": "已安抚客户"}),
        _action("evidence", "in_progress", "handler", _upload),
        _action("resolve", "in_progress", "handler", RESOLVE_FORM),
        _action("approve", "awaiting_approval", "supervisor", {"approved": "1", "note": ""}),
        _action("close", "resolved", "handler", {"customer_accepted": "1"}),
        _action("callback", "closed", "agent", CALLBACK_FORM),
        _action("reopen", "resolved", "handler", {"reason": "客户不认可答复"}),
        _action(
            "escalate", "in_progress", "supervisor", {"level": "major", "reason": "客户要申诉"}
        ),
        _action("pause", "in_progress", "handler", {"reason": "等待客户提供账单"}),
        _action("resume", "in_progress_2", "handler"),
        _action("note", "in_progress", "handler", {"text": "已联系计费中心核查"}),
        _action("message", "in_progress", "handler", {"text": "您好，工程师将于明天上午上门。"}),
        _action(
            "merge",
            "in_progress",
            "supervisor",
            _form(into=lambda w: w.number("resolved"), reason="同一笔扣费重复登记"),
        ),
        _action("unmerge", "merged", "admin", {"reason": "不是同一笔扣费"}),
        _action("team", "high_risk", "supervisor", {"lead": "handler2", "members": ["outsider"]}),
        _action(
            "categorise",
            "triage",
            "agent",
            {"category": "billing.unexplained_charge"},
        ),
    ],
    "/register/": [
        Req(as_="agent"),
        Req(
            "POST",
            "agent",
            data={
                "channel": "hotline",
                "customer_phone": "13912345678",
                "customer_name": "王五",
                "content": "宽带三天没网，报修了也没人来",
                "demand": "尽快上门维修",
                "received_at": "2026-03-11T09:30",
                "category": "",
                "level": "",
            },
            status=302,
        ),
    ],
    "/register/customer/": [Req(as_="agent", data={"customer_phone": "13800138001"})],
    "/public/": [
        Req(as_=None),
        Req(
            "POST",
            None,
            data={"phone": "13700001111", "name": "王五", "content": "营业员态度很差"},
            status=302,
        ),
    ],
    "/public/receipt/": [Req(as_=None, prepare=_receipt)],
    "/public/wechat/": [
        Req(as_=None, query=_wechat_signed(echostr="5837419204")),
        Req("POST", None, data=WECHAT_TEXT, query=_wechat_signed(), content_type="text/xml"),
    ],
    "/public/status/": [
        Req(as_=None),
        Req(
            "POST",
            None,
            data=_form(number=lambda w: w.number("public"), phone="13800138006"),
        ),
    ],
    # The customer's own page (issue 17): a code by SMS, then that one complaint.
    "/public/mine/": [
        Req(as_=None),
        Req(
            "POST",
            None,
            data=_form(step="send", number=lambda w: w.number("public"), phone="13800138006"),
        ),
        Req("POST", None, data=_page_code("public", "13800138006"), status=302, variant="code"),
    ],
    "/public/mine/logout/": [Req("POST", None, status=302)],
    "/public/mine/<number>/": [
        Req(as_=None, prepare=MY_PAGE),
        Req(
            as_=None,
            params={"number": "complaint:resolved"},
            prepare=MY_RESOLVED_PAGE,
            variant="resolved",
        ),
    ],
    "/public/mine/<number>/note/": [
        Req(
            "POST",
            None,
            data={"text": "扣费是11月5日，短信截图已保存", "key": "k1"},
            status=302,
            prepare=MY_PAGE,
        )
    ],
    "/public/mine/<number>/accept/": [
        Req(
            "POST",
            None,
            params={"number": "complaint:resolved"},
            status=302,
            prepare=MY_RESOLVED_PAGE,
        )
    ],
    "/public/mine/<number>/reopen/": [
        Req(
            "POST",
            None,
            params={"number": "complaint:resolved"},
            data={"reason": "钱还没到账"},
            status=302,
            prepare=MY_RESOLVED_PAGE,
        )
    ],
    "/public/survey/<token>/": [
        Req(as_=None, params={"token": "id:survey"}),
        Req("POST", None, params={"token": "id:survey"}, data=SURVEY_ANSWER),
    ],
    "/customers/<pk>/": [Req(params={"pk": "id:customer"})],
    # Issue 17: the import page, an upload (its job runs after commit, outside the count), a
    # run's page and its polled progress, and its error file.
    "/imports/": [Req(), Req("POST", data=_import_upload, status=302)],
    "/imports/<pk>/": [
        Req(params={"pk": "id:import_run"}),
        Req(params={"pk": "id:import_run"}, variant="progress", headers={"HX-Request": "true"}),
    ],
    "/imports/<pk>/errors/": [Req(params={"pk": "id:import_run"})],
    "/customers/<pk>/reveal/": [Req("POST", params={"pk": "id:customer"})],
    "/customers/<pk>/special/": [
        Req(
            "POST",
            params={"pk": "id:customer"},
            data={"special_type": "talkative", "special_note": "说话多，耐心听"},
            status=302,
        )
    ],
    "/customers/<pk>/contact/": [
        Req(
            "POST",
            params={"pk": "id:customer"},
            data={"preferred_channel": "email", "email": "kh13800138000@139.com"},
            status=302,
        )
    ],
    "/notifications/": [Req(as_="handler")],
    "/notifications/read/": [Req("POST", "handler", status=302)],
    "/knowledge/cases/": [Req(as_="quality")],
    "/knowledge/cases/<pk>/": [Req(as_="quality", params={"pk": "id:case"})],
    "/knowledge/cases/from/<number>/": [
        Req("POST", "quality", {"number": "complaint:callback_done"}, status=302)
    ],
    "/knowledge/wording/new/": [Req(as_="quality")],
    "/knowledge/wording/<key>/versions/new/": [Req(as_="quality")],
    "/dashboard/report/": [Req(as_="analyst", data={"quarter": "2026Q1", "format": "xlsx"})],
    "/dashboard/review/": [
        Req(as_="analyst", data={"from": "2026-01-01", "to": "2026-03-31", "format": "xlsx"})
    ],
    "/alerts/<pk>/acknowledge/": [Req("POST", params={"pk": "id:alert"}, status=302)],
    "/care/": [Req(as_="handler")],
    "/care/faults/<pk>/": [Req(as_="handler", params={"pk": "id:fault"})],
    "/care/faults/<pk>/reveal/": [Req("POST", "handler", {"pk": "id:fault"})],
    "/care/items/<pk>/record/": [
        Req(
            "POST",
            "handler",
            {"pk": "id:care_item"},
            {"outcome": "contacted", "note": "已致电告知故障原因"},
            status=302,
        )
    ],
    "/incidents/new/": [
        Req(),
        Req(data=lambda w: {"alert": w.ids["alert"]}, variant="alert"),
        Req(
            "POST",
            data=lambda w: {
                "title": "宽带断网",
                "level": "major",
                "owner": w.users["supervisor"].pk,
                "terms": "断网 光猫",
                "numbers": w.number("transferred"),
            },
            status=302,
        ),
    ],
    "/incidents/<pk>/": [Req(params={"pk": "id:incident"})],
    "/incidents/<pk>/complaints/": [
        Req(
            "POST",
            params={"pk": "id:incident"},
            data=lambda w: {"numbers": w.number("transferred")},
            status=302,
        )
    ],
    "/incidents/<pk>/complaints/<number>/remove/": [
        Req("POST", params={"pk": "id:incident", "number": "complaint:dispatched"}, status=302)
    ],
    "/incidents/<pk>/statement/": [
        Req("POST", params={"pk": "id:incident"}, data={"text": STATEMENT}, status=302)
    ],
    "/incidents/<pk>/statement/<version>/approve/": [
        Req("POST", "dept_head", {"pk": "id:incident", "version": "3"}, status=302)
    ],
    "/incidents/<pk>/media/": [
        Req(
            "POST",
            params={"pk": "id:incident"},
            data={
                "outlet": "抖音",
                "at": "2026-03-11T09:00",
                "tone": "neutral",
                "summary": "视频提到多扣话费",
            },
            status=302,
        )
    ],
    "/incidents/<pk>/resolve/": [
        Req(
            "POST",
            params={"pk": "id:incident"},
            data={
                "finding": "true",
                "cause": "process_error",
                "responsible_department": "billing",
                "remedy_type": "refund",
                "amount": "20",
            },
            status=302,
        )
    ],
    "/incidents/<pk>/actions/<kind>/": [
        Req("POST", params={"pk": "id:incident", "kind": "reply"}, status=302)
    ],
    "/incidents/<pk>/close/": [
        Req(
            "POST",
            params={"pk": "id:incident"},
            data={
                "cause": "升级脚本错误",
                "went_well": "口径统一",
                "to_improve": "升级前比对",
                "follow_up": "纳入变更评审",
            },
            status=302,
        )
    ],
    "/incidents/proposals/<pk>/<decision>/": [
        Req("POST", params={"pk": "id:proposal", "decision": "accept"}, status=302)
    ],
    "/quality/inspections/": [Req(as_="quality")],
    "/quality/inspections/<pk>/": [
        Req(as_="quality", params={"pk": "id:inspection_open"}),
        Req(as_="handler", params={"pk": "id:inspection_scored"}, variant="scored"),
    ],
    "/quality/inspections/<pk>/score/": [
        Req("POST", "quality", {"pk": "id:inspection_open"}, _scores_form, status=302)
    ],
    "/quality/inspections/<pk>/appeal/": [
        Req("POST", "handler", {"pk": "id:inspection_scored"}, {"reason": "有录音"}, status=302)
    ],
    "/quality/inspections/<pk>/decide/": [
        Req(
            "POST",
            "quality2",
            {"pk": "id:inspection_appealed"},
            {"decision": "rejected", "note": "维持"},
            status=302,
        )
    ],
    "/quality/my-scores/": [Req(as_="handler")],
    "/quality/scores/": [Req(as_="supervisor")],
    "/quality/calibration/": [Req(as_="quality")],
    "/quality/calibration/<pk>/": [Req(as_="quality", params={"pk": "id:calibration"})],
    "/repair/": [Req(as_="handler")],
    "/repair/<pk>/": [Req(as_="handler", params={"pk": "id:repair_case"})],
    "/repair/<pk>/action/": [
        Req("POST", "handler", {"pk": "id:repair_case"}, {"step": "contact"}, status=302)
    ],
    "/repair/<pk>/close/": [
        Req("POST", "handler", {"pk": "id:repair_case"}, {"satisfaction_after": "4"}, status=302)
    ],
    "/repair/<pk>/assign/": [
        Req(
            "POST",
            "supervisor",
            {"pk": "id:repair_case"},
            lambda w: {"owner": w.users["handler"].pk},
            status=302,
        ),
        Req(
            "POST",
            "supervisor",
            {"pk": "id:repair_case"},
            lambda w: {"owner": w.users["handler"].pk},
            variant="in place",
            headers={"HX-Request": "true"},
        ),
    ],
    "/quality/capa/": [Req(as_="quality")],
    "/quality/capa/new/": [
        Req(
            as_="quality",
            data={"source": "term", "term": "话费", "from": "2026-02-10", "to": "2026-03-10"},
        ),
        Req(
            "POST",
            "quality",
            data=_form(
                title="话费投诉",
                kind="corrective",
                source="term",
                source_ref="话费",
                category="billing",
                complaints=lambda w: [w.number("in_progress")],
                root_cause="计费规则错误",
                owner=lambda w: w.users["handler"].pk,
                due_on="2026-04-10",
                verify_after_days="30",
                action_title="修正计费规则",
                action_owner=lambda w: w.users["handler"].pk,
                action_due_on="2026-03-20",
            ),
            status=302,
        ),
    ],
    "/quality/capa/<pk>/": [Req(as_="quality", params={"pk": "id:capa"})],
    "/quality/capa/<pk>/actions/": [
        Req(
            "POST",
            "quality",
            {"pk": "id:capa"},
            _form(title="复盘", owner=lambda w: w.users["handler"].pk, due_on="2026-03-20"),
            status=302,
        )
    ],
    "/quality/capa/<pk>/actions/<action_id>/done/": [
        Req("POST", "handler2", {"pk": "id:capa", "action_id": "id:capa_action"}, status=302)
    ],
    # The actions are not all done: refused with a message, back to the page.
    "/quality/capa/<pk>/verify/": [Req("POST", "quality", {"pk": "id:capa"}, status=302)],
    "/quality/documents/": [Req(as_="handler")],
    "/quality/documents/<code>/": [Req(params={"code": "id:document"})],
    "/quality/documents/<code>/acknowledge/": [
        Req("POST", "supervisor", {"code": "id:document"}, {"version": "2"}, status=302)
    ],
}

# What is not requested, and why.
SKIPS = {
    "/api/v1/": "django-ninja's root address: no page there, it answers 404",
    "/admin/<url>": "the admin's catch-all: any other path under /admin/ answers 404",
    "/admin/r/<content_type_id>/<object_id>/": "'view on site': no model here has an "
    "absolute URL, so it answers 404 for every object",
}

# API operations by method and path (OpenAPI's, parameters in angle brackets). Every GET
# operation is requested, as the supervisor on the in-progress complaint unless listed here;
# every POST operation must be listed.
PERIOD = {"from": "2026-02-10", "to": "2026-03-10"}


def _api(complaint: str, as_: str, body: Data = None, status: int = 200) -> Req:
    return Req("POST", as_, {"number": f"complaint:{complaint}"}, body, status)


API: dict[str, Req] = {
    "GET /api/v1/public/complaints/<number>": Req(
        as_=None, params={"number": "complaint:public"}, data={"phone": "13800138006"}
    ),
    "GET /api/v1/stats/kpis": Req(as_="analyst", data=PERIOD),
    "GET /api/v1/stats/responsible": Req(as_="analyst", data=PERIOD),
    "GET /api/v1/reports/satisfaction-drivers": Req(as_="analyst", data=PERIOD),
    "GET /api/v1/reports/consistency": Req(as_="quality", data=PERIOD),
    "GET /api/v1/alerts": Req(as_="analyst", data=PERIOD),
    "GET /api/v1/forecast/backlog": Req(as_="analyst"),
    "GET /api/v1/callbacks": Req(as_="agent", data={"state": "due"}),
    "POST /api/v1/complaints": Req(
        "POST",
        "agent",
        data={
            "channel": "hotline",
            "content": "宽带三天没网，报修了也没人来",
            "customer": {"phone": "13912345678", "name": "王五"},
        },
        status=201,
    ),
    "POST /api/v1/public/complaints": Req(
        "POST", None, data={"content": "营业员态度很差", "phone": "13700001111"}, status=201
    ),
    "POST /api/v1/complaints/<number>/dispatch": _api(
        "dispatched", "supervisor", {"department": "billing", "handler": "handler2"}
    ),
    "POST /api/v1/complaints/<number>/return": _api(
        "dispatched", "handler", {"reason": "不属于计费问题，请重新派单"}
    ),
    "POST /api/v1/complaints/<number>/team": _api(
        "high_risk", "supervisor", {"lead": "handler2", "members": ["outsider"]}
    ),
    "POST /api/v1/complaints/<number>/accept": _api("dispatched", "handler"),
    "POST /api/v1/complaints/<number>/messages": _api(
        "in_progress", "handler", {"text": "您好，工程师将于明天上午上门。"}, 201
    ),
    # Unsigned: refused before any query (the platform's signed receipts are tested in
    # tousu/messages/tests/test_transports.py).
    "POST /api/v1/messages/receipts/http": Req(
        "POST", None, data={"id": "gw-1", "status": "delivered"}, status=403
    ),
    "POST /api/v1/complaints/<number>/notes": _api(
        "in_progress", "handler", {"text": "已联系计费中心核查"}
    ),
    "POST /api/v1/complaints/<number>/escalate": _api(
        "in_progress", "supervisor", {"level": "major", "reason": "客户要申诉"}
    ),
    "POST /api/v1/complaints/<number>/pause": _api(
        "in_progress", "handler", {"reason": "等待客户提供账单"}
    ),
    "POST /api/v1/complaints/<number>/resume": _api("in_progress_2", "handler"),
    "POST /api/v1/complaints/<number>/resolve": _api(
        "in_progress",
        "handler",
        {
            "finding": "true",
            "cause": "process_error",
            "responsible_department": "billing",
            "remedies": [{"type": "refund", "amount": "58"}],
            "reply": REPLY,
        },
    ),
    "POST /api/v1/complaints/<number>/approve": _api(
        "awaiting_approval", "supervisor", {"approved": True}
    ),
    "POST /api/v1/complaints/<number>/close": _api(
        "resolved", "handler", {"customer_accepted": True}
    ),
    "POST /api/v1/complaints/<number>/reopen": _api(
        "resolved", "handler", {"reason": "客户不认可答复"}
    ),
    "POST /api/v1/complaints/<number>/merge": _api(
        "in_progress",
        "supervisor",
        lambda w: {"into": w.number("resolved"), "reason": "同一笔扣费重复登记"},
    ),
    "POST /api/v1/complaints/<number>/unmerge": _api("merged", "admin", {"reason": "误合并"}),
    "POST /api/v1/complaints/<number>/callback": _api(
        "closed",
        "agent",
        {
            "result": "satisfied",
            "scores": {"timeliness": 5, "attitude": 4, "solution": 5, "simplicity": 4},
            "overall": 5,
        },
    ),
    "POST /api/v1/complaints/<number>/case": _api("callback_done", "quality", status=201),
    "GET /api/v1/inspections": Req(as_="quality"),
    "POST /api/v1/inspections": Req(
        "POST", "quality", data=lambda w: {"complaint": w.number("repair")}, status=201
    ),
    "GET /api/v1/inspections/<id>": Req(as_="quality", params={"id": "id:inspection_scored"}),
    "POST /api/v1/inspections/<id>/score": Req(
        "POST", "quality", {"id": "id:inspection_open"}, {"scores": INSPECTION_SCORES}
    ),
    "POST /api/v1/inspections/<id>/appeal": Req(
        "POST", "handler", {"id": "id:inspection_scored"}, {"reason": "有录音"}
    ),
    "POST /api/v1/inspections/<id>/appeal/decide": Req(
        "POST", "quality2", {"id": "id:inspection_appealed"}, {"upheld": False, "note": "维持"}
    ),
    "GET /api/v1/repair/cases": Req(as_="handler"),
    "POST /api/v1/repair/cases": Req(
        "POST", "supervisor", data={"customer_phone": "13800138005", "type": "network"}, status=201
    ),
    "GET /api/v1/repair/cases/<id>": Req(as_="handler", params={"id": "id:repair_case"}),
    "POST /api/v1/repair/cases/<id>/actions": Req(
        "POST", "handler", {"id": "id:repair_case"}, {"step": "contact"}
    ),
    "POST /api/v1/repair/cases/<id>/close": Req(
        "POST", "handler", {"id": "id:repair_case"}, {"satisfaction_after": 4}
    ),
    "GET /api/v1/reports/repair": Req(as_="analyst", data=PERIOD),
    "GET /api/v1/capa": Req(as_="quality"),
    "POST /api/v1/capa": Req(
        "POST",
        "quality",
        data=_form(
            title="话费投诉",
            source="category",
            category="billing",
            root_cause="计费规则错误",
            owner="handler",
            due_on="2026-04-10",
            complaints=lambda w: [w.number("in_progress"), w.number("closed")],
            actions=[{"title": "修正计费规则", "due_on": "2026-03-20"}],
        ),
        status=201,
    ),
    "GET /api/v1/capa/<id>": Req(as_="quality", params={"id": "id:capa"}),
    "POST /api/v1/capa/<id>/actions": Req(
        "POST", "quality", {"id": "id:capa"}, {"title": "复盘", "due_on": "2026-03-20"}, 201
    ),
    "POST /api/v1/capa/<id>/actions/<action_id>/done": Req(
        "POST", "handler2", {"id": "id:capa", "action_id": "id:capa_action"}, {"note": "已完成"}
    ),
    # The actions are not all done: refused, nothing changed.
    "POST /api/v1/capa/<id>/verify": Req("POST", "quality", {"id": "id:capa"}, status=409),
    "GET /api/v1/documents": Req(as_="handler"),
    "GET /api/v1/documents/<code>": Req(as_="handler", params={"code": "id:document"}),
    "POST /api/v1/documents/<code>/acknowledge": Req(
        "POST", "supervisor", {"code": "id:document"}, {"version": 2}
    ),
    "GET /api/v1/incidents/<id>": Req(params={"id": "id:incident"}),
    "POST /api/v1/incidents": Req(
        "POST",
        data=lambda w: {
            "title": "宽带断网",
            "level": "major",
            "numbers": [w.number("transferred")],
        },
        status=201,
    ),
    "POST /api/v1/incidents/<id>/complaints": Req(
        "POST", params={"id": "id:incident"}, data=lambda w: {"numbers": [w.number("transferred")]}
    ),
    "POST /api/v1/incidents/<id>/statement": Req(
        "POST", params={"id": "id:incident"}, data={"text": STATEMENT}, status=201
    ),
    "POST /api/v1/incidents/<id>/statement/<version>/approve": Req(
        "POST", "dept_head", {"id": "id:incident", "version": "3"}
    ),
    "POST /api/v1/incidents/<id>/reply": Req("POST", params={"id": "id:incident"}),
    "POST /api/v1/incidents/<id>/resolve": Req(
        "POST",
        params={"id": "id:incident"},
        data={
            "finding": "true",
            "cause": "process_error",
            "responsible_department": "billing",
            "remedies": [{"type": "refund", "amount": "20"}],
        },
    ),
    "POST /api/v1/incidents/<id>/close": Req(
        "POST",
        params={"id": "id:incident"},
        data={
            "cause": "升级脚本错误",
            "went_well": "口径统一",
            "to_improve": "升级前比对",
            "follow_up": "纳入变更评审",
        },
    ),
}


# ---- the Django admin ------------------------------------------------------------------------


def _admin_model(pattern: str) -> tuple[Any, Any] | None:
    """The model and ModelAdmin of an admin page's pattern, or None for the admin's own."""
    from django.contrib import admin

    match = re.match(r"/admin/(\w+)/(\w+)/", pattern)
    if match is None:
        return None
    try:
        model = apps.get_model(match[1], match[2])
    except LookupError:
        return None
    return model, admin.site._registry[model]


def admin_req(pattern: str, w: World) -> Req:
    """The request for an admin page, as the administrator: its object is the model's first
    row in the data set; the status is what the ModelAdmin's permissions give (read-only
    admins refuse adding and deleting)."""
    from django.test import RequestFactory

    if pattern == "/admin/login/":
        return Req(as_=None)
    if pattern == "/admin/logout/":
        return Req("POST", "admin", status=302)
    if pattern == "/admin/autocomplete/":
        query = {"app_label": "sla", "model_name": "timelimitpolicy", "field_name": "category"}
        return Req(as_="admin", data={**query, "term": "计费"})
    params: dict[str, str] = {"app_label": "complaints", "id": str(w.users["admin"].pk)}
    status = 200
    found = _admin_model(pattern)
    if found is not None:
        model, model_admin = found
        row = model.objects.order_by("pk").first()
        assert row is not None, f"the data set has no {model.__name__}: add one to world_build"
        params["object_id"] = str(row.pk)
        request = RequestFactory().get("/")
        request.user = w.users["admin"]
        if pattern.endswith("/add/") and not model_admin.has_add_permission(request):
            status = 403
        if pattern.endswith("/delete/") and not model_admin.has_delete_permission(request, row):
            status = 403
        if pattern.endswith("<object_id>/"):
            status = 302  # the old address of the change page
    return Req(as_="admin", params=params, status=status)


# ---- enumeration -----------------------------------------------------------------------------


def _pattern(route: str) -> str:
    """'complaints/<str:number>/' → '/complaints/<number>/'; regex groups alike."""
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", route)
    return "/" + route.replace("^", "").replace("$", "")


def resolver_patterns() -> list[str]:
    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    return list(dict.fromkeys(_pattern(r) for r in walk(get_resolver().url_patterns, "")))


def api_operations() -> list[tuple[str, str]]:
    """(method, path) of every API operation, from the OpenAPI schema."""
    from tousu.config.api import api

    schema = api.get_openapi_schema()
    return [
        (method.upper(), re.sub(r"\{(\w+)\}", r"<\1>", path))
        for path, operations in schema["paths"].items()
        for method in operations
    ]


def key_of(pattern: str, req: Req) -> str:
    path = pattern.replace("<action>", req.action) if req.action else pattern
    return f"{req.method} {path}" + (f" {req.variant}" if req.variant else "")


@dataclass(frozen=True)
class Case:
    """One entry of the baseline: its key, the path pattern, and the request (or how to
    make it from the data set, for the admin's pages), or why it is not requested."""

    key: str
    pattern: str
    req: Req | None = None
    skip: str = ""
    api: bool = False

    def request(self, w: World) -> Req:
        if self.req is not None:
            return self.req
        if self.api:
            pytest.fail(f"no request for {self.key}: give it one in API")
        return admin_req(self.pattern, w)


def cases() -> list[Case]:
    operations = api_operations()
    operation_paths = {path for _, path in operations}
    found: list[Case] = []
    for pattern in resolver_patterns():
        if pattern in operation_paths:
            continue  # an API operation: below, by method
        if pattern in SKIPS:
            found.append(Case(f"GET {pattern}", pattern, skip=SKIPS[pattern]))
        elif pattern.startswith("/admin/") and pattern not in PAGES:
            method = "POST" if pattern == "/admin/logout/" else "GET"
            found.append(Case(f"{method} {pattern}", pattern))
        else:
            for req in PAGES.get(pattern, [Req()]):
                found.append(Case(key_of(pattern, req), pattern, req))
    for method, path in operations:
        key = f"{method} {path}"
        req = API.get(key)
        if req is None and method == "GET":
            req = Req()
        found.append(Case(key, path, req, api=True))
    keys = [c.key for c in found]
    assert len(keys) == len(set(keys)), "two requests have the same baseline key"
    return found


CASES = cases()
ALL_KEYS = {c.key for c in CASES if not c.skip}


# ---- the baseline ----------------------------------------------------------------------------

VENDORS = ("sqlite", "postgresql")
ABOUT_KEY = "_about"
ABOUT = (
    "SQL statements per request of tests/test_query_counts.py, by method and path pattern; "
    "a number for every database, or one per database vendor where they differ. "
    "Rewrite with TOUSU_QUERY_BASELINE=update (see the module's docstring)."
)


class FewerQueries(UserWarning):
    """A request made fewer queries than its baseline: fine, and worth tightening."""


def baseline_read() -> dict[str, Any]:
    return json.loads(BASELINE.read_text()) if BASELINE.exists() else {}


def baseline_count(entry: int | dict[str, int] | None, vendor: str) -> int | None:
    if isinstance(entry, dict):
        return entry.get(vendor)
    return entry


def baseline_merge(
    entry: int | dict[str, int] | None, vendor: str, count: int
) -> int | dict[str, int]:
    """The entry with this vendor's count: one number while the vendors agree (or only one
    has been measured), one per vendor once they differ."""
    if entry is None:
        return count
    counts = dict(entry) if isinstance(entry, dict) else dict.fromkeys(VENDORS, entry)
    counts[vendor] = count
    if len(set(counts.values())) == 1:
        return count
    return {v: counts[v] for v in VENDORS if v in counts}


def baseline_update(key: str, count: int) -> None:
    """Write one count into the baseline file. Test workers run in parallel (pytest-xdist),
    so each read-modify-write holds the file's lock; entries of pages that no longer exist
    are dropped on the way."""
    with open(BASELINE, "a+", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        text = f.read()
        data = json.loads(text) if text.strip() else {}
        data[key] = baseline_merge(data.get(key), connection.vendor, count)
        kept = {k: data[k] for k in sorted(data) if k in ALL_KEYS}
        f.seek(0)
        f.truncate()
        f.write(json.dumps({ABOUT_KEY: ABOUT, **kept}, ensure_ascii=False, indent=1) + "\n")


def baseline_check(key: str, count: int, statements: list[str]) -> None:
    if UPDATE:
        baseline_update(key, count)
        return
    vendor = connection.vendor
    old = baseline_count(baseline_read().get(key), vendor)
    if old is None:
        pytest.fail(f"no baseline for {key} on {vendor} ({count} queries): run {UPDATE_COMMAND}")
    if count > old:
        listing = "\n".join(f"  {i}. {sql[:300]}" for i, sql in enumerate(statements, 1))
        pytest.fail(
            f"{key}: {count} queries on {vendor}, the baseline says {old} (+{count - old}).\n"
            f"If the rise is deliberate, accept it: {UPDATE_COMMAND}.\n"
            f"The statements:\n{listing}",
            pytrace=False,
        )
    if count < old:
        warnings.warn(
            f"{key}: {count} queries on {vendor}, fewer than the baseline's {old}; "
            f"tighten it: {UPDATE_COMMAND}",
            FewerQueries,
            stacklevel=2,
        )


# ---- requests --------------------------------------------------------------------------------


def path_of(pattern: str, req: Req, w: World) -> str:
    """The literal path: the pattern's parameters filled from the data set."""
    params = {**DEFAULT_PARAMS, **req.params}

    def value(match: re.Match[str]) -> str:
        name = match[1]
        if name == "action":
            return req.action
        if name not in params:
            pytest.fail(f"{pattern}: no value for <{name}>; give it in the request's params")
        kind, _, ref = params[name].partition(":")
        if kind == "complaint":
            return w.number(ref)
        if kind == "id":
            return str(w.ids[ref])
        return params[name]

    return re.sub(r"<(\w+)>", value, pattern)


Send = Callable[[], Any]


def prepare(case: Case, req: Req, w: World) -> Send:
    """Log in (or make a token) and return the request, ready to send: what is counted is
    the request alone."""
    from tousu.accounts.services import token_create

    path = path_of(case.pattern, req, w)
    data = req.data(w) if callable(req.data) else req.data
    user = w.users[req.as_] if req.as_ else None
    if case.api:
        api = ApiClient(token_create(user=user) if user is not None else None)
        if req.method == "GET":
            return lambda: api.get(path, **(data or {}))
        return lambda: api.post(path, data)
    client = Client()
    if user is not None:
        client.force_login(user)
    if req.prepare is not None:
        req.prepare(client, w)
    if req.query is not None:
        path += "?" + req.query()
    if req.method == "GET":
        return lambda: client.get(path, data or {}, headers=req.headers)
    if req.content_type:
        return lambda: client.post(path, data, content_type=req.content_type, headers=req.headers)
    return lambda: client.post(path, data or {}, headers=req.headers)


def deployment_headers_check(key: str, response: Any) -> None:
    """The answer carries the Content-Security-Policy and no-store (personal data is on every
    page and in every API answer), and an HTML page holds nothing the policy refuses."""
    from django.conf import settings

    assert response.get("Content-Security-Policy") == csp_header_value(settings.SECURE_CSP), key
    cache_control = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert "no-store" in cache_control, f"{key}: Cache-Control {response.get('Cache-Control')!r}"
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        assert inline_code(response.content.decode()) == [], key


def response_read(response: Any) -> None:
    """Read a streamed body to its end: its rows are queried while it streams. (The test
    client closes the response at the end; closing it here would also close the database
    connection, and with it the data set's transaction, on PostgreSQL.)"""
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)


@pytest.mark.parametrize("case", CASES, ids=[c.key for c in CASES])
def test_query_count(case: Case, world: World, db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The request's SQL statements are no more than the baseline's."""
    if case.skip:
        pytest.skip(case.skip)
    req = case.request(world)
    # Once first, undone: the process's caches (content types, settings-derived lookups)
    # fill on a first request and never again, and which test runs first on a worker is
    # chance. The count is of the second, warm request, as a running server makes it.
    with transaction.atomic():
        response_read(prepare(case, req, world)())
        transaction.set_rollback(True)
    send = prepare(case, req, world)
    # The per-process copies (tousu.core.refcache: the countdown's policy table among them),
    # dropped before the test and loaded by the request above, are re-read at most once a
    # minute: kept through the request, however slowly a loaded machine serves the two.
    monkeypatch.setattr(refcache, "REFERENCE_CACHE_SECONDS", float("inf"))
    with CaptureQueriesContext(connection) as queries:
        response = send()
        response_read(response)
    assert response.status_code == req.status, (
        f"{case.key} answered {response.status_code}, not {req.status}: "
        f"the count would be of another page"
    )
    deployment_headers_check(case.key, response)
    baseline_check(case.key, len(queries), [q["sql"] for q in queries.captured_queries])


def test_the_lists_have_rows_to_show(world: World, db: None) -> None:
    """A list of one row makes the same count with or without a query per row: the data set
    must give every list page several rows, or the baseline would miss such a rise. (Plain
    queries on the models: the pages' selectors may move, the rows they show do not.)"""
    from django.conf import settings

    from tousu.analytics.models import DailyCount
    from tousu.complaints.models import Complaint
    from tousu.complaints.rules import OPEN_STATUSES
    from tousu.notifications.models import Notification

    u, c = world.users, world.complaints
    assert {x.status for x in c.values()} == {
        "dispatched",
        "in_progress",
        "awaiting_approval",
        "resolved",
        "closed",
    }
    billing = Complaint.objects.filter(department__code="billing")
    assert billing.count() >= 5
    assert billing.filter(handler=u["handler"], status__in=OPEN_STATUSES).count() >= 2
    assert c["repeat"].repeat_of == c["dispatched"]
    high = Complaint.objects.filter(risk_score__gte=settings.TOUSU_RISK_HIGH)
    assert list(high) == [c["high_risk"]]
    assert list(Complaint.objects.filter(category=None)) == [c["triage"]]
    assert Notification.objects.filter(user=u["handler"]).count() >= 2
    assert DailyCount.objects.exists()


def test_baseline_has_no_entries_for_pages_that_are_gone() -> None:
    stale = sorted(set(baseline_read()) - ALL_KEYS - {ABOUT_KEY})
    assert not stale, f"baseline entries for no page: {stale}; rewrite: {UPDATE_COMMAND}"


# ---- issue 19: a registration in a handful of statements --------------------------------------

# One registration through the API with an Idempotency-Key, on a warm process (the token used
# before, the reference tables' copies loaded: tousu.core.refcache), of a new customer. What
# every such registration costs, 11 statements: the token; the transaction's savepoint and its
# release (outside a test BEGIN and COMMIT, of which only SQLite's BEGIN is counted); the
# customer looked up and inserted (one statement on PostgreSQL: 10 there); the day's sequence
# (with the acknowledgement's key); the complaint; its search row; its four events in one
# INSERT; the acknowledgement; the key. Then
# what the destination adds: a department working from a queue tells its handlers (+1, their
# notices; who they are is in the process's copy); one that assigns automatically reads its
# handlers with their load (+1) and, when one takes it, updates their profile and tells them
# (+2); the webhook subscriptions to `registered` get their deliveries (+1 for them all).
# 52 statements when issue 19 was filed; 20 to 24 just before this (an UPDATE of the chain head,
# a second event INSERT, six reference tables, the answer read again).
REGISTRATION_BUDGET = 12
REGISTRATIONS = {
    # (the department's assignment mode, webhook subscribers): the budget
    "queue-no-webhooks": ("queue", False, 12),
    "auto-without-handlers-no-webhooks": ("auto", False, 12),
    "auto-to-a-handler-no-webhooks": ("auto", False, 14),
    "auto-to-a-handler-with-a-webhook": ("auto", True, 15),
}


@pytest.mark.parametrize("path", list(REGISTRATIONS))
def test_an_api_registration_with_a_key_costs_at_most_12_statements(
    world: World, db: None, path: str
) -> None:
    from tousu.accounts.models import Department, User
    from tousu.accounts.services import token_create
    from tousu.complaints.models import Complaint
    from tousu.complaints.selectors import timeline_verify
    from tousu.messages.models import Message
    from tousu.notifications.models import WebhookEndpoint

    mode, webhooks, budget = REGISTRATIONS[path]
    # The handler's profile and notice, and the webhook's delivery, are rows of their own.
    assert budget <= REGISTRATION_BUDGET or path.startswith("auto-to-a-handler")
    budget -= connection.vendor == "postgresql"  # the customer's look-up and INSERT in one
    billing = Department.objects.get(code="billing")
    billing.assignment_mode = mode
    billing.save()  # saved, not updated: routing's copy of the departments is dropped
    handlers = User.objects.filter(department=billing, role="handler", is_active=True)
    if path == "auto-without-handlers-no-webhooks":
        for handler in handlers:
            handler.is_active = False
            handler.save()
    if not webhooks:
        for endpoint in WebhookEndpoint.objects.filter(active=True):
            endpoint.active = False
            endpoint.save()
    api = ApiClient(token_create(user=world.users["agent"]))
    body = {
        "channel": "hotline",
        "content": "上个月话费无故多扣了58元，客服说查不到原因",
        "customer": {"phone": "13912340019", "name": "王五"},
        "demand": "退还多扣费用",
    }
    # As on a running server: a registration before (another customer's) has used the token
    # and loaded the process's copies.
    warm = {**body, "customer": {"phone": "13912340020", "name": "赵六"}}
    assert api.post("/api/v1/complaints", warm, HTTP_IDEMPOTENCY_KEY="warm").status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/complaints", body, HTTP_IDEMPOTENCY_KEY="issue-19")
    assert response.status_code == 201, response.content
    statements = "\n".join(f"  {q['sql'][:200]}" for q in queries.captured_queries)
    assert len(queries) <= budget, (
        f"{len(queries)} statements for one registration ({path}), the budget is "
        f"{budget}:\n{statements}"
    )
    # What the statements wrote is the whole registration: the chain verifies (its head on
    # the row, the events linked), the acknowledgement is queued and on the timeline.
    answer = response.json()
    assert answer["department"]["code"] == "billing"
    assert (answer["handler"] is not None) == path.startswith("auto-to-a-handler")
    number = answer["number"]
    complaint = Complaint.objects.get(number=number)
    assert timeline_verify([number]) == (1, [])
    events = list(complaint.events.order_by("seq").values_list("type", "data"))
    assert [t for t, _ in events] == ["registered", "classified", "dispatched", "message_out"]
    message = Message.objects.get(key=f"ack:{number}")
    assert events[-1][1]["message"] == message.pk
    assert complaint.event_seq == 4
    # The answer, made from the registration's own objects, is the one a read gives.
    read = api.get(f"/api/v1/complaints/{number}").json()
    read["time_left_seconds"] = answer["time_left_seconds"]  # a moment later
    assert {key: read[key] for key in answer} == answer
    # A retry with the key answers the first result.
    again = api.post("/api/v1/complaints", body, HTTP_IDEMPOTENCY_KEY="issue-19")
    assert again.status_code == 200
    assert again.json()["number"] == number
