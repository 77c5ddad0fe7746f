"""The SMTP sender (aiosmtplib), and delivery of the outbox with retries.

Each message is claimed by one conditional UPDATE before it is sent, so
instances that deliver at the same time never send it twice; a failure keeps
the message in the outbox and retries it later with a growing delay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib
import structlog
from sqlalchemy import or_, select, update

from keystead.clock import Clock
from keystead.errors import ConfigurationError
from keystead.mail.outbox import WIPED, Sealing, seal_context
from keystead.store.db import Database
from keystead.store.models import MailMessage

logger = structlog.get_logger("keystead.mail")

CLAIM = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)
BATCH = 50


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ConfigurationError("KEYSTEAD_SMTP_URL must look like smtp://user:pass@host:port")
        implicit_tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit_tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit_tls,
        )


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int
    failed: int


class SmtpSender:
    def __init__(self, server: SmtpServer, mail_from: str) -> None:
        self._server = server
        self._from = mail_from

    async def send(self, to: str, subject: str, text: str, html: str) -> None:
        email = EmailMessage()
        email["From"] = self._from
        email["To"] = to
        email["Subject"] = subject
        email.set_content(text)
        email.add_alternative(html, subtype="html")
        await aiosmtplib.send(
            email,
            hostname=self._server.host,
            port=self._server.port,
            username=self._server.username,
            password=self._server.password,
            use_tls=self._server.implicit_tls,
            start_tls=False if self._server.implicit_tls else None,
            timeout=15,
        )


class Delivery:
    """Sends what is due in the outbox; without a sender, mail simply stays there."""

    def __init__(
        self, db: Database, clock: Clock, sender: SmtpSender | None, sealing: Sealing
    ) -> None:
        self._db = db
        self._clock = clock
        self._sender = sender
        self._sealing = sealing

    async def run_once(self) -> DeliveryReport:
        if self._sender is None:
            return DeliveryReport(0, 0)
        now = self._clock.now()
        due = (
            select(MailMessage.id)
            .where(MailMessage.sent_at.is_(None), MailMessage.next_attempt_at <= now)
            .order_by(MailMessage.id)
            .limit(BATCH)
        )
        async with self._db.read() as session:
            ids = list((await session.execute(due)).scalars())
        sent = failed = 0
        for message_id in ids:
            message = await self._claim(message_id)
            if message is None:
                continue
            try:
                text, html = self._bodies(message)
            except ValueError:
                # Sealed under a server secret this instance no longer has: no retry opens it.
                failed += 1
                await self._failed(message, "sealed under another server secret")
                continue
            try:
                await self._sender.send(message.to_address, message.subject, text, html)
            except (aiosmtplib.SMTPException, OSError) as error:
                failed += 1
                await self._failed(message, type(error).__name__)
            else:
                sent += 1
                await self._sent(message)
        return DeliveryReport(sent, failed)

    def _bodies(self, message: MailMessage) -> tuple[str, str]:
        if not message.sealed:
            return message.text_body, message.html_body
        context = seal_context(message.to_address, message.subject)
        return (
            self._sealing.unseal(message.text_body, context),
            self._sealing.unseal(message.html_body, context),
        )

    async def _claim(self, message_id: int) -> MailMessage | None:
        now = self._clock.now()
        async with self._db.transaction() as session:
            claimed = await session.execute(
                update(MailMessage)
                .where(
                    MailMessage.id == message_id,
                    MailMessage.sent_at.is_(None),
                    or_(MailMessage.claimed_until.is_(None), MailMessage.claimed_until < now),
                )
                .values(claimed_until=now + CLAIM)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return await session.get(MailMessage, message_id)

    async def _sent(self, message: MailMessage) -> None:
        sent: dict[str, object] = {
            "sent_at": self._clock.now(),
            "claimed_until": None,
            "last_error": None,
        }
        if message.sealed:
            # The link is in the owner's inbox now; no copy of it stays here.
            sent |= {"text_body": WIPED, "html_body": WIPED}
        async with self._db.transaction() as session:
            await session.execute(
                update(MailMessage).where(MailMessage.id == message.id).values(**sent)
            )
        logger.info("mail sent", to=message.to_address, subject=message.subject)

    async def _failed(self, message: MailMessage, reason: str) -> None:
        attempts = message.attempts + 1
        delay = min(timedelta(minutes=2 ** min(attempts, 10)), MAX_BACKOFF)
        async with self._db.transaction() as session:
            await session.execute(
                update(MailMessage)
                .where(MailMessage.id == message.id)
                .values(
                    attempts=attempts,
                    last_error=reason,
                    next_attempt_at=self._clock.now() + delay,
                    claimed_until=None,
                )
            )
        logger.warning("mail not sent; kept for retry", to=message.to_address, error=reason)
