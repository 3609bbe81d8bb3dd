"""core.ratelimit: reading limits, counting per person and per address, windows."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from core import ratelimit
from core.ratelimit import Rate, client_address, consume, parse_rates
from tests.accounts.factories import UserFactory


def _request(user=None, address: str = "10.0.0.1", method: str = "post"):
    request = getattr(RequestFactory(), method)("/", REMOTE_ADDR=address)
    request.user = user or AnonymousUser()
    return request


def test_rates_read_like_allauths():
    assert parse_rates("60/m/user,600/m/ip") == [Rate(60, 60, "user"), Rate(600, 60, "ip")]
    assert parse_rates("5/5m/user, 100/h") == [Rate(5, 300, "user"), Rate(100, 3600, "ip")]
    assert parse_rates("2/d/ip") == [Rate(2, 86400, "ip")]
    assert parse_rates("") == []
    assert parse_rates(" , ") == []


@pytest.mark.parametrize("text", ["60", "60/x", "a/m", "60/m/key", "1/m/ip/x", "²/m", "1/²m"])
def test_unreadable_rates_are_a_configuration_error(text):
    with pytest.raises(ImproperlyConfigured):
        parse_rates(text)


def test_the_address_is_remote_addr_and_an_ipv6_address_stands_for_its_64():
    assert client_address(_request(address="192.0.2.7")) == "192.0.2.7"
    assert client_address(_request(address="2001:db8:1:2:3:4:5:6")) == "2001:db8:1:2::"
    # Without a trusted proxy configured, a forwarded address is not believed.
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == "192.0.2.7"


def test_behind_trusted_proxies_the_address_comes_from_the_forwarded_header(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    behind_proxy = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.4, 203.0.113.9"
    )
    # One proxy of our own: the address it saw is the last one, the rest may be forged.
    assert client_address(behind_proxy) == "203.0.113.9"


@pytest.mark.django_db
def test_a_person_is_counted_alone_and_a_refusal_is_not_counted(settings):
    settings.RATE_LIMITS = {"votes": "2/m/user,100/m/ip"}
    ana, bo = UserFactory(), UserFactory()

    assert consume(_request(ana), "votes") is None
    assert consume(_request(ana), "votes") is None
    refused = consume(_request(ana), "votes")
    assert 1 <= refused <= 60
    assert consume(_request(ana), "votes") is not None
    # Another person at the same address is not affected by Ana's limit.
    assert consume(_request(bo), "votes") is None


@pytest.mark.django_db
def test_an_address_is_counted_for_everyone_behind_it(settings):
    settings.RATE_LIMITS = {"search": "10/m/user,3/m/ip"}
    ana, bo = UserFactory(), UserFactory()

    assert consume(_request(ana), "search") is None
    assert consume(_request(None), "search") is None
    assert consume(_request(bo), "search") is None
    assert consume(_request(bo), "search") is not None
    assert consume(_request(ana), "search") is not None
    assert consume(_request(bo, address="10.0.0.2"), "search") is None


@pytest.mark.django_db
def test_a_refusal_by_the_address_gives_the_persons_hit_back(settings):
    settings.RATE_LIMITS = {"votes": "2/m/user,1/m/ip"}
    ana = UserFactory()

    assert consume(_request(ana), "votes") is None
    assert consume(_request(ana), "votes") is not None  # the address is spent
    # Ana's own second hit was not kept: from another address she still has one.
    assert consume(_request(ana, address="10.0.0.9"), "votes") is None
    assert consume(_request(ana, address="10.0.0.8"), "votes") is not None


@pytest.mark.django_db
def test_a_new_window_starts_from_zero(settings, monkeypatch):
    settings.RATE_LIMITS = {"votes": "1/m/user"}
    ana = UserFactory()
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit, "now", lambda: now[0])

    assert consume(_request(ana), "votes") is None
    assert consume(_request(ana), "votes") == 20  # 1_000_000 is 40 s into its minute
    now[0] += 20
    assert consume(_request(ana), "votes") is None


def test_an_action_without_limits_is_never_refused(settings):
    settings.RATE_LIMITS = {"votes": ""}
    for _ in range(50):
        assert consume(_request(), "votes") is None
    assert consume(_request(), "not configured") is None
