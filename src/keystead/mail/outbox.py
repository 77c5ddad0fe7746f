"""The outbox: mail is queued in the writer's transaction and sent (or kept) later."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keystead.mail.messages import Rendered
from keystead.store.db import Database
from keystead.store.models import MailMessage

logger = structlog.get_logger("keystead.mail")


def queue(session: AsyncSession, to: str, mail: Rendered, now: datetime) -> MailMessage:
    message = MailMessage(
        to_address=to,
        subject=mail.subject,
        text_body=mail.text,
        html_body=mail.html,
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
