"""Pure rules of emotion and escalation risk (R2.4, R2.6): no database."""

from __future__ import annotations

import pytest
from django.utils import translation

import tousu.intake.risk as intake_risk
from tousu.core.reasons import reason, reason_text, reasons_text
from tousu.intake.risk import (
    ANGER_PER_CUE,
    CHANNEL_WEIGHTS,
    DEFAULT_RISK_TERMS,
    Emotion,
    emotion,
    markers_found,
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


@pytest.fixture(autouse=True)
def no_anger_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """These rules run without a database: anger from cue words, as with no model trained (the
    model's part is tested in test_risk_terms.py)."""
    monkeypatch.setattr(intake_risk, "_default_scorer", lambda: None)


def test_plain_text_is_calm_and_low_risk() -> None:
    assert emotion(PLAIN) == Emotion(anger=0.0, urgency=0.0, cues=[])
    result = risk(PLAIN, "hotline", 0, False, markers=MARKERS)
    assert result.score == 0.0
    assert result.reasons == []


def test_anger_and_urgency_cues() -> None:
    angry = emotion("你们就是骗子，坑人！！气死我了")
    assert angry.anger == 1.0
    assert {"骗子", "坑人", "！！", "气死我了"} <= set(angry.cues)
    assert emotion("小区门口的垃圾站", None).cues == []  # a thing, not an insult
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
    """A deployment's own risk term (intake.RiskTerm) has no code: its reason is the text it
    was configured with, shown as it is in every language."""
    result = risk(
        "我要去省政府门口拉横幅", "hotline", 0, False, markers=[("拉横幅", 0.5, "扬言拉横幅")]
    )
    assert result.reasons == ["扬言拉横幅"]
    with translation.override("en"):
        assert reasons_text(result.reasons) == "扬言拉横幅"


def test_score_in_range_and_monotonic_in_markers() -> None:
    # Each text adds one threat, written as people write it (a bare list of words is no
    # threat: the terms are read in their sentence, test_risk_reading.py).
    threats = ["我要找律师", "还要去工信部申诉", "再找媒体", "让你们曝光", "打315"]
    texts = [""] + ["，".join(threats[: n + 1]) for n in range(len(threats))]
    scores = [risk(t, "hotline", 0, False, markers=MARKERS).score for t in texts]
    assert scores == sorted(scores)
    assert len(set(scores)) == len(scores)  # each added marker raises the score
    worst = risk(
        "我去工信部申诉，找媒体曝光，请律师，打12315，骗子，气死，坑人",
        "regulator",
        30,
        True,
        professional=True,
        markers=MARKERS,
    )
    assert 0.0 <= worst.score <= 1.0


def test_deterministic() -> None:
    text = "骗子公司，我要找律师起诉，马上退钱！！"
    first = risk(text, "web", 3, True, markers=MARKERS)
    for _ in range(5):
        assert risk(text, "web", 3, True, markers=MARKERS) == first
        assert emotion(text) == emotion(text)


def test_a_term_inside_a_longer_word_is_not_a_mention() -> None:
    assert not markers_found("这款平板的多媒体音量好小", MARKERS)
    assert not markers_found("村集体土地被征收", [("集体上访", 0.5, "提到集体行动")])
    assert markers_found("我要找媒体曝光", MARKERS)
    assert markers_found("业主们准备集体上访", [("集体上访", 0.5, "提到集体行动")])


def test_a_hotline_number_inside_a_telephone_number_is_not_a_mention() -> None:
    hotline = [("12345", 0.35, "提到市长热线/12345")]
    assert not markers_found("旅游咨询投诉电话0731-12345", hotline)
    assert not markers_found("验证码是123456", hotline)
    assert markers_found("已经打了12345市长热线", hotline)


def test_a_negated_threat_is_not_a_mention() -> None:
    assert not markers_found("只要今天退费，我不会去工信部", MARKERS)
    assert not markers_found("我从没想过找律师", MARKERS)
    # A bare 不 is a condition, not a negation; a negation in another clause covers nothing.
    assert markers_found("再不解决我就去工信部", MARKERS)
    assert markers_found("我不会善罢甘休，明天就去工信部", MARKERS)


def test_a_cited_judgment_is_not_a_lawsuit_threat() -> None:
    court = [("法院", 0.4, "提到法院"), ("起诉", 0.4, "提到起诉")]
    assert not markers_found("根据(2019)湘01民终1234号判决，对方应当返还押金", court)
    assert not markers_found("依照《最高人民法院关于审理合同纠纷的解释》第三条", court)
    assert not markers_found("法院已经判决，对方拒不履行", court)
    assert markers_found("不退钱我就向法院起诉", court)
    assert markers_found("法院判决以后我还要再起诉他", court)


def test_the_default_vocabulary_reads_petitions_hotlines_and_collective_action() -> None:
    vocabulary = [(t, w, r) for t, w, r, _kind in DEFAULT_RISK_TERMS]
    cases = {
        "我已经去信访局反映过三次": "提到信访/上访",
        "再不处理我们就上访": "提到信访/上访",
        "打了市长热线也没人管": "提到市长热线/12345",
        "小区业主已经联名写信": "提到集体行动",
        "我已经向法院提起诉讼": "提到起诉",
        "电视台的记者都来过了": "提到媒体曝光",
        "通信管理局会管你们的": "提到向通管局申诉",
    }
    for text, expected in cases.items():
        with translation.override("zh-hans"):
            found = [reason_text(why) for _w, why in markers_found(text, vocabulary)]
        assert expected in found, (text, found)
    with translation.override("en"):
        why = markers_found("再不处理我们就上访", vocabulary)[0][1]
        assert reason_text(why) == "Mentions a petition to the authorities"


def test_anger_words_count_when_the_model_reads_a_complaint() -> None:
    def complaint(_text: str) -> float:
        return 0.9

    def praise(_text: str) -> float:
        return 0.2

    assert emotion("垃圾 骗子 气死了", complaint).anger == 1.0
    said_of_a_thing = emotion("以前的手机现在基本成了垃圾，这台很好", praise)
    assert said_of_a_thing.anger == 0.0
    assert said_of_a_thing.cues == ["垃圾"]  # still shown to staff
    assert emotion("以前的手机现在基本成了垃圾，这台很好", None).anger > 0  # no model: the words


@pytest.mark.parametrize(
    "text",
    [
        "这种黑心驾校，收费这么高，岂有此理",
        "学校不择手段逼学生补课，令人发指",
        "政府到底还管不管？？物业把电都停了，我们非常气愤",
    ],
)
def test_the_anger_of_formal_letters_is_read_from_outrage_accusations_and_marks(
    text: str,
) -> None:
    """The classes the board's letters use (lane risk3): outrage named, the other side's
    character accused, rows of question marks."""
    assert emotion(text, None).anger >= intake_risk.ANGER_REASON_MIN


def test_a_calm_letter_with_a_single_question_mark_has_no_anger() -> None:
    assert emotion("请问小区门口的路什么时候修？谢谢领导", None).anger == 0.0


def test_anger_words_count_when_the_model_is_fairly_sure_of_a_complaint() -> None:
    # The bar (ANGER_CONFIRM) was lowered to 0.4: a formal letter the review-trained model reads
    # as only fairly negative still confirms its anger words; a text read as praise does not.
    assert emotion("黑心商家，岂有此理", lambda _t: 0.45).anger > 0
    assert emotion("黑心商家，岂有此理", lambda _t: 0.3).anger == 0.0
