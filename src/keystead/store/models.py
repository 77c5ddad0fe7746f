"""SQLAlchemy 2 tables. Wire shapes live in `api/schemas.py`, never here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC on both engines, always handed back timezone-aware."""

    impl = DateTime()
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use timezone-aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        assert isinstance(moment, datetime)
        return moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(10), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    wallet_address: Mapped[str | None] = mapped_column(String(42), unique=True)
    suspended_at: Mapped[datetime | None]
    terms_accepted_version: Mapped[int | None]
    terms_accepted_at: Mapped[datetime | None]
    account_key_generated_at: Mapped[datetime | None]
    """When the account API key was last generated: the 1-per-hour rule reads it."""
    email_verified_at: Mapped[datetime | None]
    """When the owner proved the address theirs (a verification or reset link opened)."""
    created_at: Mapped[datetime]


class TermsVersion(Base):
    __tablename__ = "terms_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime]


class ApiToken(Base):
    """A bearer credential. `kind` tells a management token from an account key."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        Index("ix_api_tokens_account_id_created_at", "account_id", "created_at"),
        Index("ix_api_tokens_expires_at", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(10), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="token")
    name: Mapped[str] = mapped_column(String(100))
    permissions: Mapped[list[str]] = mapped_column(JSON)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    preview: Mapped[str] = mapped_column(String(32))
    encrypted_secret: Mapped[str | None] = mapped_column(Text)
    """Account keys only: the key sealed with AES-GCM, so its owner can see it again."""
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    previous_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    """After a roll: the keyed hash of the secret it replaced, which keeps working
    until `previous_expires_at` (the grace period) and never after."""
    previous_preview: Mapped[str | None] = mapped_column(String(32))
    previous_expires_at: Mapped[datetime | None]
    allowed_ips: Mapped[list[str] | None] = mapped_column(JSON)
    """Addresses and CIDR ranges the token may be used from; None or empty: anywhere."""


class WebSession(Base):
    """A cookie session. Only the keyed hash of its id is stored."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), default="password", server_default="password")
    """`password` (email sign-in) or `wallet` (the signature is the session secret)."""
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    last_seen_at: Mapped[datetime | None]
    """Refreshed at most every few minutes, so the owner's session list says which are live."""
    client: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class AccountLink(Base):
    """A single-use link mailed to an account: a password reset or an email verification.
    Only the keyed hash of its secret is stored; `used_at` is set once, atomically."""

    __tablename__ = "account_links"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(320))
    """The address the link went to: it proves that address, and no later one."""
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class CredentialEvent(Base):
    """The invalidation journal: every instance and process polls it, so a revoke made
    anywhere (another instance, the operator CLI) reaches every credential cache."""

    __tablename__ = "credential_events"
    # Ids must never be reused after pruning, or pollers would skip new events.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str | None] = mapped_column(String(64))
    account_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(index=True)


class WalletNonce(Base):
    """A Sign-In with Ethereum challenge: single use, expiring, bound to its exact text."""

    __tablename__ = "wallet_nonces"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    address: Mapped[str] = mapped_column(String(42))
    message_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class MailMessage(Base):
    """The mail outbox: every message keystead sends is written here first."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    """A sender's claim on the message, so two instances never send it twice."""
    sealed: Mapped[bool] = mapped_column(default=False, server_default=false())
    """The bodies carry a one-time link: sealed at rest, wiped once sent."""


class TokenReminder(Base):
    """One row per token, threshold and expiry date: the unique constraint is what makes
    reminders once-only across restarts and instances. An extension changes the
    expiry date, which re-arms the thresholds that now lie ahead.

    The `unused` threshold (jobs/unused.py) keys its row by the token's last use
    instead, in `expires_at`: once per idle stretch, by the same constraint."""

    __tablename__ = "token_reminders"
    __table_args__ = (
        UniqueConstraint("token_id", "threshold", "expires_at", name="uq_token_reminders_once"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_id: Mapped[str] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    threshold: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime]
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("mail_outbox.id", ondelete="SET NULL")
    )
    """None when a nearer threshold was due at the same time and this one was skipped."""
    created_at: Mapped[datetime]


class AuditEvent(Base):
    """One security event: who did what to which credential, from where. Written in
    the same transaction as the change it records; holds previews, never secrets."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_account_id_id", "account_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    """None for an attempt that names no account (a sign-in with an unknown email)."""
    created_at: Mapped[datetime] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(16))
    """`owner`, `operator` (the CLI), `scanner` (a leaked-token report) or `anyone` (a failed
    sign-in, which proves nothing about who tried)."""
    client: Mapped[str | None] = mapped_column(String(64))
    credential_id: Mapped[str | None] = mapped_column(String(10))
    credential_preview: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class TokenUsage(Base):
    """Requests one credential made in one UTC hour, by status class. Each instance
    adds its batched counts to the row, so the totals are exact on any number of them."""

    __tablename__ = "token_usage"
    __table_args__ = (Index("ix_token_usage_account_id_hour_start", "account_id", "hour_start"),)

    credential_id: Mapped[str] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True
    )
    hour_start: Mapped[datetime] = mapped_column(primary_key=True, index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    requests: Mapped[int] = mapped_column(Integer)
    ok: Mapped[int] = mapped_column(Integer)
    """2xx."""
    client_errors: Mapped[int] = mapped_column(Integer)
    """4xx other than 429."""
    rate_limited: Mapped[int] = mapped_column(Integer)
    server_errors: Mapped[int] = mapped_column(Integer)


class TokenUsageClient(Base):
    """One client address seen using one credential in one UTC hour: distinct counts
    per hour, day or account are counted from these rows."""

    __tablename__ = "token_usage_clients"
    __table_args__ = (
        Index("ix_token_usage_clients_account_id_hour_start", "account_id", "hour_start"),
    )

    credential_id: Mapped[str] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True
    )
    hour_start: Mapped[datetime] = mapped_column(primary_key=True, index=True)
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))


class SigningKey(Base):
    """An Ed25519 key that signs what keystead tells an upstream (`Keystead-Assertion`).
    The private half is sealed under the server secret; the public half is published
    at `/.well-known/jwks.json` until the last assertion it signed has expired."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The RFC 7638 thumbprint of the public key (43 characters)."""
    sealed_private_key: Mapped[str] = mapped_column(Text)
    public_key: Mapped[str] = mapped_column(String(64))
    """The raw public key, base64url without padding (the JWK's `x`)."""
    created_at: Mapped[datetime] = mapped_column(index=True)
    retired_at: Mapped[datetime | None]
    """When a newer key took over signing; None while this one signs."""
