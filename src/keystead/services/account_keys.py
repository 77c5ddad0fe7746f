"""The account API key: one per account, retrievable by its owner (sealed with
AES-GCM beside its keyed hash), regenerated at most once per rolling hour,
disabled at will. It authenticates `/v1` like a token and never expires."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import Select, or_, select, update

from keystead.access import tokens
from keystead.access.sealing import Sealer, SealError
from keystead.audit import Actor, AuditAction, Entry
from keystead.clock import Clock
from keystead.errors import RegenerationCooldown
from keystead.events.base import EventBus
from keystead.services.credential_changes import Change, CredentialChanges
from keystead.store.db import Database
from keystead.store.models import Account, ApiToken

logger = structlog.get_logger("keystead.account_keys")

ACCOUNT_KEY = "account_key"
ACCOUNT_KEY_NAME = "Account API key"
COOLDOWN = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class KeyPolicy:
    prefix: str
    permissions: list[str]


class AccountKeyService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        bus: EventBus,
        secret: bytes,
        sealer: Sealer,
        policy: KeyPolicy,
    ) -> None:
        self._db = db
        self._clock = clock
        self._changes = CredentialChanges(db, bus)
        self._secret = secret
        self._sealer = sealer
        self._policy = policy

    def _active(self, account_id: int) -> Select[ApiToken]:
        return select(ApiToken).where(
            ApiToken.account_id == account_id,
            ApiToken.kind == ACCOUNT_KEY,
            ApiToken.revoked_at.is_(None),
        )

    async def reveal(self, account_id: int) -> str | None:
        """The current key in plain text, or None when there is none."""
        async with self._db.read() as session:
            key = (await session.execute(self._active(account_id))).scalars().first()
        if key is None or key.encrypted_secret is None:
            return None
        try:
            return self._sealer.unseal(key.encrypted_secret, key.id)
        except SealError:
            # Sealed under another server secret: the key still works, but cannot be
            # shown again; the owner generates a new one.
            logger.warning("account key cannot be unsealed with this server secret")
            return None

    async def generate(self, account_id: int, *, by: Actor) -> str:
        """A new key; the previous one stops working at once. Once per rolling hour."""
        now = self._clock.now()
        plain = tokens.mint(self._policy.prefix)
        key_id = tokens.new_id()
        async with self._changes.begin(by) as change:
            # The cooldown is one conditional update: of racing requests (on any
            # instance) exactly one moves the timestamp; the others change nothing.
            claimed = await change.session.execute(
                update(Account)
                .where(
                    Account.id == account_id,
                    or_(
                        Account.account_key_generated_at.is_(None),
                        Account.account_key_generated_at <= now - COOLDOWN,
                    ),
                )
                .values(account_key_generated_at=now)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                last = await change.session.scalar(
                    select(Account.account_key_generated_at).where(Account.id == account_id)
                )
                wait = (last + COOLDOWN - now).total_seconds() if last else COOLDOWN.seconds
                raise RegenerationCooldown(int(wait) + 1)
            replaced = await self._revoke_active(change, account_id, now)
            key = ApiToken(
                id=key_id,
                account_id=account_id,
                kind=ACCOUNT_KEY,
                name=ACCOUNT_KEY_NAME,
                permissions=list(self._policy.permissions),
                token_hash=tokens.keyed_hash(self._secret, plain),
                preview=tokens.preview(plain, self._policy.prefix),
                encrypted_secret=self._sealer.seal(plain, key_id),
                created_at=now,
                expires_at=None,
                revoked_at=None,
                last_used_at=None,
            )
            change.session.add(key)
            details = {"replaced": [old.preview for old in replaced]}
            change.audit(Entry(AuditAction.KEY_GENERATED, account_id, key, details), now)
        return plain

    async def disable(self, account_id: int, *, by: Actor) -> None:
        """Revoke the current key (if any); it fails on the very next request."""
        now = self._clock.now()
        async with self._changes.begin(by) as change:
            for key in await self._revoke_active(change, account_id, now):
                change.audit(Entry(AuditAction.KEY_DISABLED, account_id, key), now)

    async def _revoke_active(
        self, change: Change, account_id: int, now: datetime
    ) -> list[ApiToken]:
        revoked = []
        # Locked: a concurrent disable waits, then finds the key revoked and does nothing.
        active = self._active(account_id).with_for_update()
        for key in (await change.session.execute(active)).scalars():
            key.revoked_at = now
            # The sealed secret goes with the key: a revoked key is never shown again.
            key.encrypted_secret = None
            change.invalidate([key.token_hash], now)
            revoked.append(key)
        return revoked
