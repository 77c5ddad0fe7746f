"""Forms say everything that is wrong in one go, at the top and beside each field, and
keep what was typed; a page's address always shows that page, and an address nothing
answers is a page for a browser while API clients keep their exact envelopes."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import PASSWORD
from tests.web.pages import browser_like, create_token, csrf_of, sign_up, submit

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
pytestmark = SQLITE_ONLY


def summary_links(page: httpx.Response) -> list[tuple[str, str]]:
    """The error summary's entries: (the id each links to, its sentence)."""
    found = re.search(r'<div class="error-summary".*?</div>', page.text, re.S)
    assert found, "the page has no error summary"
    return [
        (target, unescape(text))
        for target, text in re.findall(r'<a href="#([\w-]+)">([^<]+)</a>', found.group(0))
    ]


def beside(page: httpx.Response, field: str) -> str:
    """The message shown beside a field (the `error_for` macro)."""
    found = re.search(
        rf'<p class="field-error" id="{field}-error">.*?</span> ([^<]+)</p>', page.text
    )
    assert found, f"no message beside {field}"
    return unescape(found.group(1))


async def token_ids(client: httpx.AsyncClient) -> list[str]:
    return re.findall(r'<tr id="token-([A-Z0-9]{10})"', (await client.get("/api")).text)


async def test_every_mistake_in_the_create_form_shows_at_once_and_the_input_stays(
    app: FastAPI,
) -> None:
    async with browser_like(app) as client:
        await sign_up(client)
        page = await client.get("/api")
        # The form posts to the page itself, so a failed submit stays on /api.
        assert '<form method="post" action="/api" ' in page.text
        fields = {"name": "", "expires_at": "2001-01-01", "allowed_ips": "10.0.0.1/8\n1.2.3"}
        refused = await client.post("/api", data={"csrf_token": csrf_of(page), **fields})
        assert refused.status_code == 422
        assert summary_links(refused) == [
            ("token-name", "Give the token a name, so you recognise it later."),
            ("create-permissions", "Choose at least one permission."),
            ("token-expires", "The expiry day must be today or later."),
            (
                "token-allowed-ips",
                "Allowed addresses: 10.0.0.1/8 has bits set after the prefix length; "
                "the range is 10.0.0.0/8.",
            ),
        ]
        for field, target in (("name", "token-name"), ("expires_at", "token-expires")):
            assert beside(refused, field) == dict(summary_links(refused))[target]
        assert "10.0.0.1/8\n1.2.3</textarea>" in refused.text
        assert 'value="2001-01-01"' in refused.text
        assert await token_ids(client) == []
        # Fixed in one more submit: everything the summary listed.
        fixed = {"name": "fixed", "permissions": "bots:read", "allowed_ips": "10.0.0.0/8"}
        created = await client.post("/api", data={"csrf_token": csrf_of(refused), **fixed})
        assert (created.status_code, created.headers["location"]) == (303, "/api")
        assert len(await token_ids(client)) == 1


async def test_every_mistake_in_the_edit_form_shows_at_once(app: FastAPI) -> None:
    async with browser_like(app) as client:
        await sign_up(client)
        await create_token(client, "kept")
        [token_id] = await token_ids(client)
        path = f"/api/tokens/{token_id}/edit"
        fields = {"name": " ", "expires_at": "someday", "allowed_ips": "anywhere"}
        refused = await submit(client, path, path, fields)
        assert refused.status_code == 422
        targets = [target for target, _ in summary_links(refused)]
        assert targets == ["token-name", "edit-permissions", "token-expires", "token-allowed-ips"]
        assert beside(refused, "expires_at") == "Enter the expiry day as a date, like 2027-11-21."
        [token] = (await client.get("/account/api-tokens")).json()["data"]
        assert (token["name"], token["permissions"]) == ("kept", ["bots:read"])


async def test_every_mistake_in_the_sign_up_form_shows_at_once(app: FastAPI) -> None:
    async with browser_like(app) as client:
        fields = {"email": "not an address", "password": "short", "password_again": "other"}
        refused = await submit(client, "/register", "/register", fields)
        assert refused.status_code == 422
        assert [target for target, _ in summary_links(refused)] == [
            "email",
            "password",
            "password_again",
        ]
        assert beside(refused, "password") == "Password must be 8 to 256 characters long."
        assert 'value="not an address"' in refused.text
        welcome = {"email": "fixed@example.com", "password": PASSWORD, "password_again": PASSWORD}
        registered = await client.post(
            "/register", data={"csrf_token": csrf_of(refused), **welcome}
        )
        assert registered.status_code == 303


async def test_addresses_that_only_take_forms_lead_back_to_their_page(app: FastAPI) -> None:
    async with browser_like(app) as client:
        await sign_up(client)
        await create_token(client, "kept")
        [token_id] = await token_ids(client)
        for address, page in (
            ("/api/tokens", "/api"),
            (f"/api/tokens/{token_id}/extend", f"/api/tokens/{token_id}/edit"),
            ("/logout", "/"),
        ):
            reopened = await client.get(address, headers=BROWSER)
            assert (reopened.status_code, reopened.headers["location"]) == (303, page), address
        # The older address of the create form still takes a form, and stays a page.
        refused = await submit(client, "/api", "/api/tokens", {"name": "no permissions"})
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("text/html")


async def test_a_browser_gets_a_page_for_an_unknown_address_and_api_clients_keep_the_envelope(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/nope", "/api/nope", "/bots/ABC/nope", "/settings"):
        page = await client.get(path, headers=BROWSER)
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html")
        assert "<h1>Page not found</h1>" in page.text
        assert "Nothing is at this address" in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
    platform = {"success": False, "message": "Route not found", "data": None}
    for path, body in (
        ("/nope", platform),  # a client that does not ask for HTML
        ("/account/nope", platform),
        ("/auth/nope", platform),
        ("/user/nope", {"error": ["Route not found"], "result": None}),
    ):
        headers = {} if path == "/nope" else BROWSER
        answer = await client.get(path, headers=headers)
        assert (answer.status_code, answer.json()) == (404, body), path
    # /v1 is the guard's: a browser there gets the same answer as any client.
    guarded = await client.get("/v1/nope", headers=BROWSER)
    assert guarded.headers["content-type"] == "application/json"
    assert guarded.json()["message"] == "Not authenticated"


async def test_a_browser_gets_a_page_for_a_method_an_address_does_not_take(
    client: httpx.AsyncClient,
) -> None:
    page = await client.put("/login", headers=BROWSER)
    assert page.status_code == 405
    assert "only takes forms sent from keystead" in page.text
    assert "GET" in page.headers["allow"]
    api = await client.put("/healthz", headers=BROWSER)
    assert (api.status_code, api.json()["message"]) == (405, "Method not allowed")


async def test_a_revoked_token_no_longer_says_its_old_secret_works(app: FastAPI) -> None:
    async with browser_like(app) as client:
        await sign_up(client)
        await create_token(client, "rolled")
        [token_id] = await token_ids(client)
        roll = f"/api/tokens/{token_id}/roll"
        assert (await submit(client, roll, roll, {"grace_period": "24h"})).status_code == 303
        listing = (await client.get("/api")).text
        assert "works until" in listing
        revoke = f"/api/tokens/{token_id}/revoke"
        assert (await submit(client, revoke, revoke, {})).status_code == 303
        listing = (await client.get("/api")).text
        assert "revoked" in listing
        assert "old secret" not in listing
        assert "works until" not in listing
