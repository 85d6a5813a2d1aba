"""PostgreSQL: the search index's terms kept as a stored `tsvector` (issue 19).

Ranking and checking a match used to run `to_tsvector('simple', terms)` on every row read,
once for the condition's recheck and once for `ts_rank`; a common word (one complaint in five)
took 2.2 s at a million complaints. A generated column keeps the parsed vector beside the
text, written by PostgreSQL itself with each insert and update (nothing in the code maintains
it), and the GIN index moves onto it, so that a search walking the newest entries reads each
vector as stored. Not a field of the model: SQLite has its FTS5 table instead (migration 0006),
and the SQL of complaints.search is the only reader.

Adding a stored generated column rewrites the table once (about a minute per million rows);
reversing drops the column and puts the expression index back.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE complaints_complaintsearch ADD COLUMN terms_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, terms)) STORED",
    "CREATE INDEX complaint_search_tsv ON complaints_complaintsearch USING gin (terms_tsv)",
    "DROP INDEX IF EXISTS complaint_search_gin",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS complaint_search_gin ON complaints_complaintsearch "
    "USING gin (to_tsvector('simple'::regconfig, terms))",
    "DROP INDEX IF EXISTS complaint_search_tsv",
    "ALTER TABLE complaints_complaintsearch DROP COLUMN IF EXISTS terms_tsv",
]


def _on_postgresql(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0026_alter_complaintevent_type"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD)),
    ]
