"""The anger model (R2.4): how sure we are that a text is a complaint, from a linear model
over hashed character 1–3-grams, trained on labelled reviews (positive / negative).

Why hashed character n-grams: they need no vocabulary to store (the model is its weights), read
raw Chinese without a tokenizer, and score a text in well under a millisecond. Stored in the
database (intake.EmotionModel) as an .npz archive behind `MAGIC`, read without pickle.

Trained at setup time by `tousu emotion train --file …` (e.g. the e-commerce review set, label 0
= negative): the data stays where it is; only the weights are kept.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression

MAGIC = b"tousu-emotion-model-1\n"
FEATURES = 2**18
NGRAMS = (1, 3)
# Inverse regularisation of the logistic regression (chosen on a held-out split of the reviews).
C = 4.0
HOLDOUT_SHARE = 0.1
SEED = 18


class ModelFormatError(ValueError):
    pass


def _vectorizer() -> HashingVectorizer:
    return HashingVectorizer(
        analyzer="char",
        ngram_range=NGRAMS,
        n_features=FEATURES,
        alternate_sign=False,
        norm="l2",
    )


# Stateless (hashing): one for every prediction.
_VECTORIZER = _vectorizer()


@dataclass
class AngerModel:
    """Weights over hashed character n-grams; `__call__` is the probability of a complaint."""

    coef: np.ndarray
    intercept: float

    def __call__(self, text: str) -> float:
        row = _VECTORIZER.transform([text])
        z = float(row.dot(self.coef)[0]) + self.intercept
        return float(1.0 / (1.0 + np.exp(-z)))

    def dumps(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            coef=self.coef.astype(np.float32),
            intercept=np.array([self.intercept]),
            features=np.array([FEATURES]),
        )
        return MAGIC + buffer.getvalue()

    @classmethod
    def loads(cls, blob: bytes) -> AngerModel:
        if not blob.startswith(MAGIC):
            raise ModelFormatError("not an emotion model")
        with np.load(io.BytesIO(blob[len(MAGIC) :]), allow_pickle=False) as data:
            if int(data["features"][0]) != FEATURES:
                raise ModelFormatError("trained with another feature size")
            return cls(coef=data["coef"].astype(np.float64), intercept=float(data["intercept"][0]))


@dataclass(frozen=True)
class Trained:
    model: AngerModel
    metrics: dict[str, float]
    training_n: int


def train(texts: Sequence[str], negative: Sequence[bool]) -> Trained:
    """A model from texts labelled negative (True) or not, with its accuracy, precision and
    recall (of negative) on a held-out share it was not trained on; the model kept is then
    trained on all the texts."""
    if len(set(negative)) < 2:
        raise ValueError("need both negative and other texts")
    order = list(range(len(texts)))
    random.Random(SEED).shuffle(order)  # noqa: S311 (a reproducible split, not a secret)
    cut = max(1, int(len(order) * HOLDOUT_SHARE))
    held, kept = order[:cut], order[cut:]
    vec = _vectorizer()
    features = vec.transform(list(texts))
    y = np.array([bool(v) for v in negative])
    fit = LogisticRegression(C=C, max_iter=300).fit(features[kept], y[kept])
    guess = fit.predict(features[held])
    truth = y[held]
    tp = int((guess & truth).sum())
    metrics = {
        "accuracy": round(float((guess == truth).mean()), 4),
        "precision": round(tp / max(1, int(guess.sum())), 4),
        "recall": round(tp / max(1, int(truth.sum())), 4),
        "holdout_n": len(held),
    }
    final = LogisticRegression(C=C, max_iter=300).fit(features, y)
    model = AngerModel(coef=final.coef_[0].astype(np.float64), intercept=float(final.intercept_[0]))
    return Trained(model=model, metrics=metrics, training_n=len(texts))
