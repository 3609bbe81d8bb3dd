"""Each post carries its thread's community (`Post.community`), so the access rule filters
posts on their own row instead of reading each one's thread.

In three steps, so that a million posts take seconds: the column is added empty and
without its foreign key (instant), filled by one UPDATE joined to the threads, then made
NOT NULL and given its foreign key, each checked by one pass over the table. Filling the
column under the foreign key would instead queue one deferred check per post.
"""

import django.db.models.deletion
from django.db import migrations, models

FILL_POSTGRESQL = """
UPDATE discussions_post AS post
SET community_id = thread.community_id
FROM discussions_thread AS thread
WHERE thread.id = post.thread_id AND post.community_id IS NULL
"""
FILL_OTHERS = """
UPDATE discussions_post
SET community_id = (
    SELECT thread.community_id FROM discussions_thread AS thread
    WHERE thread.id = discussions_post.thread_id
)
WHERE community_id IS NULL
"""


def fill_communities(apps, schema_editor) -> None:
    postgresql = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(FILL_POSTGRESQL if postgresql else FILL_OTHERS)


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0003_notification_levels"),
        ("discussions", "0005_thread_mute"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="community",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="communities.community",
            ),
        ),
        migrations.RunPython(fill_communities, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="post",
            name="community",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="communities.community",
            ),
        ),
    ]
