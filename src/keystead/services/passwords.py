"""Passwords: change (with the current one) and reset by email: a single-use link,
30 minutes, and an answer that never says whether the address has an account.

Either way every other session of the account ends and the owner is mailed a notice.

A request is limited per client address and per email asked for, both counted
before anything is looked up, so the limits say nothing about accounts either. The
lookup and the mail happen after the answer (`drain` waits for them), so an address
with an account costs the asker no more time than one without.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog
from anyio import to_thread
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keystead import audit
from keystead.access.sessions import SessionManager
from keystead.audit import Actor, AuditAction, Entry
from keystead.clock import Clock
from keystead.errors import InvalidInput, NotFound, TooManyAttempts
from keystead.limiter import Limiter
from keystead.mail import outbox
from keystead.mail.account_messages import password_changed, password_reset
from keystead.mail.outbox import Sealing
from keystead.services.account_links import PASSWORD_RESET, AccountLinks
from keystead.services.accounts import (
    check_password,
    identified_by,
    valid_email,
    verify_password,
)
from keystead.services.email_verification import SPENT_LINK
from keystead.store.db import Database
from keystead.store.models import Account

logger = structlog.get_logger("keystead.accounts")

RESET_LIFETIME = timedelta(minutes=30)
RESET_PAGE = "/password/reset"
FORGOT_PAGE = "/password/forgot"


class PasswordService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        hasher: PasswordHasher,
        links: AccountLinks,
        sealing: Sealing,
        sessions: SessionManager,
        public_url: str,
        per_address: Limiter,
        per_email: Limiter,
        login_per_account: Limiter,
    ) -> None:
        self._db = db
        self._clock = clock
        self._hasher = hasher
        self._links = links
        self._sealing = sealing
        self._sessions = sessions
        self._public_url = public_url
        self._per_address = per_address
        self._per_email = per_email
        self._login_per_account = login_per_account
        self._pending: set[asyncio.Task[None]] = set()

    @property
    def forgot_url(self) -> str:
        return self._public_url + FORGOT_PAGE

    async def request(self, email: str, client: str) -> None:
        """Mail a reset link if an account uses `email`; the same answer either way."""
        # Registration's own check: its reason says what is wrong with the spelling,
        # which tells nothing about accounts.
        email = valid_email(email)
        for limiter, key in ((self._per_address, client), (self._per_email, email)):
            decision = await limiter.hit(key)
            if not decision.allowed:
                raise TooManyAttempts(decision.retry_after)
        task = asyncio.create_task(self._mail_link(email, Actor.anyone(client)))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Wait for requests still being handled (at shutdown; in tests)."""
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def _mail_link(self, email: str, by: Actor) -> None:
        try:
            async with self._db.transaction() as session:
                statement = select(Account).where(Account.email == email)
                account = (await session.execute(statement)).scalar_one_or_none()
                if account is None or account.suspended_at is not None:
                    return
                await self._issue(session, account, by)
        except Exception as error:
            # The asker has had the answer; the operator hears of the failure.
            logger.warning("password reset mail not queued", error_type=type(error).__name__)

    async def issue_for(self, email_or_number: str, *, by: Actor) -> tuple[Account, str]:
        """The operator's reset (`keystead account reset-password`): a link for the
        account, mailed to it, and returned so it can be handed over another way."""
        statement = select(Account).where(identified_by(email_or_number))
        async with self._db.transaction() as session:
            account = (await session.execute(statement)).scalar_one_or_none()
            if account is None:
                raise NotFound("Account")
            if account.email is None:
                raise InvalidInput("account", "signs in with a wallet and has no password to reset")
            url = await self._issue(session, account, by)
        return account, url

    async def _issue(self, session: AsyncSession, account: Account, by: Actor) -> str:
        assert account.email is not None
        secret = await self._links.issue(
            session, account.id, PASSWORD_RESET, account.email, RESET_LIFETIME
        )
        url = f"{self._public_url}{RESET_PAGE}?token={secret}"
        minutes = int(RESET_LIFETIME.total_seconds() // 60)
        mail = password_reset(reset_url=url, minutes=minutes, client=by.client or "the operator")
        now = self._clock.now()
        outbox.queue(session, account.email, mail, now, sealing=self._sealing)
        audit.record(session, Entry(AuditAction.PASSWORD_RESET_REQUESTED, account.id), by, now)
        return url

    async def link_works(self, secret: str) -> bool:
        async with self._db.read() as session:
            return await self._links.is_live(session, PASSWORD_RESET, secret)

    async def reset(self, secret: str, password: str, client: str) -> Account:
        """Set a new password with a reset link; every session of the account ends."""
        check_password(password)
        password_hash = await to_thread.run_sync(self._hasher.hash, password)
        now = self._clock.now()
        by = Actor.owner(client)
        async with self._db.transaction() as session:
            spent = await self._links.spend(session, PASSWORD_RESET, secret)
            account = None
            if spent is not None:
                account = await session.get(Account, spent.account_id, with_for_update=True)
            if (
                spent is None
                or account is None
                or account.email != spent.email
                or account.suspended_at is not None
            ):
                raise InvalidInput("token", SPENT_LINK)
            account.password_hash = password_hash
            # The link reached the owner's inbox: the address is proven too.
            account.email_verified_at = account.email_verified_at or now
            ended = await self._sessions.end_all(session, account.id)
            details = {"sessions_ended": ended}
            audit.record(
                session, Entry(AuditAction.PASSWORD_RESET, account.id, details=details), by, now
            )
            notice = password_changed(
                changed_at=now,
                how="reset with a link mailed to you",
                client=client,
                reset_url=self.forgot_url,
            )
            outbox.queue(session, spent.email, notice, now)
        # Whoever guessed at the old password locked nobody out of the new one.
        await self._login_per_account.reset(spent.email)
        return account

    async def change(
        self, account_id: int, current: str, new: str, *, keep: str, client: str
    ) -> int:
        """Change the password, given the current one; every session but `keep` ends.
        Attempts count against the account's sign-in limit, so this is no side door
        for guessing. How many sessions ended."""
        check_password(new)
        async with self._db.read() as session:
            account = await session.get(Account, account_id)
        if account is None:
            raise NotFound("Account")
        if account.password_hash is None or account.email is None:
            raise InvalidInput(
                "current_password", "this account signs in with a wallet and has no password"
            )
        decision = await self._login_per_account.hit(account.email)
        if not decision.allowed:
            raise TooManyAttempts(decision.retry_after)
        if not await verify_password(self._hasher, account.password_hash, current):
            raise InvalidInput("current_password", "is not this account's password")
        if current == new:
            raise InvalidInput("new_password", "is the current password; choose a new one")
        password_hash = await to_thread.run_sync(self._hasher.hash, new)
        now = self._clock.now()
        by = Actor.owner(client)
        async with self._db.transaction() as session:
            locked = await session.get(Account, account_id, with_for_update=True)
            if locked is None or locked.password_hash != account.password_hash:
                # Changed by another request meanwhile: its owner knows the new one, not us.
                raise InvalidInput("current_password", "is not this account's password")
            locked.password_hash = password_hash
            ended = await self._sessions.end_all(session, account_id, keep=keep)
            details = {"sessions_ended": ended}
            entry = Entry(AuditAction.PASSWORD_CHANGED, account_id, details=details)
            audit.record(session, entry, by, now)
            notice = password_changed(
                changed_at=now, how="changed", client=client, reset_url=self.forgot_url
            )
            outbox.queue(session, account.email, notice, now)
        await self._login_per_account.reset(account.email)
        return ended
