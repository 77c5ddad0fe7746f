"""`HEAD` wherever `GET` is served (RFC 9110 §9.3.2): the same answer without its body.

FastAPI routes declare `GET` only, so a `HEAD` would be 405. The request is passed
on as a `GET`, through the same access path (a `HEAD` needs the `GET`'s permission
and counts like it), and the body is dropped on the way out; the headers,
`Content-Length` included, are the `GET`'s.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
