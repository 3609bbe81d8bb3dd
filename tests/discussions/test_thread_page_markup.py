"""The exact markup of posts on a thread page, per viewer.

Posts are built in Python (discussions.templatetags.thread_posts); these tests pin what
people see and can do on a post: its author and time, flags, reactions (forms with a
CSRF field for those who may react, counts for others), actions (quote, edit, accept,
delete) and the accessibility attributes, with every person-supplied value escaped.
Whitespace between tags is normalised: the markup, not the indentation, is pinned.
"""

import datetime
import re
from html import escape

import pytest
from django.urls import reverse

from accounts.models import User
from communities.models import Role, Visibility
from discussions.models import Post, Reaction, ThreadKind
from discussions.services import threads as services
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import PostFactory, ThreadFactory, first_post, member_of

pytestmark = pytest.mark.django_db

POSTED_AT = datetime.datetime(2026, 3, 4, 9, 5, tzinfo=datetime.UTC)
POSTED = '<time datetime="2026-03-04T09:05:00+00:00">March 4, 2026, 9:05 a.m.</time>'
TOKEN = '<input type="hidden" name="csrfmiddlewaretoken" value="TOKEN">'
KINDS = [("like", "Like", "👍"), ("thanks", "Thanks", "🙏"), ("insightful", "Insightful", "💡")]
KINDS.append(("celebrate", "Celebrate", "🎉"))


def squeeze(html: str) -> str:
    """Whitespace runs as one space, and the per-request CSRF token as TOKEN."""
    html = re.sub(r'(name="csrfmiddlewaretoken" value=)"[^"]+"', r'\1"TOKEN"', html)
    return re.sub(r"\s+", " ", html).strip()


def article(page: str, post: Post) -> str:
    match = re.search(rf'<article class="[^"]*" id="post-{post.pk}".*?</article>', page, re.S)
    assert match, f"post {post.pk} is not on the page"
    return squeeze(match.group(0))


def person(user: User, *, link: bool = True, picture: bool = True) -> str:
    """A name as shown next to a post: avatar (initials), linked name, member type."""
    avatar = (
        f'<span class="avatar avatar-sm avatar-initials palette-{user.pk % 8}" '
        f'aria-hidden="true">{escape(user.initials)}</span>'
        if picture
        else ""
    )
    name = escape(user.display_name)
    name = f'<a href="/people/{user.pk}/">{name}</a>' if link else f"<span>{name}</span>"
    badge = '<span class="badge badge-employee">Employee</span>'
    return f'<span class="person">{avatar}{name} {badge}</span>'


@pytest.fixture
def scene():
    """A question by Ana, answered by Bo (edited once), with reactions from three people."""
    community = CommunityFactory(visibility=Visibility.PUBLIC, slug="fleet")
    ana = member_of(community, display_name="Ana Asker")
    bo = member_of(community, display_name="Bo Builder")
    cy = member_of(community, display_name="Cy Curious")
    moderator = member_of(community, role=Role.MODERATOR, display_name="Mo Derator")
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
        "ana": ana,
        "bo": bo,
        "cy": cy,
        "moderator": moderator,
    }


def page_for(client, scene, viewer: str | None) -> str:
    if viewer:
        client.force_login(scene[viewer])
    response = client.get(scene["thread"].get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def reaction_forms(base: str, post: Post, counts: dict, mine: set) -> str:
    url = f"{base}posts/{post.pk}/react/"
    forms = []
    for kind, label, symbol in KINDS:
        pressed = kind in mine
        forms.append(
            f'<form method="post" action="{url}" class="inline-form" hx-post="{url}" '
            f'hx-target="#reactions-{post.pk}" hx-swap="outerHTML"> {TOKEN} '
            f'<input type="hidden" name="kind" value="{kind}"> '
            f'<button type="submit" class="reaction{" reaction-mine" if pressed else ""}" '
            f'aria-pressed="{"true" if pressed else "false"}" title="{label}">'
            f'<span aria-hidden="true">{symbol}</span><span class="visually-hidden">{label}</span> '
            f'<span class="reaction-count">{counts.get(kind, 0)}</span></button> </form>'
        )
    return f'<div class="reactions" id="reactions-{post.pk}"> {" ".join(forms)} </div>'


def header(scene, base: str, *, revisions_link: bool) -> str:
    answer, bo = scene["answer"], scene["bo"]
    edited = (
        f'<a href="{base}posts/{answer.pk}/revisions/">edited</a>' if revisions_link else "edited"
    )
    return (
        f'<article class="post" id="post-{answer.pk}" aria-labelledby="post-{answer.pk}-by"> '
        f'<header class="post-header"> <p class="post-by" id="post-{answer.pk}-by"> '
        f'{person(bo)} <a class="muted post-time" href="{base}?after={answer.pk - 1}'
        f'#post-{answer.pk}">{POSTED}</a> <span class="muted">· {edited}</span> </p> </header> '
        '<div class="prose post-body"><p>Take the <strong>north</strong> road &amp; go.</p> </div> '
    )


def delete_form(base: str, post: Post, *, own: bool) -> str:
    optional = " (optional)" if own else ""
    required = "" if own else " required"
    return (
        f'<details class="post-delete"> <summary>Delete</summary> '
        f'<form method="post" action="{base}posts/{post.pk}/delete/" class="form"> {TOKEN} '
        f'<div class="field"><label for="reason-{post.pk}">Reason{optional}</label>'
        f'<input id="reason-{post.pk}" name="reason" maxlength="300"{required}></div> '
        '<div class="form-actions"><button type="submit" class="button button-danger">'
        "Delete this post</button></div> </form> </details>"
    )


def test_the_author_of_a_post_may_react_quote_edit_and_delete_it(client, scene):
    base, answer = scene["thread"].get_absolute_url(), scene["answer"]

    html = article(page_for(client, scene, "bo"), answer)

    assert html == squeeze(
        header(scene, base, revisions_link=True)
        + '<footer class="post-footer"> '
        + reaction_forms(base, answer, {"like": 2, "thanks": 1}, mine={"thanks"})
        + ' <div class="post-actions"> '
        f'<a href="{base}?quote={answer.pk}#reply">Quote</a> '
        f'<a href="{base}posts/{answer.pk}/edit/">Edit</a> '
        + delete_form(base, answer, own=True)
        + " </div> </footer> </article>"
    )


def test_a_moderator_may_also_accept_the_answer_and_must_give_a_reason_to_delete(client, scene):
    base, answer = scene["thread"].get_absolute_url(), scene["answer"]

    html = article(page_for(client, scene, "moderator"), answer)

    accept = (
        f'<form method="post" action="{base}posts/{answer.pk}/accept/" class="inline-form"> '
        f'{TOKEN} <button type="submit" class="link-button">Accept as answer</button> </form>'
    )
    assert html == squeeze(
        header(scene, base, revisions_link=True)
        + '<footer class="post-footer"> '
        + reaction_forms(base, answer, {"like": 2, "thanks": 1}, mine=set())
        + ' <div class="post-actions"> '
        f'<a href="{base}?quote={answer.pk}#reply">Quote</a> '
        f'<a href="{base}posts/{answer.pk}/edit/">Edit</a> '
        + accept
        + " "
        + delete_form(base, answer, own=False)
        + " </div> </footer> </article>"
    )


def test_the_asker_may_accept_and_unmark_the_answer(client, scene):
    base, answer, thread = scene["thread"].get_absolute_url(), scene["answer"], scene["thread"]
    services.accept_answer(by=scene["ana"], thread=thread, post=answer)

    page = page_for(client, scene, "ana")

    # New to the asker (posted after she last read) and accepted: both flags, and the
    # button to take the acceptance back.
    assert article(page, answer) == squeeze(
        header(scene, base, revisions_link=False)
        .replace('class="post"', 'class="post post-new post-accepted"')
        .replace(
            "edited</span> </p>",
            'edited</span> <span class="badge badge-new">New</span> '
            '<span class="badge badge-open">Accepted answer</span> </p>',
        )
        + '<footer class="post-footer"> '
        + reaction_forms(base, answer, {"like": 2, "thanks": 1}, mine={"like"})
        + ' <div class="post-actions"> '
        f'<a href="{base}?quote={answer.pk}#reply">Quote</a> '
        f'<form method="post" action="{base}posts/{answer.pk}/accept/" class="inline-form"> '
        f'{TOKEN} <input type="hidden" name="action" value="clear">'
        '<button type="submit" class="link-button">Unmark as answer</button> </form> '
        "</div> </footer> </article>"
    )
    accepted = re.search(r'<section class="card accepted-answer".*?</section>', page, re.S)
    assert squeeze(accepted.group(0)) == squeeze(
        '<section class="card accepted-answer" aria-labelledby="accepted-heading"> '
        '<h2 id="accepted-heading">Accepted answer</h2> '
        f'<p class="muted">{person(scene["bo"], picture=False)} · '
        f'<a href="{base}?after={answer.pk - 1}#post-{answer.pk}">see it in the thread</a></p> '
        '<div class="prose"><p>Take the <strong>north</strong> road &amp; go.</p> </div> '
        "</section>"
    )
    # Under the question, before the answer itself.
    question_at = page.index(f'id="post-{first_post(thread).pk}"')
    assert question_at < page.index('id="accepted-heading"') < page.index(f'id="post-{answer.pk}"')


def test_another_member_may_react_and_quote(client, scene):
    base, answer = scene["thread"].get_absolute_url(), scene["answer"]

    html = article(page_for(client, scene, "cy"), answer)

    assert html == squeeze(
        header(scene, base, revisions_link=False)
        + '<footer class="post-footer"> '
        + reaction_forms(base, answer, {"like": 2, "thanks": 1}, mine={"like"})
        + ' <div class="post-actions"> '
        f'<a href="{base}?quote={answer.pk}#reply">Quote</a> </div> </footer> </article>'
    )


def test_a_visitor_sees_the_counts_and_no_actions(client, scene):
    base, answer = scene["thread"].get_absolute_url(), scene["answer"]

    page = page_for(client, scene, None)

    assert article(page, answer) == squeeze(
        header(scene, base, revisions_link=False) + '<footer class="post-footer"> '
        f'<div class="reactions" id="reactions-{answer.pk}"> '
        '<span class="reaction" title="Like"><span aria-hidden="true">👍</span>'
        '<span class="visually-hidden">Like</span> <span class="reaction-count">2</span></span>'
        '<span class="reaction" title="Thanks"><span aria-hidden="true">🙏</span>'
        '<span class="visually-hidden">Thanks</span> <span class="reaction-count">1</span></span>'
        ' </div> <div class="post-actions"> </div> </footer> </article>'
    )
    assert "csrfmiddlewaretoken" not in article(page, first_post(scene["thread"]))


def test_deleted_posts_quotes_and_former_members(client, scene):
    thread, moderator, cy = scene["thread"], scene["moderator"], scene["cy"]
    base = thread.get_absolute_url()
    hostile = member_of(scene["community"], display_name="<b>Eve</b> & co")
    rude = PostFactory(thread=thread, author=hostile, body="Rude <script>x</script> words")
    quoting = PostFactory(thread=thread, author=cy, body="Quoting it.", quoted_post=rude)
    gone = PostFactory(thread=thread, author=member_of(scene["community"]), body="Bye")
    quoting_gone = PostFactory(thread=thread, author=cy, body="Quoting bye.", quoted_post=gone)
    User.objects.filter(pk=gone.author_id).delete()
    Post.objects.filter(thread=thread).update(created_at=POSTED_AT)

    member_page = page_for(client, scene, "cy")
    # Quotes name their author (escaped, without a link) and give an escaped excerpt.
    assert (
        '<blockquote class="post-quote"> <p class="post-quote-by"><span class="person">'
        "<span>&lt;b&gt;Eve&lt;/b&gt; &amp; co</span> "
        '<span class="badge badge-employee">Employee</span></span> '
        f'<a href="{base}?after={rude.pk - 1}#post-{rude.pk}">wrote</a>:</p> '
        "<p>Rude &lt;script&gt;x&lt;/script&gt; words</p> </blockquote>"
    ) in article(member_page, quoting)
    assert (
        f'<p class="post-by" id="post-{gone.pk}-by"> <span class="person">A former member</span>'
        in article(member_page, gone)
    )
    assert '<p class="post-quote-by">A former member <a href=' in article(member_page, quoting_gone)

    rude.thread = thread
    services.delete_post(by=moderator, post=rude, reason="<i>Insulting</i> & rude")
    Post.objects.filter(pk=rude.pk).update(deleted_at=POSTED_AT)

    assert article(page_for(client, scene, "cy"), rude) == squeeze(
        f'<article class="post post-deleted" id="post-{rude.pk}" '
        f'aria-labelledby="post-{rude.pk}-by"> <header class="post-header"> '
        f'<p class="post-by" id="post-{rude.pk}-by"> {person(hostile)} '
        f'<a class="muted post-time" href="{base}?after={rude.pk - 1}#post-{rude.pk}">'
        f"{POSTED}</a> </p> </header> "
        '<p class="muted post-deletion">This post was deleted.</p> </article>'
    )
    moderator_page = page_for(client, scene, "moderator")
    assert (
        '<p class="notice post-deletion" role="note">Deleted by '
        f"{person(moderator, picture=False)} {POSTED} — reason: "
        "&lt;i&gt;Insulting&lt;/i&gt; &amp; rude</p> "
        '<details class="post-deleted-text"><summary>Show the deleted text</summary>'
        '<div class="prose"><p>Rude &lt;script&gt;x&lt;/script&gt; words</p> </div></details> '
        "</article>"
    ) in article(moderator_page, rude)
    assert (
        '<blockquote class="post-quote"> <p class="muted">Quoted a post that was deleted.</p> '
        "</blockquote>"
    ) in article(moderator_page, quoting)
    assert "<b>Eve</b>" not in moderator_page and "<i>Insulting</i>" not in moderator_page


def test_new_posts_are_marked_for_the_reader(client, scene):
    thread, cy = scene["thread"], scene["cy"]
    client.force_login(cy)
    client.get(thread.get_absolute_url())  # read up to the answer
    later = PostFactory(thread=thread, author=scene["bo"], body="One more thing.")

    page = client.get(thread.get_absolute_url()).content.decode()

    html = article(page, later)
    assert html.startswith(f'<article class="post post-new" id="post-{later.pk}"')
    assert '<span class="badge badge-new">New</span> </p>' in html
    assert "badge-new" not in article(page, scene["answer"])


def test_reacting_with_htmx_returns_the_same_markup_as_the_page(client, scene):
    base, answer = scene["thread"].get_absolute_url(), scene["answer"]
    client.force_login(scene["cy"])
    url = reverse("post_react", args=[scene["community"].slug, scene["thread"].pk, answer.pk])

    response = client.post(url, {"kind": "insightful"}, HTTP_HX_REQUEST="true")

    assert squeeze(response.content.decode()) == squeeze(
        reaction_forms(
            base, answer, {"like": 2, "thanks": 1, "insightful": 1}, {"like", "insightful"}
        )
    )

    response = client.post(url, {"kind": "nonsense"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert squeeze(response.content.decode()).startswith(
        f'<div class="reactions" id="reactions-{answer.pk}"> '
        '<p class="message message-error" role="alert">Choose one of the offered reactions.</p> '
        "<form "
    )
