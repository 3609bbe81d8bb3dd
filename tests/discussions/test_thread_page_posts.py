"""What each reader sees and may do on the posts of a thread page (the `post_list` and
`reactions` macros): the author and time of a post, its flags, its reactions (buttons with
their label and pressed state for people who may react, counts for others) and its
actions (quote, edit, accept, delete) only where allowed; every value from people shown
as text."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from communities.models import Visibility
from discussions.models import Post, Reaction, ReactionKind, ThreadKind
from discussions.services import threads as services
from tests.communities.factories import CommunityFactory
from tests.core.page_tree import Element, page
from tests.discussions.factories import PostFactory, ThreadFactory, first_post, member_of, regulars

pytestmark = pytest.mark.django_db

POSTED_AT = datetime.datetime(2026, 3, 4, 9, 5, tzinfo=datetime.UTC)


@pytest.fixture
def scene():
    """A question by Ana, answered by Bo (edited once), with reactions from three people."""
    community = CommunityFactory(visibility=Visibility.PUBLIC, slug="fleet")
    people = regulars(community, moderator=True)
    ana, bo, cy = people["ana"], people["bo"], people["cy"]
    thread = ThreadFactory(
        community=community, author=ana, kind=ThreadKind.QUESTION, title="Which route?"
    )
    answer = PostFactory(thread=thread, author=bo, body="Take the **north** road.")
    answer.thread = thread
    services.edit_post(by=bo, post=answer, body="Take the **north** road & go.", title=None)
    Post.objects.filter(thread=thread).update(created_at=POSTED_AT)
    Reaction.objects.bulk_create(
        [
            Reaction(post=answer, user=ana, kind="like"),
            Reaction(post=answer, user=cy, kind="like"),
            Reaction(post=answer, user=bo, kind="thanks"),
        ]
    )
    return {
        "community": community,
        "thread": thread,
        "answer": answer,
        **people,
    }


def page_for(client, scene, viewer: str | None) -> Element:
    if viewer:
        client.force_login(scene[viewer])
    response = client.get(scene["thread"].get_absolute_url())
    assert response.status_code == 200
    return page(response.content.decode())


def article(document: Element, post: Post) -> Element:
    return document.find("article", id_=f"post-{post.pk}")


def action_url(scene, name: str, post: Post) -> str:
    return reverse(name, args=[scene["community"].slug, scene["thread"].pk, post.pk])


def reaction_buttons(post: Element) -> list[tuple[str, str, str | None]]:
    """(label, count, aria-pressed) of each reaction button."""
    return [
        (
            button.find(cls="visually-hidden").text,
            button.find(cls="reaction-count").text,
            button.get("aria-pressed"),
        )
        for button in post.find(cls="reactions").find_all("button")
    ]


def actions(post: Element) -> list[str]:
    """What the reader may do with a post: its links and buttons under it, by their text."""
    box = post.find(cls="post-actions")
    found = [element.text for element in box.iter() if element.tag in ("a", "button", "summary")]
    return found


def assert_forms_carry_the_csrf_field(post: Element, document: Element | None = None) -> None:
    """Each of the post's forms sends a CSRF field: inside it (an htmx update), or, on a
    thread page whose posts come from the cache, linked to it by its id from elsewhere
    on the page (`document`)."""
    for form in post.find_all("form"):
        inside = form.find_all("input", name="csrfmiddlewaretoken")
        linked = (
            document.find_all("input", name="csrfmiddlewaretoken", form=form.get("id"))
            if document is not None and form.get("id")
            else []
        )
        assert len(inside + linked) == 1
        assert (inside + linked)[0].get("value")


def test_a_post_shows_its_author_time_text_and_edit_mark(client, scene):
    answer, bo = scene["answer"], scene["bo"]

    post = article(page_for(client, scene, "cy"), answer)

    by = post.find("p", cls="post-by")
    assert by.get("id") == post.get("aria-labelledby")
    name = by.find("span", cls="person")
    assert name.find("a").text == "Bo Builder"
    assert name.find("a").get("href") == reverse("person_detail", args=[bo.pk])
    assert name.find(cls="badge").text == "Employee"
    assert name.find(cls="avatar").text == bo.initials
    time_link = by.find("a", cls="post-time")
    assert time_link.get("href") == (
        f"{scene['thread'].get_absolute_url()}?after={answer.pk - 1}#post-{answer.pk}"
    )
    assert time_link.find("time").get("datetime") == "2026-03-04T09:05:00+00:00"
    assert time_link.find("time").text == "March 4, 2026, 9:05 a.m."
    assert "· edited" in by.text
    body = post.find(cls="post-body")
    assert body.text == "Take the north road & go."
    assert body.find("strong").text == "north"


def test_the_author_may_react_quote_edit_and_delete_with_an_optional_reason(client, scene):
    answer = scene["answer"]

    document = page_for(client, scene, "bo")
    post = article(document, answer)

    assert reaction_buttons(post) == [
        ("Like", "2", "false"),
        ("Thanks", "1", "true"),
        ("Insightful", "0", "false"),
        ("Celebrate", "0", "false"),
    ]
    assert "reaction-mine" in post.find("button", aria_pressed="true").classes
    (form,) = post.find(cls="reactions").find_all("form")
    assert form.get("action") == form.get("hx-post") == action_url(scene, "post_react", answer)
    assert form.get("hx-target") == f"#reactions-{answer.pk}"
    assert [b.get("value") for b in form.find_all("button", name="kind")] == [
        "like",
        "thanks",
        "insightful",
        "celebrate",
    ]
    assert actions(post) == ["Quote", "Edit", "Delete", "Delete this post"]
    box = post.find(cls="post-actions")
    assert box.find("a", href=f"{scene['thread'].get_absolute_url()}?quote={answer.pk}#reply")
    assert box.find("a", href=action_url(scene, "post_edit", answer))
    delete = box.find("form", action=action_url(scene, "post_delete", answer))
    assert delete.find("label").text == "Reason (optional)"
    assert not delete.find("input", name="reason").has("required")
    # Her own post's history is hers to see.
    edited = post.find("p", cls="post-by").find(
        "a", href=action_url(scene, "post_revisions", answer)
    )
    assert edited.text == "edited"
    assert_forms_carry_the_csrf_field(post, document)


def test_a_moderator_may_accept_the_answer_and_must_give_a_reason_to_delete(client, scene):
    answer = scene["answer"]

    document = page_for(client, scene, "moderator")
    post = article(document, answer)

    assert [pressed for _label, _count, pressed in reaction_buttons(post)] == ["false"] * 4
    assert actions(post) == [
        "Quote",
        "Edit",
        "Flag",
        "Accept as answer",
        "Delete",
        "Delete this post",
    ]
    accept = post.find("form", action=action_url(scene, "post_accept", answer))
    assert not accept.find_all("input", name="action")
    delete = post.find("form", action=action_url(scene, "post_delete", answer))
    assert delete.find("label").text == "Reason"
    assert delete.find("input", name="reason").has("required")
    assert post.find("p", cls="post-by").find_all(
        "a", href=action_url(scene, "post_revisions", answer)
    )
    assert_forms_carry_the_csrf_field(post, document)


def test_the_asker_may_accept_and_unmark_the_answer_shown_under_the_question(client, scene):
    answer, thread = scene["answer"], scene["thread"]
    services.accept_answer(by=scene["ana"], thread=thread, post=answer)

    document = page_for(client, scene, "ana")

    post = article(document, answer)
    # New to the asker (posted after she last read) and accepted: both flags.
    assert {"post-new", "post-accepted"} <= post.classes
    assert [b.text for b in post.find("p", cls="post-by").find_all(cls="badge")] == [
        "Employee",
        "New",
        "Accepted answer",
    ]
    assert ("Like", "2", "true") in reaction_buttons(post)
    assert actions(post) == ["Quote", "Flag", "Unmark as answer"]
    unmark = post.find("form", action=action_url(scene, "post_accept", answer))
    assert unmark.find("input", name="action").get("value") == "clear"
    # Not hers: no edit, no history, no deletion.
    assert "edited" in post.find("p", cls="post-by").text
    assert not post.find("p", cls="post-by").find_all(
        "a", href=action_url(scene, "post_revisions", answer)
    )

    accepted = document.find("section", cls="accepted-answer")
    assert accepted.find("h2").text == "Accepted answer"
    assert accepted.find("span", cls="person").find("a").text == "Bo Builder"
    assert not accepted.find_all(cls="avatar")
    see = accepted.find(
        "a", href=f"{thread.get_absolute_url()}?after={answer.pk - 1}#post-{answer.pk}"
    )
    assert see.text == "see it in the thread"
    assert accepted.find(cls="prose").text == "Take the north road & go."
    # Under the question, before the answer itself.
    order = [
        element.get("id") or "accepted answer"
        for element in document.find("div", cls="post-list").children
        if isinstance(element, Element)
    ]
    assert order[:3] == [f"post-{first_post(thread).pk}", "accepted answer", f"post-{answer.pk}"]


def test_another_member_may_react_quote_and_flag_only(client, scene):
    document = page_for(client, scene, "cy")
    post = article(document, scene["answer"])

    assert reaction_buttons(post) == [
        ("Like", "2", "true"),
        ("Thanks", "1", "false"),
        ("Insightful", "0", "false"),
        ("Celebrate", "0", "false"),
    ]
    assert actions(post) == ["Quote", "Flag"]
    assert [form.get("action") for form in post.find_all("form")] == [
        action_url(scene, "post_react", scene["answer"]),
    ]
    flag = [a for a in post.find(cls="post-actions").iter() if a.tag == "a" and a.text == "Flag"]
    assert [a.get("href") for a in flag] == [action_url(scene, "post_flag", scene["answer"])]
    assert_forms_carry_the_csrf_field(post, document)


def test_a_visitor_sees_the_counts_and_nothing_to_press(client, scene):
    document = page_for(client, scene, None)

    post = article(document, scene["answer"])
    reactions = post.find(cls="reactions")
    assert not reactions.find_all("button") and not post.find_all("form")
    assert [
        (r.get("title"), r.find(cls="visually-hidden").text, r.find(cls="reaction-count").text)
        for r in reactions.find_all("span", cls="reaction")
    ] == [("Like", "Like", "2"), ("Thanks", "Thanks", "1")]
    assert actions(post) == []
    assert not article(document, first_post(scene["thread"])).find_all(
        "input", name="csrfmiddlewaretoken"
    )
    reply = document.find("section", id_="reply")
    assert reply.find("a").text == "Sign in to reply"


def test_quotes_deleted_posts_and_former_members_with_hostile_values(client, scene):
    thread, moderator, cy = scene["thread"], scene["moderator"], scene["cy"]
    base = thread.get_absolute_url()
    hostile = member_of(scene["community"], display_name="<b>Eve</b> & co")
    rude = PostFactory(thread=thread, author=hostile, body="Rude <script>x</script> words")
    quoting = PostFactory(thread=thread, author=cy, body="Quoting it.", quoted_post=rude)
    gone = PostFactory(thread=thread, author=member_of(scene["community"]), body="Bye")
    quoting_gone = PostFactory(thread=thread, author=cy, body="Quoting bye.", quoted_post=gone)
    User.objects.filter(pk=gone.author_id).delete()

    document = page_for(client, scene, "cy")

    # A quote names its author (as text, without a link) and gives an excerpt.
    quote = article(document, quoting).find("blockquote", cls="post-quote")
    by = quote.find("p", cls="post-quote-by")
    assert by.find("span", cls="person").text == "<b>Eve</b> & co Employee"
    assert not by.find("span", cls="person").find_all("a")
    assert by.find("a").text == "wrote"
    assert by.find("a").get("href") == f"{base}?after={rude.pk - 1}#post-{rude.pk}"
    assert quote.find_all("p")[1].text == "Rude <script>x</script> words"
    assert article(document, rude).find(cls="person").find("a").text == "<b>Eve</b> & co"
    assert article(document, gone).find("p", cls="post-by").find("span", cls="person").text == (
        "A former member"
    )
    gone_quote = article(document, quoting_gone).find("p", cls="post-quote-by")
    assert gone_quote.text == "A former member wrote:"
    assert not document.find("main").find_all("script")
    assert not document.find(cls="post-list").find_all("b")

    rude.thread = thread
    services.delete_post(by=moderator, post=rude, reason="<i>Insulting</i> & rude")
    Post.objects.filter(pk=rude.pk).update(deleted_at=POSTED_AT)

    member_view = article(page_for(client, scene, "cy"), rude)
    assert "post-deleted" in member_view.classes
    assert member_view.find("p", cls="post-deletion").text == "This post was deleted."
    assert "Rude" not in member_view.text
    assert not member_view.find_all(cls="reactions") and not member_view.find_all("form")

    moderator_page = page_for(client, scene, "moderator")
    moderator_view = article(moderator_page, rude)
    notice = moderator_view.find("p", cls="post-deletion")
    assert notice.get("role") == "note"
    assert notice.text == (
        "Deleted by Mo Derator Employee March 4, 2026, 9:05 a.m. — reason: <i>Insulting</i> & rude"
    )
    assert not notice.find_all("i") and not notice.find_all(cls="avatar")
    hidden = moderator_view.find("details", cls="post-deleted-text")
    assert hidden.find("summary").text == "Show the deleted text"
    assert hidden.find(cls="prose").text == "Rude <script>x</script> words"
    assert article(moderator_page, quoting).find("blockquote").text == (
        "Quoted a post that was deleted."
    )
    assert not moderator_page.find("main").find_all("script")
    assert not moderator_page.find("main").find_all("i")


def test_new_posts_are_marked_for_the_reader(client, scene):
    thread, cy = scene["thread"], scene["cy"]
    client.force_login(cy)
    client.get(thread.get_absolute_url())  # read up to the answer
    later = PostFactory(thread=thread, author=scene["bo"], body="One more thing.")

    document = page(client.get(thread.get_absolute_url()).content.decode())

    post = article(document, later)
    assert "post-new" in post.classes
    assert post.find("span", cls="badge-new").text == "New"
    assert not article(document, scene["answer"]).find_all(cls="badge-new")


def test_members_see_the_same_post_in_their_own_language_and_time_zone(client, scene):
    french = member_of(
        scene["community"], display_name="Fabienne", language="fr", timezone="Asia/Tokyo"
    )

    english = article(page_for(client, scene, "cy"), scene["answer"])
    client.force_login(french)
    document = page(client.get(scene["thread"].get_absolute_url()).content.decode())
    in_french = article(document, scene["answer"])

    with translation.override("fr"):
        labels = [str(kind.label) for kind in ReactionKind]
        quote, flag = (translation.gettext(text) for text in ("Quote", "Flag"))
    assert reaction_buttons(in_french) == [
        (label, count, "false")
        for label, (_english, count, _pressed) in zip(
            labels, reaction_buttons(english), strict=True
        )
    ]
    assert actions(in_french) == [quote, flag]
    # 09:05 UTC is 18:05 in Tokyo, in French.
    moment = in_french.find("a", cls="post-time").find("time")
    assert moment.get("datetime") == "2026-03-04T18:05:00+09:00"
    assert moment.text == "4 mars 2026 18:05"


def test_reacting_with_htmx_returns_the_reactions_as_the_page_shows_them(client, scene):
    answer = scene["answer"]
    client.force_login(scene["cy"])
    url = action_url(scene, "post_react", answer)

    response = client.post(url, {"kind": "insightful"}, HTTP_HX_REQUEST="true")

    updated = page(response.content.decode())
    box = updated.find("div", cls="reactions")
    assert box.get("id") == f"reactions-{answer.pk}"
    assert reaction_buttons(updated) == [
        ("Like", "2", "true"),
        ("Thanks", "1", "false"),
        ("Insightful", "1", "true"),
        ("Celebrate", "0", "false"),
    ]
    assert_forms_carry_the_csrf_field(updated)
    on_page = article(page_for(client, scene, "cy"), answer)
    assert reaction_buttons(on_page) == reaction_buttons(updated)

    response = client.post(url, {"kind": "nonsense"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    refused = page(response.content.decode())
    alert = refused.find("div", cls="reactions").find("p", role="alert")
    assert alert.text == "Choose one of the offered reactions."
    assert len(reaction_buttons(refused)) == 4
