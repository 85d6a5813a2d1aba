"""Pure rules of emotion and escalation risk (R2.4, R2.6): no database."""

from __future__ import annotations

import pytest
from django.utils import translation

from tousu.core.reasons import reason, reason_text, reasons_text
from tousu.intake.risk import (
    ANGER_PER_CUE,
    CHANNEL_WEIGHTS,
    Emotion,
    emotion,
    risk,
)

PLAIN = "上个月话费无故多扣了58元，客服说查不到原因"
MARKERS = [
    ("工信部", 0.5, "提到向工信部申诉"),
    ("媒体", 0.4, "提到媒体曝光"),
    ("曝光", 0.4, "提到媒体曝光"),
    ("律师", 0.4, "提到律师"),
    ("315", 0.35, "提到315投诉"),
    ("12315", 0.35, "提到12315"),
]


def test_plain_text_is_calm_and_low_risk() -> None:
    assert emotion(PLAIN) == Emotion(anger=0.0, urgency=0.0, cues=[])
    result = risk(PLAIN, "hotline", 0, False, markers=MARKERS)
    assert result.score == 0.0
    assert result.reasons == []


def test_anger_and_urgency_cues() -> None:
    angry = emotion("你们就是骗子，坑人！！气死我了")
    assert angry.anger == 1.0
    assert {"骗子", "坑人", "！！", "气死"} <= set(angry.cues)
    assert angry.urgency == 0.0
    one = emotion("太过分了")
    assert one.anger == ANGER_PER_CUE
    urgent = emotion("请马上处理，今天必须解决，耽误工作了")
    assert urgent.urgency == 1.0
    assert urgent.anger == 0.0
    half_width = emotion("退钱!!")
    assert half_width.anger > 0


def test_markers_give_their_reasons_once() -> None:
    result = risk("再不解决我就找工信部，还要找媒体曝光", "hotline", 0, False, markers=MARKERS)
    assert result.reasons == [reason("risk.marker.miit"), reason("risk.marker.media")]
    with translation.override("zh-hans"):
        assert reasons_text(result.reasons) == "提到向工信部申诉；提到媒体曝光"
    with translation.override("en"):
        assert reasons_text(result.reasons, "; ") == (
            "Mentions an appeal to the MIIT; Threatens to go to the media"
        )
    assert result.score == pytest.approx(1 - 0.5 * 0.6 * 0.6, abs=0.01)


def test_a_marker_inside_a_longer_one_counts_once() -> None:
    result = risk("我要打12315", "hotline", 0, False, markers=MARKERS)
    assert result.reasons == [reason("risk.marker.12315")]


def test_channel_adds_weight() -> None:
    base = risk(PLAIN, "hotline", 0, False, markers=MARKERS)
    for channel, (weight, code) in CHANNEL_WEIGHTS.items():
        result = risk(PLAIN, channel, 0, False, markers=MARKERS)
        assert result.score == pytest.approx(weight)
        assert result.score > base.score
        assert result.reasons == [reason(code)]


def test_history_repeat_anger_and_professional_add_reasons() -> None:
    result = risk("气死了，太过分", "hotline", 2, True, professional=True, markers=MARKERS)
    assert reason("risk.prior", n=3, days=30) in result.reasons
    with translation.override("zh-hans"):
        texts = [reason_text(r) for r in result.reasons]
    assert {"30天内第3次投诉", "重复投诉", "职业投诉人", "客户情绪激动"} == set(texts)
    with translation.override("en"):
        texts = [reason_text(r) for r in result.reasons]
    assert "Complaint no. 3 within 30 days" in texts
    assert "The customer is agitated" in texts
    second = risk(PLAIN, "hotline", 1, False, markers=MARKERS).reasons
    assert second == [reason("risk.prior", n=2, days=30)]


def test_a_configured_marker_nobody_declared_keeps_its_text() -> None:
    """A deployment's own marker (settings.TOUSU_RISK_MARKERS) has no code: its reason is the
    text it was configured with, shown as it is in every language."""
    result = risk(
        "我要去省政府门口拉横幅", "hotline", 0, False, markers=[("拉横幅", 0.5, "扬言拉横幅")]
    )
    assert result.reasons == ["扬言拉横幅"]
    with translation.override("en"):
        assert reasons_text(result.reasons) == "扬言拉横幅"


def test_score_in_range_and_monotonic_in_markers() -> None:
    texts = ["", "律师", "律师 工信部", "律师 工信部 媒体", "律师 工信部 媒体 曝光 315"]
    scores = [risk(t, "hotline", 0, False, markers=MARKERS).score for t in texts]
    assert scores == sorted(scores)
    assert len(set(scores)) == len(scores)  # each added marker raises the score
    worst = risk(
        "工信部 媒体 曝光 律师 12315 骗子 气死 坑人",
        "regulator",
        30,
        True,
        professional=True,
        markers=MARKERS,
    )
    assert 0.0 <= worst.score <= 1.0


def test_deterministic() -> None:
    text = "骗子公司，我要找律师起诉，马上退钱！！"
    first = risk(text, "web", 3, True)
    for _ in range(5):
        assert risk(text, "web", 3, True) == first
        assert emotion(text) == emotion(text)


def test_default_markers_come_from_settings() -> None:
    result = risk("我已经打了12300，还要找记者", "hotline", 0, False)
    with translation.override("zh-hans"):
        texts = [reason_text(r) for r in result.reasons]
    assert "提到12300申诉热线" in texts
    assert "提到找记者" in texts
