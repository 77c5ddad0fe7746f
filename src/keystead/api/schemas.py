"""Wire models with the contract's field names. Inputs forbid unknown fields."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from keystead.access.permissions import Permission
from keystead.clock import isoformat
from keystead.services.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from keystead.services.api_tokens import MAX_NAME_LENGTH, status_of
from keystead.store.models import Account, ApiToken, TermsVersion

Data = TypeVar("Data")


class Envelope(BaseModel, Generic[Data]):
    success: bool
    message: str
    data: Data


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


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


class TokenCreateIn(Input):
    name: TokenName
    permissions: Annotated[list[Permission], Field(min_length=1)]
    expires_at: AwareDatetime | None = None


class TokenUpdateIn(Input):
    name: TokenName | None = None
    permissions: Annotated[list[Permission], Field(min_length=1)] | None = None
    expires_at: AwareDatetime | None = None


class AccountOut(BaseModel):
    number: str
    email: str | None
    wallet_address: str | None
    terms_accepted_version: int | None
    terms_accepted_at: datetime | None


class LoginOut(BaseModel):
    account: AccountOut
    csrf_token: str


class TermsOut(BaseModel):
    version: int
    text: str
    accepted_version: int | None
    accepted_at: datetime | None


class TokenOut(BaseModel):
    id: str
    name: str
    permissions: list[Permission]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    preview: str
    status: str


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The plain token. Shown in this response only.")


def account_view(account: Account) -> dict[str, object]:
    return {
        "number": account.number,
        "email": account.email,
        "wallet_address": account.wallet_address,
        "terms_accepted_version": account.terms_accepted_version,
        "terms_accepted_at": isoformat(account.terms_accepted_at),
    }


def terms_view(terms: TermsVersion, account: Account) -> dict[str, object]:
    return {
        "version": terms.version,
        "text": terms.text,
        "accepted_version": account.terms_accepted_version,
        "accepted_at": isoformat(account.terms_accepted_at),
    }


def token_view(token: ApiToken, now: datetime) -> dict[str, object]:
    """A token as listed: never its secret or its hash."""
    return {
        "id": token.id,
        "name": token.name,
        "permissions": list(token.permissions),
        "created_at": isoformat(token.created_at),
        "expires_at": isoformat(token.expires_at),
        "last_used_at": isoformat(token.last_used_at),
        "preview": token.preview,
        "status": status_of(token, now),
    }
