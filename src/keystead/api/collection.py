"""Collection paths answer with and without a trailing slash, directly: clients build
URLs by appending to a base ending in `/v1/`, and a redirect breaks those that do
not follow one for PUT."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def collection(
    router: APIRouter, method: str, path: str, **options: Any
) -> Callable[[Endpoint], Endpoint]:
    """Register `endpoint` at `path` and at `path/` (the second hidden from the schema)."""

    def register(endpoint: Endpoint) -> Endpoint:
        router.add_api_route(path, endpoint, methods=[method], **options)
        router.add_api_route(
            path + "/", endpoint, methods=[method], include_in_schema=False, **options
        )
        return endpoint

    return register
