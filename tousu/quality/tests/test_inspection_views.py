"""The inspection pages: the inspector's list and scoring form (a refused score shows its
error and saves nothing), the handler's scores and appeal, the decision, calibration, the
scores per department and handler, the queue and the complaint page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.pages import as_user, page
from tousu.core import clock
from tousu.quality import services
from tousu.quality.models import CalibrationRound, Inspection, InspectionAppeal
from tousu.quality.tests.conftest import FULL

pytestmark = pytest.mark.django_db


def _form(points: dict[str, int], **extra: str) -> dict[str, Any]:
    return {**{f"points_{k}": str(v) for k, v in points.items()}, **extra}


def test_the_inspector_scores_from_the_list(task: Inspection, quality: Any) -> None:
    client = as_user(quality)
    listed = page(client.get(reverse("quality:inspections")))
    assert f'data-inspection="{task.pk}"' in listed
    detail = page(client.get(reverse("quality:inspection", args=[task.pk])))
    assert task.complaint.number in detail
    assert "执行标准" in detail  # the sheet's items
    assert 'name="points_timeliness"' in detail

    refused = client.post(reverse("quality:score", args=[task.pk]), _form({**FULL, "records": 9}))
    assert refused.status_code == 422
    task.refresh_from_db()
    assert task.status == "open"

    done = client.post(
        reverse("quality:score", args=[task.pk]),
        _form({**FULL, "explanation": 3}, note_explanation="未解释清楚", comment="整体规范"),
    )
    assert done.status_code == 302
    task.refresh_from_db()
    assert (task.status, str(task.total)) == ("scored", "92.0")
    assert "未解释清楚" in page(client.get(reverse("quality:inspection", args=[task.pk])))


def test_the_handler_sees_the_score_and_appeals_then_another_inspector_decides(
    task: Inspection, quality: Any, quality2: Any, handler: Any
) -> None:
    services.inspection_score(inspection=task, actor=quality, points={**FULL, "timeliness": 1})
    client = as_user(handler)
    scores = page(client.get(reverse("quality:my_scores")))
    assert f'data-inspection="{task.pk}"' in scores
    assert "84.0" in scores
    complaint_page = page(client.get(reverse("desk:detail", args=[task.complaint.number])))
    assert 'data-panel="inspections"' in complaint_page
    assert "84.0" in complaint_page
    queue = page(client.get(reverse("desk:queue")))
    assert f'data-inspection="{task.pk}"' in queue

    empty = client.post(reverse("quality:appeal", args=[task.pk]), {"reason": ""})
    assert empty.status_code == 422
    sent = client.post(reverse("quality:appeal", args=[task.pk]), {"reason": "系统故障导致超时"})
    assert sent.status_code == 302

    # Pending: every reader is told who decides; the one who scored gets no form, another does.
    url = reverse("quality:inspection", args=[task.pk])
    for reader in (handler, quality):
        pending = page(as_user(reader).get(url))
        note = pending.split('data-note="deciders">')[1].split("</p>")[0]
        assert "quality2" in note, reader
        assert "quality" in note.split("quality2")[0]  # names the one who scored, who may not
        assert 'data-panel="decide"' not in pending
    theirs = page(as_user(quality2).get(url))
    assert 'data-panel="decide"' in theirs
    assert 'data-note="deciders"' not in theirs

    decider = as_user(quality2)
    assert f'data-inspection="{task.pk}"' in page(decider.get(reverse("desk:queue")))
    decided = decider.post(
        reverse("quality:decide", args=[task.pk]),
        _form({**FULL, "timeliness": 4}, decision="upheld", note="系统故障属实"),
    )
    assert decided.status_code == 302
    task.refresh_from_db()
    assert str(task.total) == "96.0"
    assert InspectionAppeal.objects.get(inspection=task).status == "upheld"


def test_an_appeal_after_the_deadline_shows_why(
    task: Inspection, quality: Any, handler: Any
) -> None:
    services.inspection_score(inspection=task, actor=quality, points=FULL)
    task.refresh_from_db()
    assert task.appeal_due_at is not None
    with clock.frozen(task.appeal_due_at + dt.timedelta(hours=1)):
        late = as_user(handler).post(reverse("quality:appeal", args=[task.pk]), {"reason": "迟"})
    assert late.status_code == 422
    assert not InspectionAppeal.objects.exists()


def test_who_may_open_which_page(
    task: Inspection, handler: Any, supervisor: Any, outsider: Any, agent: Any
) -> None:
    assert as_user(handler).get(reverse("quality:inspections")).status_code == 403
    assert as_user(handler).get(reverse("quality:calibrations")).status_code == 403
    assert as_user(agent).get(reverse("quality:scores")).status_code == 403
    assert as_user(outsider).get(reverse("quality:inspection", args=[task.pk])).status_code == 404
    assert as_user(supervisor).get(reverse("quality:inspection", args=[task.pk])).status_code == 200
    assert as_user(supervisor).get(reverse("quality:scores")).status_code == 200


def test_calibration_round_by_page_and_its_agreement(
    closed_last_week: Callable[..., Any], quality: Any, quality2: Any
) -> None:
    complaints = [closed_last_week(), closed_last_week()]
    client = as_user(quality)
    bad = client.post(
        reverse("quality:calibrations"),
        {"name": "校准", "complaints": "TS000", "inspectors": [quality.pk, quality2.pk]},
    )
    assert bad.status_code == 422
    assert not CalibrationRound.objects.exists()
    made = client.post(
        reverse("quality:calibrations"),
        {
            "name": "十二月校准",
            "complaints": "\n".join(c.number for c in complaints),
            "inspectors": [quality.pk, quality2.pk],
        },
    )
    assert made.status_code == 302
    round_ = CalibrationRound.objects.get()
    for t in round_.inspections.all():
        who = quality if t.inspector_id == quality.pk else quality2
        points = FULL if who == quality else {**FULL, "wording": 3}
        services.inspection_score(inspection=t, actor=who, points=points)
    report = page(client.get(reverse("quality:calibration", args=[round_.pk])))
    assert 'data-figure="alpha"' in report
    assert complaints[0].number in report
    # Every inspector gave timeliness 5: nothing varies, alpha undefined — a dash, and the
    # page says what the dash means.
    timeliness = report.split('data-item="timeliness"')[1].split("</tr>")[0]
    assert timeliness.endswith('<td class="num">—</td>')
    assert 'data-note="alpha"' in report


def test_the_scores_page_and_the_dashboard_panel(
    task: Inspection, quality: Any, supervisor: Any
) -> None:
    services.inspection_score(inspection=task, actor=quality, points={**FULL, "attitude": 0})
    scores = page(as_user(supervisor).get(reverse("quality:scores")))
    assert "handler" in scores
    assert "100%" in scores  # the fatal rate
    refused = as_user(supervisor).get(reverse("quality:scores"), {"from": "9999-12-31"})
    assert refused.status_code == 200
    dashboard = page(as_user(supervisor).get(reverse("analytics:dashboard")))
    assert 'data-panel="quality-scores"' in dashboard
    # The departments by name in the reader's language (the page read the Chinese column).
    department = Inspection.objects.get(pk=task.pk).department
    assert department is not None
    assert department.name_en
    english = page(as_user(supervisor).get(reverse("quality:scores"), HTTP_ACCEPT_LANGUAGE="en"))
    assert department.name_en in english
    assert department.name not in english


def test_the_scores_period_inputs_hold_iso_dates(supervisor: Any) -> None:
    """A date input reads only YYYY-MM-DD: in the Chinese locale the default period rendered
    as 2026/11/09, so the inputs showed empty (mm/dd/yyyy) and the browser warned."""
    import re

    today = clock.local_today()
    html = page(as_user(supervisor).get(reverse("quality:scores"), HTTP_ACCEPT_LANGUAGE="zh-CN"))
    inputs = re.findall(r"<input[^>]*type=\"date\"[^>]*>", html)
    values = [re.search(r'value="([^"]*)"', tag) for tag in inputs]
    assert len(inputs) == 2
    assert [v.group(1) if v else None for v in values] == [
        (today - dt.timedelta(days=29)).isoformat(),
        today.isoformat(),
    ]


def test_a_round_started_without_a_name_reads_as_its_month_in_the_readers_language(
    closed_last_week: Callable[..., Any], quality: Any, quality2: Any
) -> None:
    from django.conf import settings

    complaints = [closed_last_week(), closed_last_week()]
    client = as_user(quality)
    made = client.post(
        reverse("quality:calibrations"),
        {
            "name": "",
            "complaints": "\n".join(c.number for c in complaints),
            "inspectors": [quality.pk, quality2.pk],
        },
    )
    assert made.status_code == 302
    round_ = CalibrationRound.objects.get()
    assert round_.name == ""  # nothing stored in one language
    month = clock.local(round_.created_at)
    for language, title in (
        ("en", f"Calibration {month:%Y-%m}"),
        ("zh-hans", f"{month.year}年{month.month:02d}月质检校准"),
    ):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        listed = page(client.get(reverse("quality:calibrations")))
        detail = page(client.get(reverse("quality:calibration", args=[round_.pk])))
        assert title in listed, language
        assert title in detail, language
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "质检校准" not in page(client.get(reverse("quality:calibrations")))
