"""The hand-labelled sample of bench/risk.py: which rows of the shared raw files it holds.

Deterministic (seeded): 180 government-board messages (留言详情 of
tipdm2020c-messages-with-replies.csv) and 130 e-commerce reviews
(online-shopping-10cats-train.csv). A random sample would hold almost no escalation, so each
source is stratified: about half the rows are drawn from those containing any of a broad list
of candidate strings — true markers and the traps that fool substring matching (集体土地,
多媒体, 垃圾 as a thing, a cited 判决) — and the rest at random. The labels (bench/risk_labels.csv)
were written by reading each text in full before the matcher was tuned; they hold row ids and
labels only, never the texts (the data may not be copied into the project).

    python bench/risk_sample.py --print     # the texts to label, with their ids
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
GOV = "tipdm2020c-messages-with-replies.csv"
SHOP = "online-shopping-10cats-train.csv"
CANDIDATES = [
    "12345",
    "市长",
    "热线",
    "信访",
    "上访",
    "工信部",
    "通管局",
    "12300",
    "法院",
    "起诉",
    "判决",
    "律师",
    "媒体",
    "曝光",
    "记者",
    "集体",
    "联名",
    "举报",
    "12315",
    "315",
    "消协",
    "工商",
    "投诉",
    "报警",
    "垃圾",
    "微博",
    "抖音",
]
SEED = 18
# The second, fresh sample (bench/risk_labels_fresh.csv): government messages only (no review
# in the first sample was an escalation), drawn the same way from the rows the first sample did
# not take, labelled after the risk rules had been tuned on the first sample and before the
# matcher was run on them — a held-out set that no rule has seen.
FRESH_SEED = 1818
FRESH_WITH_CANDIDATE = 70
FRESH_OTHERS = 30
FRESH2_SEED = 1819
# The third fresh sample (bench/risk_labels_fresh3.csv, lane risk3): 160 messages drawn the same
# way (the same candidate strings, seed 1820) from the rows none of the three earlier samples
# holds, a little more enriched (115 with a candidate, 45 without) so that 150 texts hold enough
# escalations to measure; labelled before any matcher ran on them.
FRESH3_SEED = 1820
FRESH3_WITH_CANDIDATE = 115
FRESH3_OTHERS = 45


def _pick(
    rows: list[tuple[str, str]], with_candidate: int, others: int, seed: int = SEED
) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    hit = [r for r in rows if any(c in r[1] for c in CANDIDATES)]
    miss = [r for r in rows if not any(c in r[1] for c in CANDIDATES)]
    chosen = rng.sample(hit, with_candidate) + rng.sample(miss, others)
    return sorted(chosen, key=lambda r: r[0])


def sample(data: Path = DATA) -> list[tuple[str, str, str]]:
    """(source, row id, text) of the labelled sample."""
    with open(data / GOV, encoding="utf-8") as f:
        gov = [(r["留言编号"], r["留言详情"].strip()) for r in csv.DictReader(f)]
    with open(data / SHOP, encoding="utf-8") as f:
        shop = [(str(i), r["review"].strip()) for i, r in enumerate(csv.DictReader(f))]
    out = [("gov", i, t) for i, t in _pick(gov, 110, 70)]
    out += [("shop", i, t) for i, t in _pick(shop, 60, 70)]
    return out


def fresh(
    data: Path = DATA, second: bool = False, third: bool = False
) -> list[tuple[str, str, str]]:
    """(source, row id, text) of the fresh held-out sample: government messages the first
    sample does not hold. `second`: the second fresh sample (FRESH2_SEED), drawn from the rows
    neither the first nor the fresh sample holds, after round 3 had been tuned on the fresh one.
    `third`: the third (FRESH3_SEED), from the rows none of the three earlier samples holds."""
    first = sample(data)
    if second or third:
        first += fresh(data)
    if third:
        first += fresh(data, second=True)
    taken = {i for s, i, _t in first if s == "gov"}
    # The board holds some messages twice under two ids: a copy is not fresh.
    seen = {" ".join(t.split()) for _s, _i, t in first}
    with open(data / GOV, encoding="utf-8") as f:
        gov = [(r["留言编号"], r["留言详情"].strip()) for r in csv.DictReader(f)]
    rest = [r for r in gov if r[0] not in taken and " ".join(r[1].split()) not in seen]
    if third:
        picked = _pick(rest, FRESH3_WITH_CANDIDATE, FRESH3_OTHERS, FRESH3_SEED)
    else:
        picked = _pick(
            rest, FRESH_WITH_CANDIDATE, FRESH_OTHERS, FRESH2_SEED if second else FRESH_SEED
        )
    # Nor is a near copy (the same letter re-posted with another heading): dropped after the
    # draw, so that the draw itself stays as it was labelled.
    openings = {_opening(t) for _s, _i, t in first}
    return [("gov", i, t) for i, t in picked if _opening(t) not in openings]


def _opening(text: str) -> str:
    return "".join(text.split())[:30]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--print", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="the fresh sample")
    parser.add_argument("--fresh2", action="store_true", help="the second fresh sample")
    parser.add_argument("--fresh3", action="store_true", help="the third fresh sample")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    if args.fresh3:
        rows = fresh(args.data, third=True)
    elif args.fresh2:
        rows = fresh(args.data, second=True)
    else:
        rows = (fresh if args.fresh else sample)(args.data)
    for source, row, text in rows:
        if args.print:
            print(f"## {source} {row}\n{' '.join(text.split())}\n")
