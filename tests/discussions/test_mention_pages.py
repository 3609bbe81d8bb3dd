"""@mentions as people meet them: a reply posted through the form shows a link to the
profile of each reader it names, records who was mentioned, and leaves everything else
(code, links, web addresses, escaped "@", people who cannot read the thread) as text."""

import pytest
from django.urls import reverse

from communities.models import Visibility
from discussions.models import Mention, Post
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory
from tests.core.reading import mentions, visible_text
from tests.discussions.factories import ThreadFactory, member_of

pytestmark = pytest.mark.django_db


def reply(client, thread, body: str) -> tuple[Post, str]:
    """Post `body` through the reply form; the new post and its part of the thread page."""
    community = thread.community
    response = client.post(
        reverse("thread_reply", args=[community.slug, thread.pk]), {"body": body}
    )
    assert response.status_code == 302
    post = Post.objects.get(thread=thread, is_first=False)
    page = client.get(response.url).content.decode()
    start = page.index(f'id="post-{post.pk}"')
    return post, page[start : page.index("</article>", start)]


def test_a_reply_links_the_member_it_mentions_and_nothing_else(client):
    community = CommunityFactory(visibility=Visibility.PUBLIC)
    ada = member_of(community, display_name="Ada Lovelace")
    thread = ThreadFactory(community=community)
    client.force_login(member_of(community))

    post, shown = reply(
        client,
        thread,
        "Thanks @Ada Lovelace, see `@Ada Lovelace`, [@Ada Lovelace](https://example.org), "
        "https://social.example/@Ada and \\@Ada Lovelace.",
    )

    profile = reverse("person_detail", args=[ada.pk])
    assert mentions(shown) == [(profile, "@Ada Lovelace")]
    assert (
        "Thanks @Ada Lovelace, see @Ada Lovelace, @Ada Lovelace, "
        "https://social.example/@Ada and @Ada Lovelace." in visible_text(shown)
    )
    assert list(Mention.objects.filter(post=post).values_list("user", flat=True)) == [ada.pk]
    assert "Ada Lovelace" in client.get(profile).content.decode()


def test_mentioning_someone_who_cannot_read_the_thread_stays_text(client):
    community = CommunityFactory(visibility=Visibility.PRIVATE)
    outsider = UserFactory(member_type="employee", display_name="Olga Outside")
    thread = ThreadFactory(community=community)
    client.force_login(member_of(community))

    post, shown = reply(client, thread, "Asking @Olga Outside about it.")

    assert mentions(shown) == []
    assert reverse("person_detail", args=[outsider.pk]) not in shown
    assert "Asking @Olga Outside about it." in visible_text(shown)
    assert not Mention.objects.filter(post=post).exists()
    assert not Mention.objects.filter(user=outsider).exists()


def test_an_emphasised_mention_with_punctuation_links_only_the_name(client):
    community = CommunityFactory(visibility=Visibility.PUBLIC)
    zoe = member_of(community, display_name="Zoë O'Brien")
    thread = ThreadFactory(community=community)
    client.force_login(member_of(community))

    post, shown = reply(client, thread, "_Thanks @Zoë O'Brien_, and **@Zoë O'Brien!**")

    profile = reverse("person_detail", args=[zoe.pk])
    assert mentions(shown) == [(profile, "@Zoë O'Brien"), (profile, "@Zoë O'Brien")]
    assert "Thanks @Zoë O'Brien, and @Zoë O'Brien!" in visible_text(shown)
    assert list(Mention.objects.filter(post=post).values_list("user", flat=True)) == [zoe.pk]
