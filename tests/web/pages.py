"""Driving the pages over HTTP as a browser would: forms with their CSRF token, cookies."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from tests.factories import PASSWORD

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_emails = (f"form-user-{n}@example.com" for n in itertools.count(1))


@asynccontextmanager
async def browser_like(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client with its own cookie jar, as one browser has."""
    transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def csrf_of(page: httpx.Response) -> str:
    found = _CSRF.search(page.text)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def submit(
    client: httpx.AsyncClient, page_path: str, action: str, fields: Mapping[str, str | list[str]]
) -> httpx.Response:
    """Open `page_path`, then post its form to `action` with `fields`."""
    page = await client.get(page_path)
    assert page.status_code == 200, page.text
    return await client.post(action, data={"csrf_token": csrf_of(page), **fields})


async def sign_up(client: httpx.AsyncClient, *, accept_terms: bool = True) -> str:
    email = next(_emails)
    fields = {"email": email, "password": PASSWORD, "password_again": PASSWORD}
    registered = await submit(client, "/register", "/register", fields)
    assert (registered.status_code, registered.headers["location"]) == (303, "/settings/api")
    if accept_terms:
        terms = await client.get("/settings/api")
        version = re.search(r'name="version" value="(\d+)"', terms.text)
        assert version
        accepted = await client.post(
            "/settings/api",
            data={"csrf_token": csrf_of(terms), "version": version.group(1), "agree": "yes"},
        )
        assert accepted.status_code == 303, accepted.text
    return email


async def create_token(
    client: httpx.AsyncClient, name: str = "page token", permissions: list[str] | None = None
) -> httpx.Response:
    fields: dict[str, str | list[str]] = {
        "name": name,
        "permissions": permissions or ["bots:read"],
    }
    return await submit(client, "/api", "/api", fields)
