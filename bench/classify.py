"""Benchmark: the product's text classifier on real Chinese complaint data (issue 4).

Not a test. Trains and evaluates through the product's own code (`TfidfClassifier` and the
metric function `evaluate` that `tousu classifier` uses) with 5-fold stratified
cross-validation, and prints macro-F1 and accuracy (mean ± sd over the folds), training time,
the stored model's size and load time, and the prediction latency per complaint (single-text
`predict` calls on the model as stored and loaded again, one core, p50/p99).

    .venv/bin/python bench/classify.py                    # both data sets, default parameters
    .venv/bin/python bench/classify.py --only tipdm --c 0.5 --char 1 3 --head 300 --tail 0
    .venv/bin/python bench/classify.py --no-words         # character n-grams only, no jieba
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from sklearn.model_selection import StratifiedKFold  # noqa: E402

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


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def run(name: str, params: Params, folds: int, latency_n: int) -> None:
    texts, labels = SETS[name]()
    f1s, accs, train_s, lat_ms = [], [], [], []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for k, (train, test) in enumerate(splitter.split(texts, labels)):
        classifier = TfidfClassifier(version="bench", params=params)
        start = time.perf_counter()
        classifier.fit([texts[i] for i in train], [labels[i] for i in train])
        train_s.append(time.perf_counter() - start)
        test_texts = [texts[i] for i in test]
        m = evaluate([labels[i] for i in test], classifier.predict_many(test_texts))
        f1s.append(m.macro_f1)
        accs.append(m.accuracy)
        if k == 0:
            blob = classifier.dumps()
            start = time.perf_counter()
            stored = TfidfClassifier.loads(blob, "bench")
            load_s = time.perf_counter() - start
            for text in test_texts[:50]:  # warm-up
                stored.predict(text)
            for text in test_texts[:latency_n]:
                t0 = time.perf_counter()
                stored.predict(text)
                lat_ms.append((time.perf_counter() - t0) * 1000)
            print(
                f"  stored model: {len(blob) / 1e6:.1f} MB, {len(stored.vocabulary)} features, "
                f"loads in {load_s:.2f} s",
                flush=True,
            )
        print(f"  fold {k + 1}: macro_f1={m.macro_f1:.4f} accuracy={m.accuracy:.4f}", flush=True)
    load = os.getloadavg()[0]
    print(
        f"{name}: n={len(texts)} classes={len(set(labels))} "
        f"macro_f1={statistics.mean(f1s):.4f}±{statistics.stdev(f1s):.4f} "
        f"accuracy={statistics.mean(accs):.4f}±{statistics.stdev(accs):.4f} "
        f"train_s={statistics.mean(train_s):.1f} "
        f"latency_ms p50={percentile(lat_ms, 0.5):.2f} p99={percentile(lat_ms, 0.99):.2f} "
        f"max={max(lat_ms):.2f} load={load:.1f} ({params})",
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
    )
    for name in [args.only] if args.only else list(SETS):
        run(name, params, args.folds, args.latency_n)


if __name__ == "__main__":
    main()
