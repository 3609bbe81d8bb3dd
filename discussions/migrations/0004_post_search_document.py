"""Posts keep their full-text document in a stored column, on PostgreSQL only.

Ranking needs each matching post's `tsvector`: computed from the text on every search,
`to_tsvector` cost about 20 µs per match (a word found in 2,000 posts spent 70 ms on it
alone). A generated column keeps it next to the row, PostgreSQL computes it on every
insert and update of `search_text`, and the GIN index moves onto it (the expression index
of 0002 is dropped). The column is not a model field: only `discussions.selectors.search`
reads it, through `SearchDocument`. Adding a stored column rewrites the table once. SQLite
searches with a plain scan and gets nothing here.
"""

from django.db import migrations

COLUMN = "search_document"
INDEX_NAME = "discussions_post_search_document_gin"
OLD_INDEX_NAME = "discussions_post_search_gin"


def add_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE discussions_post ADD COLUMN IF NOT EXISTS {COLUMN} tsvector "
        "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, search_text)) STORED"
    )
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX_NAME} ON discussions_post "
        f"USING GIN ({COLUMN})"
    )
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {OLD_INDEX_NAME}")


def remove_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {OLD_INDEX_NAME} ON discussions_post "
        "USING GIN (to_tsvector('english'::regconfig, search_text))"
    )
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX_NAME}")
    schema_editor.execute(f"ALTER TABLE discussions_post DROP COLUMN IF EXISTS {COLUMN}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("discussions", "0003_close_decisions_schedule"),
    ]

    operations = [
        migrations.RunPython(add_document, remove_document, elidable=False),
    ]
