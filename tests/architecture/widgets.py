"""An operator's own API, guarded through the same seam as the trading API: one
permission, one `/v1` route, no pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from keystead.access.authorize import requires
from keystead.access.permissions import PermissionInfo
from keystead.api.deps import principal_of
from keystead.envelope import ok
from keystead.guarded_api import GuardedApi

WIDGETS_READ = "widgets:read"
router = APIRouter(prefix="/v1")


@router.get("/widgets")
@requires(WIDGETS_READ)
async def widgets(request: Request) -> Response:
    return ok([{"owner": principal_of(request).account_number}], "Widgets retrieved")


api = GuardedApi(
    name="widgets",
    permissions=(PermissionInfo(WIDGETS_READ, "Read Widgets", "Widgets", "GET /v1/widgets"),),
    routers=(router,),
)
