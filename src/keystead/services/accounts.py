"""Accounts: register, password login (Argon2id), suspend and unsuspend."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from anyio import to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.exc import IntegrityError

from keystead.access import tokens
from keystead.access.sessions import PASSWORD
from keystead.audit import Actor, AuditAction, AuditService, Entry
from keystead.clock import Clock
from keystead.errors import (
    Conflict,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    TooManyAttempts,
)
from keystead.events.base import EventBus
from keystead.limiter import Limiter
from keystead.services.credential_changes import CredentialChanges
from keystead.services.email_verification import EmailVerification
from keystead.store.db import Database
from keystead.store.models import Account

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256


def normalise_email(email: str) -> str:
    """One spelling per address: compatibility characters folded (NFKC: `ｄｅｍｏ` is
    `demo`), then lower case, so no look-alike spelling is a second account."""
    return unicodedata.normalize("NFKC", email.strip()).lower()


def valid_email(email: str) -> str:
    normalised = normalise_email(email)
    try:
        validate_email(normalised, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidInput("email", str(error)) from error
    return normalised


def check_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            "password",
            f"must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters long",
        )


def identified_by(email_or_number: str) -> ColumnElement[bool]:
    """The account an operator or owner names: by email (any spelling of it) or number."""
    key = email_or_number.strip()
    return Account.email == normalise_email(key) if "@" in key else Account.number == key.upper()


async def verify_password(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    """Argon2id off the event loop; a malformed hash is a mismatch, not an error."""
    try:
        return await to_thread.run_sync(hasher.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """An account as its owner's API clients see it."""

    number: str
    email: str | None
    wallet_address: str | None
    terms_accepted_version: int | None
    terms_accepted_at: datetime | None
    email_verified_at: datetime | None


_SUMMARY = select(
    Account.number,
    Account.email,
    Account.wallet_address,
    Account.terms_accepted_version,
    Account.terms_accepted_at,
    Account.email_verified_at,
).where(Account.id == bindparam("account_id"))


class AccountService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        hasher: PasswordHasher,
        bus: EventBus,
        failures_per_address: Limiter,
        failures_per_account: Limiter,
        audit_log: AuditService,
        verification: EmailVerification,
    ) -> None:
        self._audit = audit_log
        self._verification = verification
        self._db = db
        self._clock = clock
        self._hasher = hasher
        self._changes = CredentialChanges(db, bus)
        self._per_address = failures_per_address
        self._per_account = failures_per_account
        # Verified against when the email is unknown, so both paths cost the same.
        self._dummy_hash = hasher.hash(tokens.new_id())

    @property
    def failures_per_account(self) -> Limiter:
        """Sign-in attempts per account: a password change counts against it too."""
        return self._per_account

    async def register(self, email: str, password: str, *, verify_email: bool = True) -> Account:
        """A new account; with `verify_email`, a link to verify the address is mailed
        in the same transaction."""
        email = valid_email(email)
        check_password(password)
        password_hash = await to_thread.run_sync(self._hasher.hash, password)
        account = Account(
            number=tokens.new_id(),
            email=email,
            password_hash=password_hash,
            created_at=self._clock.now(),
        )
        try:
            async with self._db.transaction() as session:
                session.add(account)
                if verify_email:
                    await session.flush()
                    await self._verification.issue(session, account)
        except IntegrityError as error:
            raise Conflict("An account with this email already exists") from error
        return account

    async def login(self, email: str, password: str, client: str) -> Account:
        """The account if the password matches; attempts are limited per address and account.

        Every attempt is counted before the password is checked, so parallel guesses
        cannot all slip past the limit; a success clears the account's count (not the
        address's, or one account's owner could clear it between guesses at others).
        """
        email = normalise_email(email)
        for limiter, key in ((self._per_address, client), (self._per_account, email)):
            decision = await limiter.hit(key)
            if not decision.allowed:
                raise TooManyAttempts(decision.retry_after)
        account = await self.find(email)
        stored_hash = account.password_hash if account is not None else None
        matches = await verify_password(self._hasher, stored_hash or self._dummy_hash, password)
        if matches and account is not None and stored_hash and account.suspended_at is None:
            await self._per_account.reset(email)
            entry = Entry(AuditAction.LOGIN_SUCCEEDED, account.id, details={"method": PASSWORD})
            await self._audit.record(entry, Actor.owner(client))
            return account
        # The email of an unknown account is not kept: people type passwords there.
        reason = "unknown account"
        if account is not None:
            reason = "account suspended" if matches and stored_hash else "wrong password"
        details = {"method": PASSWORD, "reason": reason}
        account_id = account.id if account is not None else None
        failed = Entry(AuditAction.LOGIN_FAILED, account_id, None, details)
        await self._audit.record(failed, Actor.anyone(client))
        raise InvalidCredentials

    async def find(self, email_or_number: str) -> Account | None:
        statement = select(Account).where(identified_by(email_or_number))
        async with self._db.read() as session:
            return (await session.execute(statement)).scalar_one_or_none()

    async def summary(self, account_id: int) -> AccountSummary:
        """What `/v1/account` shows, read without a session (it is read on every call)."""
        row = await self._db.hot.one(_SUMMARY, account_id=account_id)
        if row is None:
            raise NotFound("Account")
        return AccountSummary(**vars(row))

    async def get(self, account_id: int) -> Account:
        async with self._db.read() as session:
            account = await session.get(Account, account_id)
        if account is None:
            raise NotFound("Account")
        return account

    async def set_suspended(self, email_or_number: str, suspended: bool, *, by: Actor) -> Account:
        """Suspend (every credential answers 401 at once) or lift a suspension."""
        account = await self.find(email_or_number)
        if account is None:
            raise NotFound("Account")
        async with self._changes.begin(by) as change:
            # Locked, so of two racing operators one changes the state and the other sees it.
            account = await change.session.get(Account, account.id, with_for_update=True)
            assert account is not None
            was_suspended = account.suspended_at is not None
            if suspended and not was_suspended:
                account.suspended_at = self._clock.now()
                change.audit(Entry(AuditAction.ACCOUNT_SUSPENDED, account.id), account.suspended_at)
            elif not suspended and was_suspended:
                account.suspended_at = None
                change.audit(Entry(AuditAction.ACCOUNT_REINSTATED, account.id), self._clock.now())
            change.invalidate_account(account.id, self._clock.now())
        return account

    async def set_password(self, account_id: int, password: str) -> None:
        """The operator's direct set (`keystead demo seed` on an existing account)."""
        check_password(password)
        password_hash = await to_thread.run_sync(self._hasher.hash, password)
        async with self._db.transaction() as session:
            account = await session.get(Account, account_id)
            if account is None:
                raise NotFound("Account")
            account.password_hash = password_hash
