"""Chinese full-text search (the `q` filter) and similar complaints, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.pages import as_user, page
from tousu.accounts.models import User
from tousu.callbacks.services import complaint_callback_record
from tousu.complaints import search as search_module
from tousu.complaints.models import Complaint, ComplaintSearch
from tousu.complaints.search import query_groups, search_row, text_terms, text_words
from tousu.complaints.selectors import (
    ComplaintFilters,
    complaint_list,
    complaint_search,
)
from tousu.desk.selectors import similar_complaints

pytestmark = pytest.mark.django_db

Register = Callable[..., Complaint]
URL = "/api/v1/complaints"


def search(user: User, q: str) -> list[str]:
    """The contents the list shows for `q`, in its order (by relevance for index terms)."""
    filters = ComplaintFilters(q=q)
    ranked = complaint_search(user, filters)
    found = ranked[0:100] if ranked is not None else complaint_list(user, filters)
    return [c.content for c in found]


def test_terms_are_jieba_words_lower_cased_with_ascii_words_whole() -> None:
    terms = text_terms("办了5G套餐，WiFi 断网！WiFi又断网")
    assert {"5g", "套餐", "wifi", "断网"} <= set(terms)
    assert len(terms) == len(set(terms))
    assert "，" not in terms
    assert "！" not in terms
    assert query_groups("了") == []  # a single character: no index term


def test_chinese_text_is_also_indexed_by_character_pairs() -> None:
    terms = text_terms("第3次断网")
    assert {"次断", "断网"} <= set(terms)  # jieba alone gives 次断 and a lone 网
    assert query_groups("漫游费")[0] == ["漫游费", "漫游", "漫游 游费"]


def test_registration_writes_the_index_row(register: Register) -> None:
    complaint = register(content="宽带断网三天", demand="尽快修复")
    row = ComplaintSearch.objects.get(complaint=complaint)
    assert {"宽带", "断网", "修复"} <= set(row.terms.split())
    # The words alone (no character pairs), for the readers of many texts.
    assert (row.words or "").split() == text_words("宽带断网三天\n尽快修复")
    assert "带断" in row.terms.split()
    assert "带断" not in (row.words or "").split()


def test_the_migration_fills_the_words_of_rows_indexed_before_it(register: Register) -> None:
    from django.apps import apps

    fill = importlib.import_module("tousu.complaints.migrations.0009_search_words")._fill_words
    complaint = register(content="宽带断网三天", demand="尽快修复")
    ComplaintSearch.objects.update(words=None)
    fill(apps, None)
    assert (ComplaintSearch.objects.get(complaint=complaint).words or "").split() == text_words(
        "宽带断网三天\n尽快修复"
    )


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 triggers")
def test_the_full_text_triggers_survive_the_migrations(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {name for (name,) in cursor.fetchall()}
    assert {"complaint_search_ai", "complaint_search_ad", "complaint_search_au"} <= triggers


@pytest.fixture
def texts(register: Register) -> dict[str, Complaint]:
    return {
        "charge": register(content="话费无故扣费58元，要求退还"),
        "broadband": register(content="家里宽带经常断网，报修没人管"),
        "wifi": register(content="新装的WiFi 断网严重"),
        "5g": register(content="办理的5G套餐网速很慢", demand="更换套餐"),
        "roaming": register(content="出国漫游流量费太贵"),
        # jieba cuts this `次断` + `网`: only the character bigrams hold `断网`
        "third": register(content="光纤第3次断网，维修人员一直不上门"),
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("扣费", {"charge"}),
        ("宽带 断网", {"broadband"}),
        ("断网", {"broadband", "wifi", "third"}),
        ("光纤断网", {"third"}),
        ("WiFi 断网", {"wifi"}),
        ("wifi", {"wifi"}),
        ("5G套餐", {"5g"}),
        ("5g", {"5g"}),
        ("更换套餐", {"5g"}),  # the demand is indexed too
        ("漫游 宽带", set()),  # every word must match
        ("费", {"charge", "roaming"}),  # one character: a substring match
    ],
)
def test_search_finds_complaints_by_their_words(
    texts: dict[str, Complaint], handler: User, q: str, expected: set[str]
) -> None:
    found = set(search(handler, q))
    assert found == {texts[k].content for k in expected}


def test_results_are_ranked(register: Register, handler: User) -> None:
    long = register(
        content="我想咨询一下营业厅的营业时间和办理业务需要带什么证件，顺便说一下宽带的事情"
    )
    short = register(content="宽带坏了")
    ranked = complaint_search(handler, ComplaintFilters(q="宽带"))
    assert ranked is not None
    found = ranked[0:10]
    assert [c.pk for c in found] == [short.pk, long.pk]
    assert found[0].search_score >= found[1].search_score  # type: ignore[attr-defined]
    # The list as a set (exports) holds the same complaints.
    listed = complaint_list(handler, ComplaintFilters(q="宽带"))
    assert {c.pk for c in listed} == {short.pk, long.pk}


def test_ranked_pages_hold_only_what_the_user_may_see(
    register: Register, handler: User, admin_user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Billing complaints (the handler's) and network ones (not theirs), all about broadband,
    # the network ones the newest: a window taken before the scope would hold none of mine.
    mine = [register(content=f"宽带断网第{i}天") for i in range(5)]
    for i in range(6):
        register(category="network.coverage", content=f"宽带断网又{i}次")
    ranked = complaint_search(handler, ComplaintFilters(q="宽带 断网"))
    assert ranked is not None
    everything = ranked[0:50]
    assert ranked.count() == len(everything) == 5
    assert not ranked.more
    assert {c.pk for c in everything} == {c.pk for c in mine}
    assert [c.pk for c in ranked[1:3]] == [c.pk for c in everything[1:3]]
    assert ranked[5:10] == []
    scores = [c.search_score for c in everything]  # type: ignore[attr-defined]
    assert scores == sorted(scores, reverse=True)
    # The others match too: the scope leaves them out, not the words.
    seen_by_all = complaint_search(admin_user, ComplaintFilters(q="宽带 断网"))
    assert seen_by_all is not None
    assert seen_by_all.count() == 11


def test_a_common_word_ranks_the_newest_window_then_lists_older_matches_newest_first(
    register: Register, handler: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "RANK_WINDOW", 3)
    for i in range(8):  # without the word: it is not in every complaint, so it ranks
        register(content=f"话费无故多扣了{i}元")
    oldest = [register(content="宽带坏了"), register(content="宽带坏了两天")]
    # The newest three: the short one about broadband ranks first among them.
    long = register(content="营业厅的营业时间和办理业务需要的证件，顺便说一下宽带的事情")
    short = register(content="宽带坏了，断网")
    other = register(content="宽带网速慢，晚上看视频一直卡顿，白天还好")

    ranked = complaint_search(handler, ComplaintFilters(q="宽带"))
    assert ranked is not None
    found = ranked[0:10]
    assert found[0].pk == short.pk
    assert {c.pk for c in found[:3]} == {long.pk, short.pk, other.pk}
    assert [c.pk for c in found[3:]] == [oldest[1].pk, oldest[0].pk]  # past the window
    assert [c.pk for c in ranked[2:4]] == [c.pk for c in found[2:4]]  # pages agree
    assert ranked.more
    assert ranked.count() == 5  # the API's count is exact

    capped = complaint_search(handler, ComplaintFilters(q="宽带"), exact_count=False)
    assert capped is not None
    assert capped.count() == 3
    assert capped.more
    assert [c.pk for c in capped[0:3]] == [c.pk for c in found[:3]]


def test_a_page_of_a_common_word_neither_counts_nor_ranks_every_match(
    register: Register, handler: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "RANK_WINDOW", 2)
    for i in range(4):
        register(content=f"宽带断网第{i}天")
    ranked = complaint_search(handler, ComplaintFilters(q="宽带"), exact_count=False)
    assert ranked is not None
    with CaptureQueriesContext(connection) as queries:
        assert len(ranked[0:50]) == 2
        assert ranked.count() == 2
    # The window (one walk of the index, LIMIT 3) and the rows: no COUNT, no other ranking.
    assert len(queries.captured_queries) == 2
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


def test_the_list_page_says_more_than_the_window(
    register: Register, handler: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "RANK_WINDOW", 2)
    for i in range(3):
        register(content=f"宽带断网第{i}天")
    body = page(as_user(handler).get("/complaints/", {"q": "宽带"}))
    assert "超过 2 条投诉" in body
    assert body.count('href="/complaints/TS') == 2
    monkeypatch.setattr(search_module, "RANK_WINDOW", 5)
    body = page(as_user(handler).get("/complaints/", {"q": "宽带"}))
    assert "超过" not in body
    assert body.count('href="/complaints/TS') == 3


def test_search_stays_within_the_users_scope(
    texts: dict[str, Complaint], handler: User, outsider: User, api_as: Any
) -> None:
    assert search(handler, "断网")
    assert search(outsider, "断网") == []
    assert api_as(outsider).get(URL, q="断网").json()["count"] == 0


@pytest.mark.parametrize(
    "q",
    ['"', "'", '宽带"', "宽带' OR 1=1 --", "NEAR(宽带 断网)", "宽带*", "^断网", "a:b", "(((", "-"],
)
def test_query_syntax_characters_are_never_an_error(
    texts: dict[str, Complaint], api_as: Any, handler: User, q: str
) -> None:
    response = api_as(handler).get(URL, q=q)
    assert response.status_code == 200


def test_reindex_rebuilds_the_index(
    texts: dict[str, Complaint], handler: User, tousu_cli: Any
) -> None:
    ComplaintSearch.objects.all().delete()
    assert search(handler, "宽带") == []
    code, out, _ = tousu_cli("search_reindex", "--batch-size", "2")
    assert code == 0
    assert f"Indexed {len(texts)}" in out
    assert search(handler, "宽带") == [texts["broadband"].content]
    # Rebuilding again replaces rows, it does not duplicate them.
    code, _, _ = tousu_cli("search_reindex")
    assert ComplaintSearch.objects.count() == len(texts)
    assert search(handler, "宽带 断网") == [texts["broadband"].content]


@pytest.fixture
def outages(register: Register, lifecycle: Callable[..., Complaint], agent: User) -> dict[str, Any]:
    subject = register(content="家里宽带断网两天了，光猫红灯闪烁，报修后一直没人上门")
    closed = lifecycle("closed", content="宽带断网，光猫红灯，维修师傅一直不上门")
    complaint_callback_record(
        complaint=closed, actor=agent, result="satisfied", scores={}, comment=""
    )
    return {
        "subject": subject,
        "closed": closed,
        "outage": register(content="小区宽带断网，报修没人上门处理"),
        "billing": [
            register(content="话费无故多扣了58元，客服说查不到原因"),
            register(content="套餐资费被私自变更，多扣了费用"),
        ],
    }


def test_similar_complaints_find_the_broadband_outages_first(
    outages: dict[str, Any], handler: User
) -> None:
    with CaptureQueriesContext(connection) as queries:
        similar = similar_complaints(outages["subject"], handler)
    assert len(queries) <= 5
    numbers = [s.complaint.number for s in similar]
    assert outages["subject"].number not in numbers
    assert set(numbers[:2]) == {outages["closed"].number, outages["outage"].number}
    for billing in outages["billing"]:
        assert billing.number not in numbers[:2]
    closed = next(s for s in similar if s.complaint.pk == outages["closed"].pk)
    assert [(r.type, r.amount) for r in closed.remedies] == [("refund", 58)]
    assert closed.satisfaction == "satisfied"


def test_similar_complaints_respect_the_scope(outages: dict[str, Any], outsider: User) -> None:
    assert similar_complaints(outages["subject"], outsider) == []


def test_api_similar(outages: dict[str, Any], api_as: Any, handler: User, outsider: User) -> None:
    url = f"{URL}/{outages['subject'].number}/similar"
    response = api_as(handler).get(url)
    assert response.status_code == 200
    items = response.json()["items"]
    assert {items[0]["number"], items[1]["number"]} == {
        outages["closed"].number,
        outages["outage"].number,
    }
    closed = next(i for i in items if i["number"] == outages["closed"].number)
    assert closed["status"] == "closed"
    assert closed["category"] == "billing.unexplained_charge"
    assert closed["remedies"] == [{"type": "refund", "amount": "58.00"}]
    assert closed["satisfaction"] == "satisfied"
    assert closed["score"] > 0
    assert set(closed) == {
        "number",
        "status",
        "category",
        "received_at",
        "score",
        "remedies",
        "satisfaction",
    }
    assert api_as(outsider).get(url).status_code == 404


def test_the_complaint_page_shows_similar_complaints(
    outages: dict[str, Any], handler: User
) -> None:
    text = page(as_user(handler).get(f"/complaints/{outages['subject'].number}/"))
    assert "相似投诉" in text or "Similar complaints" in text
    assert outages["outage"].number in text


def test_similar_complaints_are_looked_for_among_the_latest(
    outages: dict[str, Any], handler: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tousu.desk import selectors

    latest = Complaint.objects.order_by("-pk").values_list("pk", flat=True)[0]
    # Only the complaints registered after the closed outage are within the window.
    monkeypatch.setattr(selectors, "SIMILAR_AMONG", latest - outages["closed"].pk)
    numbers = [s.complaint.number for s in similar_complaints(outages["subject"], handler)]
    assert outages["outage"].number in numbers
    assert outages["closed"].number not in numbers


def test_the_migration_indexes_notes_written_before_notes_were_searched(
    register: Register, handler: Any, make_user: Callable[..., Any]
) -> None:
    """Issue 13: no `tousu search_reindex` after the upgrade — the migration indexes the notes
    that were written before each new note went into the index."""
    from django.apps import apps

    from tousu.complaints.services import complaint_note_add

    index = importlib.import_module("tousu.complaints.migrations.0015_index_existing_notes")
    noted = register(content="宽带断网三天", demand="尽快修复")
    complaint_note_add(complaint=noted, actor=handler, text="客户要求书面道歉函")
    quiet = register(content="话费多扣", customer_phone="13900000009")
    before = ComplaintSearch.objects.get(complaint=quiet).terms
    # The row as it was before notes were indexed: content and demand only.
    ComplaintSearch.objects.filter(complaint=noted).update(
        terms=search_row("宽带断网三天\n尽快修复")["terms"]
    )
    assert "书面" not in ComplaintSearch.objects.get(complaint=noted).terms.split()
    index._index_notes(apps, None)
    assert "书面" in ComplaintSearch.objects.get(complaint=noted).terms.split()
    assert ComplaintSearch.objects.get(complaint=quiet).terms == before
    assert search(make_user("admin", "admin"), "道歉函") == ["宽带断网三天"]
    index._index_notes(apps, None)  # again: the same rows
    assert ComplaintSearch.objects.filter(complaint=noted).count() == 1


def test_an_inactive_user_finds_nothing_and_no_error(
    texts: dict[str, Complaint], handler: User, api_as: Any
) -> None:
    client = api_as(handler)
    handler.is_active = False
    handler.save(update_fields=["is_active"])
    ranked = complaint_search(handler, ComplaintFilters(q="断网"))
    assert ranked is not None
    assert ranked.count() == 0
    assert ranked[0:50] == []
    assert client.get(URL, q="断网").status_code == 401


def test_the_api_counts_every_match_past_the_window(
    register: Register, handler: User, api_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "RANK_WINDOW", 2)
    numbers = [register(content=f"宽带断网第{i}天").number for i in range(5)]
    body = api_as(handler).get(URL, q="宽带", page_size=2, page=3).json()
    assert body["count"] == 5
    assert [item["number"] for item in body["items"]] == [numbers[0]]  # the oldest, last


def test_search_follows_a_complaint_whoever_moves_it(
    register: Register, handler: User, outsider: User, admin_user: User, api_as: Any
) -> None:
    # On PostgreSQL the search rows carry the complaint's scope columns (migration 0029): a
    # complaint moved by a service, by a bulk update, or handed to someone, is found by whom
    # may see it now and by nobody else, on both databases alike.
    from tousu.accounts.models import Department
    from tousu.routing.services import complaint_dispatch

    network = Department.objects.get(code="network")
    dispatched, updated, handed = (register(content=f"宽带断网第{i}天") for i in range(3))
    assert search(outsider, "宽带 断网") == []
    complaint_dispatch(complaint=dispatched, actor=admin_user, department=network, reason="网络")
    Complaint.objects.filter(pk=updated.pk).update(department=network, handler=None)
    Complaint.objects.filter(pk=handed.pk).update(handler=outsider)
    mine = {dispatched.content, updated.content, handed.content}
    assert set(search(outsider, "宽带 断网")) == mine
    assert api_as(outsider).get(URL, q="宽带 断网").json()["count"] == 3
    assert set(search(handler, "宽带 断网")) == {handed.content}  # still billing's
    # A rebuilt index takes the complaints' columns as they are.
    search_module.search_reindex()
    assert set(search(outsider, "宽带 断网")) == mine


def test_an_expert_team_member_finds_the_teams_complaint(
    register: Register, admin_user: User, outsider: User
) -> None:
    from tousu.core import clock
    from tousu.routing.models import ExpertTeam, ExpertTeamMember

    complaint = register(content="宽带断网一个月，向工信部申诉")
    register(content="宽带断网两天")
    team = ExpertTeam.objects.create(
        complaint=complaint, lead=admin_user, formed_by=admin_user, formed_at=clock.now()
    )
    ExpertTeamMember.objects.create(team=team, user=outsider)
    assert search(outsider, "宽带 断网") == [complaint.content]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's walk by scope")
@pytest.mark.parametrize("common", [True, False])
def test_the_walk_by_scope_finds_what_the_walk_checking_each_row_finds(
    register: Register,
    handler: User,
    outsider: User,
    make_user: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
    common: bool,
) -> None:
    from tousu.accounts.permissions import scope_alternatives
    from tousu.complaints.selectors import _filtered

    # Common: a walk per alternative of the scope; rare: one scan of the GIN index.
    monkeypatch.setattr(search_module, "COMMON_SHARE", 0.0 if common else 1.0)

    for i in range(6):
        register(content=f"宽带断网第{i}天", channel="web" if i % 2 else "hotline")
        register(category="network.coverage", content=f"宽带断网又{i}次", region="suzhou")
    Complaint.objects.filter(pk=Complaint.objects.order_by("pk")[0].pk).update(handler=outsider)
    regional = make_user("regional", "supervisor", region="suzhou")
    regional.data_scope = "region"
    regional.save(update_fields=["data_scope"])
    groups = query_groups("宽带 断网")
    for user in (handler, outsider, regional):
        for filters in (ComplaintFilters(), ComplaintFilters(channel="web")):
            base = complaint_list(user, filters)
            scope = scope_alternatives(user)
            assert scope is not None
            scoped = search_module.Scoped(scope, _filtered(Complaint.objects.all(), filters))
            for offset, limit in ((0, 3), (2, 20)):
                expected = search_module.newest_matches(
                    groups, visible=base, ranked=True, offset=offset, limit=limit
                )
                with CaptureQueriesContext(connection) as queries:
                    found = search_module.newest_matches(
                        groups, visible=base, scoped=scoped, ranked=True, offset=offset, limit=limit
                    )
                assert " UNION " in queries.captured_queries[0]["sql"]
                assert found == expected, (user.username, filters, offset)
            assert search_module.match_count(
                groups, visible=base, scoped=scoped
            ) == search_module.match_count(groups, visible=base)
