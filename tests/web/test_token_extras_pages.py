"""The API page's rolling, allowed addresses, unused flag and usage charts, over HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from fastapi import FastAPI

from keystead.app import create_app
from keystead.clock import FixedClock
from keystead.config import Settings
from tests.web.pages import browser_like, create_token, sign_up, submit
from tests.web.test_pages import TOKEN, token_ids


async def _new_secret(client: httpx.AsyncClient) -> str:
    page = await client.get("/api")
    shown: list[str] = TOKEN.findall(page.text)
    [secret] = shown
    return secret


async def _status(client: httpx.AsyncClient, secret: str) -> int:
    return (await client.get("/v1/bots", headers={"Authorization": f"Bearer {secret}"})).status_code


async def test_rolling_from_the_page_shows_the_new_secret_once_and_keeps_the_old_for_the_grace(
    app: FastAPI, clock: FixedClock
) -> None:
    async with browser_like(app) as client:
        await sign_up(client)
        await create_token(client, "deploy")
        old = await _new_secret(client)
        [token_id] = await token_ids(client)
        roll_page = await client.get(f"/api/tokens/{token_id}/roll")
        assert 'value="1h" checked' in roll_page.text
        rolled = await submit(
            client,
            f"/api/tokens/{token_id}/roll",
            f"/api/tokens/{token_id}/roll",
            {"grace_period": "24h"},
        )
        assert rolled.status_code == 303
        listing = await client.get("/api")
        [new] = TOKEN.findall(listing.text)
        assert new != old
        assert "The old secret works until" in listing.text
        assert f"old secret <code>kst_...{old[-4:]}</code> works until" in listing.text
        assert await _status(client, old) == 200
        assert await _status(client, new) == 200
        clock.advance(timedelta(hours=24))
        assert await _status(client, old) == 401
        assert await _status(client, new) == 200
        bad = await submit(
            client,
            f"/api/tokens/{token_id}/roll",
            f"/api/tokens/{token_id}/roll",
            {"grace_period": "forever"},
        )
        assert bad.status_code == 422
        assert "Choose how long the current secret keeps working." in bad.text
        assert await _status(client, new) == 200  # nothing rolled


async def test_allowed_addresses_are_set_and_explained_on_the_forms(app: FastAPI) -> None:
    async with browser_like(app) as client:  # its address is 198.51.100.9
        await sign_up(client)
        refused = await submit(
            client,
            "/api",
            "/api/tokens",
            {"name": "office", "permissions": ["bots:read"], "allowed_ips": "10.0.0.1/8"},
        )
        assert refused.status_code == 422
        assert "the range is 10.0.0.0/8" in refused.text
        assert await token_ids(client) == []
        created = await submit(
            client,
            "/api",
            "/api/tokens",
            {
                "name": "office",
                "permissions": ["bots:read"],
                "allowed_ips": "203.0.113.7\n2001:db8::/32",
            },
        )
        assert created.status_code == 303
        secret = await _new_secret(client)
        assert await _status(client, secret) == 401  # this client is elsewhere
        [token_id] = await token_ids(client)
        edit = await client.get(f"/api/tokens/{token_id}/edit")
        assert "203.0.113.7\n2001:db8::/32</textarea>" in edit.text
        listing = await client.get("/api")
        assert "only from 2 addresses" in listing.text
        saved = await submit(
            client,
            f"/api/tokens/{token_id}/edit",
            f"/api/tokens/{token_id}/edit",
            {
                "name": "office",
                "permissions": ["bots:read"],
                "expires_at": re.findall(r'name="expires_at"[^>]*value="([^"]+)"', edit.text)[0],
                "allowed_ips": "198.51.100.0/24",
            },
        )
        assert saved.status_code == 303, saved.text
        assert await _status(client, secret) == 200


async def test_usage_is_charted_per_token_and_for_the_account(app: FastAPI) -> None:
    async with browser_like(app) as client:
        await sign_up(client)
        await create_token(client, "charted")
        secret = await _new_secret(client)
        [token_id] = await token_ids(client)
        for _ in range(3):
            await _status(client, secret)
        await client.get("/v1/account", headers={"Authorization": f"Bearer {secret}"})  # 403
        page = await client.get(f"/api/tokens/{token_id}/usage")
        assert page.status_code == 200
        assert '<dd id="usage-requests">4</dd>' in page.text
        assert '<dd id="usage-2xx">3</dd>' in page.text
        assert '<dd id="usage-4xx">1</dd>' in page.text
        assert '<dd id="usage-clients">1</dd>' in page.text
        assert 'id="usage-hourly"' in page.text
        assert 'id="usage-daily"' in page.text
        assert "<title>" in page.text
        assert re.search(r'class="bar bar-2xx"[^>]*><title>[^<]*: 3 2xx</title>', page.text)
        listing = await client.get("/api")
        assert 'id="account-usage"' in listing.text
        assert "4 requests in all" in listing.text


async def test_unused_tokens_are_flagged_in_the_list(settings: Settings, clock: FixedClock) -> None:
    # A shorter period than the default 90 days, so the session (14 days) still holds.
    app = create_app(settings.model_copy(update={"unused_token_days": 7}), clock=clock)
    async with app.router.lifespan_context(app), browser_like(app) as client:
        await sign_up(client)
        await create_token(client, "forgotten")
        await create_token(client, "busy")
        busy = await _new_secret(client)
        clock.advance(timedelta(days=7))
        await _status(client, busy)
        listing = await client.get("/api")
        assert listing.text.count("unused for 7+ days") == 1
        forgotten_row = listing.text.split("forgotten")[1].split("</tr>")[0]
        assert "unused for 7+ days" in forgotten_row
