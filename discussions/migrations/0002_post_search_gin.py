"""Full-text index over posts' search text, on PostgreSQL only.

The expression must stay exactly the one `discussions.selectors.search` queries
(`to_tsvector('english'::regconfig, search_text)`), or the planner cannot use the index.
Built concurrently so a large table keeps taking writes while it is built; SQLite
searches with a plain scan and gets nothing here.
"""

from django.db import migrations

INDEX_NAME = "discussions_post_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX_NAME} ON discussions_post "
        "USING GIN (to_tsvector('english'::regconfig, search_text))"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("discussions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
