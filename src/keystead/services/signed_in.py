"""The owner's signed-in sessions: listed, ended one by one, or all but this one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from keystead import audit
from keystead.access.sessions import SessionManager
from keystead.audit import Actor, AuditAction, Entry
from keystead.clock import Clock
from keystead.errors import NotFound
from keystead.store.db import Database
from keystead.store.models import WebSession

PUBLIC_ID_LENGTH = 16
"""A session is named to its owner by the start of its keyed hash: it names the row
and opens nothing (the hash cannot be turned back into the cookie)."""


@dataclass(frozen=True, slots=True)
class SignedInSession:
    id: str
    kind: str
    created_at: datetime
    last_seen_at: datetime | None
    expires_at: datetime
    client: str | None
    user_agent: str | None
    current: bool


class SignedInSessions:
    def __init__(self, db: Database, clock: Clock, sessions: SessionManager) -> None:
        self._db = db
        self._clock = clock
        self._sessions = sessions

    async def listing(self, account_id: int, current_secret: str) -> list[SignedInSession]:
        """The account's live sessions, this one first, then the most recently seen."""
        current = self._sessions.id_hash(current_secret)
        statement = select(WebSession).where(
            WebSession.account_id == account_id, WebSession.expires_at > self._clock.now()
        )
        async with self._db.read() as session:
            rows = list((await session.execute(statement)).scalars())
        views = [
            SignedInSession(
                id=row.id_hash[:PUBLIC_ID_LENGTH],
                kind=row.kind,
                created_at=row.created_at,
                last_seen_at=row.last_seen_at,
                expires_at=row.expires_at,
                client=row.client,
                user_agent=row.user_agent,
                current=row.id_hash == current,
            )
            for row in rows
        ]
        views.sort(
            key=lambda view: (not view.current, -(view.last_seen_at or view.created_at).timestamp())
        )
        return views

    async def end(self, account_id: int, session_id: str, *, by: Actor) -> None:
        """End one of the account's sessions; another account's, or none, is not found."""
        session_id = session_id.strip().lower()
        if len(session_id) != PUBLIC_ID_LENGTH or not all(
            c in "0123456789abcdef" for c in session_id
        ):
            raise NotFound("Session")
        async with self._db.transaction() as session:
            ended = await session.execute(
                delete(WebSession).where(
                    WebSession.account_id == account_id,
                    WebSession.id_hash.startswith(session_id, autoescape=True),
                )
            )
            if ended.rowcount != 1:  # type: ignore[attr-defined]
                # Not one's own, or (beyond all odds) two share the prefix: nothing ends.
                raise NotFound("Session")
            details = {"ended": 1, "which": "one"}
            audit.record(
                session,
                Entry(AuditAction.SESSIONS_ENDED, account_id, details=details),
                by,
                self._clock.now(),
            )

    async def end_others(self, account_id: int, current_secret: str, *, by: Actor) -> int:
        """Sign out everywhere else: every session of the account but this one."""
        async with self._db.transaction() as session:
            ended = await self._sessions.end_all(session, account_id, keep=current_secret)
            if ended:
                details = {"ended": ended, "which": "all others"}
                audit.record(
                    session,
                    Entry(AuditAction.SESSIONS_ENDED, account_id, details=details),
                    by,
                    self._clock.now(),
                )
        return ended
