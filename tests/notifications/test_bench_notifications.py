"""`bench_notifications` (the notification part of `make bench`) at a tiny size: it prints
its table with every line, shows the fan-out's queries following its chunks, and leaves
the database exactly as it found it."""

import importlib.util
import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import User
from communities.models import Membership
from core.models import OutboxMessage
from discussions.models import Post, Thread, ThreadSubscription
from notifications.models import Event, Notification, NotificationSettings
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import ThreadFactory, member_of

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent

MODELS = (
    User,
    Membership,
    Thread,
    Post,
    ThreadSubscription,
    Event,
    Notification,
    NotificationSettings,
    OutboxMessage,
)


def state() -> dict:
    counts = {model.__name__: model.objects.count() for model in MODELS}
    counts["threads"] = sorted(
        Thread.objects.values_list("pk", "post_count", "last_activity_at", "last_post_id_cache")
    )
    return counts


def test_the_notification_bench_prints_its_table_and_leaves_the_database_unchanged():
    busy = CommunityFactory(visibility="public")
    for _ in range(6):
        member_of(busy)
    ThreadFactory(community=busy)
    small = CommunityFactory(visibility="public")
    member_of(small)
    ThreadFactory(community=small)
    UserFactory.create_batch(50)
    before = state()

    out = StringIO()
    call_command(
        "bench_notifications",
        followers=50,
        chunk_size=20,
        rounds=2,
        posts=2,
        small_members=2,
        stdout=out,
    )

    report = out.getvalue()
    lines = report.splitlines()
    rows = {line.split("|")[1].strip(): line for line in lines if line.startswith("| ")}
    assert "| measure " in lines[2]
    # 50 followers, not counting the replier, told in chunks of 20 and of 10.
    assert "|     50 |      3 |" in rows["fan-out of one reply, chunks of 20"]
    assert "fan-out ÷ yardstick" in rows
    assert "|     50 |      5 |" in rows["fan-out queries, chunks of 10"]
    assert "|     25 |      3 |" in rows["fan-out queries, chunks of 10, half the followers"]
    # The same number of chunks for half the people: as many queries.
    assert rows["queries follow chunks, not people"].rstrip(" |").endswith("ok")
    members = Membership.objects.filter(community=busy).count()
    assert f"post a reply, community of {members} members" in rows
    assert "post a reply, community of 2 members" in rows
    assert f"reply: {members} ÷ 2 members" in rows
    assert "rolled back" in report
    assert state() == before


def load_bench():
    spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_bench_reports_a_failed_notification_bench_and_keeps_going(tmp_path):
    """`make bench` appends the command's table to its report; a command that cannot run
    becomes a line saying so, not a lost page table."""
    bench = load_bench()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'bench.sqlite3'}",
    }

    report = bench.notifications_report(env)

    assert report.startswith("Notifications bench failed:")
    assert "unable to open database file" in report
