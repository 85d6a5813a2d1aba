"""The demo's quality inspection is coherent: sampled tasks of every mandatory kind present in
the data, most scored by quality1 with comments that fit the complaint, some still open in
the queue, one appeal decided and one pending, a calibration round with its agreement."""

from __future__ import annotations

from typing import Any

import pytest

from tousu.quality.models import CalibrationRound, Inspection, InspectionAppeal
from tousu.quality.selectors import calibration_agreement
from tousu.setup.demo import demo_load


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_inspects_its_complaints(reference: None) -> None:
    demo_load(complaints=120, seed=2026)
    sampled = Inspection.objects.filter(plan__isnull=False).select_related("complaint")
    assert sampled.exists()
    reasons = set(sampled.values_list("reason", flat=True))
    assert "random" in reasons
    assert len(reasons & {"over_level", "reopened", "out_of_standard", "dissatisfied"}) >= 2
    scored = sampled.filter(status="scored")
    assert scored.count() > sampled.filter(status="open").count() > 0
    assert set(sampled.values_list("inspector__username", flat=True)) == {"quality1"}
    revised = set(
        InspectionAppeal.objects.filter(status="upheld").values_list("inspection", flat=True)
    )
    for task in scored.prefetch_related(
        "scores__item", "complaint__consistency_flags", "complaint__callbacks"
    ):
        points = {s.item.code: s.points for s in task.scores.all()}
        assert len(points) == 6
        assert task.comment
        if task.pk in revised:
            continue  # one item revised on appeal
        flag = task.complaint.consistency_flags.first()
        if flag is not None:
            over = flag.kind == "type_not_prescribed" or (
                flag.reference is not None and flag.amount > flag.reference
            )
            assert points["standard"] == (0 if over else 2), task.pk
            assert task.fatal == over
        c = task.complaint
        late = c.resolved_at and c.resolved_at > c.resolution_due
        first_late = c.accepted_at and c.accepted_at > c.first_response_due
        assert (points["timeliness"] < 5) == bool(late or first_late)
        assert (points["timeliness"] == 4) == bool(first_late and not late)
        said = {r for t in task.complaint.callbacks.all() for r in (t.reasons or [])}
        if "attitude" in said:
            assert (points["attitude"], task.fatal) == (0, True)
    # The person scored is the one who resolved the complaint (its timeline's last resolution),
    # never a handler dispatch named who did not act on it (one an agent settled at first
    # contact): their department too.
    for task in Inspection.objects.select_related("complaint", "handler"):
        resolved = task.complaint.events.filter(type="resolved").order_by("-seq").first()
        assert resolved is not None, task.complaint.number
        assert task.handler_id == resolved.actor_id, task.complaint.number
        assert task.handler is not None
        assert task.department_id == task.handler.department_id
    # Nothing closed as a duplicate is sampled or calibrated: it was handled as its original.
    assert not Inspection.objects.filter(complaint__duplicate_of__isnull=False).exists()
    appeals = InspectionAppeal.objects.all()
    assert sampled.filter(reason="out_of_standard", status="scored").exists()
    assert sorted(appeals.values_list("status", flat=True)) == ["pending", "upheld"]
    upheld = appeals.get(status="upheld")
    assert upheld.decided_by is not None
    assert upheld.decided_by_id != upheld.inspection.inspector_id
    round_ = CalibrationRound.objects.get()
    report = calibration_agreement(round_)
    assert report.scored == report.tasks == 6
    assert report.total_alpha is not None


def test_the_demo_inspector_marks_a_late_first_response(complaint_in: Any) -> None:
    """A reply on time after a first response 12 minutes late is not "答复及时": a point off
    timeliness, with the minutes said."""
    import datetime as dt
    import random

    from tousu.quality.demo import judge

    closed = complaint_in("closed")
    late = closed.first_response_due + dt.timedelta(minutes=12)
    type(closed).objects.filter(pk=closed.pk).update(accepted_at=late)
    closed.refresh_from_db()
    j = judge(closed, random.Random(1))
    assert j.points["timeliness"] == 4
    assert j.notes["timeliness"] == "首次响应超时约12分钟"
    on_time = complaint_in("closed", customer_phone="13700000001")
    assert judge(on_time, random.Random(1)).points["timeliness"] == 5
