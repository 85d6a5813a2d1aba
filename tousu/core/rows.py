"""Model instances from hand-written SQL, for the few reads on every request where building the
query through the ORM costs more than the database's work (issue 19: token authentication,
automatic assignment's pool). The SQL is written once per process; its rows become model
instances as the ORM would make them: each column through the same converters (SQLite's
booleans and datetimes, time zones), then `Model.from_db`.

Only for whole rows of concrete fields (`Columns.of`), never for a partial instance that a
later save could write back with blanks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connections
from django.db.models import Model

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
