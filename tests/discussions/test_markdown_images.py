"""Images in posts come only from the site's media files or the configured image hosts:
an image at any other same-site address would make every reader's browser GET it (an
invitation link, sign-out), so its address is dropped. Read from the thread page after
posting through the reply form."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from communities.models import Visibility
from moderation.models import PersonTrust, TrustLevel
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import ThreadFactory, member_of

pytestmark = pytest.mark.django_db

IMAGE = re.compile(r'<img[^>]*alt="(\w+)"[^>]*>')

SOURCES = {
    "media": "/media/avatars/route.png",
    "invitation": "/communities/fleet/invitations/abc123/",
    "logout": "/accounts/logout/",
    "join": "/communities/fleet/join/",
    "traversal": "/media/../accounts/logout/",
    "encoded": "/media/%2e%2e/accounts/logout/",
    "mixedcase": "/media/.%2E/accounts/logout/",
    "relative": "media/avatars/route.png",
    "protocolrelative": "//evil.example/pixel.png",
    "allowedrelative": "//images.example/route.png",
    "allowedhost": "https://images.example/route.png",
    "plainhttp": "http://images.example/route.png",
    "otherhost": "https://evil.example/pixel.png",
}
KEPT = {
    "media": "/media/avatars/route.png",
    "allowedrelative": "//images.example/route.png",
    "allowedhost": "https://images.example/route.png",
}


@override_settings(MARKDOWN_IMAGE_HOSTS={"images.example"})
def test_only_media_and_allowed_host_images_keep_their_address(client):
    community = CommunityFactory(visibility=Visibility.PUBLIC)
    thread = ThreadFactory(community=community)
    author = member_of(community)
    # Thirteen images in one post: more than a new account's limit allows.
    PersonTrust.objects.create(user=author, level=TrustLevel.REGULAR)
    client.force_login(author)
    body = "\n\n".join(f"![{name}]({src})" for name, src in SOURCES.items())

    response = client.post(
        reverse("thread_reply", args=[community.slug, thread.pk]), {"body": body}
    )
    page = client.get(response.url).content.decode()

    images = {match.group(1): match.group(0) for match in IMAGE.finditer(page)}
    assert set(images) == set(SOURCES)
    for name, tag in images.items():
        if name in KEPT:
            assert f'src="{KEPT[name]}"' in tag, name
        else:
            assert "src=" not in tag, (name, tag)
    for name, src in SOURCES.items():
        if name not in KEPT:
            assert f'src="{src}"' not in page
