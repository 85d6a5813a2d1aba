"""The first classifier (D7 protocol): transparent keyword rules over the complaint text.

A trained model replaces it in a later issue; the protocol stays: `predict(text)` returns a
label, a confidence in [0, 1] and the model version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from tousu.classification.keywords import KEYWORDS

KEYWORD_MODEL_VERSION = "keywords-1"


@dataclass(frozen=True)
class Prediction:
    label: str | None
    confidence: float
    model_version: str


class Classifier(Protocol):
    def predict(self, text: str) -> Prediction: ...


def needs_triage(prediction: Prediction, threshold: float) -> bool:
    """A trained model's prediction below the triage threshold is only a suggestion: the
    complaint waits in the triage queue for staff to set its category. The keyword rules give
    no probability, so their prediction is never held back."""
    return prediction.model_version != KEYWORD_MODEL_VERSION and prediction.confidence < threshold


class KeywordClassifier:
    """Scores each category by the keywords found in the text (longer keywords weigh more,
    because "不明扣费" is stronger evidence than "扣费"). Confidence is the winner's share of all
    keyword weight, damped when the evidence is thin."""

    def __init__(self, keywords: dict[str, tuple[str, ...]] | None = None):
        self.keywords = keywords if keywords is not None else KEYWORDS

    def predict(self, text: str) -> Prediction:
        scores: dict[str, float] = {}
        for label, words in self.keywords.items():
            score = sum(len(word) for word in words if word in text)
            if score:
                scores[label] = float(score)
        if not scores:
            return Prediction(None, 0.0, KEYWORD_MODEL_VERSION)
        label, best = max(scores.items(), key=lambda item: (item[1], item[0]))
        share = best / sum(scores.values())
        evidence = min(best / 6.0, 1.0)  # about three two-character keywords is full evidence
        return Prediction(label, round(share * evidence, 2), KEYWORD_MODEL_VERSION)
