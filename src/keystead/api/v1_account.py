"""GET /v1/account: the first guarded route."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from keystead.access.authorize import requires
from keystead.access.permissions import ACCOUNT_READ
from keystead.api.deps import get_runtime, principal_of
from keystead.api.schemas import AccountOut, Envelope, account_view
from keystead.envelope import ok

router = APIRouter(prefix="/v1", tags=["v1"])


@router.get("/account", response_model=Envelope[AccountOut])
@requires(ACCOUNT_READ)
async def get_account(request: Request) -> Response:
    account = await get_runtime(request).accounts.summary(principal_of(request).account_id)
    return ok(account_view(account), "Account retrieved")
