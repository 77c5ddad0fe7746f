"""/auth/wallet: Sign-In with Ethereum challenge, login, logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from keystead.access.sessions import clear_session_cookie, set_session_cookie
from keystead.api.deps import AppRuntime, WalletLogoutSession, client_address
from keystead.api.schemas import Envelope
from keystead.clock import isoformat
from keystead.envelope import ok
from keystead.services.wallet_login import session_secret

router = APIRouter(prefix="/auth/wallet", tags=["wallet"])


class ChallengeOut(BaseModel):
    message: str
    nonce: str
    expires_at: str


class WalletLoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=2000)
    signature: str = Field(min_length=1, max_length=200)


class WalletLoginOut(BaseModel):
    address: str
    expires_at: str
    csrf_token: str


@router.get("/challenge", response_model=Envelope[ChallengeOut])
async def challenge(
    request: Request,
    runtime: AppRuntime,
    address: Annotated[str, Query(max_length=64, description="0x-prefixed Ethereum address.")],
) -> Response:
    issued = await runtime.wallet.challenge(address, client_address(request))
    return ok(
        {
            "message": issued.message,
            "nonce": issued.nonce,
            "expires_at": isoformat(issued.expires_at),
        },
        "Challenge issued",
    )


@router.post("/login", response_model=Envelope[WalletLoginOut])
async def login(body: WalletLoginIn, request: Request, runtime: AppRuntime) -> Response:
    """Verify the signed challenge. The signature is then the session credential:
    send it as `Authorization: Bearer <signature>`. A cookie is set for web pages too;
    writes made with the cookie send `X-CSRF-Token: <csrf_token>`."""
    account, expires_at = await runtime.wallet.login(
        body.message, body.signature, client_address(request), request.headers.get("user-agent")
    )
    secret = session_secret(body.signature)
    response = ok(
        {
            "address": account.wallet_address,
            "expires_at": isoformat(expires_at),
            "csrf_token": runtime.sessions.csrf_token(secret),
        },
        "Signed in",
    )
    set_session_cookie(
        response,
        secret,
        runtime.settings.wallet_session_hours * 3600,
        runtime.settings.is_https,
    )
    return response


@router.post("/logout", response_model=Envelope[None])
async def logout(session: WalletLogoutSession, runtime: AppRuntime) -> Response:
    await runtime.wallet.logout(session.secret)
    response = ok(None, "Signed out")
    clear_session_cookie(response, runtime.settings.is_https)
    return response
