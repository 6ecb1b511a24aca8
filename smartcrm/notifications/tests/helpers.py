"""Test helpers for background work: a real SMTP server on loopback, and the real worker."""

from __future__ import annotations

import email
import io
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage as ParsedMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
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


def use_smtp(settings: Any, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "SmartCRM <crm@alfa.ro>"


@pytest.fixture
def smtp_inbox(settings: Any) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 that accepts every message."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        use_smtp(settings, controller.port)
        yield inbox
    finally:
        controller.stop()


def run_worker(*args: str) -> str:
    """Run `smartcrm worker --once` in this process (inside the test's transaction)."""
    out = io.StringIO()
    call_command("worker", "--once", *args, stdout=out)
    return out.getvalue()


def jobs_of(task_path_end: str) -> Any:
    return DBTaskResult.objects.filter(task_path__endswith=task_path_end)
