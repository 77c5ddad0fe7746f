"""/user/api: the account API key, in the account-key envelope (wallet session only)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from keystead.api.deps import AppRuntime, WalletSession
from keystead.envelope import account_key_ok

router = APIRouter(prefix="/user/api", tags=["account key"])


@router.get("")
async def retrieve_key(session: WalletSession, runtime: AppRuntime) -> Response:
    return account_key_ok({"apiKey": await runtime.account_keys.reveal(session.account.id)})


@router.put("/generate")
async def generate_key(session: WalletSession, runtime: AppRuntime) -> Response:
    key = await runtime.account_keys.generate(session.account.id, by=session.actor)
    return account_key_ok({"apiKey": key})


@router.put("/disable")
async def disable_key(session: WalletSession, runtime: AppRuntime) -> Response:
    await runtime.account_keys.disable(session.account.id, by=session.actor)
    return account_key_ok("Disabled")
