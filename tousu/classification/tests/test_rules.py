"""The keyword classifier behind the D7 protocol: label, confidence in [0, 1], version."""

from __future__ import annotations

import pytest

from tousu.classification.rules import KEYWORD_MODEL_VERSION, KeywordClassifier, Prediction

classifier = KeywordClassifier()


def test_a_double_charge_is_an_unexplained_charge() -> None:
    prediction = classifier.predict("上个月话费无故多扣了58元，客服说查不到原因")
    assert prediction.label == "billing.unexplained_charge"
    assert 0 < prediction.confidence <= 1
    assert prediction.model_version == KEYWORD_MODEL_VERSION


def test_more_evidence_means_more_confidence() -> None:
    thin = classifier.predict("话费多扣了")
    strong = classifier.predict("话费多扣了，不明扣费，莫名其妙乱扣费，话费异常")
    assert thin.label == strong.label == "billing.unexplained_charge"
    assert strong.confidence > thin.confidence
    assert strong.confidence == 1.0


@pytest.mark.parametrize("text", ["今天天气很好", "", "hello world", "😡😡😡"])
def test_unrelated_text_has_no_label_and_zero_confidence(text: str) -> None:
    assert classifier.predict(text) == Prediction(None, 0.0, KEYWORD_MODEL_VERSION)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("家里宽带天天断网掉线，报修了三次", "network.broadband_outage"),
        ("营业厅店员服务态度恶劣，不耐烦还翻白眼", "service.attitude"),
        ("出国漫游费太贵了，国际漫游一天扣了几百", "billing.roaming"),
        ("每天都接到骚扰电话和垃圾短信，还有诈骗", "security.harassment"),
        ("接到冒充客服的电话让我报验证码，转账以后才发现被骗了", "security.fraud"),
        ("有人冒充快递客服让我开屏幕共享，银行卡被转走了两千块", "security.fraud"),
    ],
)
def test_typical_complaints_get_their_category(text: str, label: str) -> None:
    assert classifier.predict(text).label == label


@pytest.mark.parametrize(
    "text",
    [
        "宽带断网，营业厅态度差，还多扣费，出国漫游也贵，信号差，网速慢，骚扰电话多",
        "多扣" * 50,
        "宽带 " * 200,
    ],
)
def test_confidence_stays_within_zero_and_one(text: str) -> None:
    confidence = classifier.predict(text).confidence
    assert 0.0 <= confidence <= 1.0


def test_competing_categories_lower_the_confidence() -> None:
    mixed = KeywordClassifier({"a": ("多扣费",), "b": ("断网了",)}).predict("多扣费又断网了")
    single = KeywordClassifier({"a": ("多扣费",), "b": ("断网了",)}).predict("多扣费")
    assert mixed.confidence < single.confidence


def test_longer_keywords_weigh_more() -> None:
    model = KeywordClassifier({"short": ("扣费",), "long": ("不明扣费",)})
    assert model.predict("这是不明扣费").label == "long"
