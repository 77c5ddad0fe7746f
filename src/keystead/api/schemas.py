"""Wire models with the contract's field names.

Inputs forbid unknown fields (a misspelt or invented field is a 422 naming it, not
silently dropped), cap every string, and take values in their JSON type only:
no number read as a date, no string read as a boolean or a version.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, EmailStr, Field
from pydantic.json_schema import WithJsonSchema

from keystead.allowlist import MAX_ENTRIES as MAX_ALLOWLIST_ENTRIES
from keystead.clock import isoformat
from keystead.services.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, AccountSummary
from keystead.services.api_tokens import (
    MAX_NAME_LENGTH,
    GracePeriod,
    in_grace,
    is_unused,
    status_of,
)
from keystead.services.usage import Bucket, Usage
from keystead.store.models import Account, ApiToken, AuditEvent, TermsVersion

Data = TypeVar("Data")


class Envelope(BaseModel, Generic[Data]):
    """keystead's answer: whether it worked, what happened, and the object or list."""

    success: bool
    message: str = Field(description="What happened, in words: `Bots retrieved`, `Bot updated`.")
    data: Data


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


def _text_only(what: str) -> Callable[[object], object]:
    # Lax parsing would read 1790000000 as a moment (seconds or milliseconds, guessed
    # by size): a date must arrive as the text that says which.
    def check(value: object) -> object:
        if not isinstance(value, str):
            raise ValueError(f"must be {what}, as a string")
        return value

    return check


IsoDateTime = Annotated[
    AwareDatetime,
    BeforeValidator(_text_only("an ISO 8601 date-time with a zone, e.g. 2027-01-31T00:00:00Z")),
]
IsoDate = Annotated[date, BeforeValidator(_text_only("a date, YYYY-MM-DD"))]

PermissionId = Annotated[
    str, WithJsonSchema({"$ref": "#/components/schemas/Permission"}), Field(max_length=64)
]
"""An id of the permission catalogue (the guarded API's permissions and keystead's own);
the token service names unknown ones."""
Password = Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)]
TokenName = Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH)]


class RegisterIn(Input):
    email: EmailStr
    password: Password


class LoginIn(Input):
    email: Annotated[str, Field(min_length=1, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)]


class AcceptTermsIn(Input):
    version: Annotated[int, Field(strict=True, ge=1)]


AllowedIps = Annotated[
    list[Annotated[str, Field(max_length=64)]],
    Field(
        max_length=MAX_ALLOWLIST_ENTRIES,
        description="Addresses and CIDR ranges (IPv4, IPv6) the token may be used from; "
        "empty: anywhere.",
        examples=[["203.0.113.7", "198.51.100.0/24", "2001:db8::/32"]],
    ),
]


class TokenCreateIn(Input):
    name: TokenName
    permissions: Annotated[list[PermissionId], Field(min_length=1)]
    expires_at: IsoDateTime | None = None
    allowed_ips: AllowedIps | None = None


class TokenUpdateIn(Input):
    name: TokenName | None = None
    permissions: Annotated[list[PermissionId], Field(min_length=1)] | None = None
    expires_at: IsoDateTime | None = None
    allowed_ips: AllowedIps | None = None


class TokenRollIn(Input):
    grace_period: GracePeriod = Field(
        default=GracePeriod.NONE,
        description="How long the old secret keeps working: `none`, `1h`, `24h` or `7d`.",
    )


class AccountOut(BaseModel):
    number: str
    email: str | None
    wallet_address: str | None
    terms_accepted_version: int | None
    terms_accepted_at: datetime | None
    email_verified_at: datetime | None = Field(
        description="When the owner proved the address theirs; null until then."
    )


class LoginOut(BaseModel):
    account: AccountOut
    csrf_token: str


class TermsOut(BaseModel):
    version: int
    text: str
    accepted_version: int | None
    accepted_at: datetime | None


class PreviousSecretOut(BaseModel):
    preview: str
    expires_at: datetime


class TokenOut(BaseModel):
    id: str
    name: str
    permissions: list[PermissionId]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    preview: str
    status: str
    allowed_ips: list[str] = Field(description="Empty: usable from anywhere.")
    previous_secret: PreviousSecretOut | None = Field(
        description="After a roll, while the old secret still works: its preview and end."
    )
    unused: bool = Field(description="Active but not used for the configured period.")


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The plain token. Shown in this response only.")


class CredentialRef(BaseModel):
    id: str
    preview: str | None


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    action: str = Field(description="e.g. `token.created`, `login.failed`, `token.leaked`.")
    actor: str = Field(description="`owner`, `operator`, `scanner` or `anyone` (a failed sign-in).")
    client: str | None = Field(description="The client address the change came from.")
    credential: CredentialRef | None
    details: dict[str, Any]


class StatusCountsOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    requests: int = Field(description="Every answered request, whatever its status.")
    ok: int = Field(alias="2xx")
    client_errors: int = Field(alias="4xx", description="4xx other than 429.")
    rate_limited: int = Field(alias="429")
    server_errors: int = Field(alias="5xx")
    client_addresses: int = Field(description="Distinct client addresses.")


class UsageBucketOut(StatusCountsOut):
    start: datetime = Field(description="Start of the UTC hour or day.")


class UsageOut(BaseModel):
    token_id: str | None = Field(description="None: the whole account.")
    last_used_at: datetime | None
    totals: UsageBucketOut = Field(description="Over the span of the daily buckets.")
    hourly: list[UsageBucketOut]
    daily: list[UsageBucketOut]


def _bucket_view(bucket: Bucket) -> dict[str, object]:
    return {
        "start": isoformat(bucket.start),
        "requests": bucket.requests,
        "2xx": bucket.ok,
        "4xx": bucket.client_errors,
        "429": bucket.rate_limited,
        "5xx": bucket.server_errors,
        "client_addresses": len(bucket.clients),
    }


def usage_view(usage: Usage) -> dict[str, object]:
    return {
        "token_id": usage.token_id,
        "last_used_at": isoformat(usage.last_used_at),
        "totals": _bucket_view(usage.totals),
        "hourly": [_bucket_view(bucket) for bucket in usage.hourly],
        "daily": [_bucket_view(bucket) for bucket in usage.daily],
    }


def audit_view(event: AuditEvent) -> dict[str, object]:
    """An audit entry as its owner sees it: previews and names, never a secret."""
    credential = None
    if event.credential_id is not None:
        credential = {"id": event.credential_id, "preview": event.credential_preview}
    return {
        "id": event.id,
        "at": isoformat(event.created_at),
        "action": event.action,
        "actor": event.actor,
        "client": event.client,
        "credential": credential,
        "details": event.details,
    }


def account_view(account: Account | AccountSummary) -> dict[str, object]:
    return {
        "number": account.number,
        "email": account.email,
        "wallet_address": account.wallet_address,
        "terms_accepted_version": account.terms_accepted_version,
        "terms_accepted_at": isoformat(account.terms_accepted_at),
        "email_verified_at": isoformat(account.email_verified_at),
    }


def terms_view(terms: TermsVersion, account: Account) -> dict[str, object]:
    return {
        "version": terms.version,
        "text": terms.text,
        "accepted_version": account.terms_accepted_version,
        "accepted_at": isoformat(account.terms_accepted_at),
    }


def token_view(token: ApiToken, now: datetime, unused_after: timedelta) -> dict[str, object]:
    """A token as listed: never its secret or its hash."""
    previous = None
    if in_grace(token, now):
        previous = {
            "preview": token.previous_preview,
            "expires_at": isoformat(token.previous_expires_at),
        }
    return {
        "id": token.id,
        "name": token.name,
        "permissions": list(token.permissions),
        "created_at": isoformat(token.created_at),
        "expires_at": isoformat(token.expires_at),
        "last_used_at": isoformat(token.last_used_at),
        "preview": token.preview,
        "status": status_of(token, now),
        "allowed_ips": list(token.allowed_ips or []),
        "previous_secret": previous,
        "unused": is_unused(token, now, unused_after),
    }
