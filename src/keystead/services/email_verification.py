"""Email verification: a single-use link mailed to the account's address proves it is
the owner's. Registration sends one; the owner can ask again; a password reset link
proves the address too."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from keystead import audit
from keystead.audit import Actor, AuditAction, Entry
from keystead.clock import Clock
from keystead.errors import Conflict, InvalidInput, NotFound, TooManyAttempts
from keystead.limiter import Limiter
from keystead.mail import outbox
from keystead.mail.account_messages import email_verification
from keystead.mail.outbox import Sealing
from keystead.services.account_links import EMAIL_VERIFICATION, AccountLinks
from keystead.store.db import Database
from keystead.store.models import Account

VERIFY_PAGE = "/verify-email"
SPENT_LINK = "this link was used, has expired or was replaced by a newer one; ask for a new one"


class EmailVerification:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        links: AccountLinks,
        sealing: Sealing,
        public_url: str,
        lifetime: timedelta,
        per_email: Limiter,
    ) -> None:
        self._db = db
        self._clock = clock
        self._links = links
        self._sealing = sealing
        self._public_url = public_url
        self._lifetime = lifetime
        self._per_email = per_email

    async def issue(self, session: AsyncSession, account: Account) -> str:
        """Mail a verification link inside the caller's transaction (registration's);
        the link."""
        assert account.email is not None
        secret = await self._links.issue(
            session, account.id, EMAIL_VERIFICATION, account.email, self._lifetime
        )
        url = f"{self._public_url}{VERIFY_PAGE}?token={secret}"
        mail = email_verification(verify_url=url, hours=int(self._lifetime.total_seconds() // 3600))
        outbox.queue(session, account.email, mail, self._clock.now(), sealing=self._sealing)
        return url

    async def resend(self, account_id: int, *, by: Actor) -> None:
        """A new link for the signed-in owner; limited per address like reset mail."""
        async with self._db.transaction() as session:
            account = await session.get(Account, account_id, with_for_update=True)
            if account is None:
                raise NotFound("Account")
            if account.email is None:
                raise Conflict("This account signs in with a wallet and has no email address")
            if account.email_verified_at is not None:
                raise Conflict("This email address is already verified")
            decision = await self._per_email.hit(account.email)
            if not decision.allowed:
                raise TooManyAttempts(decision.retry_after)
            await self.issue(session, account)
            entry = Entry(AuditAction.EMAIL_VERIFICATION_SENT, account.id)
            audit.record(session, entry, by, self._clock.now())

    async def verify(self, secret: str, client: str) -> Account:
        """Mark the address verified; the link works once, for the address it was sent to."""
        async with self._db.transaction() as session:
            spent = await self._links.spend(session, EMAIL_VERIFICATION, secret)
            account = None
            if spent is not None:
                account = await session.get(Account, spent.account_id, with_for_update=True)
            if spent is None or account is None or account.email != spent.email:
                raise InvalidInput("token", SPENT_LINK)
            if account.email_verified_at is None:
                account.email_verified_at = self._clock.now()
                entry = Entry(AuditAction.EMAIL_VERIFIED, account.id)
                audit.record(session, entry, Actor.owner(client), self._clock.now())
            return account
