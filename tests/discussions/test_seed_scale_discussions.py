"""The discussion part of `seed_scale`: exact sizes, right counters, safe resets; and the
bench's yardstick page, which only the bench's own settings mount."""

import importlib.util
import math
import os
import subprocess
import sys
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Max
from django.test import Client, override_settings

from accounts.models import User
from communities.models import Community, Membership
from core.markdown import render_markdown
from discussions.management.commands.seed_discussions_scale import (
    STATUS_PATHS,
    apportion,
)
from discussions.models import (
    TRENDING_EPOCH,
    TRENDING_SECONDS_PER_DECADE,
    Activity,
    ActivityKind,
    Decision,
    DecisionMode,
    DecisionOption,
    DecisionVote,
    GoalLink,
    Idea,
    IdeaStatus,
    IdeaStatusChange,
    IdeaVote,
    Post,
    Reaction,
    Tag,
    Thread,
    ThreadKind,
    ThreadSubscription,
)

ROOT = Path(__file__).resolve().parent.parent.parent
PEOPLE = {"members": 80, "communities": 12, "purposes": 3}
TALK = {
    "threads": 60,
    "posts": 400,
    "ideas": 15,
    "decisions": 6,
    "votes": 120,
    "reactions": 50,
}


def seed(command: str = "seed_scale", **options) -> str:
    out = StringIO()
    sizes = {**PEOPLE, **TALK} if command == "seed_scale" else dict(TALK)
    call_command(command, stdout=out, **{**sizes, **options})
    return out.getvalue()


@pytest.mark.django_db
def test_seed_scale_makes_exact_discussions_with_right_counters():
    output = seed()

    assert "60 threads (15 ideas, 6 decisions), 400 posts" in output
    assert Thread.objects.count() == 60
    assert Thread.objects.filter(kind=ThreadKind.IDEA).count() == 15
    assert Thread.objects.filter(kind=ThreadKind.DECISION).count() == 6
    assert Post.objects.count() == 400
    assert Idea.objects.count() == 15
    assert Decision.objects.count() == 6
    assert IdeaVote.objects.count() == 120
    assert Reaction.objects.count() == 50

    # Thread counters: exactly what the posts say.
    for thread in Thread.objects.annotate(
        real=Count("posts"), newest=Max("posts__id"), latest=Max("posts__created_at")
    ):
        assert thread.post_count == thread.real
        assert thread.last_post_id_cache == thread.newest
        assert thread.last_activity_at == thread.latest
    assert Post.objects.filter(is_first=True).count() == 60
    members = set(Membership.objects.values_list("community_id", "user_id"))
    for post in Post.objects.select_related("thread"):
        assert (post.thread.community_id, post.author_id) in members
        assert post.community_id == post.thread.community_id  # what search's rule reads
        if post.is_first:
            assert post.author_id == post.thread.author_id
            assert post.created_at == post.thread.created_at
            assert post.search_text.startswith(f"{post.thread.title}\n")
        assert post.thread.created_at <= post.created_at <= post.thread.last_activity_at
    # Rendered once per distinct body, and exactly what rendering on save gives.
    for body, body_html in Post.objects.values_list("body", "body_html").distinct():
        assert body_html == render_markdown(body)
    for first_id, thread_id in Post.objects.filter(is_first=True).values_list("pk", "thread"):
        assert not Post.objects.filter(thread=thread_id, pk__lt=first_id).exists()

    # Ideas: vote counts, trending scores, voters who may vote, duplicates merged.
    for idea in Idea.objects.annotate(real=Count("votes")).select_related("thread"):
        assert idea.vote_count == idea.real
        newness = (idea.created_at.timestamp() - TRENDING_EPOCH) / TRENDING_SECONDS_PER_DECADE
        assert idea.trending_score == pytest.approx(math.log10(max(idea.vote_count, 1)) + newness)
        assert idea.created_at == idea.thread.created_at
        assert idea.community_id == idea.thread.community_id
        changes = list(idea.status_changes.order_by("changed_at", "pk"))
        assert [change.to_status for change in changes] == STATUS_PATHS[idea.status]
        if changes:
            assert changes[0].from_status == IdeaStatus.NEW
            assert idea.status_changed_at == changes[-1].changed_at
        if idea.status == IdeaStatus.DUPLICATE:
            assert idea.vote_count == 0
            assert idea.merged_into.community_id == idea.community_id
            assert idea.merged_into.status != IdeaStatus.DUPLICATE
        else:
            assert idea.merged_into_id is None
    for vote in IdeaVote.objects.select_related("idea__community", "user"):
        assert (vote.idea.community_id, vote.user_id) in members
        assert vote.idea.community.lets_vote_on_ideas(vote.user.member_type)

    # Decisions: options tallied, voters counted once, outcomes only once closed.
    for option in DecisionOption.objects.annotate(real=Count("votes")):
        assert option.vote_count == option.real
    for decision in Decision.objects.annotate(real=Count("votes__user", distinct=True)):
        assert decision.voter_count == decision.real
        if decision.outcome:
            assert decision.is_closed
        if decision.mode != DecisionMode.MULTIPLE:
            per_voter = Counter(decision.votes.values_list("user_id", flat=True))
            assert set(per_voter.values()) <= {1}
    for vote in DecisionVote.objects.select_related("option"):
        assert vote.option.decision_id == vote.decision_id

    # The feed's rows: one per event, in the event's community.
    kinds = Counter(Activity.objects.values_list("kind", flat=True))
    plain = Thread.objects.filter(kind__in=[ThreadKind.DISCUSSION, ThreadKind.QUESTION])
    assert kinds[ActivityKind.THREAD_STARTED] == plain.count()
    assert kinds[ActivityKind.IDEA_POSTED] == 15
    assert kinds[ActivityKind.IDEA_STATUS] == IdeaStatusChange.objects.count()
    assert kinds[ActivityKind.DECISION_OPENED] == 6
    assert kinds[ActivityKind.DECISION_CLOSED] == Decision.objects.exclude(closed_at=None).count()
    assert not Activity.objects.exclude(community_id=F("thread__community_id")).exists()

    # Follows, reactions, answers, tags and goal links stay inside their community.
    for thread in Thread.objects.all():
        assert ThreadSubscription.objects.filter(
            thread=thread, user=thread.author_id, following=True
        ).exists()
    for follow in ThreadSubscription.objects.select_related("thread"):
        assert Post.objects.filter(thread=follow.thread, pk=follow.last_read_post_id).exists()
    for reaction in Reaction.objects.select_related("post__thread"):
        assert (reaction.post.thread.community_id, reaction.user_id) in members
    for thread in Thread.objects.exclude(accepted_answer=None).select_related("accepted_answer"):
        assert thread.kind == ThreadKind.QUESTION
        assert thread.accepted_answer.thread_id == thread.pk
        assert not thread.accepted_answer.is_first
    for thread in Thread.objects.prefetch_related("tags"):
        assert all(tag.community_id == thread.community_id for tag in thread.tags.all())
    for link in GoalLink.objects.select_related("thread__community", "goal"):
        assert link.goal.purpose_id == link.thread.community.purpose_id
        assert link.thread.kind in (ThreadKind.IDEA, ThreadKind.DECISION)

    # The biggest community gets the biggest share of threads.
    biggest = Community.objects.order_by("-member_count", "pk").first()
    assert Thread.objects.filter(community=biggest).count() >= 60 // 10


@pytest.mark.django_db
def test_seed_scale_reset_deletes_the_discussions_too():
    seed()

    output = seed(reset=True, threads=40, posts=100, reactions=10)

    assert "Deleted the earlier scale data" in output
    assert Thread.objects.count() == 40
    assert Post.objects.count() == 100
    assert Reaction.objects.count() == 10
    assert IdeaVote.objects.count() == 120
    assert Tag.objects.values("community").distinct().count() == Tag.objects.count() // 5


@pytest.mark.django_db
def test_seed_scale_without_threads_makes_no_discussions():
    output = seed(threads=0)

    assert "Scale data ready" in output
    assert not Thread.objects.exists()


@pytest.mark.django_db
def test_seed_discussions_scale_alone_refuses_to_run_twice_unless_reset():
    seed(threads=0)

    output = seed("seed_discussions_scale")

    assert "Scale discussions ready" in output
    assert Post.objects.count() == 400
    with pytest.raises(CommandError, match="--reset"):
        seed("seed_discussions_scale")
    assert Post.objects.count() == 400

    output = seed("seed_discussions_scale", reset=True, posts=300)

    assert "Deleted the earlier scale discussions" in output
    assert Thread.objects.count() == 60
    assert Post.objects.count() == 300
    assert User.objects.count() == 80


@pytest.mark.django_db
def test_impossible_sizes_are_refused_and_nothing_is_written():
    with pytest.raises(CommandError, match="Not enough voters"):
        seed(votes=1_000_000)
    assert not User.objects.exists()
    assert not Thread.objects.exists()

    with pytest.raises(CommandError, match="first post"):
        seed(posts=10)
    with pytest.raises(CommandError, match="more threads"):
        seed(ideas=50, decisions=20)


def test_apportion_splits_exactly_under_caps():
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(apportion(1000, [0.3, 5.2, 1.1, 0.0])) == 1000
    assert apportion(10, [100, 1, 1], caps=[2, 10, 10]) == [2, 4, 4]
    with pytest.raises(ValueError):
        apportion(10, [1, 1], caps=[3, 3])


# -- the yardstick --------------------------------------------------------------------


def yardstick_settings() -> dict:
    return {
        "ROOT_URLCONF": "benchyard.urls",
        "INSTALLED_APPS": [*settings.INSTALLED_APPS, "benchyard"],
        "BENCH_YARDSTICK": True,
    }


@pytest.mark.django_db
def test_the_site_does_not_mount_the_yardstick():
    seed(threads=40, posts=100)

    assert Client().get("/bench/yardstick/").status_code == 404


@pytest.mark.django_db
def test_the_yardstick_lists_30_threads_in_one_query(django_assert_num_queries):
    seed(threads=40, posts=100)
    client = Client()

    with override_settings(**yardstick_settings()):
        client.get("/bench/yardstick/")  # warm
        with django_assert_num_queries(1):
            response = client.get("/bench/yardstick/")

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<li>") == 30
    newest = Thread.objects.select_related("community").order_by("-created_at", "-id").first()
    assert f"/communities/{newest.community.slug}/threads/{newest.pk}/" in page


def urls_under(settings_module: str, **environment: str) -> str:
    """What a fresh process with these settings says about the yardstick's URL."""
    script = (
        "import django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "from django.urls import Resolver404, resolve\n"
        "try:\n"
        "    resolve('/bench/yardstick/')\n"
        "    mounted = 'mounted'\n"
        "except Resolver404:\n"
        "    mounted = 'not mounted'\n"
        "print(settings.ROOT_URLCONF, getattr(settings, 'BENCH_YARDSTICK', None), mounted)\n"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("BENCH_YARDSTICK", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": settings_module,
            "SECRET_KEY": "yardstick-test-only",
            "ALLOWED_HOSTS": "testserver",
            **environment,
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_production_settings_never_mount_the_yardstick():
    assert urls_under("config.settings.production") == "config.urls None not mounted"
    # Not even when the bench's variable leaks into production's environment.
    assert (
        urls_under("config.settings.production", BENCH_YARDSTICK="1")
        == "config.urls None not mounted"
    )


def test_only_the_bench_settings_with_its_variable_mount_the_yardstick():
    assert urls_under("benchyard.settings") == "config.urls False not mounted"
    assert urls_under("benchyard.settings", BENCH_YARDSTICK="1") == "benchyard.urls True mounted"


# -- the bench's report ---------------------------------------------------------------


def load_bench():
    spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_report_marks_each_page_against_its_aim_and_pages_not_built():
    bench = load_bench()
    yardstick = bench.Target("yardstick: 30 threads + join", "visitor", bench.YARDSTICK_PATH)
    member_yardstick = bench.Target(
        "yardstick: 30 threads + join", "member", bench.YARDSTICK_PATH, "c=1"
    )
    thread_list = bench.Target(
        "thread list (10)", "visitor", "/t/", key="thread list", aim=bench.Aim(0.9)
    )
    deep = bench.Target(
        "thread list, page 100", "visitor", "/t/?after=x", aim=bench.Aim(0.9, of_page="thread list")
    )
    member = bench.Target("idea list", "member", "/i/", "c=1", aim=bench.Aim(0.8))
    common = bench.Target("search 'vans'", "visitor", "/s/?q=vans", aim=bench.Aim(median_ms=100))
    # Loaded p50 well over 100 ms (the wait behind 8 connections), 60 ms alone: meets it.
    quick = bench.Target("search 'rare'", "visitor", "/s/?q=rare", aim=bench.Aim(median_ms=100))
    search = bench.Target("search", "visitor", "/s/?q=x", optional=True, skipped="not built")

    def rounds(page_rate, yardstick_rate, p50=8.0, p99=20.0, errors=0):
        # CPU per request as the rates say (on a saturated server, cores ÷ rate).
        cpu = (1 / page_rate, 1 / yardstick_rate)
        return [bench.Round(page_rate, yardstick_rate, p50, p99, errors, *cpu)] * 3

    yardstick.runs = rounds(100.0, 100.0)
    member_yardstick.runs = rounds(80.0, 80.0)
    thread_list.rounds = rounds(95.0, 100.0)  # 0.95×: meets 0.9×
    # Run beside page 1 (as `measure` does for an aim of another page): 0.80× of it misses
    # 0.9×, and its share of the yardstick is through page 1's (0.80 × 0.95).
    deep.rounds = rounds(80.0, 100.0)
    deep.compared_with = thread_list
    member.rounds = rounds(60.0, 80.0, p99=30.0)  # 0.75×: misses 0.8×
    common.rounds = rounds(70.0, 100.0, p50=150.0, p99=500.0, errors=2)
    common.alone_p50_ms = 140.0
    quick.rounds = rounds(70.0, 100.0, p50=180.0, p99=300.0)
    quick.alone_p50_ms = 60.0
    for target in (yardstick, member_yardstick, thread_list, deep, member, common, quick):
        target.queries = 3
    member.queries = 13  # over the member's budget of 12
    targets = [yardstick, member_yardstick, thread_list, deep, member, common, quick, search]

    report = bench.table(targets, "SQLite")
    rows = {line.split("|")[1].strip(): line for line in report.splitlines() if "|" in line}

    assert "not built" in rows["search"]
    assert rows["thread list (10)"].rstrip(" |").endswith("ok")
    assert (
        "MISS" in rows["thread list, page 100"]
        and "0.80× < 0.9× thread list" in (rows["thread list, page 100"])
    )
    assert deep.share == pytest.approx(0.76)
    assert "|  0.76 |" in rows["thread list, page 100"]
    assert "0.75× < 0.8×" in rows["idea list"] and "13 queries > 12" in rows["idea list"]
    common_row = rows["search 'vans'"]
    assert "p50 alone 140ms ≥ 100" in common_row
    assert "6 errors" in common_row  # 2 in each of the 3 rounds
    assert "p99 3.3×p50" in common_row
    assert rows["search 'rare'"].rstrip(" |").endswith("ok (p50 alone 60ms)")
    assert "lines miss an aim" in report or "line(s) miss an aim" in report


def test_bench_holds_an_api_list_read_with_a_token_to_the_page_its_owner_sees():
    """A token's requests are run beside the member's HTML page and held to it, their
    share of the yardstick is through the member's page, and the token is sent as a
    header, never as a cookie."""
    bench = load_bench()
    member_yardstick = bench.Target(
        "yardstick: 30 threads + join", "member", bench.YARDSTICK_PATH, "c=1", key="yardstick"
    )
    html = bench.Target("idea list", "member", "/i/", "c=1", key="idea list", aim=bench.Aim(0.8))
    fast = bench.Target(
        "API idea list",
        "token",
        "/api/i/",
        authorization="Bearer t",
        aim=bench.Aim(1.0, of_page="idea list", of_viewer="member"),
    )
    slow = bench.Target(
        "API thread list",
        "token",
        "/api/t/",
        authorization="Bearer t",
        aim=bench.Aim(1.0, of_page="idea list", of_viewer="member"),
    )

    def rounds(page_rate):
        return [bench.Round(page_rate, 100.0, 8.0, 20.0, 0, 1 / page_rate, 0.01)] * 3

    member_yardstick.runs = rounds(100.0)
    html.rounds = rounds(80.0)
    targets = [member_yardstick, html, fast, slow]
    # The API lists run beside the member's HTML page, not beside the yardstick.
    assert bench.compared_page(fast, targets) is html
    assert bench.compared_page(html, targets) is None
    fast.rounds = rounds(110.0)  # 1.1× the member's page beside it
    slow.rounds = rounds(90.0)  # 0.9× the member's page beside it
    fast.compared_with = slow.compared_with = html
    for target in targets:
        target.queries = 3

    assert bench.yardstick_for(targets, "token") is member_yardstick
    assert fast.share == pytest.approx(0.88)  # through the page's own 0.8× the yardstick
    assert bench.request_headers(fast) == {"Authorization": "Bearer t"}
    report = bench.table(targets, "PostgreSQL")
    rows = {line.split("|")[1].strip(): line for line in report.splitlines() if "|" in line}
    assert "ok (1.10× idea list)" in rows["API idea list"]
    assert "0.90× < 1.0× idea list" in rows["API thread list"]
    assert "≥1.0× idea list (member)" in rows["API thread list"]


def test_the_bench_counts_cpu_seconds_between_snapshots_per_process():
    """The CPU share counts the server's processes: a process that started between two
    snapshots brings only its own ticks, not another's."""
    bench = load_bench()
    before = {10: 100, 11: 50}
    after = {10: 100 + bench.CLOCK_TICKS, 11: 50, 12: bench.CLOCK_TICKS // 2}

    assert bench.cpu_seconds_between(before, after) == pytest.approx(1.5, abs=0.02)
    # This process is no gunicorn: nothing under it is counted; no such process, no figure.
    assert bench.server_cpu_ticks(2**22 + 12345, "") is None


def test_bench_aims_are_checked_on_the_cpu_share_when_there_is_one():
    """Requests/s swing between short runs on a shared machine; the server's CPU per
    request holds still, so a page meets or misses its aim by that share."""
    bench = load_bench()
    yardstick = bench.Target("yardstick: 30 threads + join", "visitor", bench.YARDSTICK_PATH)
    lucky = bench.Target("idea list", "visitor", "/i/", aim=bench.Aim(0.8))
    unlucky = bench.Target("thread list", "visitor", "/t/", aim=bench.Aim(0.8))
    no_proc = bench.Target("directory", "visitor", "/c/", aim=bench.Aim(0.8))
    yardstick.runs = [bench.Round(100.0, 100.0, 8.0, 20.0, 0, 0.01, 0.01)] * 3
    # A burst of requests/s (0.95×), but 0.6× the yardstick's CPU per request: misses.
    lucky.rounds = [bench.Round(95.0, 100.0, 8.0, 20.0, 0, 0.01 / 0.6, 0.01)] * 3
    # A slow stretch (0.5×), at 0.9× the yardstick's CPU per request: meets it.
    unlucky.rounds = [bench.Round(50.0, 100.0, 8.0, 20.0, 0, 0.01 / 0.9, 0.01)] * 3
    # No /proc: the requests/s share decides.
    no_proc.rounds = [bench.Round(70.0, 100.0, 8.0, 20.0, 0, None, None)] * 3
    targets = [yardstick, lucky, unlucky, no_proc]
    for target in targets:
        target.queries = 2

    report = bench.table(targets, "PostgreSQL")
    rows = {line.split("|")[1].strip(): line for line in report.splitlines() if "|" in line}
    assert "MISS: 0.60× < 0.8×" in rows["idea list"]
    assert rows["thread list"].rstrip(" |").endswith("ok")
    assert "MISS: 0.70× < 0.8×" in rows["directory"]


def test_a_page_held_to_another_is_checked_on_cpu_per_request_over_all_its_rounds():
    """Beside another page, a page's check pools its rounds: one slow round of three
    costs its share of the requests, where a median of three would ignore it."""
    bench = load_bench()
    page_one = bench.Target("thread list", "visitor", "/t/", key="thread list", aim=bench.Aim(0.9))
    deep = bench.Target(
        "thread list, page 100", "visitor", "/t/?after=x", aim=bench.Aim(0.9, of_page="thread list")
    )
    deep.rounds = [
        bench.Round(100.0, 100.0, 8.0, 20.0, 0, 0.010, 0.010),
        bench.Round(100.0, 100.0, 8.0, 20.0, 0, 0.010, 0.010),
        bench.Round(50.0, 100.0, 8.0, 20.0, 0, 0.040, 0.010),
    ]
    deep.compared_with = page_one

    # Page 100: 0.040 × 50 + 0.010 × 200 = 4 CPU seconds for 250 requests; page 1: 0.010.
    assert deep.reference_cpu_share == pytest.approx(0.010 / (4.0 / 250))
    assert bench.relative_share(deep, [page_one, deep]) == pytest.approx(0.625)
    assert bench.BESIDE_ROUNDS >= 2
