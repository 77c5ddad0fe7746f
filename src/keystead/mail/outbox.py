"""The outbox: mail is queued in the writer's transaction and sent (or kept) later."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keystead.mail.messages import Rendered
from keystead.store.db import Database
from keystead.store.models import MailMessage

logger = structlog.get_logger("keystead.mail")


WIPED = "(sent: this message carried a one-time link and is not kept)"


class Sealing(Protocol):
    """Authenticated encryption under the server secret (`access.sealing.Sealer`)."""

    def seal(self, plain: str, context: str) -> str: ...

    def unseal(self, sealed: str, context: str) -> str: ...


def seal_context(to: str, subject: str) -> str:
    return f"mail:{to}:{subject}"


def queue(
    session: AsyncSession,
    to: str,
    mail: Rendered,
    now: datetime,
    *,
    sealing: Sealing | None = None,
) -> MailMessage:
    """Add the message inside the caller's transaction. With `sealing`, its bodies are
    sealed at rest (they carry a one-time link, which a copy of the database must not
    open) and wiped once sent."""
    text, html = mail.text, mail.html
    if sealing is not None:
        context = seal_context(to, mail.subject)
        text, html = sealing.seal(text, context), sealing.seal(html, context)
    message = MailMessage(
        to_address=to,
        subject=mail.subject,
        text_body=text,
        html_body=html,
        sealed=sealing is not None,
        created_at=now,
        sent_at=None,
        attempts=0,
        last_error=None,
        next_attempt_at=now,
        claimed_until=None,
    )
    session.add(message)
    # Bodies hold previews only, never a secret; the log keeps just who and what.
    logger.info("mail queued", to=to, subject=mail.subject)
    return message


async def listing(db: Database, *, include_sent: bool, limit: int = 200) -> list[MailMessage]:
    statement = select(MailMessage).order_by(MailMessage.created_at.desc(), MailMessage.id.desc())
    if not include_sent:
        statement = statement.where(MailMessage.sent_at.is_(None))
    async with db.read() as session:
        return list((await session.execute(statement.limit(limit))).scalars())
