"""Demo moderation: a review queue with items to handle (a reply flagged as spam, a
profile flagged, a first post held for approval) and a few entries in the audit log."""

from accounts.models import User
from communities.models import Community
from discussions.models import Post, Thread
from discussions.services import threads
from moderation import services
from moderation.models import ReviewItem

SPAM = "Best prices on chargers at www.example.com: order today, limited stock!"


def seed_moderation(people: dict[str, User]) -> None:
    if ReviewItem.objects.exists():
        return
    ana = people["ana@northwind.example"]
    ben = people["ben@northwind.example"]
    victor = people["victor@globex.example"]
    priya = people["priya@initech.example"]
    admin = people["admin@northwind.example"]
    fleet = Community.objects.get(slug="green-fleet")
    council = Community.objects.get(slug="returns-council")

    thread = Thread.objects.filter(community=fleet).order_by("pk").first()
    thread.community = fleet
    spam = threads.post_reply(author=victor, thread=thread, body=SPAM, rate_limit=False)
    services.flag(by=ben, reason="spam", post=spam)
    services.flag(by=admin, reason="inappropriate", note="Advertising again.", post=spam)
    services.flag(by=ben, reason="other", note="Posts the same ad everywhere.", person=victor)

    # A reply hidden earlier, so the log and the author's view have something to show.
    off_topic = threads.post_reply(
        author=victor,
        thread=thread,
        body="Does anyone know a good lunch place near the north depot?",
        rate_limit=False,
    )
    services.flag(by=ben, reason="off_topic", post=off_topic)
    item = ReviewItem.objects.get(post=off_topic)
    services.review(
        by=ana, item=item, decision="hide", reason="Off-topic here: try the staff channel."
    )

    # Priya's first thread in a community that holds new members' first posts.
    Community.objects.filter(pk=council.pk).update(hold_first_posts=True)
    council.refresh_from_db()
    if not Post.objects.filter(community=council, author=priya).exists():
        threads.start_thread(
            author=priya,
            community=council,
            kind="discussion",
            title="Could returns wait for a full van?",
            body="Our clients would accept a day's delay if the van goes back full.",
            rate_limit=False,
        )
