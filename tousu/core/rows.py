"""Model instances from hand-written SQL, for the few reads on every request where building the
query through the ORM costs more than the database's work (issue 19: token authentication,
automatic assignment's pool). The SQL is written once per process; its rows become model
instances as the ORM would make them: each column through the same converters (SQLite's
booleans and datetimes, time zones), then `Model.from_db`.

Only for whole rows of concrete fields (`Columns.of`), never for a partial instance that a
later save could write back with blanks.

On PostgreSQL these statements, the same text on every call, are prepared once per connection
(`prepared_cursor`): their parsing and planning were a third of the database's work in a
registration.

`ValuesByKeys`: the ORM's own `values_list` statement of many columns over several tables,
written once per process, for rows chosen by a cheap query of their keys (the API list).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.sql import InsertQuery
from django.utils.dateparse import parse_datetime

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Columns:
    """A model's concrete columns under a table alias in some SQL: the select list and how
    each value is converted."""

    model: type[Model]
    alias: str  # the database's alias ("default")
    sql: str  # "u"."id", "u"."password", …
    attnames: tuple[str, ...]
    converters: tuple[tuple[tuple[Any, Any], ...], ...]  # per column: (converter, expression)

    @classmethod
    def of(cls, model: type[Model], table: str, alias: str) -> Columns:
        conn = connections[alias]
        quote = conn.ops.quote_name
        fields = model._meta.concrete_fields
        assert fields[0].primary_key, f"{model.__name__}: the primary key is not the first column"
        steps = []
        for field in fields:
            col = field.get_col(table)
            found = conn.ops.get_db_converters(col) + field.get_db_converters(conn)  # type: ignore[attr-defined]
            steps.append(tuple((convert, col) for convert in found))
        return cls(
            model=model,
            alias=alias,
            sql=", ".join(f"{table}.{quote(f.column)}" for f in fields),
            attnames=tuple(f.attname for f in fields),
            converters=tuple(steps),
        )

    def __len__(self) -> int:
        return len(self.converters)

    def instance(self, values: Sequence[Any]) -> Any:
        """The model instance of these columns' values (None when its primary key, the first
        column, is NULL: an outer join that found no row)."""
        if values[0] is None:
            return None
        conn = connections[self.alias]
        converted = []
        for value, steps in zip(values, self.converters, strict=True):
            for convert, expression in steps:
                value = convert(value, expression, conn)
            converted.append(value)
        return self.model.from_db(self.alias, self.attnames, converted)


def rows_insert(rows: Sequence[Model], *, using: str = "default") -> None:
    """INSERT new model instances, each model's rows with one INSERT, in the order their models
    first appear; on PostgreSQL all of those INSERTs in one round trip (psycopg's pipeline
    mode: each is sent without waiting for the one before to answer). Issue 19: a
    registration's complaint, search row, events, message and key, written while it holds the
    day's number lock, wait for the database once, not once per table.

    Nothing is read back: a row whose key another row names must have it already (reserved with
    `complaints.services.number_and_ids_allocate`); the others keep `pk` None, as after
    `bulk_create` without returning. As `save()` does, fields fill themselves in (`auto_now`),
    and a foreign key to an instance is taken from it. No `post_save` signals are sent.
    A failing INSERT (a unique constraint) raises as `save()` would (Django's IntegrityError),
    and the enclosing transaction must roll back, as after any failed statement."""
    statements = [insert_sql(model, group, using) for model, group in _by_model(rows)]
    conn = connections[using]
    pipelined = conn.vendor == "postgresql" and len(statements) > 1
    # The pipeline ends (its results read, an error raised as the database's) before the
    # cursor closes.
    with (
        prepared_cursor(conn) as cursor,
        conn.wrap_database_errors,
        conn.connection.pipeline() if pipelined else nullcontext(),
    ):
        for sql, params in statements:
            cursor.execute(sql, params)
    for obj in rows:
        obj._state.adding, obj._state.db = False, using


def prepared_cursor(conn: Any) -> Any:
    """A cursor of `conn` whose statements PostgreSQL parses and plans once per connection
    (issue 19): the registration's INSERTs of 40-60 columns each, written once per process,
    were parsed and planned again on every registration, inside the day's number lock. The
    values are bound by the server (psycopg's `Cursor`), not quoted into the text: the text
    is then the same on every call, which is what a prepared statement needs. Elsewhere (and
    on SQLite) the connection's own cursor.

    Django's wrapper is kept around it, so its execute wrappers (the query-count tests, the
    benches' statement counts) and its error translation see these statements as any other.
    Django leaves prepared statements off for connection poolers in transaction mode; this
    one is on only for the statements made here, and a pooler in front of Tousu would need
    session mode."""
    if conn.vendor != "postgresql":
        return conn.cursor()
    conn.ensure_connection()
    # Django's own wrapping of a cursor it made (`cursor()` does the same with the connection's
    # cursor class, which is fixed when the connection opens).
    return conn._prepare_cursor(_preparing_cursor_class()(conn.connection))


@functools.cache
def _preparing_cursor_class() -> type:
    """Django's server-binding psycopg cursor, preparing every statement (psycopg keeps the
    connection's last 100 and their names)."""
    from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]  # psycopg 3 only
        ServerBindingCursor,
    )

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            kwargs.setdefault("prepare", True)
            done = super().execute(query, params, **kwargs)
            # psycopg leaves no text of a prepared statement run where Django's debug
            # wrapper (DEBUG's connection.queries, the query-count tests) reads it.
            self._query = _Executed(self.connection, query, params)
            return done

    return PreparingCursor


class _Executed:
    """The last statement of a `PreparingCursor` as Django's debug wrapper reads it
    (`cursor._query.query`): its text with the values in, as a client-binding cursor sends
    it, made only if read."""

    def __init__(self, conn: Any, sql: str, params: Any) -> None:
        self._conn, self._sql, self._params = conn, sql, params

    @property
    def query(self) -> bytes:
        from psycopg import ClientCursor

        return ClientCursor(self._conn).mogrify(self._sql, self._params).encode()


def insert_sql(model: type[Model], group: Sequence[Model], using: str) -> tuple[str, list[Any]]:
    """The one INSERT of new rows `group` of `model`, nothing returned: the columns' list and
    placeholders made once per process (`_Insert`), the values as Django's `save()` prepares
    them. Django's own compiler (as `bulk_create` compiles it) where a column needs its own
    placeholder or a value is an expression."""
    for obj in group:
        obj._prepare_related_fields_for_save(operation_name="rows_insert")  # type: ignore[attr-defined]  # as bulk_create does
    keyed = group[0].pk is not None
    if any((obj.pk is not None) != keyed for obj in group):
        raise ValueError(f"rows_insert: {model.__name__} rows with and without keys")
    conn = connections[using]
    insert = _Insert.of(model, keyed, using)
    values = [f.pre_save(obj, True) for obj in group for f in insert.fields]
    if insert.row is None or any(hasattr(v, "resolve_expression") for v in values):
        query = InsertQuery(model)
        query.insert_values(list(insert.fields), list(group))
        [(sql, params)] = query.get_compiler(using=using).as_sql()
        return sql, list(params)
    fields = insert.fields * len(group)
    params = [f.get_db_prep_save(v, conn) for f, v in zip(fields, values, strict=True)]
    return insert.head + ", ".join([insert.row] * len(group)), params


@dataclass(frozen=True)
class _Insert:
    """What every INSERT of a model's rows (with or without their keys) shares."""

    fields: tuple[Any, ...]
    head: str  # INSERT INTO "table" ("a", "b") VALUES
    row: str | None  # (%s, %s); None when a column has a placeholder of its own

    @classmethod
    def of(cls, model: type[Model], keyed: bool, using: str) -> _Insert:
        key = (model, keyed, using)
        if (found := _INSERTS.get(key)) is None:
            quote = connections[using].ops.quote_name
            fields = tuple(f for f in model._meta.concrete_fields if keyed or not f.primary_key)
            columns = ", ".join(quote(f.column) for f in fields)
            own = any(hasattr(f, "get_placeholder") for f in fields)
            found = _INSERTS[key] = cls(
                fields=fields,
                head=f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ",  # noqa: S608 (quoted model names; values bound)
                row=None if own else "(" + ", ".join(["%s"] * len(fields)) + ")",
            )
        return found


_INSERTS: dict[tuple[type[Model], bool, str], _Insert] = {}


def _by_model(rows: Sequence[Model]) -> list[tuple[type[Model], list[Model]]]:
    """The rows grouped by model, each group where its model first appears."""
    groups: dict[type[Model], list[Model]] = {}
    for obj in rows:
        groups.setdefault(type(obj), []).append(obj)
    return list(groups.items())


# Where a ValuesByKeys statement takes its keys' query; never in a real statement.
_KEYS_MARK = "__tousu_values_by_keys__"


@dataclass(frozen=True)
class ValuesByKeys:
    """`model.objects.filter(pk__in=<keys>).annotate(**annotations).order_by(*ordering)
    .values_list(*names, *annotations)`, written by the ORM once per process, database and
    order (`of`; annotations are told apart by their names), for rows whose keys a query gives
    (`rows`): the keys' query is the ORM's too, but of one column, its filters, order and
    slice only. Issue 19: at 50 rows of a seven-table, 40-column `values_list` (the API
    list), Django building and compiling the statement took longer than the database ran it;
    with the statement made once, only the small keys' query is compiled per request.

    The keys' query is a subquery (`WHERE pk IN (SELECT …)`, its LIMIT and OFFSET kept: both
    databases allow them there), so one statement still reads a page: a deep page's OFFSET
    walks the keys' index alone, never the joins of the skipped rows. The rows come back in
    `ordering` (the statement orders them again: the subquery's order does not carry
    through `IN`); give the keys' query the same order.

    Values come converted as `values_list` converts them (the field's converters and the
    database's), with one shortcut: SQLite's datetimes, which its driver has already parsed
    (Django registers the parser for the column's declared type), are only made aware in the
    connection's time zone, without Django's per-value checks of the settings (nine a row
    on the API list, a fifth of reading its rows)."""

    head: str  # the statement up to its keys' subquery
    tail: str  # after it: the order
    # (column, its conversion of a value read on a connection)
    converters: tuple[tuple[int, Callable[[Any, Any], Any]], ...]
    alias: str

    @classmethod
    def of(
        cls,
        model: type[Model],
        names: Sequence[str],
        ordering: Sequence[str],
        alias: str,
        annotations: Mapping[str, Any] | None = None,
    ) -> ValuesByKeys:
        annotations = annotations or {}
        key = (model, tuple(names), tuple(annotations), tuple(ordering), alias)
        if (found := _VALUES_BY_KEYS.get(key)) is None:
            query = (
                model._default_manager.using(alias)
                .filter(pk__in=RawSQL(_KEYS_MARK, ()))  # noqa: S611 (a fixed mark, replaced by the keys' compiled query)
                .annotate(**annotations)
                .order_by(*ordering)
                .values_list(*names, *annotations)
                .query
            )
            compiler = query.get_compiler(alias)
            sql, params = compiler.as_sql()
            assert not params, "ValuesByKeys: a statement with parameters of its own"
            head, tail = sql.split(_KEYS_MARK)
            conn = connections[alias]
            columns = [s[0] for s in compiler.select]
            steps = []
            for position, (convs, expression) in compiler.get_converters(columns).items():
                steps.append((position, _conversion(conn, convs, expression)))
            found = _VALUES_BY_KEYS[key] = cls(head, tail, tuple(steps), alias)
        return found

    def rows(self, keys: QuerySet[Any]) -> list[list[Any]]:
        """The rows whose keys `keys` (a query of one column, the primary key) gives."""
        keys_sql, params = keys.query.sql_with_params()
        conn = connections[self.alias]  # this thread's
        with conn.cursor() as cursor:
            cursor.execute(self.head + keys_sql + self.tail, params)
            found = cursor.fetchall()
        rows = []
        for values in map(list, found):
            for position, convert in self.converters:
                values[position] = convert(values[position], conn)
            rows.append(values)
        return rows


_VALUES_BY_KEYS: dict[tuple[Any, ...], ValuesByKeys] = {}


def _conversion(conn: Any, convs: Sequence[Any], expression: Any) -> Callable[[Any, Any], Any]:
    """One column's conversion: Django's converters in turn (given the connection the value
    was read on, as `values_list` gives them), or the shortcut for SQLite's datetimes (see
    ValuesByKeys)."""
    internal = expression.output_field.get_internal_type()
    if conn.vendor == "sqlite" and internal == "DateTimeField" and conn.timezone is not None:
        return _aware_in(conn.timezone)

    def convert(value: Any, read_on: Any) -> Any:
        for converter in convs:
            value = converter(value, expression, read_on)
        return value

    return convert


def _aware_in(zone: dt.tzinfo) -> Callable[[Any, Any], dt.datetime | None]:
    """What Django's SQLite converter does to a stored datetime (naive, in the connection's
    time zone `zone`): parsed if still text, made aware. `combine` rather than
    `replace(tzinfo=…)`: the same datetime, but `replace` parses its keywords, three times
    as slow (CPython 3.11), for ~450 times on a page of the API list."""

    def aware(value: Any, read_on: Any) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            value = parse_datetime(value)
        if value.tzinfo is not None:
            return value
        return dt.datetime.combine(value.date(), value.time(), zone)

    return aware
