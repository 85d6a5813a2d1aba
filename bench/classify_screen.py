"""Benchmark (issue 18 item 2): screen text models on the training four fifths only.

Not a test. Each set is split as `bench/classify.py` splits it (a stratified fifth held out,
`random_state=0`); this script never reads that fifth unless `--final` is given. The four fifths
are split again (stratified, `random_state=1`, or `--seed`): models train on the inner four
fifths and are scored (macro-F1) on the inner fifth, made raw as the held-out fifth is. Jieba
runs once per text (cached); every feature layout and model then works on the same cached words.

    .venv/bin/python bench/classify_screen.py                   # screen, both sets
    .venv/bin/python bench/classify_screen.py --only tipdm --layouts w+c13 w+c14
    .venv/bin/python bench/classify_screen.py --final           # the chosen few on the raw fifth

Feature layouts: `w` jieba words of the first 200 characters (as `model.analyze`), `wb` their
bigrams, `cNM` character N–M-grams of the clipped text (first 400 + last 100 characters). One
TF-IDF space (sublinear tf, min_df 2, L2). Models: LinearSVC (balanced), logistic regression,
SGD (modified Huber), complement naive Bayes, NB-SVM (Wang & Manning's log-count ratio, one
against the rest, an SVM on the scaled features) and the mean of the SVM's and the NB-SVM's
scores (still one linear model: the product's prediction path would not change); variants of
the NB-SVM (C 0.3, smoothing α 0.25, unbalanced) and of the mean (the NB-SVM's share 0.3 or 0.7);
a one-hidden-layer network (`mlp-h64`, only when named: slow) added to the mean with a small
weight. `--word-weights` scales the word block before the L2 norm; `--with-positives` trains on
the positive e-commerce reviews too (data, not model). Every RESULT line is paired against the
layout's `svm+nbsvm` (the product's model) on the same texts: `-lost/+won` texts.

    .venv/bin/python bench/classify_screen.py --only shopping --seed 2 --layouts w+c13 \
        --models svm-c1 nbsvm-c1 --word-weights 1 1.5 2 3
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import itertools  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import jieba  # noqa: E402
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression, SGDClassifier  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.naive_bayes import ComplementNB  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from classify import DATA, RAW, SETS  # noqa: E402

from tousu.classification.model import (  # noqa: E402
    WORD_MARK,
    Params,
    clip,
    evaluate,
    normalise,
)

P = Params()
BIGRAM_MARK = "\x03"


def prepare(text: str) -> tuple[str, list[str]]:
    """The normalised, clipped text and its jieba words (the expensive part, done once)."""
    text = clip(normalise(text), P.head_chars, P.tail_chars)
    words = [w for w in jieba.lcut(text[: P.word_chars], HMM=False) if not w.isspace()]
    return text, words


def layout(name: str) -> Callable[[tuple[str, list[str]]], list[str]]:
    parts = name.split("+")

    def analyzer(doc: tuple[str, list[str]]) -> list[str]:
        text, words = doc
        grams: list[str] = []
        for part in parts:
            if part == "w":
                grams.extend(WORD_MARK + w for w in words)
            elif part == "wb":
                grams.extend(BIGRAM_MARK + a + " " + b for a, b in itertools.pairwise(words))
            elif part.startswith("c"):
                low, high = int(part[1]), int(part[2])
                for n in range(low, high + 1):
                    grams.extend(text[i : i + n] for i in range(len(text) - n + 1))
            else:
                raise ValueError(part)
        return grams

    return analyzer


def svm(c: float = 1.0) -> LinearSVC:
    return LinearSVC(C=c, class_weight="balanced", random_state=0)


def nbsvm_scores(
    x: sp.csr_matrix,
    y: np.ndarray,
    xt: sp.csr_matrix,
    classes: np.ndarray,
    c: float,
    alpha: float,
    balanced: bool = True,
) -> np.ndarray:
    """One binary SVM per class on the features scaled by that class's log-count ratio."""
    binary = (x > 0).astype(np.float64)
    out = np.zeros((xt.shape[0], len(classes)))
    for k, label in enumerate(classes):
        pos = y == label
        p = alpha + np.asarray(binary[pos].sum(axis=0)).ravel()
        q = alpha + np.asarray(binary[~pos].sum(axis=0)).ravel()
        r = np.log((p / p.sum()) / (q / q.sum()))
        model = LinearSVC(C=c, class_weight="balanced" if balanced else None, random_state=0)
        model.fit(x.multiply(r).tocsr(), pos)
        # w·(r∘x) = (w∘r)·x: the scaled model is a linear model of the plain features.
        out[:, k] = xt @ (model.coef_.ravel() * r) + model.intercept_[0]
    return out


def tuned_offsets(scores: np.ndarray, y: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Per-class offsets added to the scores before the argmax, chosen by coordinate ascent to
    maximise macro-F1 on cross-validated scores of the training texts (never the scored ones)."""
    truth = np.searchsorted(classes, y)
    offsets = np.zeros(len(classes))
    grid = np.arange(-0.5, 0.501, 0.05)

    def macro(o: np.ndarray) -> float:
        predicted = (scores + o).argmax(axis=1)
        f1s = []
        for k in range(len(classes)):
            tp = np.sum((predicted == k) & (truth == k))
            fp = np.sum((predicted == k) & (truth != k))
            fn = np.sum((predicted != k) & (truth == k))
            f1s.append(2 * tp / max(1, 2 * tp + fp + fn))
        return float(np.mean(f1s))

    best = macro(offsets)
    for _ in range(2):
        for k in range(len(classes)):
            for step in grid:
                trial = offsets.copy()
                trial[k] = step
                value = macro(trial)
                if value > best + 1e-9:
                    best, offsets = value, trial
    return offsets


def tuned_svm(x: sp.csr_matrix, y: np.ndarray, xt: sp.csr_matrix) -> np.ndarray:
    """The SVM with per-class offsets tuned on its 3-fold cross-validated training scores."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    classes = np.unique(y)
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    cv = cross_val_predict(svm(1.0), x, y, cv=folds, method="decision_function")
    offsets = tuned_offsets(np.asarray(cv), y, classes)
    print(f"    offsets: {np.round(offsets, 2).tolist()}", flush=True)
    return svm(1.0).fit(x, y).decision_function(xt) + offsets


def models(
    x: sp.csr_matrix, y: np.ndarray, xt: sp.csr_matrix, only: list[str] | None
) -> dict[str, np.ndarray]:
    """Each model's per-class scores for the rows of `xt` (argmax = the prediction)."""
    classes = np.unique(y)
    out: dict[str, np.ndarray] = {}

    def run(name: str, fn: Callable[[], np.ndarray]) -> None:
        if only and name not in only:
            return
        start = time.process_time()
        out[name] = fn()
        print(f"    {name}: fitted in {time.process_time() - start:.1f} s CPU", flush=True)

    run("svm-c1", lambda: svm(1.0).fit(x, y).decision_function(xt))
    run("svm-c0.5", lambda: svm(0.5).fit(x, y).decision_function(xt))
    run("svm-c2", lambda: svm(2.0).fit(x, y).decision_function(xt))
    run(
        "svm-c1-unbalanced",
        lambda: LinearSVC(C=1.0, random_state=0).fit(x, y).decision_function(xt),
    )
    run(
        "lr-c20",
        lambda: (
            LogisticRegression(C=20, class_weight="balanced", max_iter=300)
            .fit(x, y)
            .decision_function(xt)
        ),
    )
    run(
        "sgd-mhuber",
        lambda: (
            SGDClassifier(
                loss="modified_huber", alpha=2e-5, class_weight="balanced", random_state=0
            )
            .fit(x, y)
            .decision_function(xt)
        ),
    )
    run("svm-c1-tuned", lambda: tuned_svm(x, y, xt))
    run("cnb-a0.3", lambda: ComplementNB(alpha=0.3).fit(x, y).predict_log_proba(xt))
    run("nbsvm-c1", lambda: nbsvm_scores(x, y, xt, classes, 1.0, 1.0))
    run("nbsvm-c0.3", lambda: nbsvm_scores(x, y, xt, classes, 0.3, 1.0))
    run("nbsvm-c1-a0.25", lambda: nbsvm_scores(x, y, xt, classes, 1.0, 0.25))
    run("nbsvm-c1-unbalanced", lambda: nbsvm_scores(x, y, xt, classes, 1.0, 1.0, balanced=False))
    if "svm-c1" in out and "nbsvm-c1" in out:
        out["svm+nbsvm"] = (out["svm-c1"] + out["nbsvm-c1"]) / 2
        for share in (0.3, 0.7):  # the NB-SVM's share of the mean
            out[f"svm+nbsvm-{share}"] = (1 - share) * out["svm-c1"] + share * out["nbsvm-c1"]
    for nb in ("nbsvm-c0.3", "nbsvm-c1-a0.25"):
        if "svm-c1" in out and nb in out:
            out[f"svm+{nb}"] = (out["svm-c1"] + out[nb]) / 2
    if "svm-c1-unbalanced" in out and "nbsvm-c1-unbalanced" in out:
        out["svm+nbsvm-unbalanced"] = (out["svm-c1-unbalanced"] + out["nbsvm-c1-unbalanced"]) / 2
    if only and "mlp-h64" in only:  # ~170 s CPU on shopping: only when named
        run("mlp-h64", lambda: mlp_log_proba(x, y, xt))
    if "svm+nbsvm" in out and "mlp-h64" in out:
        for beta in (0.1, 0.2, 0.4):
            out[f"svm+nbsvm+mlp{beta}"] = out["svm+nbsvm"] + beta * out["mlp-h64"]
    return out


def mlp_log_proba(x: sp.csr_matrix, y: np.ndarray, xt: sp.csr_matrix) -> np.ndarray:
    """A one-hidden-layer network (64 ReLU units) on the same TF-IDF features, a fixed number of
    Adam epochs (no early stopping: that would need a slice of the training part). Its log
    probabilities, to be added to a linear model's scores with a small weight."""
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        hidden_layer_sizes=(64,), alpha=1e-4, batch_size=128, max_iter=6, random_state=0
    )
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # stops at max_iter on purpose
        model.fit(x, y)
    return np.log(np.clip(model.predict_proba(xt), 1e-9, 1.0))


def weigh_words(x: sp.csr_matrix, terms: np.ndarray, weight: float) -> sp.csr_matrix:
    """The word features' block scaled by `weight` before the row's L2 norm (the same as their
    idf times `weight` in the product's vectoriser: its prediction path would not change)."""
    if weight == 1.0:
        return x
    scale = np.where(np.char.startswith(terms.astype(str), WORD_MARK), weight, 1.0)
    x = (x @ sp.diags(scale.astype(np.float32))).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    return (sp.diags(1.0 / np.maximum(norms, 1e-12)) @ x).tocsr().astype(np.float32)


def shopping_positives(negatives: list[str]) -> list[tuple[str, str]]:
    """The positive reviews (`label` 1) of the e-commerce file with their product line, less any
    whose normalised text is also a negative review's (none of them is ever scored: every
    scored text is a negative review)."""
    seen = {normalise(t) for t in negatives}
    with open(DATA / "online-shopping-10cats-train.csv", encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["label"] == "1" and r["review"]]
    return [(r["review"], r["cat"]) for r in rows if normalise(r["review"]) not in seen]


def screen(
    name: str,
    layouts: list[str],
    only: list[str] | None,
    final: bool,
    seed: int,
    word_weights: list[float],
    positives: bool = False,
) -> None:
    texts, labels = SETS[name]()
    train_texts, test_texts, train_labels, test_labels = train_test_split(
        texts, labels, test_size=0.2, stratify=labels, random_state=0
    )
    if final:  # the four fifths against the raw held-out fifth
        fit_texts, fit_labels = train_texts, train_labels
        val_texts, val_labels = [RAW[name](t) for t in test_texts], test_labels
        where = "raw held-out fifth"
    else:  # the inner split of the four fifths; the held-out fifth is not read
        fit_texts, val_texts, fit_labels, val_labels = train_test_split(
            train_texts, train_labels, test_size=0.2, stratify=train_labels, random_state=seed
        )
        val_texts = [RAW[name](t) for t in val_texts]
        where = f"inner fifth of the four fifths (raw), split {seed}"
    if positives and name == "shopping":  # more data, not a better model: the learning curve
        extra = shopping_positives(texts)
        fit_texts, fit_labels = (
            list(fit_texts) + [t for t, _ in extra],
            list(fit_labels) + [c for _, c in extra],
        )
        where += f", trained with {len(extra)} positive reviews too"
    start = time.process_time()
    fit_docs = [prepare(t) for t in fit_texts]
    val_docs = [prepare(t) for t in val_texts]
    print(
        f"{name}: train {len(fit_docs)}, scored on {len(val_docs)} ({where}); "
        f"jieba in {time.process_time() - start:.1f} s CPU",
        flush=True,
    )
    y = np.array(fit_labels)
    for lay in layouts:
        vectorizer = TfidfVectorizer(
            analyzer=layout(lay), sublinear_tf=True, min_df=P.min_df, dtype=np.float32
        )
        x0 = vectorizer.fit_transform(fit_docs).tocsr()
        xt0 = vectorizer.transform(val_docs).tocsr()
        terms = vectorizer.get_feature_names_out()
        print(f"  layout {lay}: {x0.shape[1]} features", flush=True)
        classes = np.unique(y)
        truth = np.array(val_labels)
        rows: list[tuple[str, np.ndarray]] = []
        for weight in word_weights:
            x, xt = weigh_words(x0, terms, weight), weigh_words(xt0, terms, weight)
            tag = lay if weight == 1.0 else f"{lay} words×{weight:g}"
            for model, scores in models(x, y, xt, only).items():
                rows.append((f"{tag} {model}", classes[np.asarray(scores).argmax(axis=1)]))
        # Paired against the product's model (the first weight's svm+nbsvm, else the first row):
        # texts only the reference gets right / only this one does.
        names = [row[0] for row in rows]
        base = names.index(f"{lay} svm+nbsvm") if f"{lay} svm+nbsvm" in names else 0
        reference = rows[base][1] == truth
        for tag, predicted in rows:
            m = evaluate(list(val_labels), [str(p) for p in predicted])
            right = predicted == truth
            lost, won = int(np.sum(reference & ~right)), int(np.sum(right & ~reference))
            print(
                f"  RESULT {name} {tag}: macro_f1={m.macro_f1:.4f} accuracy={m.accuracy:.4f} "
                f"paired -{lost}/+{won} ({where})",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(SETS))
    parser.add_argument("--layouts", nargs="+", default=["w+c13", "w+c14", "w+wb+c13", "w+wb+c14"])
    parser.add_argument("--models", nargs="+", help="only these models (names as printed)")
    parser.add_argument("--final", action="store_true", help="score on the raw held-out fifth")
    parser.add_argument("--seed", type=int, default=1, help="the inner split's random_state")
    parser.add_argument(
        "--word-weights", type=float, nargs="+", default=[1.0], help="word block scale(s)"
    )
    parser.add_argument(
        "--with-positives",
        action="store_true",
        help="shopping: train on the positive reviews too (never scored on them)",
    )
    args = parser.parse_args()
    jieba.setLogLevel(60)
    jieba.initialize()
    for name in [args.only] if args.only else list(SETS):
        screen(
            name,
            args.layouts,
            args.models,
            args.final,
            args.seed,
            args.word_weights,
            args.with_positives,
        )


if __name__ == "__main__":
    main()
