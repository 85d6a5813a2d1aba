"""Benchmark: the count tables, KPIs, dashboard, complaint lists and quarterly report of
issue 6 (D11) at N complaints.

Not a test. Creates a throw-away database (a SQLite file in a temporary folder by default, or a
`tousu_bench` database on the PostgreSQL server of --database-url, created and dropped here —
the helper of bench/breach_scan.py), loads N complaints spread over the last year with
realistic mixes (channels, categories and their departments, regions by customers, levels,
hours of the day, texts; log-normal handling times, each complaint closed once handled except
0.3 % left stuck open, so the open backlog is the last days' complaints plus the stuck ones;
remedies, callbacks, transfers and escalations), and times: the complaint list pages, `tousu
analytics rebuild`, one `analytics.fill` with nothing to do, KPIs for the last full quarter,
the dashboard's queries, whole page and root-cause page for an administrator and a department
supervisor, and the quarterly report.

    .venv/bin/python bench/analytics.py                       # SQLite, 1,000,000
    .venv/bin/python bench/analytics.py --n 200000
    .venv/bin/python bench/analytics.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/postgres
    # load once and keep the database (TOUSU_BENCH_DB names it), then time searches only:
    .venv/bin/python bench/analytics.py --lists-only --keep --database-url …
    .venv/bin/python bench/analytics.py --search-only --keep --database-url …
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

CHUNK = 20_000
DAYS = 365
REPEATS = 5
# Complaints never closed (forgotten, waiting on a third party): overdue in the open backlog.
STUCK = 0.003

CHANNELS = {
    "hotline": 45,
    "app": 15,
    "store": 12,
    "web": 10,
    "wechat": 8,
    "sms": 3,
    "email": 2,
    "regulator": 2,
    "consumer_association": 1.5,
    "letter": 1,
    "media": 0.5,
}
LEVELS = {"ordinary": 85, "important": 10, "major": 4, "over_level": 1}
# Complaints per hour of the day (Asia/Shanghai): quiet nights, busy mornings and evenings.
HOURS = [1, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 11, 9, 10, 11, 11, 10, 9, 9, 10, 9, 7, 4, 2]
REMEDIES = {"refund": 40, "bill_credit": 25, "apology": 20, "explanation": 10, "data_credit": 5}
RESULTS = {"satisfied": 70, "basically_satisfied": 15, "dissatisfied": 8, "unreachable": 7}


# Pieces of complaint texts, as customers put them; a text is three to six of them.
PHRASES = (
    "本月话费无故多扣了58元",
    "我从来没有订过这个增值业务",
    "家里宽带晚上经常断网",
    "4G信号很差，电话总是打不出去",
    "营业厅工作人员态度很差",
    "客服电话一直打不进去",
    "套餐降档被拒绝",
    "携号转网一直办不了",
    "流量明明没用完却提示超出",
    "要求退还多收的费用",
    "维修人员约好的时间没有上门",
    "已经第三次投诉了还没解决",
    "光猫坏了一个星期没人来修",
    "账单上有一笔不明扣费",
    "合约到期后资费自动上涨",
    "办理业务时没有告知收费标准",
    "国际漫游费用太高，事先没有提醒",
    "积分兑换的礼品一直没收到",
    "号码被停机但我已经充值",
    "要求给个说法，否则向工信部申诉",
    "希望尽快处理并回电",
    "手机上网速度特别慢",
)
# Rarer complaints (one in 500 texts has one of these): what a search usually looks for.
RARE_PHRASES = ("营业厅私自给我开通了副卡", "积分被人盗刷兑换了礼品", "销户后还在继续扣月租")
RARE = 0.002


def search_rows(texts: list[list[str]]) -> list[tuple[str, str]]:
    """(terms, words) of the search index for texts made of whole phrases joined by "，":
    jieba cuts at punctuation, so a text's words are its phrases' words, cut once each."""
    from tousu.complaints.search import bigrams, search_row, text_words

    phrases = {p for text in texts for p in text}
    words = {p: text_words(p) for p in phrases}
    pairs = {p: bigrams(p.lower()) for p in phrases}
    out = []
    for text in texts:
        w = list(dict.fromkeys(x for p in text for x in words[p]))
        terms = list(dict.fromkeys(w + [x for p in text for x in pairs[p]]))
        out.append((" ".join(terms), " ".join(w)))
    for text, (terms, w) in zip(texts[:500], out, strict=False):  # as registration writes them
        real = search_row("，".join(text) + "\n")
        assert (set(real["terms"].split()), set(real["words"].split())) == (
            set(terms.split()),
            set(w.split()),
        ), text
    return out


def pick(rng: random.Random, weights: dict[str, float], k: int) -> list[str]:
    return rng.choices(list(weights), weights=list(weights.values()), k=k)


def insert(model: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """executemany of plain rows (Django's bulk_create splits rows into statements of 999
    parameters on SQLite, which makes a million rows take long)."""
    from django.db import connection, transaction

    q = connection.ops.quote_name
    sql = (
        f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(c) for c in columns)}) "  # noqa: S608 (model names; values bound)
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    for first in range(0, len(rows), CHUNK):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows[first : first + CHUNK])


def load(n: int, now: dt.datetime) -> None:
    from django.db import connection, transaction

    from tousu.accounts.models import Department, Region
    from tousu.callbacks.models import CallbackTask
    from tousu.classification.models import Category
    from tousu.complaints.models import Complaint, ComplaintEvent, ComplaintSearch
    from tousu.complaints.timeline import FACTS_KEY, event_hash, facts_digest
    from tousu.customers.models import Customer
    from tousu.resolution.models import Remedy
    from tousu.routing.models import Transfer
    from tousu.setup.reference import CATEGORIES
    from tousu.setup.services import reference_data_load

    reference_data_load()
    rng = random.Random(2026)
    ops = connection.ops
    regions = list(Region.objects.all())
    Customer.objects.bulk_create(
        Customer(
            phone=f"139{i:08d}", region=rng.choices(regions, [r.customers for r in regions])[0]
        )
        for i in range(10_000)
    )
    customers = list(Customer.objects.values_list("pk", "region_id"))
    departments = dict(Department.objects.values_list("code", "pk"))
    leaves = {
        c.code: (pk, departments.get(c.department))
        for c in CATEGORIES
        if "." in c.code
        for pk in [Category.objects.get(code=c.code).pk]
    }
    # A few categories carry most complaints (billing and network first), as in S4's tables.
    leaf_weights = {code: (8 if code.startswith(("billing", "network")) else 2) for code in leaves}
    leaf_weights[next(iter(leaves))] = 20

    dt_ = ops.adapt_datetimefield_value
    columns = [
        "number", "status", "channel", "content", "demand", "customer_id", "region_id",
        "external_ref", "category_id", "category_source", "level", "department_id",
        "received_at", "registered_at", "first_response_due", "resolution_due", "accepted_at",
        "resolved_at", "closed_at", "finding", "cause", "reply", "needs_repair",
        "routing_reason", "time_limit_policy", "pause_reason", "escalation_step", "risk_reasons",
        "event_seq", "event_hash", "updated_at", "first_contact", "risk_scored_seq",
    ]  # fmt: skip
    channels = pick(rng, CHANNELS, n)
    levels = pick(rng, LEVELS, n)
    cats = pick(rng, leaf_weights, n)
    start = now - dt.timedelta(days=DAYS)
    texts = [
        rng.sample(PHRASES, rng.randint(3, 6))
        + ([rng.choice(RARE_PHRASES)] if rng.random() < RARE else [])
        for _ in range(n)
    ]
    rows: list[tuple[Any, ...]] = []
    closed_at: dict[int, dt.datetime] = {}
    received_at: list[dt.datetime] = []
    for i in range(n):
        day = start + dt.timedelta(days=rng.randrange(DAYS))
        received = day.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(
            hours=rng.choices(range(24), HOURS)[0], seconds=rng.randrange(3600)
        )
        received_at.append(received)
        customer, region = customers[rng.randrange(len(customers))]
        category, department = leaves[cats[i]]
        accepted = received + dt.timedelta(minutes=rng.lognormvariate(3.0, 1.0))
        handling = dt.timedelta(hours=rng.lognormvariate(3.0, 1.0))  # median 20 h
        done = received + handling < now and rng.random() >= STUCK
        closed = received + handling if done else None
        if closed:
            closed_at[i] = closed
        rows.append(
            (
                f"B{i:011d}", "closed" if closed else "in_progress", channels[i],
                "，".join(texts[i]), "",
                customer, region, "", category, "model", levels[i], department, dt_(received),
                dt_(received), dt_(received + dt.timedelta(hours=2)),
                dt_(received + dt.timedelta(hours=48)), dt_(accepted), dt_(closed), dt_(closed),
                "true" if closed else "", "process_error" if closed else "", "", False, None, "",
                "", 0, "[]", 0, "", dt_(closed or received), False, 0,
            )
        )  # fmt: skip
    started = time.perf_counter()
    insert(Complaint, columns, rows)
    del rows
    print(f"  complaints: {n:,} ({time.perf_counter() - started:.0f} s)", flush=True)
    pks = dict(Complaint.objects.values_list("number", "pk"))
    pk_of = [pks[f"B{i:011d}"] for i in range(n)]
    del pks
    insert(
        ComplaintSearch,
        ["complaint_id", "terms", "words"],
        [(pk_of[i], terms, words) for i, (terms, words) in enumerate(search_rows(texts))],
    )
    print(f"  search index ({time.perf_counter() - started:.0f} s)", flush=True)
    # Repeats: 5 % point at an earlier complaint.
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Complaint._meta.db_table} SET repeat_of_id = %s WHERE id = %s",  # noqa: S608
            [(pk_of[i - 1], pk_of[i]) for i in range(1, n) if rng.random() < 0.05],
        )
    # Timelines as the product writes them (tousu/complaints/services.py `_chained`): each
    # complaint's chain starts with its registration, whose event seals the registration facts,
    # every event hashed over the one before, and the complaint's head (event_seq, event_hash)
    # on its last event. A chain that does not link makes the product's own jobs refuse the
    # complaint: the breach scan appends to the chain and checks its head (issue 19).
    phones = dict(Customer.objects.values_list("pk", "phone"))
    customer_of = dict(Complaint.objects.values_list("pk", "customer_id"))
    event_cols = ["complaint_id", "seq", "at", "type", "actor_name", "data", "prev_hash", "hash"]
    events, transfers, heads = [], [], []
    remedy_rows: list[tuple[Any, ...]] = []
    department_ids = list(departments.values())
    for i in range(n):
        received = received_at[i]
        number = f"B{i:011d}"
        facts = facts_digest(
            channel=channels[i],
            content="，".join(texts[i]),
            demand="",
            received_at=received,
            phone=phones[customer_of[pk_of[i]]],
        )
        chain: list[tuple[str, dt.datetime, dict[str, Any]]] = [
            ("registered", received, {"channel": channels[i], FACTS_KEY: facts})
        ]
        for kind, p in (("transferred", 0.08), ("escalated", 0.03)):
            if rng.random() < p:
                at = received + dt.timedelta(hours=1)
                chain.append((kind, at, {}))
                to = leaves[cats[i]][1]
                if kind == "transferred" and to is not None:
                    source = rng.choice([d for d in department_ids if d != to])
                    transfers.append((pk_of[i], source, to, "transfer", "不属本部门", dt_(at)))
        closed = closed_at.get(i)
        if closed is not None:
            # The outcome's event records the remedies granted (the tamper-evidence check
            # compares the remedy rows with it), then the close.
            granted = []
            if rng.random() < 0.3:
                kind = pick(rng, REMEDIES, 1)[0]
                amount = round(rng.uniform(5, 200), 2) if kind in ("refund", "bill_credit") else 0
                granted.append({"type": kind, "amount": f"{amount:.2f}", "note": ""})
                remedy_rows.append((pk_of[i], kind, amount, "", dt_(closed)))
            chain.append(("resolved", closed, {"finding": "true", "remedies": granted}))
            chain.append(("closed", closed, {}))
        prev = ""
        for seq, (kind, at, data) in enumerate(chain, start=1):
            digest = event_hash(
                number=number,
                seq=seq,
                at=at,
                type=kind,
                actor_name="bench",
                data=data,
                prev_hash=prev,
            )
            events.append((pk_of[i], seq, dt_(at), kind, "bench", json.dumps(data), prev, digest))
            prev = digest
        heads.append((len(chain), prev, pk_of[i]))
    del texts, customer_of, phones
    with transaction.atomic(), connection.cursor() as cursor:
        table = ops.quote_name(Complaint._meta.db_table)
        cursor.executemany(
            f"UPDATE {table} SET event_seq = %s, event_hash = %s WHERE id = %s",  # noqa: S608
            heads,
        )
    insert(ComplaintEvent, event_cols, events)
    insert(
        Transfer,
        ["complaint_id", "from_department_id", "to_department_id", "kind", "reason", "at"],
        transfers,
    )
    callback_rows = []
    for i, closed in closed_at.items():
        done = closed + dt.timedelta(hours=rng.uniform(2, 72))
        if done < now and rng.random() < 0.7:
            result = pick(rng, RESULTS, 1)[0]
            score = None if result == "unreachable" else rng.randint(1, 5)
            scores = (score,) * 4
            callback_rows.append(
                (
                    pk_of[i],
                    dt_(done),
                    "done",
                    result,
                    *scores,
                    score,
                    "[]",
                    1,
                    "",
                    dt_(done),
                    dt_(closed),
                )
            )
    insert(Remedy, ["complaint_id", "type", "amount", "note", "created_at"], remedy_rows)
    insert(
        CallbackTask,
        [
            "complaint_id", "due_at", "status", "result", "timeliness", "attitude", "solution",
            "simplicity", "overall", "reasons", "attempt_count", "comment", "done_at",
            "created_at",
        ],
        callback_rows,
    )  # fmt: skip
    print(
        f"  events {len(events):,}, transfers {len(transfers):,}, remedies "
        f"{len(remedy_rows):,}, callbacks {len(callback_rows):,} "
        f"({time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    with connection.cursor() as cursor:
        # What autovacuum would have done by now on a running PostgreSQL: planner statistics, and
        # the visibility map that lets an index answer a count without reading the rows.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def timed(call: Callable[[], Any], repeats: int = REPEATS) -> tuple[float, float]:
    """(first, median of the next `repeats`) in milliseconds."""
    times = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times[0], statistics.median(times[1:])


def _search_page(user: Any, q: str, *, exact_count: bool = False) -> int:
    """The first page of a search as the list shows it (50 by relevance among the newest
    matches, counted up to the ranked window), or with `exact_count` as the API answers it."""
    from tousu.complaints.selectors import ComplaintFilters, complaint_search

    ranked = complaint_search(user, ComplaintFilters(q=q), exact_count=exact_count)
    assert ranked is not None, q  # words of the index, not a substring match
    return len(ranked[0:50]) + ranked.count()


def viewers(now: dt.datetime) -> dict[str, Any]:
    """An administrator (sees everything) and the billing department's supervisor."""
    from tousu.accounts.models import Department, User
    from tousu.accounts.services import user_create

    kept = {u.username: u for u in User.objects.filter(username__in=["bench_admin", "bench_sup"])}
    if len(kept) == 2:  # a kept database (--keep) has them from its first run
        return {"all": kept["bench_admin"], "billing": kept["bench_sup"]}
    password = "bench-" + str(now.timestamp())  # nobody logs in to the throw-away database
    assert Department.objects.filter(code="billing").exists()
    return {
        "all": user_create(username="bench_admin", role="admin", password=password),
        "billing": user_create(
            username="bench_sup", role="supervisor", password=password, department="billing"
        ),
    }


def lists(now: dt.datetime, users: dict[str, Any], *, search_only: bool = False) -> None:
    """Time the complaint list the way its page reads it: the first page, the page 1,000 pages
    deep (by its cursor, found untimed), and a filtered first page, for a user who sees
    everything and for a department supervisor (with `search_only`, its searches only)."""
    from tousu.accounts.models import User
    from tousu.complaints import selectors
    from tousu.complaints.models import Complaint
    from tousu.complaints.selectors import (
        ComplaintFilters,
        complaint_keyset_page,
        complaint_list,
    )
    from tousu.core import clock
    from tousu.desk.selectors import similar_complaints

    latest = Complaint.objects.order_by("-pk").first()
    size, deep = 50, 1_000
    print(f"\n{'list page':<48} {'first ms':>9} {'median ms':>10}")
    with clock.frozen(now):
        for scope, user in users.items():
            assert isinstance(user, User)
            everything = complaint_list(user)
            cursor_row = everything[deep * size - 1 : deep * size].first()
            cursor = selectors.cursor_of(cursor_row) if cursor_row else ""
            cases: dict[str, Callable[[], Any]] = {
                "page 1": lambda qs=everything: complaint_keyset_page(qs, size=size),
                f"page {deep + 1:,}": lambda qs=everything, c=cursor: complaint_keyset_page(
                    qs, after=c, size=size
                ),
                "page 1, channel + status filter": lambda u=user: complaint_keyset_page(
                    complaint_list(u, ComplaintFilters(channel="web", status="closed")), size=size
                ),
                # Numbered pages by relevance, with their count, as the list shows a search.
                "search 盗刷 (1 in 1,500)": lambda u=user: _search_page(u, "盗刷"),
                "search 宽带 断网 (1 in 5)": lambda u=user: _search_page(u, "宽带 断网"),
                "search 宽带 断网, exact count (API)": lambda u=user: _search_page(
                    u, "宽带 断网", exact_count=True
                ),
                "similar complaints of one": lambda u=user, c=latest: similar_complaints(c, u),
            }
            for title, call in cases.items():
                if search_only and not title.startswith("search"):
                    continue
                first, median = timed(call)
                print(f"{scope + ': ' + title:<48} {first:>9.1f} {median:>10.1f}")


def _ok(client: Any, url: str, **headers: str) -> None:
    response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)


def pages(now: dt.datetime, users: dict[str, Any]) -> None:
    """Issue 19: the list as a browser and an API client get it (Django's test client:
    middleware, auth, form, template or JSON), against a bare query of the same rows — the
    same 50 complaints the user may see, every column, `values()` — timed interleaved, round
    by round, so that a busy machine weighs on both alike. The API's page also counts what
    the user may see (API.md promises `count`): beside it, the bare query plus a bare count."""
    from tousu.core import clock

    print(f"\n{'list through the client vs a bare query':<56} {'median ms':>10} {'bare ms':>8} "
          f"{'ratio':>6}")  # fmt: skip
    with clock.frozen(now):
        for scope, user in users.items():
            for title, (product, bare) in _page_cases(user).items():
                ours: list[float] = []
                theirs: list[float] = []
                for _ in range(REPEATS + 1):
                    for call, times in ((product, ours), (bare, theirs)):
                        started = time.perf_counter()
                        call()
                        times.append((time.perf_counter() - started) * 1000)
                mine, base = statistics.median(ours[1:]), statistics.median(theirs[1:])
                name = f"{scope}: {title}"
                print(f"{name:<56} {mine:>10.1f} {base:>8.1f} {mine / base:>6.1f}")


def _page_cases(user: Any) -> dict[str, tuple[Callable[[], Any], Callable[[], Any]]]:
    """(the product's page, the bare query it is compared with) by title, for `user`."""
    from django.test import Client

    from tousu.accounts.permissions import scope_q
    from tousu.accounts.services import token_create
    from tousu.complaints import selectors
    from tousu.complaints.models import Complaint

    size, deep = 50, 1_000
    order = ("-received_at", "-pk")
    visible = Complaint.objects.filter(scope_q(user))
    row = selectors.complaint_list(user)[deep * size - 1 : deep * size].first()
    assert row is not None
    cursor = selectors.cursor_of(row)
    client = Client()
    client.force_login(user)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user)}"}
    _ok(client, "/complaints/")  # templates and translations loaded: not the page's cost

    def bare() -> list[dict[str, Any]]:
        return list(visible.order_by(*order).values()[:size])

    def bare_deep() -> list[dict[str, Any]]:
        return list(
            visible.filter(received_at__lt=row.received_at).order_by(*order).values()[:size]
        )

    def page(url: str, **headers: str) -> Callable[[], None]:
        return lambda: _ok(client, url, **headers)

    return {
        "page 1, GET /complaints/": (page("/complaints/"), bare),
        f"page {deep + 1:,} (cursor), GET /complaints/?after=": (
            page(f"/complaints/?after={cursor}"),
            bare_deep,
        ),
        "page 1, GET /api/v1/complaints": (page("/api/v1/complaints", **bearer), bare),
        "  the same vs a bare query + a bare count": (
            page("/api/v1/complaints", **bearer),
            lambda: (bare(), visible.count()),
        ),
        "search 盗刷 (1 in 1,500), GET /complaints/?q=": (page("/complaints/?q=盗刷"), bare),
        "search 宽带 断网 (1 in 5), GET /complaints/?q=": (page("/complaints/?q=宽带 断网"), bare),
        "search 盗刷, GET /api/v1/complaints?q=": (
            page("/api/v1/complaints?q=盗刷", **bearer),
            bare,
        ),
        "search 宽带 断网, GET /api/v1/complaints?q=": (
            page("/api/v1/complaints?q=宽带 断网", **bearer),
            bare,
        ),
    }


def last_quarter(now: dt.datetime) -> tuple[dt.datetime, dt.datetime, str]:
    """The last full quarter before `now`, Asia/Shanghai: start, end and its label (2026Q3)."""
    from tousu.core.clock import SHANGHAI

    local = now.astimezone(SHANGHAI)
    end = dt.datetime(local.year, (local.month - 1) // 3 * 3 + 1, 1, tzinfo=SHANGHAI)
    start = dt.datetime(
        end.year if end.month > 3 else end.year - 1, (end.month - 4) % 12 + 1, 1, tzinfo=SHANGHAI
    )
    return start, end, f"{start.year}Q{(start.month - 1) // 3 + 1}"


def kpi_queries(now: dt.datetime) -> None:
    from tousu.analytics.selectors import KpiFilters, kpis

    start, end, _ = last_quarter(now)
    cases: dict[str, Callable[[], Any]] = {
        "quarter, totals + 4 mixes": lambda: kpis(start, end),
        "quarter, totals only": lambda: kpis(start, end, mixes=False),
        "quarter, grouped by department": lambda: kpis(
            start, end, group_by="department", mixes=False
        ),
        "quarter, grouped by region": lambda: kpis(start, end, group_by="region", mixes=False),
        "quarter, region + category filter": lambda: kpis(
            start, end, KpiFilters(region="suzhou", category="billing"), mixes=False
        ),
    }
    body = kpis(start, end)
    print(f"\nquarter {start:%Y-%m-%d} … {end:%Y-%m-%d}: volume {body['current']['volume']:,}")
    print(f"{'KPI query':<44} {'first ms':>9} {'median ms':>10}")
    for title, call in cases.items():
        first, median = timed(call)
        print(f"{title:<44} {first:>9.1f} {median:>10.1f}")


def dashboard(now: dt.datetime, users: dict[str, Any]) -> None:
    """Time what the dashboard reads, query by query and all together (`dashboard_for_user`),
    and the whole page as a browser gets it (Django's test client: middleware, form, template),
    for the last 30 days and the last full quarter."""
    from django.test import Client

    from tousu.analytics import selectors
    from tousu.analytics.selectors import KpiFilters
    from tousu.core import clock
    from tousu.core.clock import SHANGHAI

    today = now.astimezone(SHANGHAI).date()
    q_start, q_end, _ = last_quarter(now)
    periods = {
        "30 days": (today - dt.timedelta(days=29), today),
        "quarter": (q_start.date(), q_end.date() - dt.timedelta(days=1)),
    }
    print(f"\n{'dashboard':<54} {'first ms':>9} {'median ms':>10}")
    with clock.frozen(now):
        # The process's first page loads templates and translations: not the figures' cost.
        warm = Client()
        warm.force_login(users["all"])
        _get(warm, "/dashboard/")
        for scope, user in users.items():
            for label, (first, last) in periods.items():
                scoped = selectors.filters_for_user(user, KpiFilters())
                start = dt.datetime.combine(first, dt.time(), tzinfo=SHANGHAI)
                end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
                days = (last - first).days + 1
                client = Client()
                client.force_login(user)
                url = f"/dashboard/?from={first.isoformat()}&to={last.isoformat()}"
                cases: dict[str, Callable[[], Any]] = {
                    "KPIs by department": lambda s=scoped, a=start, b=end: selectors.kpis(
                        a, b, s, group_by="department"
                    ),
                    "daily trend (2 periods)": lambda s=scoped, f=first, la=last, d=days: (
                        selectors.daily_volume(f - dt.timedelta(days=d), la, s)
                    ),
                    "open backlog by time left": lambda s=scoped: selectors.open_backlog(
                        s, now=now
                    ),
                    "transfers out": lambda s=scoped, a=start, b=end: selectors.transfers_out(
                        a, b, s
                    ),
                    "all of it (dashboard_for_user)": lambda u=user, f=first, la=last: (
                        selectors.dashboard_for_user(u, f, la, KpiFilters(), now=now)
                    ),
                    "whole page (GET /dashboard/)": lambda c=client, u=url: _get(c, u),
                    "root causes (GET /dashboard/causes/)": lambda c=client, u=url: _get(
                        c, u.replace("/dashboard/", "/dashboard/causes/")
                    ),
                }
                for title, call in cases.items():
                    first_ms, median = timed(call)
                    name = f"{scope}, {label}: {title}"
                    print(f"{name:<54} {first_ms:>9.1f} {median:>10.1f}")


def _get(client: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.status_code


def report(now: dt.datetime) -> None:
    """Time the quarterly report: its figures, then each file (median of 3 after the first)."""
    from tousu.analytics import report as quarterly
    from tousu.analytics import report_pdf, report_text, report_xlsx

    label = last_quarter(now)[2]
    quarter = quarterly.parse_quarter(label)
    data = quarterly.quarterly_data(quarter)
    doc = report_text.document(data)
    cases: dict[str, Callable[[], Any]] = {
        "figures (quarterly_data)": lambda: quarterly.quarterly_data(quarter),
        "text and suggestions": lambda: report_text.document(data),
        "xlsx": lambda: report_xlsx.render(doc),
        "pdf": lambda: report_pdf.render(doc),
        "both files, end to end": lambda: [
            quarterly.quarterly_report(label, "xlsx"),
            quarterly.quarterly_report(label, "pdf"),
        ],
    }
    print(f"\n{'quarterly report ' + label:<44} {'first ms':>9} {'median ms':>10}")
    for title, call in cases.items():
        first, median = timed(call, repeats=3)
        print(f"{title:<44} {first:>9.1f} {median:>10.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="complaints")
    parser.add_argument("--database-url", default="", help="a PostgreSQL server (default SQLite)")
    parser.add_argument(
        "--lists-only", action="store_true", help="time the complaint list pages only (no rebuild)"
    )
    parser.add_argument(
        "--search-only", action="store_true", help="time the searches of the list only"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the database afterwards, and reuse it (not loaded again) if kept before",
    )
    args = parser.parse_args(argv)

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.throwaway import django_on_throwaway_database

    with django_on_throwaway_database(args.database_url, keep=args.keep):
        from django.db import connection

        from tousu.analytics import services
        from tousu.complaints.models import Complaint
        from tousu.config import jobs
        from tousu.core import clock

        latest = Complaint.objects.order_by("-registered_at").values_list(
            "registered_at", flat=True
        )[:1]
        if not latest:
            now = clock.now().replace(microsecond=0)
            print(f"loading {args.n:,} complaints over {DAYS} days …", flush=True)
            load(args.n, now)
        else:  # kept from an earlier run (--keep): its clock stood just after the newest
            now = latest[0].replace(microsecond=0) + dt.timedelta(seconds=1)
            print(f"reusing {Complaint.objects.count():,} complaints (--keep)", flush=True)
        users = viewers(now)
        lists(now, users, search_only=args.search_only)
        if args.search_only:
            connection.close()
            return 0
        pages(now, users)
        if args.lists_only:
            connection.close()
            return 0

        started = time.perf_counter()
        summary = services.counts_rebuild(
            batch=5_000,
            progress=lambda done: (
                done % 100_000 == 0
                and print(f"  counted {done:,} ({time.perf_counter() - started:.0f} s)", flush=True)
            ),
        )
        print(f"rebuild: {summary} in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        print(f"fill with nothing to do: {jobs.run('analytics.fill')} in "
              f"{time.perf_counter() - started:.2f} s")  # fmt: skip
        kpi_queries(now)
        dashboard(now, users)
        report(now)
        spike_scan(now)
        connection.close()
    return 0


def spike_scan(now: dt.datetime) -> None:
    """The hourly spike scan of early warning over this volume's hourly cube (29 days read)."""
    from tousu.early_warning.services import alert_scan

    started = time.perf_counter()
    summary = alert_scan(now=now)
    seconds = time.perf_counter() - started
    _first, again = timed(lambda: alert_scan(now=now), repeats=3)
    print(f"spike scan: {summary} in {seconds:.2f} s; again (nothing new): {again:.0f} ms")


if __name__ == "__main__":
    raise SystemExit(main())
