"""/account/password, /account/email/verification, /account/sessions: the signed-in
owner's password, address and sessions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from keystead.api.account_schemas import (
    PasswordChangeIn,
    SessionOut,
    SessionsEndedOut,
    session_view,
)
from keystead.api.deps import AppRuntime, CurrentSession
from keystead.api.schemas import Envelope
from keystead.envelope import ok

router = APIRouter(prefix="/account", tags=["account"])


@router.post("/password", response_model=Envelope[SessionsEndedOut])
async def change_password(
    body: PasswordChangeIn, session: CurrentSession, runtime: AppRuntime
) -> Response:
    """Change the password, given the current one. Every other session ends."""
    ended = await runtime.passwords.change(
        session.account.id,
        body.current_password,
        body.new_password,
        keep=session.secret,
        client=session.client,
    )
    return ok({"ended": ended}, "Password changed; every other session was signed out")


@router.post("/email/verification", status_code=202, response_model=Envelope[None])
async def resend_verification(session: CurrentSession, runtime: AppRuntime) -> Response:
    await runtime.email_verification.resend(session.account.id, by=session.actor)
    return ok(None, "A link to verify your email address is on its way", status=202)


@router.get("/sessions", response_model=Envelope[list[SessionOut]])
async def list_sessions(session: CurrentSession, runtime: AppRuntime) -> Response:
    """Where the account is signed in: this session first."""
    sessions = await runtime.signed_in.listing(session.account.id, session.secret)
    return ok([session_view(item) for item in sessions], "Sessions retrieved")


@router.post("/sessions/sign-out-others", response_model=Envelope[SessionsEndedOut])
async def sign_out_others(session: CurrentSession, runtime: AppRuntime) -> Response:
    """End every session of the account but this one, on every instance at once."""
    ended = await runtime.signed_in.end_others(session.account.id, session.secret, by=session.actor)
    return ok({"ended": ended}, "Signed out everywhere else")


@router.delete("/sessions/{session_id}", response_model=Envelope[None])
async def end_session(
    session_id: Annotated[str, Path(max_length=64)], session: CurrentSession, runtime: AppRuntime
) -> Response:
    """End one session (this one too: that is signing out)."""
    await runtime.signed_in.end(session.account.id, session_id, by=session.actor)
    return ok(None, "Session ended")
