"""Addresses no route answers, as a browser sees them: a page, not an envelope.

A request that accepts HTML, for an address outside every JSON surface (whose first
segment is that of no API route: `/v1`, `/auth`, `/account`, `/user`, …), is answered
404 or 405 with keystead's error page. Every other request keeps its envelope, word
for word.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from keystead.envelope import http_error
from keystead.web.page_route import PageRoute, error_page

NOT_FOUND = "Nothing is at this address. It may be mistyped, or the page has moved."
NOT_ALLOWED = "This address only takes forms sent from keystead's pages: open it from the menu."


def _api_segments(app: FastAPI) -> frozenset[str]:
    """The first path segment of every JSON route: addresses under one are API calls."""
    segments: frozenset[str] | None = getattr(app.state, "api_segments", None)
    if segments is None:
        # Included routers are nested; iter_route_contexts flattens them with full paths.
        segments = frozenset(
            route.path.lstrip("/").split("/", 1)[0]
            for route in iter_route_contexts(app.routes)
            if route.path is not None
            and route.methods is not None  # not the static files mount
            and not isinstance(route.original_route, PageRoute)
        )
        app.state.api_segments = segments
    return segments


def wants_page(request: Request) -> bool:
    """A browser asking for a page, at an address no API surface claims."""
    if "text/html" not in request.headers.get("accept", ""):
        return False
    first = request.url.path.lstrip("/").split("/", 1)[0]
    return first not in _api_segments(request.app)


async def _refusal(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if not wants_page(request):
        return await http_error(request, error)
    message = NOT_FOUND if error.status_code == 404 else NOT_ALLOWED
    try:
        page = await error_page(request, error.status_code, message)
    except (DBAPIError, ConnectionError):
        # Storage is down: the page shows as signed out rather than failing too.
        page = await error_page(request, error.status_code, message, storage_up=False)
    page.headers.update(error.headers or {})
    return page


def install_error_pages(app: FastAPI) -> None:
    # By status, so they are asked before the envelope's handler of every HTTPException.
    app.add_exception_handler(404, _refusal)
    app.add_exception_handler(405, _refusal)
