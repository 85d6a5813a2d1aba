"""Chinese full-text search (R2.2, the `q` filter of API.md): the search index of complaints.

Each complaint has one `ComplaintSearch` row whose `terms` are the jieba search-mode words of its
content and demand and their Chinese character bigrams, lower-cased, de-duplicated and
space-separated (ASCII words and digits kept whole). The database indexes those terms: an FTS5
table with triggers on SQLite, a GIN index over a stored `to_tsvector('simple', terms)` column on
PostgreSQL (migrations 0006 and 0027; migration 0008 rewrote the rows when the bigrams were
added). The same
tokeniser turns a query into terms, so a query word matches exactly the words the index holds.

Terms are runs of letters and digits only: nothing in a term can be read as query syntax by FTS5
or tsquery, so any user input is safe to search for.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jieba
from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from tousu.complaints.models import Complaint, ComplaintSearch
from tousu.core import segment

if TYPE_CHECKING:
    from tousu.accounts.permissions import ScopeAlternatives

jieba.setLogLevel(logging.WARNING)

# Letters and digits of any script; the underscore is a separator for FTS5's tokenizer too.
_WORD = re.compile(r"[^\W_]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# Frequent words that say nothing about what a complaint is about; kept out of the index and
# out of queries (a query of only these falls back to a substring match).
_STOP_WORDS_TEXT = """
的 了 在 是 我 你 他 她 它 我们 你们 他们 这 那 这个 那个 就 都 也 还 又 和 与 及 或 但
被 把 给 对 向 从 到 说 要 会 能 没有 没 不 很 有 已经 已 一个 一次 什么 怎么 为什么
因为 所以 如果 可以 现在 时候 然后 还是 而且 并且 请 吗 呢 吧 啊
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
TERMS_MAX_QUERY = 16
BATCH_SIZE = 500


def _keep(term: str) -> bool:
    if term in STOP_WORDS:
        return False
    # A single Chinese character is too ambiguous to index; such a query is a substring match.
    return not (len(term) == 1 and _CJK.match(term))


def _clean(tokens: Iterable[str]) -> list[str]:
    """Lower-cased letter/digit runs of the tokens, in order, without stop words."""
    out: list[str] = []
    for token in tokens:
        for part in _WORD.findall(token.lower()):
            if _keep(part):
                out.append(part)
    return out


def bigrams(text: str) -> list[str]:
    """The overlapping character pairs of each run of Chinese characters (`次断网` → `次断`,
    `断网`). Indexed beside jieba's words so that a query word is found even where jieba cut
    the text around it differently (`第3次断网` is cut `次断` + `网`)."""
    pairs: list[str] = []
    for run in _CJK_RUN.findall(text):
        pairs += [run[i : i + 2] for i in range(len(run) - 1)]
    return pairs


def text_words(text: str) -> list[str]:
    """The words of a text: jieba search-mode words and whole ASCII words, de-duplicated in
    order of first appearance (what similar complaints are looked up by)."""
    lowered = text.lower()
    # The precise cut is shared with intake's risk reading of the same text (core.segment).
    words = _clean(segment.for_search(segment.words(lowered))) + _ASCII_WORD.findall(lowered)
    return list(dict.fromkeys(words))


def text_terms(text: str, words: list[str] | None = None) -> list[str]:
    """The index terms of a text: its words (`text_words`, unless given) and its Chinese
    character bigrams."""
    words = text_words(text) if words is None else words
    return list(dict.fromkeys(words + bigrams(text.lower())))


def query_groups(q: str) -> list[list[str]]:
    """The query as AND-ed groups of alternatives. Each word of the query (jieba precise mode)
    matches itself, or all of its search-mode sub-words together, the way the index cut a
    longer text around it (`漫游费` matches `漫游费`, or `漫游` where the text said `漫游费用`),
    or all of its character bigrams (`漫游` and `游费`) where jieba cut the text elsewhere."""
    groups: list[list[str]] = []
    seen: set[str] = set()
    for word in _clean(jieba.lcut(q.lower())):
        if word in seen:
            continue
        seen.add(word)
        subwords = [s for s in _clean(jieba.lcut_for_search(word)) if s != word]
        alternatives = [word]
        if subwords:
            alternatives.append(" ".join(dict.fromkeys(subwords)))
        pairs = bigrams(word)
        if len(pairs) > 1 and _CJK_RUN.fullmatch(word):
            alternatives.append(" ".join(dict.fromkeys(pairs)))
        groups.append(list(dict.fromkeys(alternatives)))
        if len(groups) >= TERMS_MAX_QUERY:
            break
    return groups


def fts5_query(groups: list[list[str]], *, any_of: bool = False) -> str:
    """An FTS5 MATCH expression; every term is quoted (terms hold letters and digits only)."""

    def alternative(alt: str) -> str:
        return "(" + " AND ".join(f'"{t}"' for t in alt.split()) + ")"

    parts = ["(" + " OR ".join(alternative(a) for a in group) + ")" for group in groups]
    return (" OR " if any_of else " AND ").join(parts)


def tsquery(groups: list[list[str]], *, any_of: bool = False) -> str:
    """A raw tsquery for to_tsquery('simple', …); every lexeme is quoted."""

    def alternative(alt: str) -> str:
        return "(" + " & ".join(f"'{t}'" for t in alt.split()) + ")"

    parts = ["(" + " | ".join(alternative(a) for a in group) + ")" for group in groups]
    return (" | " if any_of else " & ").join(parts)


def match_sql(groups: list[list[str]], *, any_of: bool = False) -> tuple[str, list[str]]:
    """SQL selecting the ids of the complaints whose terms match the query groups (all of them,
    or any with `any_of`), through the database's full-text index, and its parameters."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return (
            "SELECT s.complaint_id FROM complaints_complaintsearch s "
            "WHERE s.terms_tsv @@ to_tsquery('simple'::regconfig, %s)",
            [tsquery(groups, any_of=any_of)],
        )
    return (
        "SELECT rowid FROM complaint_search_fts WHERE complaint_search_fts MATCH %s",
        [fts5_query(groups, any_of=any_of)],
    )


def ranked_ids(
    groups: list[list[str]],
    *,
    any_of: bool = False,
    offset: int = 0,
    limit: int = 100,
    newest: int | None = None,
) -> list[tuple[int, float]]:
    """(complaint id, score) of the matches at positions [offset, offset + limit), best first
    (higher score), ties newest (highest id) first: ranked by the full-text index alone, in one
    query, so that ranking costs the same whatever else a list filters by. With `newest`, only
    among the `newest` most recently registered complaints (ids above the latest id − newest).
    Scores: bm25 negated on SQLite; ts_rank divided by 1 + log(length) on PostgreSQL, so that on
    both a short complaint about the words outranks a long one that mentions them in passing."""
    from django.db import connection

    lowest = 0
    if newest is not None:  # one read of the primary key's end
        latest = ComplaintSearch.objects.order_by("-pk").values_list("pk", flat=True).first()
        lowest = max(0, (latest or 0) - newest)
    if connection.vendor == "postgresql":
        sql = (
            "SELECT s.complaint_id, ts_rank(s.terms_tsv, to_tsquery('simple'::regconfig, %s), 1) "
            "AS score FROM complaints_complaintsearch s "
            "WHERE s.terms_tsv @@ to_tsquery('simple'::regconfig, %s) "
            "AND s.complaint_id > %s ORDER BY score DESC, s.complaint_id DESC LIMIT %s OFFSET %s"
        )
        query = tsquery(groups, any_of=any_of)
        params: list[str | int] = [query, query, lowest, limit, offset]
    else:
        sql = (
            "SELECT rowid, -bm25(complaint_search_fts) AS score FROM complaint_search_fts "
            "WHERE complaint_search_fts MATCH %s AND rowid > %s "
            "ORDER BY score DESC, rowid DESC LIMIT %s OFFSET %s"
        )
        params = [fts5_query(groups, any_of=any_of), lowest, limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(pk), float(score)) for pk, score in cursor.fetchall()]


# How many of the newest matches a search ranks (TopMatches): a common word (one complaint in
# five: 200,000 matches at a million) then costs what a rare one does, one index walk of at
# most this many entries, instead of scoring and counting every match.
RANK_WINDOW = 1000


def _index_source() -> tuple[str, str, str, str]:
    """(FROM clause, id column, match condition, score expression) of the database's
    full-text index; the condition takes the query as its one parameter, and so does the
    score on PostgreSQL (bm25 scores the row's match)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        query = "to_tsquery('simple'::regconfig, %s)"
        return (
            "complaints_complaintsearch s",
            "s.complaint_id",
            f"s.terms_tsv @@ {query}",
            # Normalisation 1 divides by 1 + log(length): a short complaint about the words
            # outranks a long one that mentions them in passing (as bm25 does on SQLite).
            f"ts_rank(s.terms_tsv, {query}, 1)",
        )
    return (
        "complaint_search_fts",
        "complaint_search_fts.rowid",
        "complaint_search_fts MATCH %s",
        "-bm25(complaint_search_fts)",
    )


def _query(groups: list[list[str]], *, any_of: bool) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return tsquery(groups, any_of=any_of)
    return fts5_query(groups, any_of=any_of)


def _condition(
    groups: list[list[str]], visible: QuerySet[Complaint] | None, *, any_of: bool
) -> tuple[str, list[Any]]:
    """The WHERE condition over the index (see `newest_matches`) and its parameters."""
    _source, id_column, match, _score = _index_source()
    params: list[Any] = [_query(groups, any_of=any_of)]
    if visible is None or not visible.query.where:
        return match, params
    entry = visible.filter(pk=RawSQL(id_column, [])).order_by().values("pk")  # noqa: S611
    try:
        visible_sql, visible_params = entry.query.sql_with_params()
    except EmptyResultSet:  # a filter that selects nothing (an inactive user's scope)
        return f"{match} AND 1 = 0", params
    return f"{match} AND EXISTS ({visible_sql})", params + list(visible_params)


@dataclass(frozen=True)
class Scoped:
    """What a user may see of a search, for PostgreSQL's walk by scope (see `newest_matches`):
    their scope's alternatives, and the list's filters apart from the scope."""

    scope: ScopeAlternatives
    filtered: QuerySet[Complaint]


# The columns of the search index's rows that copy the complaint's scope columns, by field
# (PostgreSQL, migration 0029), each with an index ending in the complaint id.
SCOPE_COLUMNS = {
    "department": "s.department_id",
    "responsible_department": "s.responsible_department_id",
    "handler": "s.handler_id",
    "registered_by": "s.registered_by_id",
    "region": "s.region_id",
}


def _by_scope(scoped: Scoped | None) -> bool:
    from django.db import connection

    return scoped is not None and connection.vendor == "postgresql"


def _alternatives(scoped: Scoped) -> list[tuple[str, list[Any]]]:
    """Each alternative of the scope as a condition over the search row, with its parameters."""
    scope = scoped.scope
    out = [(f"{SCOPE_COLUMNS[field]} = %s", [value]) for field, value in scope.fields]
    if scope.teams is not None:
        teams_sql, teams_params = scope.teams.query.sql_with_params()
        out.append((f"s.complaint_id IN ({teams_sql})", list(teams_params)))
    return out


def _filters(scoped: Scoped) -> tuple[str, list[Any]] | None:
    """The list's filters as ` AND EXISTS (…)` over the search row ('' without filters);
    None when they select nothing."""
    if not scoped.filtered.query.where:
        return "", []
    entry = scoped.filtered.filter(pk=RawSQL("s.complaint_id", [])).order_by().values("pk")
    try:
        sql, params = entry.query.sql_with_params()
    except EmptyResultSet:
        return None
    return f" AND EXISTS ({sql})", list(params)


def match_count(
    groups: list[list[str]],
    *,
    visible: QuerySet[Complaint] | None = None,
    scoped: Scoped | None = None,
    any_of: bool = False,
) -> int:
    """How many complaints of `visible` match, counted over the index: with no condition to
    check (an administrator, no filter) the index alone answers — 30 ms for a word in one
    complaint of five at a million on SQLite, where the same count through the complaints
    table took 0.6 s. With `scoped` on PostgreSQL, the scope is read from the search rows."""
    from django.db import connection

    source, _id_column, _match, _score = _index_source()
    if _by_scope(scoped):
        assert scoped is not None
        filters = _filters(scoped)
        alternatives = _alternatives(scoped)
        if filters is None or not alternatives:
            return 0
        either = " OR ".join(sql for sql, _ in alternatives)
        condition = f"{_match} AND ({either}){filters[0]}"
        params = [_query(groups, any_of=any_of)]
        params += [p for _, alt in alternatives for p in alt] + filters[1]
    else:
        condition, params = _condition(groups, visible, any_of=any_of)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {source} WHERE {condition}", params)  # noqa: S608
        return int(cursor.fetchone()[0])


# How a scoped walk tells a common query from a rare one: by how many of the newest
# COMMON_SAMPLE index rows match it, COMMON_SHARE of them or more being common.
COMMON_SAMPLE = 2000
COMMON_SHARE = 0.05


def _scoped_walk(
    groups: list[list[str]], scoped: Scoped, *, any_of: bool, limit: int, offset: int, ranked: bool
) -> tuple[str, list[Any]] | None:
    """PostgreSQL's walk for a scoped user: one walk per alternative of the scope, each along
    the index of its column newest first and stopping after `offset + limit` matches, merged
    newest first. A department's walk reads about as many rows as an administrator's does;
    one walk checking the whole scope in each row read every other department's rows too.
    None when the user may see nothing.

    The planner cannot be left to choose between that walk and the GIN index: it takes the
    words of a query as independent, so for two words of one common phrase (宽带 断网, one
    complaint in five) it expects a twenty-fifth of the matches and picked the GIN index, then
    sorted all of the department's 61,544 matches (2.4 s at a million). So the statement looks
    at the newest COMMON_SAMPLE rows first: for a common query each alternative walks with the
    match as a function call (`ts_match_vq`, the function of `@@`, which no index serves), for
    a rare one one scan reads the GIN index and checks the whole scope in each match. The
    look is an InitPlan: either the walks run or that scan does."""
    _source, _id_column, match, score = _index_source()
    query = _query(groups, any_of=any_of)
    filters = _filters(scoped)
    alternatives = _alternatives(scoped)
    if filters is None or not alternatives:
        return None
    walk_match = "ts_match_vq(s.terms_tsv, to_tsquery('simple'::regconfig, %s))"
    # The newest rows by the primary key backwards, at most COMMON_SAMPLE read, once: common
    # if the match numbered COMMON_SAMPLE × COMMON_SHARE is among them (it stops there).
    common = (
        "WITH common AS MATERIALIZED (SELECT EXISTS (SELECT 1 FROM (SELECT c.terms_tsv "
        "FROM complaints_complaintsearch c ORDER BY c.complaint_id DESC LIMIT %s) c "
        "WHERE ts_match_vq(c.terms_tsv, to_tsquery('simple'::regconfig, %s)) OFFSET %s) AS yes) "
    )
    params: list[Any] = [COMMON_SAMPLE, query, max(int(COMMON_SAMPLE * COMMON_SHARE) - 1, 0)]
    columns = f"s.complaint_id AS id, {score if ranked else '0'} AS score"
    branches: list[str] = []
    for condition, condition_params in alternatives:
        branches.append(
            f"(SELECT {columns} FROM complaints_complaintsearch s "  # noqa: S608
            f"WHERE (SELECT yes FROM common) AND {walk_match} AND {condition}{filters[0]} "
            "ORDER BY s.complaint_id DESC LIMIT %s)"
        )
        params += [query] if ranked else []
        params += [query, *condition_params, *filters[1], offset + limit]
    # A rare query: its few matches from the GIN index, the scope checked in each.
    either = " OR ".join(condition for condition, _ in alternatives)
    branches.append(
        f"(SELECT {columns} FROM complaints_complaintsearch s "  # noqa: S608
        f"WHERE NOT (SELECT yes FROM common) AND {match} AND ({either}){filters[0]} "
        "ORDER BY s.complaint_id DESC LIMIT %s)"
    )
    params += [query] if ranked else []
    params += [query, *(p for _, alt in alternatives for p in alt), *filters[1], offset + limit]
    # UNION: a complaint of two alternatives (the handler's own, in their department) once.
    sql = f"{common}SELECT id, score FROM ({' UNION '.join(branches)}) b "  # noqa: S608
    sql += "ORDER BY id DESC LIMIT %s OFFSET %s"
    return sql, [*params, limit, offset]


def newest_matches(
    groups: list[list[str]],
    *,
    visible: QuerySet[Complaint] | None = None,
    scoped: Scoped | None = None,
    any_of: bool = False,
    limit: int,
    offset: int = 0,
    ranked: bool = False,
) -> list[tuple[int, float]]:
    """(complaint id, score) of the newest matches (highest id first) at positions
    [offset, offset + limit), in one query that walks the index newest first and stops there:
    it reads about `offset + limit` matches, however many there are. With `ranked`, the same
    matches (offset 0) re-ordered best first (ties newest first); else their score is 0.

    `visible`, the complaints the user may see that the list's filters select, is checked for
    each entry inside the walk (a correlated EXISTS), so that the limit counts only what the
    user may see: limiting first and filtering after would leave a supervisor's page short.
    Without any condition (an administrator, no filter) the check is left out. With `scoped`
    (the same complaints as scope and filters) on PostgreSQL, the walk goes by the scope's
    alternatives instead (`_scoped_walk`)."""
    from django.db import connection

    if _by_scope(scoped):
        assert scoped is not None
        found = _scoped_walk(
            groups, scoped, any_of=any_of, limit=limit, offset=offset, ranked=ranked
        )
        if found is None:
            return []
        walk, params = found
    else:
        walk, params = _walk(
            groups, visible, any_of=any_of, limit=limit, offset=offset, ranked=ranked
        )
    best_first = f"SELECT id, score FROM ({walk}) w ORDER BY score DESC, id DESC"  # noqa: S608
    sql = best_first if ranked else walk
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(pk), float(score)) for pk, score in cursor.fetchall()]


def _walk(
    groups: list[list[str]],
    visible: QuerySet[Complaint] | None,
    *,
    any_of: bool,
    limit: int,
    offset: int,
    ranked: bool,
) -> tuple[str, list[Any]]:
    """One walk of the index newest first, `visible` checked in each row (`newest_matches`)."""
    source, id_column, _match, score = _index_source()
    query = _query(groups, any_of=any_of)
    params: list[Any] = []
    columns = f"{id_column} AS id, {score if ranked else '0'} AS score"
    if ranked:
        params += [query] * score.count("%s")  # ts_rank reads the query; bm25 the match
    condition, condition_params = _condition(groups, visible, any_of=any_of)
    params += condition_params
    # Fixed SQL and Django's compiled filter; every value is bound.
    walk = f"SELECT {columns} FROM {source} WHERE {condition} "  # noqa: S608
    walk += f"ORDER BY {id_column} DESC LIMIT %s OFFSET %s"
    return walk, [*params, limit, offset]


def note_texts(complaint_ids: list[int]) -> dict[int, list[str]]:
    """The texts of the complaints' timeline notes, oldest first, in one query."""
    from tousu.complaints.choices import EventType
    from tousu.complaints.models import ComplaintEvent

    texts: dict[int, list[str]] = {pk: [] for pk in complaint_ids}
    notes = ComplaintEvent.objects.filter(complaint_id__in=complaint_ids, type=EventType.NOTE)
    for pk, data in notes.order_by("complaint_id", "seq").values_list("complaint_id", "data"):
        texts[pk].append(str((data or {}).get("text", "")))
    return texts


def search_index(complaint: Complaint) -> ComplaintSearch:
    """Write (or rewrite) the complaint's row of the search index, its notes included; call it
    inside the transaction that changes the complaint's text."""
    notes = note_texts([complaint.pk])[complaint.pk]
    row, _ = ComplaintSearch.objects.update_or_create(
        complaint=complaint,
        defaults=search_row(f"{complaint.content}\n{complaint.demand}", notes=notes),
    )
    return row


def search_note_add(complaint: Complaint, text: str) -> None:
    """Add a new note's terms to the complaint's row of the index (issue 13: notes are searched
    too); call it inside the transaction that records the note. The words stay those of the
    content and demand: similar complaints and root causes read what the customer said."""
    row = ComplaintSearch.objects.filter(complaint=complaint).first()
    if row is None:
        search_index(complaint)
        return
    row.terms = " ".join(dict.fromkeys(row.terms.split() + text_terms(text)))
    row.save(update_fields=["terms"])


def search_row(text: str, notes: Iterable[str] = ()) -> dict[str, str]:
    """The columns of a search index row for `text` and the complaint's notes: the terms of
    both (words, then the bigrams not already among them) and the words of `text`."""
    words = text_words(text)
    terms = text_terms(text, words)
    for note in notes:
        terms += text_terms(note)
    return {"terms": " ".join(dict.fromkeys(terms)), "words": " ".join(words)}


def search_reindex(*, batch_size: int = BATCH_SIZE, only_missing: bool = False) -> int:
    """Rebuild the index for every complaint (or those without a row), notes included, in
    batches of `batch_size`; returns how many rows were written."""
    from django.db import transaction

    written, last_pk = 0, 0
    while True:
        batch = Complaint.objects.filter(pk__gt=last_pk).order_by("pk")
        if only_missing:
            batch = batch.filter(search__isnull=True)
        rows = list(batch.only("pk", "content", "demand")[:batch_size])
        if not rows:
            return written
        with transaction.atomic():
            ids = [c.pk for c in rows]
            notes = note_texts(ids)
            ComplaintSearch.objects.filter(complaint_id__in=ids).delete()
            ComplaintSearch.objects.bulk_create(
                ComplaintSearch(
                    complaint_id=c.pk,
                    **search_row(f"{c.content}\n{c.demand}", notes=notes[c.pk]),
                )
                for c in rows
            )
        written += len(rows)
        last_pk = rows[-1].pk


# ---- snippets of search results (issue 13) ----------------------------------------------------

SNIPPET_CHARS = 80


def highlight_terms(q: str) -> list[str]:
    """The strings to mark in a result for the query `q`: every term of its groups (the words,
    their sub-words and bigrams), longest first so that a longer match wins."""
    terms = {t for group in query_groups(q) for alt in group for t in alt.split()}
    return sorted(terms, key=lambda t: (-len(t), t))


def snippet(text: str, terms: list[str], *, width: int = SNIPPET_CHARS) -> list[tuple[str, bool]]:
    """The part of `text` around its first match of `terms`, as (piece, matched) pairs in
    order, at most about `width` characters; [] when no term occurs. The text should be masked
    already: what is cut and marked here is what the reader may see."""
    if not terms or not text:
        return []
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    first = pattern.search(text)
    if first is None:
        return []
    start = max(0, first.start() - width // 4)
    end = min(len(text), start + width)
    window = text[start:end]
    pieces: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    at = 0
    for match in pattern.finditer(window):
        if match.start() > at:
            pieces.append((window[at : match.start()], False))
        pieces.append((match.group(0), True))
        at = match.end()
    if at < len(window):
        pieces.append((window[at:], False))
    if end < len(text):
        pieces.append(("…", False))
    return pieces
