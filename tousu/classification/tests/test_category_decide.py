"""Classification decides a registered complaint's category (R2.1), the triage threshold with
it: a trained model below the threshold only suggests; the keyword rules are never held back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tousu.classification import selectors
from tousu.classification.models import Category
from tousu.classification.rules import KEYWORD_MODEL_VERSION, Prediction, needs_triage
from tousu.classification.selectors import category_decide


class Fixed:
    """A classifier that always says the same."""

    def __init__(self, prediction: Prediction):
        self.prediction = prediction

    def predict(self, text: str) -> Prediction:
        return self.prediction


Use = Callable[..., None]


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Use:
    """Make the active classifier predict `label` with `confidence`, as a trained model; the
    triage threshold is 0.5."""
    settings.TOUSU_TRIAGE_CONFIDENCE = 0.5

    def use(label: str | None, confidence: float) -> None:
        classifier = Fixed(Prediction(label, confidence, "tfidf-test"))
        monkeypatch.setattr(selectors, "active_classifier", lambda: classifier)

    return use


@pytest.mark.parametrize(
    ("prediction", "threshold", "triage"),
    [
        (Prediction("billing", 0.49, "tfidf-1"), 0.5, True),
        (Prediction("billing", 0.5, "tfidf-1"), 0.5, False),
        (Prediction("billing", 0.1, KEYWORD_MODEL_VERSION), 0.5, False),
    ],
)
def test_needs_triage(prediction: Prediction, threshold: float, triage: bool) -> None:
    assert needs_triage(prediction, threshold) is triage


@pytest.mark.django_db
def test_a_given_category_is_kept_without_asking_the_model(model: Use) -> None:
    model("network.coverage", 0.99)
    billing = Category.objects.get(code="billing")
    decision = category_decide(given=billing, text="信号差")
    assert (decision.category, decision.source, decision.given) == (billing, "given", True)
    assert decision.event_data() == {
        "category": "billing",
        "source": "given",
        "confidence": None,
        "model_version": "",
    }


@pytest.mark.django_db
def test_a_sure_model_sets_the_category(model: Use) -> None:
    model("network.coverage", 0.8)
    decision = category_decide(given=None, text="信号差")
    assert decision.category == Category.objects.get(code="network.coverage")
    assert (decision.source, decision.confidence, decision.given) == ("model", 0.8, False)
    assert decision.event_data() == {
        "category": "network.coverage",
        "source": "model",
        "confidence": 0.8,
        "model_version": "tfidf-test",
    }


@pytest.mark.django_db
def test_an_unsure_model_only_suggests(model: Use) -> None:
    model("network.coverage", 0.3)
    decision = category_decide(given=None, text="信号差")
    assert (decision.category, decision.source) == (None, "")
    assert decision.event_data() == {
        "category": None,
        "source": "",
        "suggestion": "network.coverage",
        "confidence": 0.3,
        "model_version": "tfidf-test",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("label", [None, "no.such.category"])
def test_no_label_or_an_unknown_one_is_no_category_and_nothing_to_record(
    model: Use,
    label: str | None,
) -> None:
    model(label, 0.9)
    decision = category_decide(given=None, text="今天天气很好")
    assert decision.category is None
    assert decision.event_data() is None
