"""The spike detector on synthetic series: planted spikes are found, weekly cycles and
holidays are not spikes, flat data raises nothing, one wave gives one finding."""

from __future__ import annotations

import math
import random

from tousu.early_warning import rules

HOURS = 24 * 7 * 6  # six weeks


def shape(hour: int) -> float:
    """A busy office week: quiet nights, a midday peak, weekends at 60 %."""
    hod, dow = hour % 24, (hour // 24) % 7
    day = 0.15 + math.exp(-(((hod - 14) / 4.0) ** 2))
    return day * (0.6 if dow >= 5 else 1.0)


def poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: the means here are small.
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def series(rng: random.Random, per_day: float, spikes: dict[int, int] | None = None) -> list[int]:
    norm = sum(shape(h) for h in range(168)) / 7
    counts = [poisson(rng, per_day * shape(h) / norm) for h in range(HOURS)]
    for hour, extra in (spikes or {}).items():
        counts[hour] += extra
    return counts


def finding_at(counts: list[int], last: int, slice_: rules.Slice = ()) -> rules.Finding:
    """The finding as of hour `last` (complete), as selectors.findings builds it."""
    day_first = last - 23
    base_first = day_first - rules.BASELINE_DAYS * 24
    days = [sum(counts[base_first + 24 * d : base_first + 24 * (d + 1)]) for d in range(28)]
    profile = rules.week_profile(
        {h: counts[h] for h in range(base_first, day_first)},
        {h: h % 168 for h in range(base_first, day_first)},
    )
    return rules.assess(
        slice_,
        window_counts={"hour": counts[last], "day": sum(counts[day_first : last + 1])},
        window_hours={"hour": [last % 168], "day": [h % 168 for h in range(day_first, last + 1)]},
        baseline_days=days,
        profile=profile,
    )


FIRST_SCANNED = 24 * 29


def flagged_hours(counts: list[int]) -> list[int]:
    return [h for h in range(FIRST_SCANNED, HOURS) if finding_at(counts, h).flagged]


def test_flat_weekly_data_raises_nothing() -> None:
    for seed in range(5):
        counts = series(random.Random(seed), per_day=40)
        assert flagged_hours(counts) == [], seed


def test_the_weekly_cycle_is_not_a_spike() -> None:
    # Mondays at 14:00 are the busiest hour of the week: expected, not alarming.
    counts = series(random.Random(7), per_day=120)
    monday_peaks = [h for h in range(FIRST_SCANNED, HOURS) if h % 168 == 14]
    assert all(not finding_at(counts, h).flagged for h in monday_peaks)


def test_a_planted_spike_is_found_within_its_first_hours() -> None:
    start = 24 * 35 + 10  # a Friday morning in week six
    spike = {start + i: 15 for i in range(6)}
    counts = series(random.Random(3), per_day=40, spikes=spike)
    found = flagged_hours(counts)
    assert found
    assert start <= found[0] <= start + 2
    finding = finding_at(counts, found[0])
    assert finding.strongest.observed > 2 * finding.strongest.expected


def test_a_quiet_holiday_raises_nothing_and_does_not_mask_the_next_spike() -> None:
    holiday = range(24 * 31, 24 * 33)  # two days with almost no complaints
    counts = series(random.Random(5), per_day=40)
    for h in holiday:
        counts[h] = 0
    assert flagged_hours(counts) == []
    start = 24 * 38 + 9
    for i in range(4):
        counts[start + i] += 14
    assert start in flagged_hours(counts) or start + 1 in flagged_hours(counts)


def test_an_earlier_spike_does_not_raise_the_bar_for_the_next() -> None:
    counts = series(random.Random(11), per_day=40)
    for i in range(24):
        counts[24 * 20 + i] += 30  # a whole day of 720 extra, inside the next spike's baseline
    start = 24 * 36 + 11
    for i in range(3):
        counts[start + i] += 14
    assert any(start <= h <= start + 2 for h in flagged_hours(counts))


def test_a_small_rise_in_a_quiet_slice_is_not_material() -> None:
    # 0.5 a day usually; 4 in one hour is very unlikely, but not worth waking anyone for.
    counts = series(random.Random(2), per_day=0.5, spikes={24 * 36 + 12: 4})
    assert flagged_hours(counts) == []


def test_one_wave_gives_one_finding_where_it_is() -> None:
    def f(slice_: rules.Slice, observed: int, expected: float) -> rules.Finding:
        day = rules.Window("day", observed, expected, rules.anscombe_z(observed, expected))
        hour = rules.Window("hour", 0, 1.0, 0.0)
        return rules.Finding(slice_, (hour, day), expected / 24, 0.0)

    net, south = ("category", "1"), ("region", "2")
    outage = [
        f((), 400, 200),
        f((net,), 260, 60),
        f((south,), 230, 40),
        f((net, south), 210, 10),  # the outage: network complaints in the south
    ]
    assert [x.slice for x in rules.one_per_wave(outage)] == [(net, south)]

    broad = [
        f((), 500, 200),
        f((net,), 480, 180),  # a network wave everywhere...
        f((net, south), 60, 20),  # ...of which the south holds a small part
    ]
    assert [x.slice for x in rules.one_per_wave(broad)] == [(net,)]


def test_rising_words_name_the_cause() -> None:
    rng = random.Random(1)
    usual = ["账单", "套餐", "信号", "宽带", "扣费", "客服", "营业厅", "流量"]
    baseline = [set(rng.sample(usual, 3)) for _ in range(500)]
    spike = [set(rng.sample(usual, 2)) | {"断网", "光猫"} for _ in range(40)]
    spike += [set(rng.sample(usual, 3)) for _ in range(20)]
    words = [w for w, _k, _z in rules.rising_words(spike, baseline)]
    assert set(words[:2]) == {"断网", "光猫"}


def test_english_spellings_of_one_word_count_together() -> None:
    baseline = [{"internet", "slow"} for _ in range(200)]
    spike = [{"pricing"}, {"prices"}, {"price"}, {"price"}, {"pricing", "price"}] * 3
    ranked = rules.rising_words(spike, baseline)
    assert ranked[0][0] == "price"
    assert ranked[0][1] == 15
    assert rules.stem("pricing") == rules.stem("prices") == rules.stem("price")


def test_an_outage_inside_a_busy_week_keeps_its_own_alert() -> None:
    def f(slice_: rules.Slice, observed: int, expected: float) -> rules.Finding:
        day = rules.Window("day", observed, expected, rules.anscombe_z(observed, expected))
        hour = rules.Window("hour", 0, 1.0, 0.0)
        return rules.Finding(slice_, (hour, day), expected / 24, 0.0)

    outage, suzhou = ("category", "5"), ("region", "2")
    busy = [
        f((), 47, 3.6),  # everything is up...
        f((outage,), 16, 0.3),
        f((suzhou,), 18, 0.6),
        f((outage, suzhou), 16, 0.02),  # ...and one city's broadband is down on top of it
    ]
    assert [x.slice for x in rules.one_per_wave(busy)] == [(), (outage, suzhou)]


def test_a_word_cut_two_ways_is_shown_once() -> None:
    baseline = [{"账单", "套餐"} for _ in range(200)]
    spike = [{"尽快恢复", "恢复", "断网"} for _ in range(10)]
    words = [w for w, _k, _z in rules.rising_words(spike, baseline)]
    assert sorted(words) in (["尽快恢复", "断网"], ["恢复", "断网"])
