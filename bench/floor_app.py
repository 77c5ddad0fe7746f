"""The stack's floor: bare Starlette answering the same bytes, nothing else."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.app import GUARDED_PATH, PAYLOAD
from keystead.envelope import ok

_BODY = ok(PAYLOAD, "Bench retrieved").body


async def payload(_request: Request) -> Response:
    return Response(_BODY, media_type="application/json")


def create() -> Starlette:
    """Factory for `uvicorn --factory bench.floor_app:create`."""
    return Starlette(routes=[Route(GUARDED_PATH, payload)])
