"""Demo discussions, ideas and a decision, so a first look at Commons is not empty."""

import datetime

from django.utils import timezone

from accounts.models import User
from communities.models import Community
from discussions.models import Thread
from discussions.services import decisions, ideas, threads
from purposes.models import Challenge, Goal


def _exists(community: Community, title: str) -> bool:
    return Thread.objects.filter(community=community, title=title).exists()


def seed_discussions(people: dict[str, User]) -> None:
    ana = people["ana@northwind.example"]
    ben = people["ben@northwind.example"]
    victor = people["victor@globex.example"]
    carla = people["carla@acme.example"]
    fleet = Community.objects.get(slug="green-fleet")
    customers = Community.objects.get(slug="low-carbon-customers")

    title = "Which routes should get the first electric vans?"
    if not _exists(fleet, title):
        thread = threads.start_thread(
            author=ana,
            community=fleet,
            kind="discussion",
            title=title,
            body="We get **12 electric vans** in March. @Ben Okafor, which city routes "
            "are short enough to start with?",
            tags=["fleet", "electric"],
            rate_limit=False,
        )
        first = thread.posts.get(is_first=True)
        reply = threads.post_reply(
            author=ben,
            thread=thread,
            body="The inner-city loops: none is longer than 80 km a day.",
            quoted_post=first,
            rate_limit=False,
        )
        threads.post_reply(
            author=victor,
            thread=thread,
            body="We can install two fast chargers at the north depot within a month.",
            rate_limit=False,
        )
        threads.toggle_reaction(user=ana, post=reply, kind="thanks")

    title = "How do we measure CO₂ per parcel?"
    if not _exists(fleet, title):
        question = threads.start_thread(
            author=ben,
            community=fleet,
            kind="question",
            title=title,
            body="Do we count the depot's electricity, or only the vans?",
            rate_limit=False,
        )
        answer = threads.post_reply(
            author=ana,
            thread=question,
            body="Both: vans, depots and the sorting centre, divided by parcels delivered.",
            rate_limit=False,
        )
        threads.accept_answer(by=ben, thread=question, post=answer)

    title = "Cargo bikes for the city centre"
    if not _exists(fleet, title):
        challenge = Challenge.objects.filter(
            purpose=fleet.purpose, title="Greener last mile"
        ).first()
        if challenge is not None and challenge.state != "open":
            challenge = None
        idea = ideas.submit_idea(
            author=victor,
            community=fleet,
            title=title,
            description="Replace diesel vans with cargo bikes inside the ring road.",
            challenge=challenge,
        )
        for voter in (ana, ben, victor):
            ideas.vote(user=voter, idea=idea)
        ideas.change_status(
            idea=idea,
            by=ana,
            status="planned",
            response="We will pilot **four cargo bikes** from the central depot in spring.",
        )
        goal = Goal.objects.filter(purpose=fleet.purpose, metric="CO₂ per parcel").first()
        if goal is not None:
            ideas.link_goal(
                thread=idea.thread, goal=goal, by=ana, expected_impact="About −15 g per parcel"
            )

    title = "Let customers choose a slower, greener delivery"
    if not _exists(customers, title):
        idea = ideas.submit_idea(
            author=carla,
            community=customers,
            title=title,
            description="Offer a two-day option that fills vans better.",
        )
        ideas.vote(user=carla, idea=idea)
        ideas.vote(user=ana, idea=idea)

    title = "Which depot pilots the electric vans?"
    if not _exists(fleet, title):
        decision = decisions.open_decision(
            author=ana,
            community=fleet,
            title=title,
            body="Pick the depot where the first twelve vans will be based.",
            mode="single",
            options=["North depot", "South depot"],
            closes_at=timezone.now() + datetime.timedelta(days=5),
            rate_limit=False,
        )
        decisions.choose_option(user=ben, decision=decision, option=decision.options.first())
