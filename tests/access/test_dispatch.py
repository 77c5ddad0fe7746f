"""An admitted `/v1` request goes to its endpoint directly (access/dispatch.py), and
answers exactly as FastAPI's own handler would: the same parameters, the same
refusals, the same envelope for errors; routes it cannot call so are left to FastAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Header, Query, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from keystead.access.authorize import requires
from keystead.access.permissions import ACCOUNT_READ
from keystead.app import create_app
from keystead.clock import FixedClock
from keystead.config import Settings
from keystead.envelope import ok
from keystead.errors import Conflict
from keystead.runtime import Runtime
from tests.factories import bearer, make_account, make_token

probe = APIRouter(prefix="/v1/probe")


@probe.get("/echo/{word}")
@requires(ACCOUNT_READ)
async def echo(
    request: Request, word: str, times: int = 1, tags: Annotated[list[str] | None, Query()] = None
) -> Response:
    return ok({"words": [word] * times, "tags": tags}, "Echoed")


@probe.get("/state")
@requires(ACCOUNT_READ)
async def state(kind: str) -> Response:
    if kind == "conflict":
        raise Conflict("Already so")
    if kind == "teapot":
        raise HTTPException(418, "I'm a teapot")
    raise RuntimeError("a bug, with a secret kst_0123456789 in its message")


@probe.get("/header")
@requires(ACCOUNT_READ)
async def with_header(x_probe: Annotated[str, Header()]) -> Response:
    return ok({"header": x_probe}, "Header read")


@probe.get("/plain")
@requires(ACCOUNT_READ)
def plain() -> dict[str, str]:
    return {"served": "by FastAPI"}


@pytest.fixture
async def probed(settings: Settings, clock: FixedClock) -> AsyncIterator[tuple[FastAPI, str]]:
    application = create_app(settings, clock=clock, routers=[probe])
    async with application.router.lifespan_context(application):
        runtime: Runtime = application.state.runtime
        account = await make_account(runtime)
        yield application, await make_token(runtime, account.id)


@pytest.fixture
async def client(probed: tuple[FastAPI, str]) -> AsyncIterator[httpx.AsyncClient]:
    application, token = probed
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=bearer(token)
    ) as http:
        yield http


def test_the_probe_routes_are_called_directly_or_by_fastapi(probed: tuple[FastAPI, str]) -> None:
    application, _token = probed
    table = application.state.permissions
    direct = {
        path: table.route_for({"type": "http", "method": "GET", "path": path}).endpoint is not None
        for path in ("/v1/probe/echo/a", "/v1/probe/state", "/v1/probe/header", "/v1/probe/plain")
    }
    assert direct == {
        "/v1/probe/echo/a": True,
        "/v1/probe/state": True,
        "/v1/probe/header": False,  # a header parameter: FastAPI reads it
        "/v1/probe/plain": False,  # a return value to serialise
    }


async def test_parameters_are_read_as_fastapi_reads_them(client: httpx.AsyncClient) -> None:
    for _ in range(2):  # the second from the parsing kept for the same text
        answer = await client.get("/v1/probe/echo/hi", params={"times": "2"})
        assert answer.json()["data"] == {"words": ["hi", "hi"], "tags": None}
    tagged = await client.get("/v1/probe/echo/hi?tags=a&tags=b")
    assert tagged.json()["data"]["tags"] == ["a", "b"]
    again = await client.get("/v1/probe/echo/hi?tags=a&tags=b")  # a list is never shared
    assert again.json()["data"]["tags"] == ["a", "b"]
    wrong = await client.get("/v1/probe/echo/hi", params={"times": "twice"})
    assert wrong.status_code == 422
    assert wrong.json()["data"]["errors"][0]["field"] == "times"


async def test_errors_are_answered_by_the_apps_own_handlers(client: httpx.AsyncClient) -> None:
    conflict = await client.get("/v1/probe/state", params={"kind": "conflict"})
    assert (conflict.status_code, conflict.json()["message"]) == (409, "Already so")
    teapot = await client.get("/v1/probe/state", params={"kind": "teapot"})
    assert teapot.status_code == 418
    assert teapot.json() == {"success": False, "message": "I'm a teapot", "data": []}
    missing = await client.get("/v1/probe/state")
    assert missing.status_code == 422
    crashed = await client.get("/v1/probe/state", params={"kind": "bug"})
    assert crashed.status_code == 500
    assert crashed.json()["message"] == "Server error"
    assert "kst_" not in crashed.text


async def test_routes_fastapi_calls_answer_as_before(client: httpx.AsyncClient) -> None:
    header = await client.get("/v1/probe/header", headers={"X-Probe": "seen"})
    assert header.json()["data"] == {"header": "seen"}
    plain = await client.get("/v1/probe/plain")
    assert plain.json() == {"served": "by FastAPI"}


async def test_a_json_body_is_read_as_fastapi_reads_it(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    """Through a real route with a body: malformed JSON is a 400, another type a 415."""
    account = await make_account(runtime)
    token = bearer(await make_token(runtime, account.id))
    path = "/v1/bots/NOSUCHBOT0"
    malformed = await client.put(
        path, headers={**token, "Content-Type": "application/json"}, content=b'{"name": '
    )
    assert malformed.status_code == 400
    other = await client.put(path, headers={**token, "Content-Type": "text/plain"}, content=b"x")
    assert other.status_code == 415
    empty = await client.put(path, headers=token)
    assert empty.status_code == 422
