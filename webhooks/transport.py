"""Sending a delivery: the address checks that keep webhooks from reaching inside the
network (server-side request forgery), and one HTTP POST with the standard library.

An endpoint's host must resolve only to public addresses, unless an administrator named it
in WEBHOOK_ALLOWED_HOSTS. The check runs when the endpoint is saved and again at every
delivery, on the addresses the connection uses: the name is resolved once, every address
is checked, and the socket connects to a checked address (the Host header and TLS name
stay the host's name), so a name that resolves to a public address when saved and to a
private one later (DNS rebinding) is refused. Redirects are not followed: an answer is
only its status.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

USER_AGENT = "Commons-Webhooks/1"
EXCERPT_BYTES = 1000

# Cloud providers' instance metadata services: never a webhook receiver.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64).
NAT64_PREFIXES = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class UnsafeURL(Exception):
    """The address may not receive webhooks; the message says why, for the person."""


@dataclass
class Answer:
    status: int | None
    duration_ms: int
    excerpt: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the resolver's order. Raises OSError."""
    found: list[str] = []
    for _family, _type, _proto, _name, sockaddr in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM
    ):
        address = str(sockaddr[0])
        if address not in found:
            found.append(address)
    return found


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    embedded = []
    if address.ipv4_mapped:
        embedded.append(address.ipv4_mapped)
    if address.sixtofour:
        embedded.append(address.sixtofour)
    if address.teredo:
        embedded.extend(address.teredo)
    if any(address in prefix for prefix in NAT64_PREFIXES):
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return embedded


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return not (
        address in METADATA_ADDRESSES
        or not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def address_is_public(text: str) -> bool:
    """Whether `text` is an IP address outside loopback, private, link-local, multicast,
    reserved and metadata ranges, IPv4 addresses written inside IPv6 ones included."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    if not _is_public(address):
        return False
    if isinstance(address, ipaddress.IPv6Address):
        return all(_is_public(inner) for inner in _embedded_ipv4(address))
    return True


def host_is_allowed(host: str) -> bool:
    """An administrator allowed `host` to resolve anywhere (WEBHOOK_ALLOWED_HOSTS)."""
    return host.lower().rstrip(".") in settings.WEBHOOK_ALLOWED_HOSTS


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def check_url(url: str) -> Target:
    """Where a POST to `url` may connect: the URL's parts and its checked addresses.

    Raises UnsafeURL when the URL is not an http(s) address of a host that resolves only
    to public addresses (or one an administrator allowed).
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeURL(_("Enter a valid URL.")) from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL(_("Enter an http:// or https:// address."))
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL(_("Leave the user name and password out of the address."))
    host = parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError) as error:
        raise UnsafeURL(_("This host name could not be resolved.")) from error
    if not addresses:
        raise UnsafeURL(_("This host name could not be resolved."))
    if not host_is_allowed(host) and not all(address_is_public(a) for a in addresses):
        raise UnsafeURL(
            _(
                "This address leads to a private, local or reserved network, where webhooks "
                "may not be sent. An administrator can allow the host."
            )
        )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, host, port, path, tuple(addresses))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to one checked address; Host names the host."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to one checked address; Host, SNI and the certificate name the host."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _connected_address(connection: http.client.HTTPConnection) -> str:
    return str(connection.sock.getpeername()[0])


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to `url`, never to an address the checks refuse; never raises.

    The host is resolved again here and every address checked; the connection goes to
    the first checked address that answers, and the address it reached is checked once
    more. Timeouts, refusals and network errors come back as an Answer without status.
    """
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = check_url(url)
    except UnsafeURL as error:
        return Answer(None, elapsed(), error=str(error))
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    last_error = ""
    for address in target.addresses:
        connection = kind(target.host, target.port, address=address, timeout=timeout)
        try:
            connection.connect()
            reached = _connected_address(connection)
            if not host_is_allowed(target.host) and not address_is_public(reached):
                return Answer(None, elapsed(), error=_("Refused: a private address."))
            connection.request(
                "POST",
                target.path,
                body=body,
                headers={"User-Agent": USER_AGENT, "Content-Length": str(len(body)), **headers},
            )
            response = connection.getresponse()
            try:
                excerpt = response.read(EXCERPT_BYTES).decode("utf-8", errors="replace")
            except (OSError, http.client.HTTPException):
                # The status is the answer; a body that never ends is not waited for.
                excerpt = ""
            return Answer(response.status, elapsed(), excerpt=excerpt)
        except TimeoutError:
            return Answer(None, elapsed(), error=_("Timed out."))
        except (OSError, http.client.HTTPException) as error:
            last_error = f"{type(error).__name__}: {error}"[:400]
        finally:
            connection.close()
    return Answer(None, elapsed(), error=last_error)
