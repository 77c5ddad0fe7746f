"""The route class of every page: errors become pages, not JSON envelopes.

A signed-out visitor is sent to the sign-in page and brought back afterwards;
anything else a service refuses is shown as a readable page with its status.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

import structlog
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from keystead.envelope import SERVER_ERROR_MESSAGE, STORAGE_UNAVAILABLE, is_storage_outage
from keystead.errors import (
    CsrfRejected,
    InvalidInput,
    KeysteadError,
    NotAuthenticated,
    RegenerationCooldown,
    TermsNotAccepted,
    TooManyAttempts,
)
from keystead.runtime import Runtime
from keystead.web.forms import sentence
from keystead.web.rendering import Pages
from keystead.web.visitor import Visitor, current_visitor

logger = structlog.get_logger("keystead.web")

CSRF_EXPLAINED = (
    "This form has expired or did not come from this site. Go back, reload the page and try again."
)
BAD_ADDRESS = "This address is not one keystead can show: check it, or start again from the menu."


def pages_of(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


async def error_page(
    request: Request, status: int, message: str, *, storage_up: bool = True
) -> Response:
    runtime: Runtime = request.app.state.runtime
    # With storage down the visitor cannot be looked up: the page shows as signed out.
    visitor = await current_visitor(request, runtime) if storage_up else Visitor(None, "", "")
    return pages_of(request).render(
        request,
        visitor,
        "error.html",
        status=status,
        notices=False,
        status_code=status,
        message=message,
    )


def _wait(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{-(-seconds // 60)} minutes"


def readable(error: KeysteadError) -> str:
    """What a service refused, said to a person; the JSON API keeps the contract's words."""
    if isinstance(error, RegenerationCooldown):
        return f"A key can be made once an hour. Try again in {_wait(error.retry_after)}."
    if isinstance(error, TooManyAttempts):
        return f"Too many attempts. Try again in {_wait(error.retry_after)}."
    if isinstance(error, TermsNotAccepted):
        return "Accept the current API terms first (API terms, in the menu)."
    if isinstance(error, InvalidInput):
        said = [
            sentence(item["field"].replace("_", " ").capitalize(), item["message"])
            for item in error.data["errors"]
        ]
        return " ".join(said)
    return error.message


async def _server_error(request: Request, error: Exception) -> Response:
    # Logged by type only, as the JSON API does: the message may quote a secret.
    logger.error("unhandled error", path=request.url.path, error_type=type(error).__name__)
    return await error_page(request, 500, SERVER_ERROR_MESSAGE, storage_up=False)


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except NotAuthenticated:
                back = request.url.path if request.method == "GET" else "/"
                return pages_of(request).redirect(f"/login?next={quote(back)}")
            except CsrfRejected:
                return await error_page(request, 403, CSRF_EXPLAINED)
            except KeysteadError as error:
                return await error_page(request, error.status, readable(error))
            except RequestValidationError:
                # Only an address can be invalid here: pages read their forms themselves.
                return await error_page(request, 422, BAD_ADDRESS)
            except StarletteHTTPException as error:
                # Starlette's own refusals, e.g. a form with too many fields or a file.
                message = (
                    "The form could not be read" if error.status_code == 400 else "Request failed"
                )
                return await error_page(request, error.status_code, message)
            except DBAPIError as error:
                if not is_storage_outage(error):
                    return await _server_error(request, error)
                logger.warning("storage unavailable", path=request.url.path)
                return await error_page(request, 503, STORAGE_UNAVAILABLE, storage_up=False)
            except ConnectionError:
                logger.warning("a backend is unavailable", path=request.url.path)
                return await error_page(
                    request,
                    503,
                    "keystead is briefly unavailable; try again shortly",
                    storage_up=False,
                )
            except Exception as error:
                return await _server_error(request, error)

        return page_handler
