"""Wallet sign-in: issue single-use challenges, verify signed ones, start wallet sessions.

After login the signature itself is the session credential (`Authorization:
Bearer <signature>`); only its keyed hash is stored, with an expiry.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from keystead.access import tokens, wallet
from keystead.access.sessions import WALLET, SessionManager
from keystead.audit import Actor, AuditAction, AuditService, Entry
from keystead.clock import Clock
from keystead.errors import InvalidInput, TooManyAttempts, WalletSignInFailed
from keystead.limiter import Limiter
from keystead.store.db import Database
from keystead.store.models import Account, WalletNonce

NONCE_ALPHABET = tokens.BASE62
NONCE_LENGTH = 17
CLOCK_SKEW = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Challenge:
    message: str
    nonce: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class WalletPolicy:
    domain: str
    uri: str
    chain_ids: tuple[int, ...]
    challenge_lifetime: timedelta
    session_lifetime: timedelta


def _digest(message: str) -> str:
    return hashlib.sha256(message.encode()).hexdigest()


def session_secret(signature: str) -> str:
    """Signatures are hex: one spelling for storing and for presenting them."""
    return signature.strip().lower()


class WalletLoginService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        sessions: SessionManager,
        policy: WalletPolicy,
        attempts: Limiter,
        audit: AuditService,
    ) -> None:
        self._db = db
        self._clock = clock
        self._sessions = sessions
        self.policy = policy
        self._attempts = attempts
        self._audit = audit

    async def _count_attempt(self, client: str) -> None:
        """Challenges write a row and logins recover a signature: both are limited."""
        decision = await self._attempts.hit(client)
        if not decision.allowed:
            raise TooManyAttempts(decision.retry_after)

    async def challenge(self, address: str, client: str) -> Challenge:
        """An EIP-4361 message for `address`, bound to this server, with a fresh nonce."""
        await self._count_attempt(client)
        try:
            checksummed = wallet.checksum_address(address.strip())
        except wallet.WalletMessageError as error:
            raise InvalidInput("address", str(error)) from error
        now = self._clock.now().replace(microsecond=0)
        message = wallet.SiweMessage(
            domain=self.policy.domain,
            address=checksummed,
            statement=wallet.STATEMENT,
            uri=self.policy.uri,
            version=wallet.VERSION,
            chain_id=self.policy.chain_ids[0],
            nonce="".join(secrets.choice(NONCE_ALPHABET) for _ in range(NONCE_LENGTH)),
            issued_at=now,
            expiration_time=now + self.policy.challenge_lifetime,
        )
        text = message.text()
        async with self._db.transaction() as session:
            # Expired challenges are useless; sweep them as new ones are made.
            await session.execute(
                delete(WalletNonce).where(WalletNonce.expires_at < now - timedelta(days=1))
            )
            session.add(
                WalletNonce(
                    nonce=message.nonce,
                    address=checksummed,
                    message_hash=_digest(text),
                    issued_at=now,
                    expires_at=message.expiration_time,
                    used_at=None,
                )
            )
        return Challenge(text, message.nonce, message.expiration_time)

    def _check_message(self, message: wallet.SiweMessage, now: datetime) -> None:
        if message.domain != self.policy.domain:
            raise WalletSignInFailed(
                f"the message is for {message.domain}, not {self.policy.domain}"
            )
        if message.uri != self.policy.uri:
            raise WalletSignInFailed(f"the message URI is not {self.policy.uri}")
        if message.version != wallet.VERSION:
            raise WalletSignInFailed("only message version 1 is accepted")
        if message.chain_id not in self.policy.chain_ids:
            raise WalletSignInFailed(f"chain id {message.chain_id} is not accepted here")
        if message.expiration_time <= now:
            raise WalletSignInFailed("the challenge has expired; ask for a new one")
        if message.issued_at > now + CLOCK_SKEW:
            raise WalletSignInFailed("the message was issued in the future")

    async def login(
        self, text: str, signature: str, client: str, user_agent: str | None = None
    ) -> tuple[Account, datetime]:
        """Verify a signed challenge; returns the account (created at its first login).
        Successes and failures go to the audit log of the account the message names."""
        await self._count_attempt(client)
        try:
            account, expires_at = await self._login(text, signature, client, user_agent)
        except WalletSignInFailed as failure:
            details = {"method": WALLET, "reason": failure.reason}
            account_id = await self._account_id_named_in(text)
            failed = Entry(AuditAction.LOGIN_FAILED, account_id, None, details)
            await self._audit.record(failed, Actor.anyone(client))
            raise
        entry = Entry(AuditAction.LOGIN_SUCCEEDED, account.id, details={"method": WALLET})
        await self._audit.record(entry, Actor.owner(client))
        return account, expires_at

    async def _account_id_named_in(self, text: str) -> int | None:
        try:
            address = wallet.parse(text).address
        except wallet.WalletMessageError:
            return None
        statement = select(Account.id).where(Account.wallet_address == address)
        async with self._db.read() as session:
            return await session.scalar(statement)

    async def _login(
        self, text: str, signature: str, client: str, user_agent: str | None
    ) -> tuple[Account, datetime]:
        now = self._clock.now()
        try:
            message = wallet.parse(text)
            self._check_message(message, now)
            signer = wallet.recover_signer(text, signature.strip())
        except wallet.WalletMessageError as error:
            raise WalletSignInFailed(str(error)) from error
        if signer != message.address:
            raise WalletSignInFailed("the signature was not made by the message's address")
        async with self._db.transaction() as session:
            # One atomic update both checks and spends the nonce: a replay finds it spent.
            spent = await session.execute(
                update(WalletNonce)
                .where(
                    WalletNonce.nonce == message.nonce,
                    WalletNonce.address == message.address,
                    WalletNonce.message_hash == _digest(text),
                    WalletNonce.used_at.is_(None),
                    WalletNonce.expires_at > now,
                )
                .values(used_at=now)
            )
            if spent.rowcount != 1:  # type: ignore[attr-defined]
                raise WalletSignInFailed("this challenge was not issued here, or was already used")
        account = await self._account_for(message.address, now)
        started = await self._sessions.start(
            account.id,
            kind=WALLET,
            secret=session_secret(signature),
            lifetime=self.policy.session_lifetime,
            client=client,
            user_agent=user_agent,
        )
        return account, now + timedelta(seconds=started.max_age_seconds)

    async def _account_for(self, address: str, now: datetime) -> Account:
        statement = select(Account).where(Account.wallet_address == address)
        async with self._db.read() as session:
            account = (await session.execute(statement)).scalar_one_or_none()
        if account is not None:
            if account.suspended_at is not None:
                raise WalletSignInFailed("this account is suspended")
            return account
        account = Account(number=tokens.new_id(), wallet_address=address, created_at=now)
        try:
            async with self._db.transaction() as session:
                session.add(account)
        except IntegrityError:
            # The same wallet signed in twice at once: the other login created it.
            async with self._db.read() as session:
                return (await session.execute(statement)).scalar_one()
        return account

    async def logout(self, signature: str) -> None:
        await self._sessions.end(session_secret(signature))
