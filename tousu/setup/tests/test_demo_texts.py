"""The demo complaint generator: coverage of the category tree, lengths, determinism."""

from __future__ import annotations

import random
import re
from collections import Counter

from tousu.setup.demo_texts import (
    CHANNEL_WEIGHTS,
    DEMANDS,
    DEMO_NOTES,
    DEMO_REPLIES,
    TEMPLATES,
    demo_complaint,
    demo_person,
    render,
)
from tousu.setup.reference import CATEGORIES

SLOT = re.compile(r"\{\w*\}")


def leaf_codes() -> list[str]:
    codes = [row.code for row in CATEGORIES]
    return [c for c in codes if not any(o.startswith(c + ".") for o in codes)]


def test_every_leaf_has_four_templates_of_sensible_length():
    rng = random.Random(1)
    for code in leaf_codes():
        templates = TEMPLATES.get(code, ())
        assert len(templates) >= 4, code
        assert DEMANDS.get(code), code
        for template in templates:
            for _ in range(20):
                text = render(rng, template)
                assert 40 <= len(text) <= 300, (code, text)
                assert not SLOT.search(text), (code, text)


def test_generated_complaints_are_complete():
    rng = random.Random(2)
    channels = set(CHANNEL_WEIGHTS)
    for code in leaf_codes():
        for _ in range(50):
            item = demo_complaint(rng, code)
            assert item.category == code
            assert 40 <= len(item.content) <= 300, item.content
            assert not SLOT.search(item.content + item.demand), item
            assert item.demand
            assert item.channel in channels


def test_random_category_is_a_leaf():
    rng = random.Random(3)
    leaves = set(leaf_codes())
    seen = {demo_complaint(rng).category for _ in range(3000)}
    assert seen <= leaves
    assert "billing.unexplained_charge" in seen


def test_same_seed_same_output():
    first = [demo_complaint(random.Random(42)) for _ in range(3)]
    again = [demo_complaint(random.Random(42)) for _ in range(3)]
    assert first == again
    rng_a, rng_b = random.Random(7), random.Random(7)
    assert [demo_person(rng_a) for _ in range(20)] == [demo_person(rng_b) for _ in range(20)]


def test_people_have_names_and_valid_mobiles():
    rng = random.Random(4)
    for _ in range(500):
        name, phone = demo_person(rng)
        assert 2 <= len(name) <= 4
        assert re.fullmatch(r"1[3-9]\d{9}", phone), phone


def test_channel_distribution_covers_every_channel():
    rng = random.Random(5)
    counts = Counter(demo_complaint(rng).channel for _ in range(5000))
    assert set(counts) == set(CHANNEL_WEIGHTS)
    assert counts.most_common(1)[0][0] == "hotline"


def test_notes_and_replies():
    assert len(DEMO_NOTES) >= 10
    top = {row.code for row in CATEGORIES if "." not in row.code}
    assert set(DEMO_REPLIES) == top
    assert all(2 <= len(replies) <= 3 for replies in DEMO_REPLIES.values())
