"""Avatars are refused by the pixel count their header claims, before they are decoded."""

import io
import re
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import User
from tests.accounts.factories import UserFactory
from tests.accounts.test_views import PROFILE_URL, profile_data

pytestmark = pytest.mark.django_db


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_claiming(width: int, height: int) -> SimpleUploadedFile:
    """A valid PNG header for a `width` × `height` one-bit picture, followed by a few
    compressed rows only: a few hundred bytes that claim billions of pixels."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 4096, 9)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", rows)
        + png_chunk(b"IEND", b"")
    )
    return SimpleUploadedFile("bomb.png", data, content_type="image/png")


def one_bit_png(width: int, height: int) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, format="PNG", optimize=True)
    return SimpleUploadedFile("big.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def ana(client, media_root, make_image):
    user = UserFactory(display_name="Ana", bio="Old bio", timezone="UTC", language="en")
    client.force_login(user)
    client.post(PROFILE_URL, profile_data(display_name="Ana", bio="Old bio", avatar=make_image()))
    user.refresh_from_db()
    assert user.avatar.name == f"avatars/{user.pk}/avatar.webp"
    return user


def field_errors(html: str) -> dict[str, list[str]]:
    """The messages shown under each field of the page's form, by field name."""
    return {
        name: re.findall(r"<li>(.*?)</li>", items)
        for name, items in re.findall(
            r'<ul class="errorlist" id="id_(\w+)_error">(.*?)</ul>', html, re.S
        )
    }


def avatar_bytes(user: User) -> tuple[str, bytes]:
    user.refresh_from_db()
    with user.avatar.open("rb") as stored:
        return user.avatar.name, stored.read()


@pytest.mark.parametrize("size", [(40_000, 40_000), (100_000, 100_000), (9_000, 5_000)])
def test_a_picture_claiming_too_many_pixels_is_refused_before_it_is_decoded(client, ana, size):
    before = avatar_bytes(ana)
    bomb = png_claiming(*size)
    assert bomb.size < 1000

    response = client.post(PROFILE_URL, profile_data(avatar=bomb))

    assert response.status_code == 200
    assert field_errors(response.text) == {
        "avatar": [
            "This picture has too many pixels: at most 40 million. Upload a smaller picture."
        ]
    }
    assert 'value="Ana Lima"' in response.text
    assert avatar_bytes(ana) == before
    assert User.objects.get(pk=ana.pk).display_name == "Ana"


def test_a_real_picture_just_over_the_configured_bound_is_refused(client, settings, ana):
    settings.AVATAR_MAX_PIXELS = 1_000_000
    before = avatar_bytes(ana)

    response = client.post(PROFILE_URL, profile_data(avatar=one_bit_png(1001, 1000)))

    assert field_errors(response.text) == {
        "avatar": ["This picture has too many pixels: at most 1 million. Upload a smaller picture."]
    }
    assert avatar_bytes(ana) == before


def test_a_picture_at_the_bound_is_accepted(client, settings, ana):
    settings.AVATAR_MAX_PIXELS = 1_000_000
    before = avatar_bytes(ana)

    response = client.post(PROFILE_URL, profile_data(avatar=one_bit_png(1000, 1000)))

    assert response.status_code == 302
    assert avatar_bytes(ana) != before
