"""/auth/password-reset and /auth/verify-email: the links keystead mails, redeemed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from keystead.api.account_schemas import ResetIn, ResetRequestIn, VerifyEmailIn
from keystead.api.deps import AppRuntime, client_address
from keystead.api.schemas import AccountOut, Envelope, account_view
from keystead.envelope import ok

router = APIRouter(prefix="/auth", tags=["session"])

RESET_REQUESTED = (
    "If an account uses this email address, a link to reset its password is on its way; "
    "it works once, for 30 minutes"
)


@router.post("/password-reset", status_code=202, response_model=Envelope[None])
async def request_reset(body: ResetRequestIn, request: Request, runtime: AppRuntime) -> Response:
    """Mail a reset link. The answer is the same whether or not the address has an
    account; requests are limited per client address and per email."""
    await runtime.passwords.request(body.email, client_address(request))
    return ok(None, RESET_REQUESTED, status=202)


@router.post("/password-reset/confirm", response_model=Envelope[AccountOut])
async def reset(body: ResetIn, request: Request, runtime: AppRuntime) -> Response:
    """Set a new password with the link's token. Every session of the account ends."""
    account = await runtime.passwords.reset(body.token, body.password, client_address(request))
    return ok(account_view(account), "Password reset; sign in with the new password")


@router.post("/verify-email", response_model=Envelope[AccountOut])
async def verify_email(body: VerifyEmailIn, request: Request, runtime: AppRuntime) -> Response:
    account = await runtime.email_verification.verify(body.token, client_address(request))
    return ok(account_view(account), "Email address verified")
