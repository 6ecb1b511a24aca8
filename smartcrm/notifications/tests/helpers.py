"""Test helpers for background work: a real SMTP server on loopback, and the real worker.

The fixtures on top of them (``smtp_inbox``, ``smtp_refusing``, ``smtp_closed_port``) are in
the root ``conftest.py``."""

from __future__ import annotations

import contextlib
import email
import io
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage as ParsedMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult


@dataclass
class Inbox:
    """What the loopback SMTP server accepted."""

    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[ParsedMessage]:
        return [
            email.message_from_bytes(envelope.content, policy=default_policy)
            for envelope in self.envelopes
        ]

    def subjects(self) -> list[str]:
        return [str(message["Subject"]) for message in self.messages()]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


CRM_FROM = "SmartCRM <crm@alfa.ro>"


def smtp_settings(port: int, *, from_email: str = CRM_FROM) -> dict[str, Any]:
    """Django's settings for the SMTP server on loopback ``port``."""
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 5,
        "DEFAULT_FROM_EMAIL": from_email,
    }


def use_smtp(settings: Any, port: int, *, from_email: str = CRM_FROM) -> None:
    for name, value in smtp_settings(port, from_email=from_email).items():
        setattr(settings, name, value)


def serve_smtp(settings: Any, inbox: Inbox, *, from_email: str) -> Iterator[Inbox]:
    """Run a real SMTP server on 127.0.0.1 delivering to ``inbox``, Django's mail pointed at
    it, until the generator is closed."""
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        use_smtp(settings, controller.port, from_email=from_email)
        yield inbox
    finally:
        controller.stop()


class RefusingInbox(Inbox):
    """An inbox whose server refuses every message for good."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "554 5.7.1 Message rejected by policy"


class LoopbackMailServer:
    """A real SMTP server on a loopback port of its own, that a test stops and starts again
    (on the same port, as a mail server restarting)."""

    def __init__(self, inbox: Inbox | None = None) -> None:
        self.inbox = inbox if inbox is not None else Inbox()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@contextlib.contextmanager
def refusing_mail_server() -> Iterator[LoopbackMailServer]:
    """A real SMTP server on loopback that refuses every message (554), the one Django's
    mail uses meanwhile."""
    server = LoopbackMailServer(RefusingInbox())
    server.start()
    try:
        with override_settings(**smtp_settings(server.port)):
            yield server
    finally:
        server.stop()


def run_worker(*args: str) -> str:
    """Run `smartcrm worker --once` in this process (inside the test's transaction)."""
    out = io.StringIO()
    call_command("worker", "--once", *args, stdout=out)
    return out.getvalue()


def jobs_of(task_path_end: str) -> Any:
    return DBTaskResult.objects.filter(task_path__endswith=task_path_end)
