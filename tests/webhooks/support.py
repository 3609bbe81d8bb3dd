"""A webhook receiver on loopback, as an integrator would write one, and endpoints for
tests."""

import hashlib
import hmac
import ipaddress
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from communities.models import Community
from webhooks import services, transport
from webhooks.models import Endpoint, WebhookEvent

PUBLIC_ADDRESS = "93.184.215.14"
SECRET = "whsec_test-secret-0123456789"


def verify(secret: str, header: str, body: bytes) -> bool:
    """The receiver's check of Commons-Signature: HMAC-SHA256 of "<t>.<body>"."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(
        secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


class Receiver:
    """An HTTP server on 127.0.0.1 answering each POST with the next of `statuses` (the
    last one repeats), keeping what it received and whether the signature held."""

    def __init__(self, *, secret: str = SECRET, statuses: tuple[int, ...] = (200,)) -> None:
        self.secret = secret
        self.statuses = list(statuses)
        self.received: list[dict] = []
        self._lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the server's hook name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver._lock:
                    status = (
                        receiver.statuses.pop(0)
                        if len(receiver.statuses) > 1
                        else receiver.statuses[0]
                    )
                    receiver.received.append(
                        {
                            "path": self.path,
                            "headers": dict(self.headers),
                            "body": json.loads(body),
                            "verified": verify(
                                receiver.secret, self.headers["Commons-Signature"], body
                            ),
                            "status": status,
                        }
                    )
                    receiver._lock.notify_all()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"broken")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/commons"

    def start(self) -> "Receiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[dict]:
        with self._lock:
            self._lock.wait_for(lambda: len(self.received) >= count, timeout=timeout)
            return list(self.received)


def public_dns(monkeypatch, address: str = PUBLIC_ADDRESS) -> None:
    """Every host name resolves to one public address (no network in tests); addresses
    written as such stay what they are."""
    real = transport.resolve

    def resolve(host: str, port: int) -> list[str]:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return [address]
        return real(host, port)

    monkeypatch.setattr(transport, "resolve", resolve)


def endpoint_for(
    owner,
    community: Community | None,
    *,
    url: str = "https://hooks.example.com/commons",
    events=tuple(WebhookEvent.values),
    secret: str = SECRET,
) -> Endpoint:
    return services.create_endpoint(
        by=owner, community=community, url=url, events=events, secret=secret
    ).endpoint


def offline_deliveries(monkeypatch) -> list[str]:
    """For tests whose endpoints have generated addresses: every host name resolves to a
    public address without asking DNS, and a delivery is answered 204 without connecting
    anywhere (after the address checks, which still refuse what they refuse). Returns the
    URLs delivered to."""
    public_dns(monkeypatch)
    delivered: list[str] = []

    def post(url: str, body: bytes, headers: dict[str, str]) -> transport.Answer:
        try:
            transport.check_url(url)
        except transport.UnsafeURL as error:
            return transport.Answer(None, 0, error=str(error))
        delivered.append(url)
        return transport.Answer(204, 0)

    monkeypatch.setattr(transport, "post", post)
    return delivered
