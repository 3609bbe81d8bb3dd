"""No server-side request forgery: webhook addresses that lead inside the network are
refused when saved and when delivered, whatever DNS says in between."""

import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError

from tests.purposes.factories import AdministratorFactory
from tests.webhooks.support import PUBLIC_ADDRESS, Receiver, endpoint_for, public_dns
from webhooks import services, transport
from webhooks.models import Delivery, DeliveryState, Endpoint

REFUSED = [
    "http://127.0.0.1/hook",
    "http://127.1/hook",
    "http://2130706433/hook",
    "http://0x7f000001/hook",
    "http://localhost:8000/hook",
    "http://0.0.0.0/hook",
    "http://10.1.2.3/hook",
    "http://172.16.0.9/hook",
    "http://192.168.1.20/hook",
    "http://100.64.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.100.100.200/latest/meta-data/",
    "http://224.0.0.1/hook",
    "http://240.0.0.1/hook",
    "http://[::1]/hook",
    "http://[::]/hook",
    "http://[fe80::1]/hook",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:a9fe:a9fe]/hook",
    "http://[64:ff9b::a9fe:a9fe]/hook",
    "http://[2002:7f00:1::]/hook",
    "http://[ff02::1]/hook",
]


@pytest.mark.parametrize("url", REFUSED)
def test_loopback_private_link_local_and_metadata_addresses_are_refused(url):
    with pytest.raises(transport.UnsafeURL):
        transport.check_url(url)


@pytest.mark.parametrize(
    "url", ["ftp://hooks.example.com/", "https://user:pw@hooks.example.com/", "hooks", "http://"]
)
def test_other_schemes_credentials_and_non_urls_are_refused(url, monkeypatch):
    public_dns(monkeypatch)
    with pytest.raises(transport.UnsafeURL):
        transport.check_url(url)


def test_a_name_with_any_private_address_is_refused(monkeypatch):
    monkeypatch.setattr(transport, "resolve", lambda host, port: [PUBLIC_ADDRESS, "10.0.0.7"])
    with pytest.raises(transport.UnsafeURL, match="private, local or reserved"):
        transport.check_url("https://split.example.com/")


def test_a_name_that_does_not_resolve_is_refused(monkeypatch):
    def fail(host, port):
        raise OSError("Name or service not known")

    monkeypatch.setattr(transport, "resolve", fail)
    with pytest.raises(transport.UnsafeURL, match="could not be resolved"):
        transport.check_url("https://nowhere.example.com/")


def test_public_addresses_pass_and_keep_path_and_query(monkeypatch):
    public_dns(monkeypatch)
    target = transport.check_url("https://hooks.example.com:8443/in?team=ops")
    assert (target.host, target.port, target.path) == ("hooks.example.com", 8443, "/in?team=ops")
    assert target.addresses == (PUBLIC_ADDRESS,)
    monkeypatch.undo()  # an address literal needs no DNS
    assert transport.check_url("http://[2606:4700::1111]/").addresses == ("2606:4700::1111",)


def test_an_administrator_allows_a_host_explicitly(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = {"127.0.0.1"}
    assert transport.check_url("http://127.0.0.1:9000/hook").addresses == ("127.0.0.1",)
    with pytest.raises(transport.UnsafeURL):
        transport.check_url("http://localhost:9000/hook")


@pytest.mark.django_db
def test_saving_a_private_address_is_refused_with_the_reason():
    admin = AdministratorFactory()
    with pytest.raises(ValidationError) as refused:
        services.create_endpoint(
            by=admin,
            community=None,
            url="http://169.254.169.254/latest/meta-data/",
            events=["thread.created"],
        )
    assert "private, local or reserved" in refused.value.message_dict["url"][0]
    assert not Endpoint.objects.exists()


@pytest.mark.django_db
def test_a_name_public_when_saved_and_private_at_delivery_is_not_connected(monkeypatch):
    """DNS rebinding: the receiver listens on loopback and the name later resolves there;
    the delivery refuses the address instead of connecting to it."""
    receiver = Receiver().start()
    try:
        public_dns(monkeypatch)
        admin = AdministratorFactory()
        endpoint = endpoint_for(
            admin, None, url=f"http://rebind.example.com:{receiver.port}/hooks/commons"
        )
        delivery = services.send_test(by=admin, endpoint=endpoint)

        monkeypatch.setattr(transport, "resolve", lambda host, port: ["127.0.0.1"])
        assert services.attempt_delivery(delivery_id=delivery.pk) is not None
    finally:
        receiver.stop()
    delivery.refresh_from_db()
    assert receiver.received == []
    assert delivery.state == DeliveryState.PENDING
    assert delivery.response_status is None
    assert "private, local or reserved" in delivery.error
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1


@pytest.mark.django_db
def test_redirects_are_not_followed(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = {"127.0.0.1"}
    receiver = Receiver(statuses=(302,)).start()
    try:
        answer = transport.post(receiver.url, b"{}", {"Commons-Signature": "t=1,v1=00"})
    finally:
        receiver.stop()
    assert answer.status == 302
    assert not answer.ok
    assert len(receiver.received) == 1


@pytest.mark.django_db
def test_a_receiver_that_never_answers_times_out(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = {"127.0.0.1"}
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        port = silent.getsockname()[1]
        answer = transport.post(f"http://127.0.0.1:{port}/hook", b"{}", {})
    finally:
        silent.close()
    assert answer.status is None
    assert answer.error == "Timed out."
    assert 250 <= answer.duration_ms < 3000


def test_https_connects_to_the_checked_address_with_the_hosts_name(tmp_path, monkeypatch, settings):
    """The socket goes to the address the check passed, while TLS (SNI and the
    certificate's name) and the Host header use the host's name."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=hooks.internal.test",
            "-addext",
            "subjectAltName=DNS:hooks.internal.test",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    seen: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            seen["host"] = self.headers["Host"]
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def remember_name(sock, name, ctx):
        seen["sni"] = name

    context.sni_callback = remember_name
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # The receiver's certificate is trusted as a company's own CA would be.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    monkeypatch.setattr(transport, "resolve", lambda host, port: ["127.0.0.1"])
    settings.WEBHOOK_ALLOWED_HOSTS = {"hooks.internal.test"}
    port = server.server_address[1]
    try:
        answer = transport.post(f"https://hooks.internal.test:{port}/in", b"{}", {})
    finally:
        server.shutdown()
        server.server_close()
    assert answer.status == 204, answer.error
    assert seen == {"sni": "hooks.internal.test", "host": f"hooks.internal.test:{port}"}
