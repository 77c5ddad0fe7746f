"""A plain HTTP upstream on a real socket (uvicorn in a thread) that records what it
was told: the operator's own API, as keystead's proxy meets it."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from tests.server.conftest import free_port

BIG_CHUNKS = 64
CHUNK = b"x" * 16_384


@dataclass
class Seen:
    method: str
    raw_path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    url: str

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key == name.lower()), None)


@dataclass
class EchoUpstream:
    url: str
    seen: list[Seen] = field(default_factory=list)
    health_status: int = 200
    endless_stopped: threading.Event = field(default_factory=threading.Event)


def _echo_app(state: EchoUpstream) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        path = scope["path"]
        if path == "/healthz":
            await Response(status_code=state.health_status)(scope, receive, send)
            return
        body = await request.body()
        query = scope["query_string"].decode()
        state.seen.append(
            Seen(
                scope["method"],
                scope["raw_path"].decode(),
                query,
                [(key.decode(), value.decode()) for key, value in scope["headers"]],
                body,
                # What the upstream sees as the URL it was called at.
                f"http://{request.headers['host']}{scope['raw_path'].decode()}"
                + (f"?{query}" if query else ""),
            )
        )
        if path.endswith("/slow"):
            await asyncio.sleep(3)
        if path.endswith("/endless"):

            async def forever() -> Any:
                try:
                    while True:
                        yield CHUNK
                        await asyncio.sleep(0.01)
                finally:
                    state.endless_stopped.set()

            await StreamingResponse(forever(), media_type="application/octet-stream")(
                scope, receive, send
            )
            return
        if path.endswith("/big"):

            async def chunks() -> Any:
                for _ in range(BIG_CHUNKS):
                    yield CHUNK

            await StreamingResponse(chunks(), media_type="application/octet-stream")(
                scope, receive, send
            )
            return
        answer = JSONResponse(
            {"method": scope["method"], "path": path, "length": len(body)},
            status_code=201 if scope["method"] == "POST" else 200,
            headers={
                "X-Upstream": "yes",
                "X-RateLimit-Remaining": "999",
                "Connection": "X-Secret-Hop",
                "X-Secret-Hop": "only for the next hop",
                "Set-Cookie": "keystead_session=planted; Path=/",
                "Content-Security-Policy": "default-src *",
            },
        )
        await answer(scope, receive, send)

    return app


def run_echo_upstream() -> Iterator[EchoUpstream]:
    port = free_port()
    state = EchoUpstream(f"http://127.0.0.1:{port}")
    config = uvicorn.Config(
        _echo_app(state),
        host="127.0.0.1",
        port=port,
        log_level="error",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the echo upstream did not start")
        time.sleep(0.02)
    try:
        yield state
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def decoded(body: bytes) -> Any:
    return json.loads(body)
