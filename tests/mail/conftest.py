"""A real SMTP server (aiosmtpd) on a free port, and a keystead runtime that mails to it."""

from __future__ import annotations

import email
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from keystead.audit import Actor
from keystead.clock import FixedClock
from keystead.config import Settings
from keystead.runtime import Runtime, build_runtime
from keystead.store.models import ApiToken
from tests.backends import Backend
from tests.server.conftest import free_port


@dataclass
class Inbox:
    """What the SMTP server received, parsed."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def subjects(self) -> list[str]:
        # A long subject arrives folded over lines (RFC 5322); mail clients unfold it.
        return [
            re.sub(r"\r?\n[ \t]", " ", str(message["Subject"])).strip() for message in self.messages
        ]

    def bodies(self, index: int) -> tuple[str, str]:
        """The plain-text and HTML parts of one message."""
        text = html = ""
        for part in self.messages[index].walk():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                if part.get_content_type() == "text/plain":
                    text = payload.decode()
                elif part.get_content_type() == "text/html":
                    html = payload.decode()
        return text, html


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp(smtp_port: int) -> Iterator[SmtpServer]:
    server = SmtpServer(smtp_port)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_settings(backend: Backend, smtp_port: int) -> Settings:
    return backend.settings(
        smtp_url=f"smtp://127.0.0.1:{smtp_port}", public_url="https://keys.example.com"
    )


@pytest.fixture
async def mailing(mail_settings: Settings, clock: FixedClock) -> AsyncIterator[Runtime]:
    runtime = build_runtime(mail_settings, clock)
    yield runtime
    await runtime.close()


async def owner_with_token(
    runtime: Runtime, expires_in: timedelta, email_address: str = "owner@example.com"
) -> ApiToken:
    # Verification mail (tests/api/test_account_recovery.py) is not what these tests read.
    account = await runtime.accounts.register(email_address, "a long password", verify_email=False)
    await runtime.terms.accept(
        account.id, (await runtime.terms.current()).version, by=Actor.operator()
    )
    token, _ = await runtime.tokens.create(
        account.id,
        "nightly export",
        ["bots:read", "positions:read"],
        runtime.clock.now() + expires_in,
        by=Actor.operator(),
    )
    return token


def at_days_before(clock: FixedClock, expires_at: datetime | None, days: float) -> None:
    assert expires_at is not None
    clock.set(expires_at - timedelta(days=days))
