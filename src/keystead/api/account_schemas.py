"""Wire models of an account's own security: passwords, the email address, sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from keystead.api.schemas import Input, Password
from keystead.clock import isoformat
from keystead.services.account_links import MAX_SECRET_LENGTH
from keystead.services.accounts import MAX_PASSWORD_LENGTH
from keystead.services.signed_in import SignedInSession

LinkSecret = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_SECRET_LENGTH,
        description="The `token` of the link keystead mailed (its query parameter).",
    ),
]


class ResetRequestIn(Input):
    email: Annotated[str, Field(min_length=1, max_length=320)]


class ResetIn(Input):
    token: LinkSecret
    password: Password


class VerifyEmailIn(Input):
    token: LinkSecret


class PasswordChangeIn(Input):
    current_password: Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)]
    new_password: Password


class SessionOut(BaseModel):
    id: str = Field(description="Names the session to end it; opens nothing.")
    kind: str = Field(description="`password` (email sign-in) or `wallet`.")
    created_at: datetime
    last_seen_at: datetime | None = Field(description="Within a few minutes.")
    expires_at: datetime
    client: str | None = Field(description="The address it was started from.")
    user_agent: str | None
    current: bool = Field(description="The session making this request.")


class SessionsEndedOut(BaseModel):
    ended: int


def session_view(session: SignedInSession) -> dict[str, object]:
    return {
        "id": session.id,
        "kind": session.kind,
        "created_at": isoformat(session.created_at),
        "last_seen_at": isoformat(session.last_seen_at),
        "expires_at": isoformat(session.expires_at),
        "client": session.client,
        "user_agent": session.user_agent,
        "current": session.current,
    }
