"""Migration 0006 fills each existing post's community from its thread, in one statement."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from discussions.models import Post
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import ThreadFactory

BEFORE = [("discussions", "0005_thread_mute")]
AFTER = [("discussions", "0006_post_community")]


def migrate(targets=None):
    """Migrate to `targets` (every app's latest without), and the models as they are there."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_posts_get_their_threads_community_in_one_update():
    first, second = CommunityFactory(), CommunityFactory()
    author = UserFactory()
    apps = migrate(BEFORE)
    Thread = apps.get_model("discussions", "Thread")
    OldPost = apps.get_model("discussions", "Post")
    threads = {
        thread: community
        for community in (first, second, first)
        for thread in [
            Thread.objects.create(
                community_id=community.pk, kind="discussion", title="T", author_id=author.pk
            )
        ]
    }
    for thread in threads:
        for number in range(3):
            OldPost.objects.create(
                thread=thread, author_id=author.pk, body=f"{number}", is_first=not number
            )

    try:
        with CaptureQueriesContext(connection) as queries:
            apps = migrate(AFTER)
    finally:
        migrate()

    Migrated = apps.get_model("discussions", "Post")
    assert {(post.thread_id, post.community_id) for post in Migrated.objects.all()} == {
        (thread.pk, community.pk) for thread, community in threads.items()
    }
    assert Migrated.objects.count() == 9
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith("UPDATE")]
    assert len(updates) == 1  # set-based, never a statement per post
    assert "discussions_thread" in updates[0]


def test_a_post_cannot_be_stored_without_its_community(db):
    """The column is required: a post written without its community fails, rather than
    staying out of every search."""
    thread = ThreadFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.create(thread=thread, author=thread.author, body="x", body_html="x")
