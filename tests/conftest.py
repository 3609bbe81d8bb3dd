"""Fixtures every test folder shares: a clean cache, a real SMTP server, people."""

import email
import socket
import threading
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.template.backends import jinja2 as jinja2_backend
from django.test.signals import template_rendered


@pytest.fixture(autouse=True)
def clear_cache():
    """allauth keeps its rate-limit counters in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def jinja2_pages_report_their_context():
    """The test client reads `response.context` and `response.templates` from the
    `template_rendered` signal, which only Django's own engine sends under test; pages
    rendered from Jinja2 templates send it too."""
    original = jinja2_backend.Template.render

    def render(self, context=None, request=None):
        context = {} if context is None else context
        rendered = original(self, context, request)  # adds the request's values to `context`
        template_rendered.send(sender=self, template=self.template, context=context)
        return rendered

    jinja2_backend.Template.render = render
    yield
    jinja2_backend.Template.render = original


class Mailbox:
    """Messages received by the loopback SMTP server, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Condition()
        # Addresses this server answers "550 no such user" for.
        self.refused: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)
            self._lock.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int = 1, timeout: float = 15.0) -> list[EmailMessage]:
        with self._lock:
            self._lock.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
            assert len(self.messages) >= count, (
                f"expected {count} message(s), got {len(self.messages)}"
            )
            return list(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    @staticmethod
    def text(message: EmailMessage) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    @staticmethod
    def html(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback; yields its Mailbox."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailbox.host = controller.hostname
    mailbox.port = controller.port
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_mailbox(smtp_server, settings):
    """Route the site's outgoing email through the queue to the loopback SMTP server.

    Django's test setup swaps EMAIL_BACKEND for its in-memory one; this puts the real
    path back: queued after commit, delivered by the task over SMTP.
    """
    settings.EMAIL_BACKEND = "core.mail.QueuedEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    return smtp_server
