"""Benchmark: the product's text classifier on real Chinese complaint data (issues 4, 18).

Not a test. Trains and evaluates through the product's own code (`TfidfClassifier` and the
metric function `evaluate` that `tousu classifier` uses). Each set is split once, stratified:
a fifth is held out and made raw (the government file's words joined again: its spaces are a
segmenter's; the e-commerce reviews are raw already). On the other four fifths: 5-fold
stratified cross-validation (macro-F1 and accuracy, mean ± sd). Then one model trained on all
four fifths is stored (`dumps`), loaded again (`loads`), as the product does, and scored on the
raw held-out fifth, which no model saw: macro-F1, accuracy, per-class F1, the gap to the
cross-validation, and the prediction latency per text (single-text `predict` calls, one core,
p50/p99).

    .venv/bin/python bench/classify.py                    # both data sets, default parameters
    .venv/bin/python bench/classify.py --only tipdm --c 0.5 --char 1 3 --head 300 --tail 0
    .venv/bin/python bench/classify.py --no-words         # character n-grams only, no jieba
    .venv/bin/python bench/classify.py --no-normalise     # the model before issue 18
    .venv/bin/python bench/classify.py --folds 0          # the raw held-out fifth only
    .venv/bin/python bench/classify.py --no-nbsvm         # the SVM alone (before issue 18.2)
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from sklearn.model_selection import StratifiedKFold, train_test_split  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tousu.classification.model import Params, TfidfClassifier, evaluate  # noqa: E402

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def tipdm() -> tuple[list[str], list[str]]:
    with open(DATA / "tipdm2020c-messages-train.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [r["tokens"] for r in rows], [r["label"] for r in rows]


def shopping() -> tuple[list[str], list[str]]:
    with open(DATA / "online-shopping-10cats-train.csv", encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["label"] == "0" and r["review"]]
    return [r["review"] for r in rows], [r["cat"] for r in rows]


SETS = {"tipdm": tipdm, "shopping": shopping}
# How a held-out text is made raw: the government file's tokens joined again.
RAW = {"tipdm": lambda text: re.sub(r"\s+", "", text), "shopping": lambda text: text}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def cross_validate(
    texts: list[str], labels: list[str], params: Params, folds: int
) -> tuple[list[float], list[float], list[float]]:
    f1s, accs, train_s = [], [], []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for k, (train, test) in enumerate(splitter.split(texts, labels)):
        classifier = TfidfClassifier(version="bench", params=params)
        start = time.perf_counter()
        classifier.fit([texts[i] for i in train], [labels[i] for i in train])
        train_s.append(time.perf_counter() - start)
        m = evaluate([labels[i] for i in test], classifier.predict_many([texts[i] for i in test]))
        f1s.append(m.macro_f1)
        accs.append(m.accuracy)
        print(f"  cv fold {k + 1}: macro_f1={m.macro_f1:.4f} accuracy={m.accuracy:.4f}", flush=True)
    return f1s, accs, train_s


def spread(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f}±{sd:.4f}"


def run(name: str, params: Params, folds: int, latency_n: int) -> None:
    texts, labels = SETS[name]()
    train_texts, test_texts, train_labels, test_labels = train_test_split(
        texts, labels, test_size=0.2, stratify=labels, random_state=0
    )
    raw = [RAW[name](text) for text in test_texts]
    cv = cross_validate(train_texts, train_labels, params, folds) if folds > 1 else None

    classifier = TfidfClassifier(version="bench", params=params)
    start = time.perf_counter()
    classifier.fit(train_texts, train_labels)
    fit_s = time.perf_counter() - start
    blob = classifier.dumps()
    start = time.perf_counter()
    stored = TfidfClassifier.loads(blob, "bench")
    load_s = time.perf_counter() - start
    m = evaluate(test_labels, stored.predict_many(raw))
    lat_ms, cpu_ms = [], []
    for text in raw[:50]:  # warm-up
        stored.predict(text)
    for text in raw[:latency_n]:
        # Wall time and this thread's CPU time: on a shared, loaded machine the wall p99 is
        # the scheduler's (time spent waiting for a core), the CPU time is the model's.
        c0 = time.thread_time_ns()
        t0 = time.perf_counter()
        stored.predict(text)
        lat_ms.append((time.perf_counter() - t0) * 1000)
        cpu_ms.append((time.thread_time_ns() - c0) / 1e6)
    print(
        f"  stored model: {len(blob) / 1e6:.1f} MB, {len(stored.vocabulary)} features, "
        f"loads in {load_s:.2f} s, trained in {fit_s:.1f} s",
        flush=True,
    )
    print(
        "  raw held-out per class: "
        + ", ".join(f"{label} {row['f1']:.3f}" for label, row in m.per_class.items()),
        flush=True,
    )
    load = os.getloadavg()[0]
    cv_part = (
        f"cv macro_f1={spread(cv[0])} accuracy={spread(cv[1])} "
        f"train_s={statistics.mean(cv[2]):.1f} "
        f"gap={statistics.mean(cv[0]) - m.macro_f1:+.4f} "
        if cv
        else ""
    )
    print(
        f"{name}: n={len(texts)} (train {len(train_texts)}, raw held-out {len(raw)}) "
        f"classes={len(set(labels))} {cv_part}"
        f"raw macro_f1={m.macro_f1:.4f} accuracy={m.accuracy:.4f} "
        f"latency_ms p50={percentile(lat_ms, 0.5):.2f} p99={percentile(lat_ms, 0.99):.2f} "
        f"max={max(lat_ms):.2f} cpu_ms p50={percentile(cpu_ms, 0.5):.2f} "
        f"p99={percentile(cpu_ms, 0.99):.2f} max={max(cpu_ms):.2f} load={load:.1f} ({params})",
        flush=True,
    )


def main() -> None:
    default = Params()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(SETS))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--latency-n", type=int, default=1000)
    parser.add_argument("--c", type=float, default=default.c)
    parser.add_argument("--char", type=int, nargs=2, default=list(default.char_ngrams))
    parser.add_argument("--no-words", action="store_true", help="no jieba words")
    parser.add_argument("--word-chars", type=int, default=default.word_chars)
    parser.add_argument("--head", type=int, default=default.head_chars)
    parser.add_argument("--tail", type=int, default=default.tail_chars)
    parser.add_argument("--unbalanced", action="store_true", help="no class weights")
    parser.add_argument("--min-df", type=int, default=default.min_df)
    parser.add_argument("--no-normalise", action="store_true", help="text as it comes")
    parser.add_argument("--no-nbsvm", action="store_true", help="the SVM alone (before item 2)")
    args = parser.parse_args()
    params = Params(
        char_ngrams=(args.char[0], args.char[1]),
        words=not args.no_words,
        word_chars=args.word_chars,
        head_chars=args.head,
        tail_chars=args.tail,
        c=args.c,
        balanced=not args.unbalanced,
        min_df=args.min_df,
        normalise=not args.no_normalise,
        nbsvm=not args.no_nbsvm,
    )
    for name in [args.only] if args.only else list(SETS):
        run(name, params, args.folds, args.latency_n)


if __name__ == "__main__":
    main()
