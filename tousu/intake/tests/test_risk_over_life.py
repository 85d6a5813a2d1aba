"""The risk over a complaint's life (R10.2, issue 15): weighed again when something happens
that changes the picture, with the reasons, once per change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from tousu.complaints.models import Complaint
from tousu.complaints.services import complaint_note_add
from tousu.core import clock
from tousu.core.reasons import reason, reasons_text
from tousu.intake.risk import Life, risk_over_life
from tousu.intake.services import risks_rescore

BASE = (0.2, [reason("risk.repeat")])


# The escalation words are the admins' vocabulary (a table, seeded with the defaults).
@pytest.mark.django_db
def test_each_event_of_its_life_adds_to_the_risk_with_its_reason() -> None:
    calm = risk_over_life(*BASE, Life())
    assert (calm.score, calm.reasons) == (0.2, [reason("risk.repeat")])
    late = risk_over_life(*BASE, Life(overdue=True))
    assert late.score == 0.4  # 1 − 0.8 × 0.75
    assert late.reasons == [reason("risk.repeat"), reason("risk.overdue")]
    worse = risk_over_life(*BASE, Life(overdue=True, reopened=1, dissatisfied_callbacks=1))
    assert worse.score > late.score
    assert reason("risk.reopened", n=1) in worse.reasons
    # One transfer is routine; the second says the complaint is being passed around.
    assert risk_over_life(*BASE, Life(transfers=1)).score == 0.2
    assert reason("risk.transferred", n=2) in risk_over_life(*BASE, Life(transfers=2)).reasons


# The escalation words are the admins' vocabulary (a table, seeded with the defaults).
@pytest.mark.django_db
def test_what_the_customer_said_since_counts_like_at_registration() -> None:
    said = risk_over_life(0.0, [], Life(notes=("客户说再不解决就找媒体曝光",)))
    assert said.score >= 0.4
    assert any(isinstance(r, dict) and r["code"].startswith("risk.marker") for r in said.reasons)


pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_a_complaint_past_its_limit_is_weighed_again_once(
    register: Callable[..., Any], handler: Any
) -> None:
    complaint = register(received_at=clock.now() - dt.timedelta(hours=1))
    assert risks_rescore()["changed"] == 0  # nothing happened yet
    before = Complaint.objects.get(pk=complaint.pk).risk_score
    late = complaint.resolution_due + dt.timedelta(minutes=5)
    with clock.frozen(late):
        assert risks_rescore(now=late) == {"weighed": 1, "changed": 1}
        assert risks_rescore(now=late) == {"weighed": 0, "changed": 0}
    complaint.refresh_from_db()
    assert complaint.risk_score > before
    assert reason("risk.overdue") in complaint.risk_reasons
    event = complaint.events.get(type="risk_changed")
    assert (event.data["from"], event.data["to"]) == (before, complaint.risk_score)


@pytestmark_db
def test_a_new_complaint_is_not_weighed_again_until_something_happens(
    register: Callable[..., Any], supervisor: Any
) -> None:
    complaint = register(received_at=clock.now() - dt.timedelta(hours=1))
    # Weighed at registration, with everything there was to know: nothing for the job.
    assert risks_rescore() == {"weighed": 0, "changed": 0}
    complaint_note_add(complaint=complaint, actor=supervisor, text="客户来电询问进度")
    assert risks_rescore() == {"weighed": 1, "changed": 0}
    assert risks_rescore() == {"weighed": 0, "changed": 0}


@pytestmark_db
def test_a_complaint_registered_past_its_limit_is_weighed_with_it(
    register: Callable[..., Any],
) -> None:
    complaint = register(received_at=clock.now() - dt.timedelta(days=60))
    assert complaint.resolution_due < clock.now()
    assert risks_rescore() == {"weighed": 1, "changed": 1}
    complaint.refresh_from_db()
    assert reason("risk.overdue") in complaint.risk_reasons


@pytestmark_db
def test_an_angry_note_raises_the_risk_and_the_page_says_why(
    register: Callable[..., Any], supervisor: Any, client: Client
) -> None:
    complaint = register(received_at=clock.now() - dt.timedelta(hours=1))
    risks_rescore()
    complaint_note_add(
        complaint=complaint, actor=supervisor, text="客户来电：太过分了！！受够了，要去媒体曝光"
    )
    assert risks_rescore()["changed"] == 1
    complaint.refresh_from_db()
    with translation.override("en"):
        assert "agitated since" in reasons_text(complaint.risk_reasons)
    client.force_login(supervisor)
    page = client.get(f"/complaints/{complaint.number}/").content.decode()
    assert "风险重新评估" in page or "Risk reassessed" in page
    assert "客户情绪较登记时更激动" in page
