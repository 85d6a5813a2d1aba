"""Benchmark (issue 18 item 2): two parameter sets of the product's classifier, paired.

Not a test. On `bench/classify.py`'s split (four fifths to train, the raw fifth to score), trains
the product's `TfidfClassifier` twice, with the SVM alone (`nbsvm=False`, the model before item 2)
and with the SVM + NB-SVM mean (the default), stores and loads each as the product does, and
prints, on the raw held-out fifth:

- each model's macro-F1 and accuracy, and the paired count of texts only one of them gets right
  (McNemar's discordant pairs, with the exact two-sided binomial p-value): whether a difference
  of a few texts is more than chance;
- the per-text latency of both, timed alternately on the same texts (which one goes first
  alternates too), one text at a time, as wall time and as this thread's CPU time
  (`time.thread_time_ns`): on a shared machine the wall p99 is the scheduler's, the CPU time
  the model's. Run it under `taskset -c 0` for one core.

    taskset -c 0 .venv/bin/python bench/classify_compare.py            # both sets
    taskset -c 0 .venv/bin/python bench/classify_compare.py --only tipdm
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from sklearn.model_selection import train_test_split  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from classify import RAW, SETS, percentile  # noqa: E402

from tousu.classification.model import Params, TfidfClassifier, evaluate  # noqa: E402


def binomial_two_sided(k: int, n: int) -> float:
    """P(at most min(k, n-k) or at least max(...) successes of n fair coin flips)."""
    if n == 0:
        return 1.0
    low = min(k, n - k)
    tail = sum(math.comb(n, i) for i in range(low + 1)) / 2**n
    return min(1.0, 2 * tail)


def compare(name: str, latency_n: int) -> None:
    texts, labels = SETS[name]()
    train_texts, test_texts, train_labels, test_labels = train_test_split(
        texts, labels, test_size=0.2, stratify=labels, random_state=0
    )
    raw = [RAW[name](text) for text in test_texts]
    models = {}
    for key, params in (("svm", Params(nbsvm=False)), ("svm+nbsvm", Params())):
        start = time.process_time()
        fitted = TfidfClassifier(version=key, params=params).fit(train_texts, train_labels)
        cpu_s = time.process_time() - start
        models[key] = TfidfClassifier.loads(fitted.dumps(), key)
        print(f"  {name} {key}: trained in {cpu_s:.1f} s CPU", flush=True)
    predicted = {key: model.predict_many(raw) for key, model in models.items()}
    for key in models:
        m = evaluate(test_labels, predicted[key])
        print(f"  {name} {key}: raw {m.last_line()}", flush=True)
    right_a = [p == t for p, t in zip(predicted["svm"], test_labels, strict=True)]
    right_b = [p == t for p, t in zip(predicted["svm+nbsvm"], test_labels, strict=True)]
    only_a = sum(a and not b for a, b in zip(right_a, right_b, strict=True))
    only_b = sum(b and not a for a, b in zip(right_a, right_b, strict=True))
    print(
        f"  {name} paired: only svm right {only_a}, only svm+nbsvm right {only_b}, "
        f"p={binomial_two_sided(only_a, only_a + only_b):.3f} (exact McNemar)",
        flush=True,
    )
    wall: dict[str, list[float]] = {key: [] for key in models}
    cpu: dict[str, list[float]] = {key: [] for key in models}
    order = list(models)
    for text in raw[:50]:  # warm-up
        for model in models.values():
            model.predict(text)
    for i, text in enumerate(raw[:latency_n]):
        for key in order if i % 2 == 0 else order[::-1]:
            c0 = time.thread_time_ns()
            t0 = time.perf_counter()
            models[key].predict(text)
            wall[key].append((time.perf_counter() - t0) * 1000)
            cpu[key].append((time.thread_time_ns() - c0) / 1e6)
    for key in models:
        print(
            f"{name} {key}: latency n={len(cpu[key])} "
            f"cpu_ms p50={percentile(cpu[key], 0.5):.2f} p99={percentile(cpu[key], 0.99):.2f} "
            f"max={max(cpu[key]):.2f} wall_ms p50={percentile(wall[key], 0.5):.2f} "
            f"p99={percentile(wall[key], 0.99):.2f} load={os.getloadavg()[0]:.1f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(SETS))
    parser.add_argument("--latency-n", type=int, default=1500)
    args = parser.parse_args()
    for name in [args.only] if args.only else list(SETS):
        compare(name, args.latency_n)


if __name__ == "__main__":
    main()
