"""Leaked credentials: a secret scanner reports token strings it found in public;
each one that is ours is revoked at once, its owner emailed and the event audited.

Strings that are not ours (malformed, unknown, already revoked) change nothing,
and the caller is told only how many strings it sent, never which were ours.

A rolled token's old secret, reported while its grace period runs, stops working
at once; the new secret, which was never published, keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from keystead.access import tokens
from keystead.audit import Actor, AuditAction, Entry
from keystead.clock import Clock
from keystead.events.base import EventBus
from keystead.mail import messages, outbox
from keystead.services.account_keys import ACCOUNT_KEY
from keystead.services.api_tokens import in_grace, secret_hashes
from keystead.services.credential_changes import CredentialChanges
from keystead.store.db import Database
from keystead.store.models import Account, ApiToken


@dataclass(frozen=True, slots=True)
class Sighting:
    """One string a scanner found, and where it found it (if it says)."""

    token: str
    source_url: str | None = None


class LeakService:
    def __init__(
        self, db: Database, clock: Clock, bus: EventBus, secret: bytes, prefix: str, api_url: str
    ) -> None:
        self._clock = clock
        self._changes = CredentialChanges(db, bus)
        self._hasher = tokens.KeyedHasher(secret)
        self._prefix = prefix
        self._api_url = api_url

    async def report(self, sightings: list[Sighting], by: Actor) -> int:
        """Revoke every live credential among `sightings` (or end a rolled one's grace);
        returns how many credentials it stopped (for the operator's log and tests; the
        HTTP answer does not say)."""
        where: dict[str, str | None] = {}
        for sighting in sightings:
            parsed = tokens.parse(sighting.token.strip(), self._prefix)
            if parsed is not None:
                where.setdefault(self._hasher(parsed.plain), sighting.source_url)
        if not where:
            return 0
        now = self._clock.now()
        reported = list(where)
        affected = 0
        async with self._changes.begin(by) as change:
            statement = (
                select(ApiToken, Account)
                .join(Account, Account.id == ApiToken.account_id)
                .where(
                    or_(ApiToken.token_hash.in_(reported), ApiToken.previous_hash.in_(reported)),
                    ApiToken.revoked_at.is_(None),
                )
                .with_for_update()
            )
            for token, account in (await change.session.execute(statement)).all():
                if token.token_hash in where:
                    source_url = where[token.token_hash]
                    hashes = secret_hashes(token)
                    token.revoked_at = now
                    token.encrypted_secret = None
                    outcome = "revoked"
                elif in_grace(token, now):
                    assert token.previous_hash is not None
                    source_url = where[token.previous_hash]
                    hashes = [token.previous_hash]
                    token.previous_expires_at = now
                    outcome = "previous secret stopped"
                else:
                    continue  # an old secret that already stopped working
                change.invalidate(hashes, now)
                affected += 1
                kind = "account API key" if token.kind == ACCOUNT_KEY else "API token"
                if outcome != "revoked":
                    kind = "rolled API token's old secret for"
                details = {
                    "name": token.name,
                    "kind": token.kind,
                    "source_url": source_url,
                    "outcome": outcome,
                }
                change.audit(Entry(AuditAction.TOKEN_LEAKED, account.id, token, details), now)
                if account.email:
                    mail = messages.token_leaked(
                        kind=kind,
                        name=token.name,
                        preview=(
                            token.preview if outcome == "revoked" else token.previous_preview or ""
                        ),
                        revoked_at=now,
                        source_url=source_url,
                        api_url=self._api_url,
                    )
                    outbox.queue(change.session, account.email, mail, now)
        return affected
