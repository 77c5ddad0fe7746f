"""The stack's floor: bare Starlette answering the same bytes, nothing else.

By default it answers the bench payload at `/v1/bench`. With `BENCH_FLOOR_ANSWERS`
naming a JSON file of `{"METHOD /path": base64 body}` it answers those bodies to those
requests instead: the exact bytes keystead sent for each route, so the two are
compared on equal answers.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.app import GUARDED_PATH, PAYLOAD
from keystead.envelope import ok

ANSWERS = "BENCH_FLOOR_ANSWERS"


def _route(path: str, bodies: dict[str, bytes]) -> Route:
    async def answer(request: Request) -> Response:
        return Response(bodies[request.method], media_type="application/json")

    return Route(path, answer, methods=list(bodies))


def create() -> Starlette:
    """Factory for `uvicorn --factory bench.floor_app:create`."""
    answers = os.environ.get(ANSWERS)
    if answers is None:
        return Starlette(
            routes=[_route(GUARDED_PATH, {"GET": bytes(ok(PAYLOAD, "Bench retrieved").body)})]
        )
    by_path: dict[str, dict[str, bytes]] = {}
    for request, body in json.loads(Path(answers).read_text()).items():
        method, path = request.split(" ", 1)
        by_path.setdefault(path, {})[method] = base64.b64decode(body)
    return Starlette(routes=[_route(path, bodies) for path, bodies in by_path.items()])
