"""The trained text classifier (D7): Chinese word tokens (jieba) plus character n-grams, TF-IDF,
a linear model (scikit-learn). It implements the same protocol as the keyword rules:
`predict(text) -> Prediction(label, confidence, model_version)`.

Pure: no database here. Storage, activation and loading live in `services` and `selectors`; the
metric functions below are shared by the `classifier` command and `bench/classify.py`.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import jieba
import joblib
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from tousu.classification.rules import Prediction

jieba.setLogLevel(logging.WARNING)

ALGORITHM = "tfidf-jieba-word+char1-3-linearsvc-calibrated"
RANDOM_STATE = 0


def jieba_tokens(text: str) -> list[str]:
    """Words by jieba (precise mode), without the whitespace tokens; a module-level function
    so that the pipeline pickles."""
    return [token for token in jieba.lcut(text, cut_all=False) if token.strip()]


@dataclass(frozen=True)
class Params:
    char_ngrams: tuple[int, int] = (1, 3)
    char_analyzer: str = "char_wb"
    c: float = 0.5
    calibration_folds: int = 3


def build_pipeline(params: Params | None = None) -> Pipeline:
    p = params or Params()
    features = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    tokenizer=jieba_tokens,
                    token_pattern=None,
                    lowercase=True,
                    sublinear_tf=True,
                    min_df=1,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer=p.char_analyzer,
                    ngram_range=p.char_ngrams,
                    lowercase=True,
                    sublinear_tf=True,
                    min_df=2,
                ),
            ),
        ]
    )
    svm = LinearSVC(C=p.c, random_state=RANDOM_STATE)
    # ensemble=False: one SVM on all the data, calibrated on cross-validated scores; one model
    # to run per prediction instead of one per fold.
    model = CalibratedClassifierCV(svm, cv=p.calibration_folds, method="sigmoid", ensemble=False)
    return Pipeline([("features", features), ("model", model)])


class TfidfClassifier:
    """The D7 protocol over a scikit-learn pipeline; `confidence` is the top class probability."""

    algorithm = ALGORITHM

    def __init__(self, version: str = "", params: Params | None = None, pipeline: Any = None):
        self.version = version
        self.params = params or Params()
        self.pipeline: Any = pipeline

    @property
    def labels(self) -> list[str]:
        return [str(label) for label in self.pipeline.classes_] if self.pipeline else []

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TfidfClassifier:
        folds = self.params.calibration_folds
        smallest = min(list(labels).count(label) for label in set(labels))
        params = self.params
        if smallest < folds:  # calibration needs each class in every fold
            params = Params(params.char_ngrams, params.char_analyzer, params.c, max(2, smallest))
        self.pipeline = build_pipeline(params)
        self.pipeline.fit(list(texts), list(labels))
        return self

    def predict(self, text: str) -> Prediction:
        probabilities = self.pipeline.predict_proba([text])[0]
        best = int(probabilities.argmax())
        return Prediction(
            str(self.pipeline.classes_[best]), round(float(probabilities[best]), 4), self.version
        )

    def predict_many(self, texts: Sequence[str]) -> list[str]:
        return [str(label) for label in self.pipeline.predict(list(texts))]

    def dumps(self) -> bytes:
        buffer = io.BytesIO()
        joblib.dump(self.pipeline, buffer, compress=3)
        return buffer.getvalue()

    @classmethod
    def loads(cls, blob: bytes, version: str) -> TfidfClassifier:
        # Only blobs written by our own `tousu classifier train` are ever loaded (unpickling
        # runs code: never load a model file from elsewhere).
        pipeline = joblib.load(io.BytesIO(blob))
        return cls(version=version, pipeline=pipeline)


# ---- evaluation (shared by the command and the benchmark) -------------------------------------


@dataclass
class Metrics:
    macro_f1: float
    accuracy: float
    n: int
    labels: list[str]
    per_class: dict[str, dict[str, float]] = field(default_factory=dict)
    confusion: list[list[int]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "macro_f1": round(self.macro_f1, 4),
            "accuracy": round(self.accuracy, 4),
            "n": self.n,
            "per_class": self.per_class,
        }

    def last_line(self) -> str:
        return f"macro_f1={self.macro_f1:.4f} accuracy={self.accuracy:.4f} n={self.n}"

    def report(self) -> str:
        """Per-class precision/recall/F1, then the confusion table (rows: true, cols: predicted)."""
        width = max([len(label) for label in self.labels] + [8])
        lines = [f"{'class':<{width}}  precision  recall  f1      support"]
        for label in self.labels:
            row = self.per_class[label]
            lines.append(
                f"{label:<{width}}  {row['precision']:<9.4f}  {row['recall']:<6.4f}  "
                f"{row['f1']:<6.4f}  {int(row['support'])}"
            )
        lines.append("")
        lines.append("confusion (rows: true, columns: predicted, in the order above)")
        for label, counts in zip(self.labels, self.confusion, strict=True):
            lines.append(f"{label:<{width}}  " + " ".join(f"{n:>5}" for n in counts))
        return "\n".join(lines)


def evaluate(truth: Sequence[str], predicted: Sequence[str]) -> Metrics:
    labels = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    present = [i for i, label in enumerate(labels) if label in set(truth)]
    macro = float(sum(f1[i] for i in present) / len(present)) if present else 0.0
    return Metrics(
        macro_f1=macro,
        accuracy=float(accuracy_score(truth, predicted)),
        n=len(truth),
        labels=labels,
        per_class={
            label: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        confusion=confusion_matrix(truth, predicted, labels=labels).tolist(),
    )
