"""The trained text classifier (D7): the text normalised (`normalise`: segmenters' spaces,
full-width forms), then jieba words and character 1–3-grams of the complaint's
first 400 and last 100 characters (words of the first 200 only), one TF-IDF space, the mean
of a linear SVM and an NB-SVM (`nb_svm`; both linear in the same features, so one weight
matrix), whose scores become probabilities through per-class Platt sigmoids fitted on
cross-validated scores. It implements the same protocol as the keyword rules: `predict(text) ->
Prediction(label, confidence, model_version)`.

Training uses scikit-learn; prediction does not. A stored model is only its vocabulary, the
idf and the weights (numpy arrays, no pickle), and `predict` computes the single text's sparse
dot product by hand: scikit-learn's per-call overhead (input validation, sparse matrix
construction) costs more than the arithmetic for one row. See `bench/README.md`.

Pure: no database here. Storage, activation and loading live in `services` and `selectors`; the
metric functions below are shared by the `classifier` command and `bench/classify.py`.
"""

from __future__ import annotations

import io
import json
import logging
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

import jieba
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from tousu.classification.rules import Prediction

jieba.setLogLevel(logging.WARNING)

ALGORITHM = "linear-v4: normalised text, jieba words + char 1-3, tfidf, linearsvc + nb-svm, platt"
RANDOM_STATE = 0
# A stored model (TextModel.blob) starts with this line, then an .npz archive (no pickle).
MAGIC = b"tousu-text-model-2\n"
WORD_MARK = "\x01"  # word features carry it, so that the word 信号 and the bigram 信号 differ


class ModelFormatError(ValueError):
    """A stored model blob that this version cannot read."""


@dataclass(frozen=True)
class Params:
    char_ngrams: tuple[int, int] = (1, 3)
    words: bool = True
    word_chars: int = 200  # jieba (most of the prediction time) reads only the first ones
    # Long texts: only the head and the tail are read (the demand often ends the text); this
    # bounds the prediction time whatever the length.
    head_chars: int = 400
    tail_chars: int = 100
    c: float = 1.0
    balanced: bool = True  # class weights inverse to class frequency: rare categories count
    min_df: int = 2
    calibration_folds: int = 3
    # `normalise` before the features (models stored before it existed read text as it came).
    normalise: bool = True
    # Average the SVM with an NB-SVM (issue 18 item 2: +0.01 raw macro-F1 on the government
    # board). Training only: both are linear in the same features, so the stored model is one
    # weight matrix and prediction costs what it did.
    nbsvm: bool = True
    nb_alpha: float = 1.0  # the NB-SVM's smoothing of the feature counts


# Chinese script and any punctuation: a space next to one of them is a segmenter's, not the
# writer's (raw text has none there; NFKC has made full-width punctuation ASCII already).
_CJK = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
    "!-/:-@\\[-`{-~"
)
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The text as a person would have typed it, whatever prepared it: training files arrive
    word-segmented (`水箱 长年 不洗`, the shared government file) or raw, with full-width
    letters and digits, tabs and runs of newlines; complaints to classify arrive raw. Both go
    through this one function before any feature, so that the model sees them alike (issue 18:
    a model that learnt the segmenter's spaces scored 0.09 lower on raw text).

    Full-width forms become half-width (NFKC), letters lower-case, any whitespace next to a
    Chinese character or a punctuation mark goes, other runs of whitespace become one space
    (`iphone 6` keeps its space)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return _SPACES.sub(" ", _SPACE_BY_CJK.sub("", text)).strip()


CLIP_MARK = "\x02"  # between head and tail: no n-gram reads across; `normalise` keeps it


def clip(text: str, head: int, tail: int) -> str:
    """The first `head` and the last `tail` characters of a text longer than both."""
    if len(text) <= head + tail:
        return text
    return text[:head] + CLIP_MARK + (text[-tail:] if tail else "")


def analyze(text: str, params: Params) -> list[str]:
    """The features of one text, identical at training and prediction time: jieba words
    (precise mode without the HMM guesses at unknown words: faster, and the benchmarks score
    the same within fold noise), marked, then the character n-grams, over the normalised,
    clipped text."""
    text = normalise(text) if params.normalise else text.lower()
    text = clip(text, params.head_chars, params.tail_chars)
    grams: list[str] = []
    if params.words:
        head = text[: params.word_chars]
        grams = [WORD_MARK + w for w in jieba.lcut(head, HMM=False) if not w.isspace()]
    low, high = params.char_ngrams
    size = len(text)
    for n in range(low, high + 1):
        grams.extend(text[i : i + n] for i in range(size - n + 1))
    return grams


def jieba_tokens(text: str) -> list[str]:
    """Kept for models stored before `MAGIC` (pickled pipelines refer to it by name)."""
    return [token for token in jieba.lcut(text, cut_all=False) if token.strip()]


# ---- probability calibration -------------------------------------------------------------------


def platt_fit(scores: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """Platt's sigmoid P(positive | s) = 1 / (1 + exp(-(a·s + b))), fitted by Newton's method
    with Platt's smoothed targets (which keep a perfectly separated class from getting
    probability 1 everywhere)."""
    s = scores.astype(np.float64)
    n_pos = float(positive.sum())
    n_neg = float(len(positive) - n_pos)
    target = np.where(positive, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    a, b = 1.0, math.log((n_pos + 1.0) / (n_neg + 1.0))

    def loss(a: float, b: float) -> float:
        z = a * s + b
        return float(np.sum(np.logaddexp(0.0, z) - target * z))

    current = loss(a, b)
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(a * s + b)))
        g = p - target
        w = p * (1.0 - p)
        grad = np.array([g @ s, g.sum()])
        hess = np.array([[w @ (s * s), w @ s], [w @ s, w.sum()]]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while t > 1e-8:  # backtracking: never let the loss grow
            na, nb = a - t * float(step[0]), b - t * float(step[1])
            candidate = loss(na, nb)
            if candidate <= current:
                break
            t /= 2.0
        else:
            break
        done = current - candidate < 1e-10 * max(1.0, abs(current))
        a, b, current = na, nb, candidate
        if done:
            break
    return a, b


def probabilities(scores: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-class sigmoids of the scores (rows: texts), normalised to sum to 1."""
    p = 1.0 / (1.0 + np.exp(-(scores * a + b)))
    total = p.sum(axis=-1, keepdims=True)
    uniform = np.full_like(p, 1.0 / p.shape[-1])
    return np.divide(p, total, out=uniform, where=total > 0)


# ---- NB-SVM ------------------------------------------------------------------------------------


def nb_svm(
    x: Any, y: np.ndarray, classes: np.ndarray, params: Params
) -> tuple[np.ndarray, np.ndarray]:
    """Wang & Manning's NB-SVM, one class against the rest: each feature scaled by its
    log-count ratio r = log((p/|p|₁) / (q/|q|₁)) (p, q: smoothed counts of the texts that have
    it, in the class and outside), a binary SVM on the scaled features. w·(r∘x) = (w∘r)·x, so
    the result is weights (classes × features) and biases of the plain features."""
    present = (x > 0).astype(np.float64)
    coef = np.zeros((len(classes), x.shape[1]))
    intercept = np.zeros(len(classes))
    for k, label in enumerate(classes):
        positive = y == label
        p = params.nb_alpha + np.asarray(present[positive].sum(axis=0)).ravel()
        q = params.nb_alpha + np.asarray(present[~positive].sum(axis=0)).ravel()
        r = np.log((p / p.sum()) / (q / q.sum()))
        model = LinearSVC(
            C=params.c,
            class_weight="balanced" if params.balanced else None,
            random_state=RANDOM_STATE,
        ).fit(x.multiply(r).tocsr(), positive)
        coef[k] = model.coef_.ravel() * r
        intercept[k] = model.intercept_[0]
    return coef, intercept


# ---- the classifier ----------------------------------------------------------------------------


class TfidfClassifier:
    """The D7 protocol over a linear model; `confidence` is the top class probability."""

    algorithm = ALGORITHM

    def __init__(self, version: str = "", params: Params | None = None):
        self.version = version
        self.params = params or Params()
        self.classes: list[str] = []
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)
        self.weights = np.zeros((0, 0), dtype=np.float32)  # features × classes
        self.bias = np.zeros(0, dtype=np.float32)
        self.platt_a = np.zeros(0)
        self.platt_b = np.zeros(0)

    @property
    def labels(self) -> list[str]:
        return list(self.classes)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TfidfClassifier:
        """Precondition: at least two labels, each at least twice."""
        p = self.params
        y = np.array([str(label) for label in labels])
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) < 2 or counts.min() < 2:
            raise ValueError("training needs at least two labels with two texts each")
        vectorizer = TfidfVectorizer(
            analyzer=partial(analyze, params=p),
            sublinear_tf=True,
            min_df=p.min_df if len(y) >= 50 * p.min_df else 1,  # tiny sets: keep every feature
            dtype=np.float32,
        )
        x = vectorizer.fit_transform(list(texts))

        def linear(x: Any, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            """Weights (classes × features) and biases, classes in sorted order."""
            model = LinearSVC(
                C=p.c, class_weight="balanced" if p.balanced else None, random_state=RANDOM_STATE
            ).fit(x, y)
            coef = np.asarray(model.coef_, dtype=np.float64)
            intercept = np.asarray(model.intercept_, dtype=np.float64)
            if len(model.classes_) == 2:  # one score for the second class; the first: opposite
                coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
            if p.nbsvm:
                nb_coef, nb_intercept = nb_svm(x, y, model.classes_, p)
                coef, intercept = (coef + nb_coef) / 2.0, (intercept + nb_intercept) / 2.0
            return coef, intercept

        # Calibration data: each text's score from a model that did not see it.
        folds = StratifiedKFold(
            n_splits=max(2, min(p.calibration_folds, int(counts.min()))),
            shuffle=True,
            random_state=RANDOM_STATE,
        )
        held_out = np.zeros((len(y), len(classes)))
        for train, test in folds.split(np.zeros(len(y)), y):
            fold_coef, fold_intercept = linear(x[train], y[train])
            held_out[test] = x[test] @ fold_coef.T + fold_intercept
        coef, intercept = linear(x, y)
        fitted = [platt_fit(held_out[:, k], y == label) for k, label in enumerate(classes)]

        self.classes = [str(label) for label in classes]
        self.vocabulary = {str(term): int(j) for term, j in vectorizer.vocabulary_.items()}
        self.idf = vectorizer.idf_.astype(np.float32)
        self.weights = np.ascontiguousarray(coef.T, dtype=np.float32)
        self.bias = intercept.astype(np.float32)
        self.platt_a = np.array([a for a, _ in fitted])
        self.platt_b = np.array([b for _, b in fitted])
        return self

    def scores(self, text: str) -> np.ndarray:
        """The SVM's score per class for one text: its TF-IDF vector (sublinear tf, L2-norm)
        dotted with the weights, over the features it has, by hand."""
        counts = Counter(analyze(text, self.params))
        lookup = self.vocabulary.get
        rows, tfs = [], []
        for gram, n in counts.items():
            j = lookup(gram)
            if j is not None:
                rows.append(j)
                tfs.append(n)
        if not rows:
            return self.bias.astype(np.float64)
        index = np.array(rows, dtype=np.intp)
        values = (1.0 + np.log(np.array(tfs, dtype=np.float32))) * self.idf[index]
        values /= np.sqrt(values @ values)
        return (values @ self.weights[index] + self.bias).astype(np.float64)

    def predict_proba(self, text: str) -> np.ndarray:
        return probabilities(self.scores(text), self.platt_a, self.platt_b)

    def predict(self, text: str) -> Prediction:
        proba = self.predict_proba(text)
        best = int(proba.argmax())
        return Prediction(self.classes[best], round(float(proba[best]), 4), self.version)

    def predict_many(self, texts: Sequence[str]) -> list[str]:
        return [self.classes[int(self.predict_proba(text).argmax())] for text in texts]

    # ---- storage: an npz archive behind MAGIC, read without pickle --------------------------

    def dumps(self) -> bytes:
        meta = {"params": asdict(self.params), "classes": self.classes, "algorithm": ALGORITHM}
        terms = [""] * len(self.vocabulary)
        for term, j in self.vocabulary.items():
            terms[j] = term
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8),
            terms=np.frombuffer(json.dumps(terms, ensure_ascii=False).encode(), dtype=np.uint8),
            idf=self.idf,
            weights=self.weights,
            bias=self.bias,
            platt_a=self.platt_a,
            platt_b=self.platt_b,
        )
        return MAGIC + buffer.getvalue()

    @classmethod
    def loads(cls, blob: bytes, version: str) -> TfidfClassifier:
        """A stored model. Models stored before this format (pickled scikit-learn pipelines)
        still load, through `LegacyClassifier`; anything else raises `ModelFormatError`."""
        if not blob.startswith(MAGIC):
            return LegacyClassifier.from_pickle(blob, version)
        try:
            with np.load(io.BytesIO(blob[len(MAGIC) :]), allow_pickle=False) as data:
                meta = json.loads(data["meta"].tobytes())
                terms = json.loads(data["terms"].tobytes())
                params = meta["params"]
                params["char_ngrams"] = tuple(params["char_ngrams"])
                params.setdefault("normalise", False)  # stored before `normalise`
                params.setdefault("nbsvm", False)  # stored before the NB-SVM (training only)
                classifier = cls(version=version, params=Params(**params))
                classifier.classes = [str(label) for label in meta["classes"]]
                classifier.vocabulary = {term: j for j, term in enumerate(terms)}
                classifier.idf = data["idf"]
                classifier.weights = np.ascontiguousarray(data["weights"])
                classifier.bias = data["bias"]
                classifier.platt_a = data["platt_a"]
                classifier.platt_b = data["platt_b"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ModelFormatError(
                f"stored model {version} is damaged or of an unknown format ({e}); "
                "train a new one with `tousu classifier train`"
            ) from e
        if classifier.params.words:
            jieba.initialize()  # load the dictionary now, not in the first prediction
        return classifier


class LegacyClassifier(TfidfClassifier):
    """A model stored by the first version (a joblib-pickled scikit-learn pipeline): still
    predicts, slowly (5–40 ms), until a new model is trained and activated."""

    algorithm = "tfidf-jieba-word+char1-3-linearsvc-calibrated"

    def __init__(self, version: str = "", pipeline: Any = None):
        super().__init__(version)
        self.pipeline = pipeline
        self.classes = [str(label) for label in pipeline.classes_] if pipeline is not None else []

    @classmethod
    def from_pickle(cls, blob: bytes, version: str) -> LegacyClassifier:
        import joblib

        # Only blobs written by our own `tousu classifier train` are ever loaded (unpickling
        # runs code: never load a model file from elsewhere).
        try:
            pipeline = joblib.load(io.BytesIO(blob))
            pipeline.classes_  # noqa: B018 - a fitted pipeline, or fail here
        except Exception as e:
            raise ModelFormatError(
                f"stored model {version} is of an old format that this version cannot read "
                f"({type(e).__name__}: {e}); train a new one with `tousu classifier train`"
            ) from e
        return cls(version, pipeline)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TfidfClassifier:
        raise NotImplementedError("legacy models are not trained any more")

    def predict_proba(self, text: str) -> np.ndarray:
        return np.asarray(self.pipeline.predict_proba([text])[0], dtype=np.float64)

    def predict_many(self, texts: Sequence[str]) -> list[str]:
        return [str(label) for label in self.pipeline.predict(list(texts))]

    def dumps(self) -> bytes:
        raise NotImplementedError("legacy models are not stored any more")


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
