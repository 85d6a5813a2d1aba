"""Reads of accounts' own records: the audit log's verification."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from tousu.accounts.models import AUDIT_HEAD, AuditEntry, AuditHead
from tousu.accounts.services import audit_hash
from tousu.core.keys import link_problem


@dataclass(frozen=True)
class AuditCheck:
    """What `audit_verify` found: entries checked, the head it verified up to, and problems
    as (entry number, problem)."""

    checked: int
    head_seq: int
    head_hash: str
    broken: list[tuple[int, str]]


def _entry_intact(entry: AuditEntry) -> bool:
    return entry.hash == audit_hash(entry)


def audit_verify(*, sealed: tuple[int, str] | None = None) -> AuditCheck:
    """Recompute the audit log's chain: numbers 1, 2, 3… without a gap, each entry's keyed
    hash and its link to the one before, the head row at the last entry. `sealed` is the head
    (number, hash) a chain seal recorded: the log must still reach it with that hash, or its
    tail was cut off and the head rewound."""
    # The head first: entries appended while this runs are after it, and not looked at.
    head = AuditHead.objects.filter(pk=AUDIT_HEAD).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, "")
    broken: list[tuple[int, str]] = []
    prev, expected, checked = "", 1, 0
    hashes_at_sealed = ""
    entries = AuditEntry.objects.order_by("seq")
    if head is not None:
        entries = entries.filter(seq__lte=head_seq)
    for entry in entries.iterator(chunk_size=2000):
        checked += 1
        problem = link_problem(
            seq=entry.seq,
            expected=expected,
            prev_hash=entry.prev_hash,
            prev=prev,
            intact=functools.partial(_entry_intact, entry),
        )
        if problem:
            broken.append((entry.seq, problem))
            break
        if sealed is not None and entry.seq == sealed[0]:
            hashes_at_sealed = entry.hash
        prev, expected = entry.hash, expected + 1
    else:
        if (head_seq, head_hash) != (expected - 1, prev) and (head is not None or checked):
            broken.append((expected, "entries missing at the end"))
        if sealed is not None and sealed[0] and hashes_at_sealed != sealed[1]:
            broken.append((sealed[0], "sealed entry missing or changed"))
    return AuditCheck(checked, expected - 1, prev, broken)
