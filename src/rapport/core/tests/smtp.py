"""A real SMTP server on loopback (aiosmtpd) and a worker to send through it: the ``smtp`` fixture.

Registered for every test in the root ``conftest.py``; tests that send mail run the
worker (``make_worker().run_once()``) and read what the server accepted.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from rapport.core.jobs.scheduler import Schedule, Scheduler
from rapport.core.jobs.worker import RapportWorker


@dataclass
class Inbox:
    """An SMTP server's handler: keeps what it accepted, refuses recipients at 'refused.example'."""

    received: list[tuple[list[str], Message]] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address.endswith("@refused.example"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(settings: Any) -> Iterator[tuple[Inbox, Controller]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    # pytest-django swaps in the in-memory backend; these tests speak SMTP.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", controller.port, 5
    controller.start()
    yield inbox, controller
    controller.stop()


def make_worker() -> RapportWorker:
    return RapportWorker(
        queue_names=["default"], batch=True, scheduler=Scheduler(worker_id="mail", schedule=Schedule()), rng=random.Random(3)
    )
