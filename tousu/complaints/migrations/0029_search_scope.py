"""PostgreSQL: the complaint's scope columns beside its row of the search index (issue 19).

A supervisor's search of a common word walked the index newest first and checked, for each
match, that the complaint is theirs with a correlated EXISTS on the complaints table (about
17,000 of them for the billing supervisor's first page). The search row now carries the five
columns the data scope reads — department, responsible department, handler, registrar, region
— each with a btree index ending in the complaint id, so that the search walks each of the
user's scope alternatives along its own index, newest first, and checks the words in the same
row (complaints.search).

PostgreSQL keeps them in step itself, like the stored vector of migration 0027: a trigger fills
them when a search row is inserted, and another copies them when a complaint's scope columns
change, whichever code changes them (services, bulk updates, imports, the benchmarks' loader).
Not fields of the model: SQLite walks its FTS5 table with the EXISTS as before, and the SQL of
complaints.search is the only reader. A stale row could only hide a complaint from a search,
never show one: the page's rows are read through the user's scope again.

Forward fills the columns of every row (one update of the index table: about a minute per
million rows); backward drops the triggers, the indexes and the columns.
"""

from django.db import migrations

COLUMNS = (
    "department_id",
    "responsible_department_id",
    "handler_id",
    "registered_by_id",
    "region_id",
)
_LIST = ", ".join(COLUMNS)
_NEW = ", ".join(f"NEW.{c}" for c in COLUMNS)
_OLD = ", ".join(f"OLD.{c}" for c in COLUMNS)

FORWARD = [
    *(f"ALTER TABLE complaints_complaintsearch ADD COLUMN {c} integer NULL" for c in COLUMNS),
    # Fixed column names in every statement here; nothing comes from outside.
    f"UPDATE complaints_complaintsearch s SET ({_LIST}) = "  # noqa: S608
    f"({', '.join('c.' + c for c in COLUMNS)}) FROM complaints_complaint c "
    "WHERE c.id = s.complaint_id",
    *(
        f"CREATE INDEX complaint_search_{c.removesuffix('_id')} "
        f"ON complaints_complaintsearch ({c}, complaint_id)"
        for c in COLUMNS
    ),
    # A new search row takes its complaint's columns.
    f"""CREATE FUNCTION complaint_search_scope_fill() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        SELECT {_LIST} INTO {_NEW} FROM complaints_complaint WHERE id = NEW.complaint_id;
        RETURN NEW;
    END $$""",  # noqa: S608
    "CREATE TRIGGER complaint_search_scope_fill BEFORE INSERT ON complaints_complaintsearch "
    "FOR EACH ROW EXECUTE FUNCTION complaint_search_scope_fill()",
    # A complaint whose scope columns change passes them on to its search row; only when one
    # of them differs (Django's save writes every column).
    f"""CREATE FUNCTION complaint_search_scope_copy() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE complaints_complaintsearch SET ({_LIST}) = ({_NEW})
        WHERE complaint_id = NEW.id;
        RETURN NULL;
    END $$""",  # noqa: S608
    f"CREATE TRIGGER complaint_search_scope_copy AFTER UPDATE OF {_LIST} "
    "ON complaints_complaint FOR EACH ROW "
    f"WHEN (({_OLD}) IS DISTINCT FROM ({_NEW})) "
    "EXECUTE FUNCTION complaint_search_scope_copy()",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS complaint_search_scope_copy ON complaints_complaint",
    "DROP FUNCTION IF EXISTS complaint_search_scope_copy()",
    "DROP TRIGGER IF EXISTS complaint_search_scope_fill ON complaints_complaintsearch",
    "DROP FUNCTION IF EXISTS complaint_search_scope_fill()",
    *(f"ALTER TABLE complaints_complaintsearch DROP COLUMN IF EXISTS {c}" for c in COLUMNS),
]


def _on_postgresql(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0028_scope_index"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD)),
    ]
