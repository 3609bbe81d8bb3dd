"""Discussions, ideas, decisions and search in a browser (issue 4).

Each person has a tab (and a session) of their own; every page is scanned with axe-core
and must leave a clean console. Places and people are made through the factories; what
people do is done through the pages.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from communities.models import Community
from discussions.models import Mention, Post, Reaction, Thread
from discussions.services import ideas as idea_services
from purposes.models import Challenge
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser.support import sign_in
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.purposes.factories import GoalFactory, PurposeFactory

pytestmark = pytest.mark.browser


def status(page: Page):
    return page.get_by_role("status")


def post_by(page: Page, name: str):
    return page.locator("article.post").filter(has=page.locator(".post-by", has_text=name))


def like_first_time(page: Page, name: str) -> None:
    """Press Like under the post by `name`, which nobody liked yet: it shows pressed, 1."""
    like = post_by(page, name).get_by_role("button", name=re.compile(r"^Like"))
    expect(like).to_have_attribute("aria-pressed", "false")
    like.click()
    like = post_by(page, name).get_by_role("button", name=re.compile(r"^Like"))
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like.locator(".reaction-count")).to_have_text("1")


# -- a discussion with a mention, a quote and a reaction --------------------------------------


def warehouse_community() -> tuple[Community, User, User]:
    priya = UserFactory(
        email="priya.shah@northwind.example", display_name="Priya Shah", member_type="employee"
    )
    community = CommunityFactory(
        owner=priya,
        name="Warehouse energy savers",
        slug="warehouse-energy-savers",
        audience=("employee",),
        visibility="listed",
    )
    jo = member_of(community, email="jo.baker@northwind.example", display_name="Jo Baker")
    return community, priya, jo


def test_employee_mentions_a_colleague_who_quotes_and_reacts(visitor, new_visitor):
    community, priya, jo = warehouse_community()
    page = visitor.page
    sign_in(visitor, priya.email, DEFAULT_PASSWORD)

    visitor.goto(f"/communities/{community.slug}/threads/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a discussion")
    page.get_by_label("Title").fill("Motion sensors for aisle lights")
    page.get_by_label("Text").fill("Aisle lights burn all night. Could we try sensors?")
    # The mention picker offers readers of the community and adds @their name to the text.
    page.get_by_label("Mention someone").fill("Jo")
    page.get_by_role("button", name="Jo Baker").click()
    expect(page.get_by_label("Text")).to_have_value(
        "Aisle lights burn all night. Could we try sensors? @Jo Baker "
    )
    visitor.check()
    page.get_by_role("button", name="Post", exact=True).click()

    expect(page).to_have_url(re.compile(r"/threads/\d+/$"))
    expect(status(page)).to_contain_text("Your thread is posted.")
    mention = page.locator("a.mention")
    expect(mention).to_have_text("@Jo Baker")
    expect(mention).to_have_attribute("href", f"/people/{jo.pk}/")
    visitor.check()
    thread = Thread.objects.get(title="Motion sensors for aisle lights")
    first = Post.objects.get(thread=thread, is_first=True)
    assert Mention.objects.filter(post=first, user=jo).exists()

    # The colleague opens the thread, quotes the first post, replies and reacts.
    jo_tab = new_visitor()
    jo_page = jo_tab.page
    sign_in(jo_tab, jo.email, DEFAULT_PASSWORD)
    jo_tab.goto(thread.get_absolute_url())
    opening = post_by(jo_page, "Priya Shah")
    expect(opening.locator("a.mention")).to_have_text("@Jo Baker")
    opening.get_by_role("link", name="Quote").click()
    expect(jo_page).to_have_url(re.compile(rf"\?quote={first.pk}#reply$"))
    quote = jo_page.locator("#reply blockquote.post-quote")
    expect(quote.locator(".post-quote-by")).to_contain_text("Quoting Priya Shah")
    expect(quote).to_contain_text("Aisle lights burn all night.")
    jo_tab.check()
    jo_page.get_by_label("Your reply").fill("Yes: the Leeds depot cut lighting by a third.")
    jo_page.get_by_role("button", name="Post reply").click()
    expect(status(jo_page)).to_contain_text("Your reply is posted.")
    reply = post_by(jo_page, "Jo Baker")
    expect(reply.locator("blockquote.post-quote")).to_contain_text("Aisle lights burn all night.")
    expect(reply.locator(".post-body")).to_have_text(
        "Yes: the Leeds depot cut lighting by a third."
    )
    jo_tab.check()

    like_first_time(jo_page, "Priya Shah")
    jo_tab.check()

    # The author sees the reply, the quote, the mention and the reaction.
    page.reload()
    quoted = post_by(page, "Jo Baker").locator("blockquote.post-quote")
    expect(quoted.locator(".post-quote-by")).to_contain_text("Priya Shah")
    expect(quoted.get_by_role("link", name="wrote")).to_have_attribute(
        "href", re.compile(rf"#post-{first.pk}$")
    )
    expect(quoted).to_contain_text("Aisle lights burn all night.")
    expect(post_by(page, "Jo Baker")).to_contain_text("the Leeds depot cut lighting")
    opening = post_by(page, "Priya Shah")
    expect(opening.locator("a.mention")).to_have_text("@Jo Baker")
    mine = opening.get_by_role("button", name=re.compile(r"^Like"))
    expect(mine.locator(".reaction-count")).to_have_text("1")
    expect(mine).to_have_attribute("aria-pressed", "false")
    visitor.check()

    reply_post = Post.objects.get(thread=thread, is_first=False)
    assert reply_post.quoted_post == first and reply_post.author == jo
    assert Reaction.objects.filter(post=first, user=jo, kind="like").count() == 1


def test_without_javascript_a_member_reacts_and_deletes_her_reply_with_a_reason(new_context):
    """The posts' forms hold no CSRF field of their own (the posts' markup is cached and
    shared): the page links one to each form by its id, which a browser sends even with
    no script to help. (This tab runs no script, so no axe scan here: the same pages are
    scanned with scripts on in the other journeys.)"""
    community, priya, jo = warehouse_community()
    thread = ThreadFactory(community=community, author=jo, title="Motion sensors in aisle 4")
    reply = PostFactory(thread=thread, author=priya, body="Ours paid back in a year.")
    page = new_context(java_script_enabled=False).new_page()
    page.set_default_timeout(10_000)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(priya.email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(thread.get_absolute_url())

    like_first_time(page, "Jo Baker")

    mine = post_by(page, "Priya Shah")
    mine.get_by_text("Delete", exact=True).click()
    mine.get_by_label("Reason (optional)").fill("Posted in the wrong thread")
    mine.get_by_role("button", name="Delete this post").click()
    deleted = page.locator(f"#post-{reply.pk}").get_by_role("note")
    expect(deleted).to_contain_text("Deleted by Priya Shah")
    expect(deleted).to_contain_text("reason: Posted in the wrong thread")
    assert Post.objects.get(pk=reply.pk).deletion_reason == "Posted in the wrong thread"
    assert Reaction.objects.filter(user=priya, kind="like").count() == 1


# -- hostile text ------------------------------------------------------------------------------

HOSTILE_BODY = (
    "Before: <script>alert(1)</script>\n\n"
    "Picture: <img src=x onerror=alert(1)>\n\n"
    "And a [link](javascript:alert(1)) after."
)


def test_a_hostile_post_renders_as_harmless_text(visitor, new_visitor):
    community, priya, jo = warehouse_community()
    page = visitor.page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(visitor, priya.email, DEFAULT_PASSWORD)

    visitor.goto(f"/communities/{community.slug}/threads/new/")
    page.get_by_label("Title").fill("Careful <script>alert(1)</script>")
    page.get_by_label("Text").fill(HOSTILE_BODY)
    page.get_by_role("button", name="Post", exact=True).click()
    expect(status(page)).to_contain_text("Your thread is posted.")
    thread_url = page.url
    visitor.check()

    def assert_harmless(tab_page: Page) -> None:
        expect(tab_page.get_by_role("heading", level=1)).to_have_text(
            "Careful <script>alert(1)</script>"
        )
        body = post_by(tab_page, "Priya Shah").locator(".post-body")
        expect(body).to_contain_text("Before: <script>alert(1)</script>")
        expect(body).to_contain_text("Picture: <img src=x onerror=alert(1)>")
        expect(body).to_contain_text("And a [link](javascript:alert(1)) after.")
        expect(body.locator("script, img, a")).to_have_count(0)
        found = tab_page.evaluate(
            """() => ({
                scripts: [...document.scripts].filter(s => s.text.includes("alert(1)")).length,
                onerror: document.querySelectorAll("[onerror]").length,
                jsLinks: [...document.links].filter(a => /^javascript:/i.test(a.href)).length,
            })"""
        )
        assert found == {"scripts": 0, "onerror": 0, "jsLinks": 0}, found

    assert_harmless(page)

    # A colleague reading it later sees text, and no dialog either.
    jo_tab = new_visitor()
    jo_page = jo_tab.page
    jo_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(jo_tab, jo.email, DEFAULT_PASSWORD)
    jo_tab.goto(thread_url)
    assert_harmless(jo_page)
    jo_page.wait_for_timeout(300)
    assert dialogs == [], f"a dialog opened: {dialogs}"
    jo_tab.check()

    stored = Post.objects.get(thread__community=community, is_first=True)
    assert "<script" not in stored.body_html
    assert "<img" not in stored.body_html
    assert "javascript:" not in stored.body_html.replace("(javascript:alert(1))", "")


# -- search ------------------------------------------------------------------------------------


def test_search_finds_a_post_by_its_body_but_not_in_a_private_community(visitor):
    open_one = CommunityFactory(
        name="Fleet electrification", audience=("employee", "customer"), visibility="public"
    )
    ThreadFactory(
        community=open_one,
        title="Overnight charging at depots",
        body="We trialled hydrotreated vegetable oil before the vans arrived.",
    )
    closed_one = CommunityFactory(
        name="Board planning", audience=("employee",), visibility="private"
    )
    ThreadFactory(
        community=closed_one,
        title="Confidential fuel contract",
        body="The hydrotreated oil supplier offers a discount.",
    )
    searcher = UserFactory(display_name="Maria Santos", member_type="customer")
    page = visitor.page
    sign_in(visitor, searcher.email, DEFAULT_PASSWORD)

    visitor.goto("/search/")
    page.get_by_label("Search discussions, ideas and decisions").fill("hydrotreated")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"/search/\?q=hydrotreated"))
    results = page.locator(".search-result")
    expect(results).to_have_count(1)
    expect(results.get_by_role("link")).to_have_text("Overnight charging at depots")
    expect(results).to_contain_text("Fleet electrification")
    expect(results.locator(".search-snippet")).to_contain_text("hydrotreated")
    expect(page.get_by_role("main")).not_to_contain_text("Confidential fuel contract")
    visitor.check()

    # Even a query only the private post matches finds nothing.
    visitor.goto("/search/?q=discount")
    expect(page.locator(".search-result")).to_have_count(0)
    expect(page.get_by_role("heading", name=re.compile("No results for"))).to_be_visible()
    visitor.check()


# -- decisions ---------------------------------------------------------------------------------


def option_row(page: Page, label: str):
    return page.locator("li.decision-option").filter(
        has=page.locator(".decision-option-label", has_text=re.compile(rf"^{label}$"))
    )


def test_a_poll_is_voted_on_closed_and_its_outcome_shown_first(visitor, new_visitor):
    community, priya, jo = warehouse_community()
    page = visitor.page
    sign_in(visitor, priya.email, DEFAULT_PASSWORD)

    visitor.goto(f"/communities/{community.slug}/decisions/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a decision")
    page.get_by_label("Title").fill("Which night for the lights-off trial?")
    page.get_by_label("Proposal").fill("One night a week with aisle lights off after 22:00.")
    page.get_by_label("Single choice").check()
    page.get_by_label("Options").fill("Monday\nWednesday\nFriday")
    page.get_by_role("button", name="Open the decision").click()
    expect(page).to_have_url(re.compile(r"/threads/\d+/$"))
    expect(status(page)).to_contain_text("Decision opened. Members can vote now.")
    panel = page.locator("#decision")
    expect(panel).to_contain_text("0 people have voted.")
    visitor.check()
    thread = Thread.objects.get(title="Which night for the lights-off trial?")

    # The author votes for Wednesday, a colleague for Wednesday too.
    option_row(page, "Wednesday").get_by_role("button", name="Vote for this").click()
    expect(panel.get_by_role("status")).to_have_text("Your vote for “Wednesday” is recorded.")
    expect(option_row(page, "Wednesday")).to_contain_text("Your choice")
    visitor.check()

    jo_tab = new_visitor()
    jo_page = jo_tab.page
    sign_in(jo_tab, jo.email, DEFAULT_PASSWORD)
    jo_tab.goto(thread.get_absolute_url())
    expect(jo_page.locator("#decision")).to_contain_text("1 person has voted.")
    option_row(jo_page, "Wednesday").get_by_role("button", name="Vote for this").click()
    expect(jo_page.locator("#decision").get_by_role("status")).to_have_text(
        "Your vote for “Wednesday” is recorded."
    )
    expect(option_row(jo_page, "Wednesday")).to_contain_text("2 votes · 100%")
    expect(jo_page.get_by_role("button", name="Close voting now")).to_have_count(0)
    jo_tab.check()

    # The author closes voting (confirming), then records the outcome.
    page.reload()
    expect(panel).to_contain_text("2 people have voted.")
    visitor.check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close voting now").click()
    expect(panel.get_by_role("status")).to_have_text("Voting is closed. Record the outcome next.")
    expect(panel).to_contain_text("Voting closed on")
    expect(panel.get_by_role("button", name="Vote for this")).to_have_count(0)
    visitor.check()
    page.get_by_label("Record the outcome").fill("We switch the lights off on **Wednesdays**.")
    page.get_by_role("button", name="Record the outcome").click()
    expect(status(page)).to_contain_text("The outcome is recorded and shown on the decision.")
    outcome = panel.locator(".decision-outcome")
    expect(outcome.get_by_role("heading", name="Outcome")).to_be_visible()
    expect(outcome.locator("strong")).to_have_text("Wednesdays")
    expect(outcome).to_contain_text("Recorded by Priya Shah")
    # Shown at the top: the outcome comes before the decision's own heading and options.
    headings = panel.get_by_role("heading", level=2).all_inner_texts()
    assert headings[0] == "Outcome", headings
    visitor.check()

    # The colleague sees the outcome and can no longer vote.
    jo_page.reload()
    expect(jo_page.locator("#decision .decision-outcome")).to_contain_text(
        "We switch the lights off on Wednesdays."
    )
    expect(option_row(jo_page, "Wednesday")).to_contain_text("2 votes · 100%")
    expect(jo_page.get_by_role("button", name="Vote for this")).to_have_count(0)
    jo_tab.check()

    thread.decision.refresh_from_db()
    assert thread.decision.is_closed and thread.decision.voter_count == 2


# -- ideas -------------------------------------------------------------------------------------

ALL_TYPES = ("employee", "customer", "vendor", "partner")


def ideas_community() -> tuple[Community, User]:
    """A public community open to everyone, for a purpose whose owner manages its ideas."""
    alex = UserFactory(
        email="alex.morgan@northwind.example", display_name="Alex Morgan", member_type="employee"
    )
    purpose = PurposeFactory(title="Cleaner deliveries", slug="cleaner-deliveries", owners=[alex])
    community = CommunityFactory(
        owner=alex,
        purpose=purpose,
        name="Last-mile partners",
        slug="last-mile-partners",
        audience=ALL_TYPES,
        visibility="public",
    )
    return community, alex


def vote_as(tab, person: User, thread: Thread, title: str) -> None:
    """`person` signs in in `tab`, opens the idea and votes for it."""
    sign_in(tab, person.email, DEFAULT_PASSWORD)
    tab.goto(thread.get_absolute_url())
    tab.page.get_by_role("button", name=f"Vote for “{title}”").click()
    expect(tab.page.locator(".idea-panel .idea-voted")).to_have_text("You voted")
    tab.check()


def test_customer_idea_is_voted_planned_linked_and_implemented(visitor, new_visitor):
    community, alex = ideas_community()
    goal = GoalFactory(purpose=community.purpose, metric="Delivery emissions", unit="t")
    now = timezone.now()
    challenge = Challenge.objects.create(
        purpose=community.purpose,
        title="Greener last mile",
        question="How do we deliver the last mile without a van?",
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=14),
    )
    maria = member_of(
        community,
        email="maria.santos@bluewave.example",
        display_name="Maria Santos",
        member_type="customer",
    )
    voters = [
        member_of(community, display_name="Jo Baker", member_type="employee"),
        member_of(community, display_name="Rui Costa", member_type="vendor"),
    ]
    title = "Cargo bikes from the city hubs"

    # The customer submits an idea answering the open challenge, and votes for it.
    maria_tab = new_visitor()
    maria_page = maria_tab.page
    sign_in(maria_tab, maria.email, DEFAULT_PASSWORD)
    maria_tab.goto(f"/communities/{community.slug}/ideas/")
    maria_page.get_by_role("link", name="Submit an idea").click()
    expect(maria_page.get_by_role("heading", level=1)).to_have_text("Submit an idea")
    maria_tab.check()
    maria_page.get_by_label("Title").fill(title)
    maria_page.get_by_label("Description").fill("Hubs at the edge of town, bikes for the rest.")
    maria_page.get_by_label("Answers the challenge").select_option(str(challenge.pk))
    maria_page.get_by_role("button", name="Post idea").click()
    expect(status(maria_page)).to_contain_text("Your idea is posted.")
    panel = maria_page.locator(".idea-panel")
    expect(panel).to_contain_text("Answers the challenge “Greener last mile”")
    expect(panel.locator(".idea-status")).to_have_text("New")
    maria_tab.check()
    thread = Thread.objects.get(title=title)
    maria_page.get_by_role("button", name=f"Vote for “{title}”").click()
    expect(panel.locator(".idea-vote-count")).to_have_text("1 vote")
    maria_tab.check()

    # Two more people sign in and vote.
    for person in voters:
        vote_as(new_visitor(), person, thread, title)

    # The purpose owner plans it with an official response.
    page = visitor.page
    sign_in(visitor, alex.email, DEFAULT_PASSWORD)
    visitor.goto(thread.get_absolute_url())
    panel = page.locator(".idea-panel")
    expect(panel.locator(".idea-vote-count")).to_have_text("3 votes")
    page.locator("summary", has_text="Change status").click()
    page.get_by_label("New status").select_option(label="Planned")
    page.get_by_role("textbox", name="Official response").fill(
        "We will pilot this in **Leeds** in spring."
    )
    page.get_by_role("button", name="Change status").click()
    expect(status(page)).to_contain_text("Status changed to “Planned”")
    expect(panel.locator(".idea-status")).to_have_text("Planned")
    response = panel.get_by_role("article", name="Official response")
    expect(response.locator("strong")).to_have_text("Leeds")
    visitor.check()

    # Later: linked to the purpose's goal, then implemented.
    panel.get_by_label("Goal", exact=True).select_option(label="Delivery emissions")
    panel.get_by_label("Expected impact").fill("About 2 t less a year")
    panel.get_by_role("button", name="Link to goal").click()
    expect(status(page)).to_contain_text("Linked to the goal “Delivery emissions”.")
    expect(panel.locator(".idea-goals")).to_contain_text("Delivery emissions — About 2 t less")
    visitor.check()
    page.locator("summary", has_text="Change status").click()
    page.get_by_label("New status").select_option(label="Implemented")
    page.get_by_role("textbox", name="Official response").fill("Running in Leeds since March.")
    page.get_by_role("button", name="Change status").click()
    expect(status(page)).to_contain_text("Status changed to “Implemented”")
    expect(panel.locator(".idea-status")).to_have_text("Implemented")
    expect(panel.get_by_role("article", name="Official response")).to_contain_text(
        "Running in Leeds since March."
    )
    visitor.check()

    # The purpose page lists it under the goal, with the implemented count.
    panel.get_by_role("link", name="Delivery emissions").click()
    expect(page).to_have_url(re.compile(rf"/purposes/cleaner-deliveries/#goal-{goal.pk}$"))
    expect(page.locator(f"#goal-{goal.pk} .goal-ideas")).to_have_text("1 implemented idea")
    linked = page.get_by_role("region", name="Ideas linked to these goals")
    group = linked.get_by_role("region", name=re.compile(r"^Implemented"))
    expect(group.get_by_role("link", name=title)).to_be_visible()
    expect(group).to_contain_text("3 votes · Delivery emissions")
    visitor.check()

    # The customer sees the outcome on her idea.
    maria_page.reload()
    expect(maria_page.locator(".idea-panel .idea-status")).to_have_text("Implemented")
    maria_tab.check()
    idea = thread.idea
    idea.refresh_from_db()
    assert (idea.status, idea.vote_count, idea.challenge_id) == ("implemented", 3, challenge.pk)


def test_a_duplicate_idea_is_merged_and_shared_voters_count_once(visitor):
    community, alex = ideas_community()
    maria, jo, rui = (
        member_of(community, display_name=name, member_type=kind)
        for name, kind in (
            ("Maria Santos", "customer"),
            ("Jo Baker", "employee"),
            ("Rui Costa", "vendor"),
        )
    )
    original = idea_services.submit_idea(
        author=maria,
        community=community,
        title="Cargo bikes from the city hubs",
        description="Hubs at the edge of town, bikes for the rest.",
    )
    duplicate = idea_services.submit_idea(
        author=rui,
        community=community,
        title="Cargo bikes from city hubs",
        description="Same idea, said again.",
    )
    for person in (maria, jo):
        idea_services.vote(user=person, idea=original)
    for person in (jo, rui):  # Jo voted for both.
        idea_services.vote(user=person, idea=duplicate)

    page = visitor.page
    sign_in(visitor, alex.email, DEFAULT_PASSWORD)
    visitor.goto(duplicate.thread.get_absolute_url())
    page.locator("summary", has_text="Change status").click()
    page.get_by_role("link", name="Merge as a duplicate…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Merge idea #{duplicate.thread_id} into its original"
    )
    expect(page.get_by_role("main")).to_contain_text("Its 2 votes move to the original")
    visitor.check()
    candidates = page.get_by_role("region", name="Ideas with a similar title")
    expect(candidates).to_contain_text("Cargo bikes from the city hubs")
    candidates.get_by_role("link", name=f"Choose #{original.thread_id}").click()
    expect(page.get_by_label("Number of the original idea")).to_have_value(str(original.thread_id))
    visitor.check()
    page.get_by_label("Official response (optional)").fill("The same proposal: votes moved.")
    page.get_by_role("button", name="Merge into the original").click()

    expect(page).to_have_url(re.compile(rf"/threads/{original.thread_id}/$"))
    expect(status(page)).to_contain_text("Merged. The original now has 3 votes.")
    expect(page.locator(".idea-panel .idea-vote-count")).to_have_text("3 votes")
    visitor.check()

    visitor.goto(duplicate.thread.get_absolute_url())
    panel = page.locator(".idea-panel")
    expect(panel.locator(".idea-status")).to_have_text("Duplicate")
    expect(panel.get_by_role("note")).to_contain_text(
        f"This idea was merged into #{original.thread_id} Cargo bikes from the city hubs."
    )
    expect(panel.locator(".idea-vote-count")).to_have_text("0 votes")
    visitor.check()

    original.refresh_from_db()
    duplicate.refresh_from_db()
    assert original.vote_count == 3
    assert set(original.votes.values_list("user__display_name", flat=True)) == {
        "Maria Santos",
        "Jo Baker",
        "Rui Costa",
    }
    assert (duplicate.status, duplicate.merged_into_id) == ("duplicate", original.pk)
