"""What the benchmarks serve: keystead as shipped, plus one payload at two addresses.

`/open/bench` answers without any check; `/v1/bench` answers the same bytes after
the whole access path (token, permission, per-account rate limit). Each sits
alone in a router with its own prefix, so routing costs both the same, and the
ratio of their throughputs is the cost of keystead in front of an API.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.responses import Response

from keystead.access.authorize import requires
from keystead.access.permissions import ACCOUNT_READ
from keystead.app import create_app
from keystead.envelope import ok

PAYLOAD = {"bots": 5, "status": "Enabled"}
OPEN_PATH = "/open/bench"
GUARDED_PATH = "/v1/bench"

guarded = APIRouter(prefix="/v1")
unguarded = APIRouter(prefix="/open")


@guarded.get("/bench")
@requires(ACCOUNT_READ)
async def guarded_route() -> Response:
    return ok(PAYLOAD, "Bench retrieved")


@unguarded.get("/bench")
async def open_route() -> Response:
    return ok(PAYLOAD, "Bench retrieved")


def create() -> FastAPI:
    """Factory for `uvicorn --factory bench.app:create` (settings from KEYSTEAD_*)."""
    # As `keystead serve` makes it.
    return create_app(routers=[guarded, unguarded], freeze_startup_heap=True)
