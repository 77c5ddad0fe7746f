"""Settings: the only place that reads the environment (`KEYSTEAD_*`, and `.env`)."""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from keystead.allowlist import canonical
from keystead.errors import ConfigurationError

SECRET_FILE_NAME = "keystead.secret"
DEFAULT_GUARDED_API = "keystead.trading:api"
"""The built-in trading API (Whispertrades v1 shape)."""


def _default_database_url() -> str:
    return f"sqlite+aiosqlite:///{Path.cwd() / 'keystead.db'}"


class Settings(BaseSettings):
    """Every setting keystead reads, typed. Construct it once and pass it down."""

    model_config = SettingsConfigDict(
        env_prefix="KEYSTEAD_", env_file=".env", extra="ignore", frozen=True
    )

    database_url: str = Field(default_factory=_default_database_url)
    """SQLAlchemy URL: a SQLite file by default, `postgresql+asyncpg://…` for scale-out."""

    redis_url: str | None = None
    """Unset: rate limits and invalidation stay in process. Set: shared across instances."""

    redis_prefix: str = "keystead"
    """Prefix of every Redis key and channel keystead uses."""

    redis_failure_policy: Literal["closed", "open"] = "closed"
    """While Redis is unreachable: `closed` answers 503, `open` admits without limits."""

    cache_fallback_ttl_seconds: float = Field(default=0.0, ge=0)
    """Credential cache TTL while the Redis bus cannot be heard. 0 (the default): every
    request reads its credential from the database until the bus is heard again, so a
    change confirmed meanwhile holds on the next request, on every instance."""

    database_pool_size: int = 10
    """PostgreSQL connections per instance (and as many again in overflow)."""

    secret_key: SecretStr | None = None
    """Keys token hashes and session ids. Unset: generated once, kept beside the SQLite file."""

    public_url: str | None = None
    """The origin wallet messages are bound to; https here makes cookies Secure."""

    host: str = "127.0.0.1"
    port: int = 8000

    workers: int = Field(default=1, ge=1)
    """`keystead serve` processes sharing the port. More than one needs `redis_url`."""

    rate_limit: str = "30/minute"
    """Admitted `/v1/` requests per account, all its credentials together."""

    auth_failure_limit: str = "60/minute"
    """Failed bearer authentications per client address."""

    login_failure_limit_per_address: str = "20/minute"
    login_failure_limit_per_account: str = "10 per 15 minutes"

    password_reset_limit_per_address: str = "10 per hour"
    """Password reset requests per client address (whether or not the email exists)."""

    password_reset_limit_per_email: str = "3 per hour"
    """Password reset mails per address asked for, so nobody floods an inbox."""

    email_verification_hours: int = Field(default=48, ge=1, le=24 * 30)
    """How long a link to verify an email address works."""

    token_prefix: str = "kst"
    token_default_lifetime_days: int = 365
    token_max_lifetime_days: int = 366
    max_active_tokens_per_account: int = 100

    session_lifetime_hours: int = 24 * 14
    """Absolute lifetime of a cookie session after login."""

    wallet_session_hours: int = 24
    """Lifetime of a wallet session (the signature used as the credential)."""

    wallet_challenge_minutes: int = 10
    """How long a Sign-In with Ethereum challenge (its nonce) can be used."""

    wallet_attempt_limit: str = "30/minute"
    """Wallet challenges and sign-in attempts per client address, together."""

    wallet_chain_ids: list[int] = [1]
    """Chain ids a wallet message may name (JSON list in the environment)."""

    account_key_permissions: list[str] | None = None
    """What the account API key may do on `/v1` (JSON list; default: everything).
    Checked against the permission catalogue when the runtime is built."""

    guarded_api: str = DEFAULT_GUARDED_API
    """The API keystead guards, as `module:attribute` naming a `GuardedApi`."""

    credential_cache_size: int = 100_000
    credential_cache_ttl_seconds: float = 60.0
    """Safety net only: invalidation events drop entries before a change is confirmed."""

    invalidation_poll_seconds: float = 0.25
    """How often each instance reads the invalidation journal (changes made elsewhere)."""

    last_used_flush_seconds: float = 5.0
    """How often each instance writes its noted last uses and usage counts."""

    usage_analytics: bool = True
    """Count each credential's requests per hour by status class and client address."""

    usage_retention_days: int = Field(default=90, ge=1)
    """Usage figures older than this are deleted by the jobs."""

    unused_token_days: int = Field(default=90, ge=1)
    """A token not used for this long is flagged in listings and its owner emailed."""

    unused_token_auto_revoke: bool = False
    """Opt-in: revoke a flagged token once its owner has been warned this many days
    (`unused_token_revoke_notice_days`) and it is still unused."""

    unused_token_revoke_notice_days: int = Field(default=14, ge=1)

    trusted_proxies: list[str] = []
    """Addresses or CIDR ranges of the reverse proxies in front of keystead (JSON list).
    Only from these peers is `X-Forwarded-For` believed; empty: never."""

    password_hash_time_cost: int = 3
    password_hash_memory_kib: int = 65_536

    smtp_url: SecretStr | None = None
    """`smtp://user:password@host:port` (STARTTLS when offered), `smtps://…` (TLS).
    Unset: mail stays in the outbox and is logged; `keystead mail outbox` lists it."""

    mail_from: str = "keystead <no-reply@keystead.invalid>"

    reminder_days: list[int] = [30, 7, 1]
    """Days before a token's expiry at which its owner is reminded (JSON list)."""

    jobs_interval_seconds: float = 60.0
    """How often each instance looks for due reminders and mail to send."""

    mail_delivery_seconds: float = Field(default=5.0, gt=0)
    """How often each instance sends what waits in the outbox, so a reset link arrives
    within seconds (one indexed read when nothing waits)."""

    max_request_header_bytes: int = Field(default=16_384, ge=1024)
    """Request line and headers together; more is refused with 431."""

    max_request_body_bytes: int = Field(default=65_536, ge=1024)
    """More is refused with 413 before it is read."""

    max_json_depth: int = Field(default=32, ge=2, le=512)
    """Arrays and objects nested deeper in a JSON body are refused with 422."""

    leak_report_secret: SecretStr | None = None
    """Authenticates secret scanners at `POST /security/leaked-tokens`. Unset: the
    endpoint answers 401 to everyone."""

    upstream_url: str | None = None
    """Proxy mode: the operator's own API (`http://10.0.0.5:9000`). Set, the built-in
    trading API is not mounted and `/v1` requests are forwarded there."""

    upstream_routes: Path | None = None
    """A TOML file of the upstream's permissions and routes. Unset: the built-in
    trading API's table (an upstream that speaks the Whispertrades v1 API)."""

    upstream_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    """No answer from the upstream within this: 504 `Upstream timed out`."""

    upstream_pool_size: int = Field(default=100, ge=1, le=10_000)
    """Kept-alive connections to the upstream, per instance."""

    upstream_health_path: str | None = None
    """What `/readyz` asks the upstream (`/healthz`): ready on a 2xx. Unset: ready
    while the upstream answers at all."""

    upstream_audience: str | None = None
    """The `aud` of every `Keystead-Assertion`: what the API behind keystead checks for.
    Unset: the upstream URL in proxy mode, otherwise keystead's public URL. On
    `keystead serve-trading`: the audience it accepts (unset: its own address)."""

    gateway_jwks_url: str | None = None
    """`keystead serve-trading`: the gateway's `/.well-known/jwks.json`, against which
    every `Keystead-Assertion` is verified."""

    gateway_issuer: str | None = None
    """`keystead serve-trading`: the `iss` it accepts, the gateway's public URL. Unset:
    the URL its JWK Set sits under (set it when that is fetched at another address)."""

    introspection_secret: SecretStr | None = None
    """Authenticates the operator's services at `POST /oauth/introspect` (RFC 7662).
    Unset: the endpoint answers 401 to everyone."""

    introspection_failure_limit: str = "30/minute"
    """Introspection calls with a wrong secret, per client address; more answer 429."""

    log_level: str = "INFO"

    @field_validator("token_prefix")
    @classmethod
    def _prefix_is_simple(cls, value: str) -> str:
        if not (1 <= len(value) <= 16 and value.isascii() and value.isalnum()):
            raise ValueError("token prefix must be 1 to 16 ASCII letters or digits")
        return value

    @field_validator("leak_report_secret", "introspection_secret")
    @classmethod
    def _long_operator_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Both guard a whole endpoint with one shared value: it must not be guessable.
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    @field_validator("upstream_url", "gateway_jwks_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        try:
            parts.port  # noqa: B018 - raises on a port that is not a number from 0 to 65535
        except ValueError as error:
            raise ValueError(f"has a bad port ({error})") from None
        if parts.username is not None or parts.password is not None:
            raise ValueError("must not carry a user or password (it would be in every assertion)")
        if parts.query or parts.fragment:
            raise ValueError("must not have a query or a fragment")
        if not value.isascii() or any(char.isspace() or ord(char) < 0x20 for char in value):
            raise ValueError("must be ASCII without spaces (percent-encode the rest)")
        return value.rstrip("/")

    @field_validator("upstream_health_path")
    @classmethod
    def _absolute_path(cls, value: str | None) -> str | None:
        if value is not None and (
            not value.startswith("/") or not value.isascii() or any(c <= " " for c in value)
        ):
            raise ValueError("must be an ASCII path beginning with /, without spaces")
        return value

    @field_validator("reminder_days")
    @classmethod
    def _positive_days(cls, value: list[int]) -> list[int]:
        if not value or any(day < 1 for day in value):
            raise ValueError("reminder days must be a non-empty list of whole days, each 1 or more")
        return sorted(set(value), reverse=True)

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: list[str]) -> list[str]:
        # A typo here would silently trust nobody, or worse: refuse it at start-up.
        return [canonical(entry) for entry in value]

    @classmethod
    def load(cls, **overrides: object) -> Settings:
        """The settings, or a `ConfigurationError` naming each variable that is wrong."""
        try:
            return cls(**overrides)  # type: ignore[arg-type]
        except ValidationError as error:
            problems = "; ".join(
                f"KEYSTEAD_{'_'.join(str(part) for part in item['loc']).upper()}: "
                + item["msg"].removeprefix("Value error, ")
                for item in error.errors()
            )
            raise ConfigurationError(problems) from None

    @property
    def wallet_domain(self) -> str:
        """The host (and port) wallet messages must name: that of the public URL."""
        return urlsplit(self.effective_public_url).netloc

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        path = urlsplit(self.database_url).path
        # sqlite+aiosqlite:////abs/file has path "//abs/file"; ":memory:" has no file.
        path = path[1:] if path.startswith("/") else path
        if not path or path == ":memory:":
            return None
        return Path(path)

    @property
    def effective_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def assertion_audience(self) -> str:
        """The `aud` keystead puts in every `Keystead-Assertion`."""
        return self.upstream_audience or self.upstream_url or self.effective_public_url

    @property
    def is_https(self) -> bool:
        """Served over https: cookies are Secure and `__Host-`, and HSTS is sent."""
        return self.effective_public_url.startswith("https://")

    @cached_property
    def secret_bytes(self) -> bytes:
        """The server secret, from the setting or from the file kept beside SQLite."""
        if self.secret_key is not None:
            value = self.secret_key.get_secret_value()
            if len(value) < 32:
                raise ConfigurationError("KEYSTEAD_SECRET_KEY must be at least 32 characters")
            return value.encode()
        sqlite_path = self.sqlite_path
        if sqlite_path is None:
            raise ConfigurationError(
                "KEYSTEAD_SECRET_KEY must be set unless the database is a SQLite file"
            )
        secret_file = sqlite_path.parent / SECRET_FILE_NAME
        if not secret_file.exists():
            _create_secret_file(secret_file)
        return secret_file.read_text().strip().encode()


def _create_secret_file(secret_file: Path) -> None:
    """Write a new secret so that concurrent starters agree on one (link is atomic)."""
    secret_file.parent.mkdir(parents=True, exist_ok=True)
    draft = secret_file.with_name(f".{secret_file.name}.{secrets.token_hex(8)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    try:
        os.link(draft, secret_file)
    except FileExistsError:
        pass
    finally:
        draft.unlink()


class GuardedApiSetting(BaseSettings):
    """`KEYSTEAD_GUARDED_API` alone: the CLI reads it to offer the guarded API's own
    commands, before (and whether or not) the other settings are valid."""

    model_config = SettingsConfigDict(env_prefix="KEYSTEAD_", env_file=".env", extra="ignore")

    guarded_api: str = DEFAULT_GUARDED_API
