"""What the pages ask before they act: a live bot is switched only after a page says
it trades real money, and the wallet key is replaced only after a page says the key in
use stops; the key needs the API terms, and its hourly limit is said in words."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from eth_account import Account
from fastapi import FastAPI

from keystead.clock import FixedClock
from keystead.runtime import Runtime
from keystead.trading.context import trading_of
from tests.factories import make_bot
from tests.wallet.conftest import challenge, sign
from tests.web.pages import browser_like, csrf_of, sign_up, submit

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
COOLDOWN_MESSAGE = "Error generating API key, regenen timeout: 1h"


async def bot_status(runtime: Runtime, account_id: int, number: str) -> str:
    details = await trading_of(runtime).bots.get(account_id, number, include_details=False)
    return details.bot.status


async def test_a_live_bot_is_switched_only_after_the_page_that_asks(
    app: FastAPI, runtime: Runtime
) -> None:
    async with browser_like(app) as client:
        email = await sign_up(client)
        account = await runtime.accounts.find(email)
        assert account is not None
        live = await make_bot(runtime, account.id, is_paper=False, name="Real money")
        paper = await make_bot(runtime, account.id, name="Practice")
        listing = await client.get("/bots")
        # The live bot's button is a link to the question; the paper bot's is a form.
        assert f'href="/bots/{live.number}/disable?back=/bots"' in listing.text
        assert f'action="/bots/{live.number}/disable"' not in listing.text
        assert f'action="/bots/{paper.number}/disable"' in listing.text

        # A form without the answer (a page from before, or forged) only asks.
        unasked = await submit(client, "/bots", f"/bots/{live.number}/disable", {"back": "/bots"})
        assert unasked.status_code == 303
        assert unasked.headers["location"] == f"/bots/{live.number}/disable?back=/bots"
        assert await bot_status(runtime, account.id, live.number) == "Enabled"

        question = await client.get(unasked.headers["location"])
        assert "Disable live bot “Real money”?" in question.text
        assert "This bot trades real money" in question.text
        assert 'name="confirmed" value="yes"' in question.text
        answered = await client.post(
            f"/bots/{live.number}/disable",
            data={"csrf_token": csrf_of(question), "back": "/bots", "confirmed": "yes"},
        )
        assert (answered.status_code, answered.headers["location"]) == (303, "/bots")
        assert await bot_status(runtime, account.id, live.number) == "Disabled"
        assert "Bot “Real money” is disabled." in (await client.get("/bots")).text

        question = await client.get(f"/bots/{live.number}/enable?back=/bots/{live.number}")
        assert "Enable live bot “Real money”?" in question.text
        assert f'href="/bots/{live.number}" class="button secondary">Cancel' in question.text
        assert await bot_status(runtime, account.id, live.number) == "Disabled"

        switched = await submit(client, "/bots", f"/bots/{paper.number}/disable", {})
        assert switched.status_code == 303
        assert await bot_status(runtime, account.id, paper.number) == "Disabled"


async def wallet_page_sign_in(client: httpx.AsyncClient) -> None:
    """Sign in with a new wallet as the login page's script does; the cookie is kept."""
    wallet = Account.create()
    message = await challenge(client, wallet.address)
    signed = await client.post(
        "/auth/wallet/login", json={"message": message, "signature": sign(wallet, message)}
    )
    assert signed.status_code == 200, signed.text


async def accept_terms(client: httpx.AsyncClient, then: str) -> httpx.Response:
    terms = await client.get(f"/settings/api?next={then}")
    version = re.search(r'name="version" value="(\d+)"', terms.text)
    assert version
    return await client.post(
        "/settings/api",
        data={
            "csrf_token": csrf_of(terms),
            "version": version.group(1),
            "agree": "yes",
            "next": then,
        },
    )


def shown_key(page: httpx.Response) -> str | None:
    found = re.search(r'<code id="account-key" class="secret">([^<]+)</code>', page.text)
    return found.group(1) if found else None


async def test_the_account_key_needs_the_api_terms_the_page_cites(app: FastAPI) -> None:
    async with browser_like(app) as client:
        await wallet_page_sign_in(client)
        page = await client.get("/wallet")
        assert "You have not accepted the API terms yet" in page.text
        assert 'href="/settings/api?next=/wallet"' in page.text
        assert '<button type="button" class="button" disabled' in page.text
        assert 'action="/wallet/key/generate"' not in page.text
        refused = await submit(client, "/wallet", "/wallet/key/generate", {})
        assert refused.status_code == 403
        assert "You have not accepted the API terms yet" in refused.text
        assert shown_key(await client.get("/wallet")) is None

        accepted = await accept_terms(client, "/wallet")
        assert (accepted.status_code, accepted.headers["location"]) == (303, "/wallet")
        page = await client.get("/wallet")
        assert "You can make your account API key now." in page.text
        made = await submit(client, "/wallet", "/wallet/key/generate", {})
        assert (made.status_code, made.headers["location"]) == (303, "/wallet")
        assert shown_key(await client.get("/wallet")) is not None


async def test_regenerating_asks_first_and_the_hourly_limit_is_said_in_words(
    app: FastAPI, clock: FixedClock
) -> None:
    async with browser_like(app) as client:
        await wallet_page_sign_in(client)
        await accept_terms(client, "/wallet")
        clock.set(clock.now().replace(second=30))
        await submit(client, "/wallet", "/wallet/key/generate", {})
        page = await client.get("/wallet")
        first = shown_key(page)
        assert first is not None
        # Within the hour: no button that would be refused, and when it will work (to
        # the minute, rounded up: the clock has seconds).
        at = clock.now().replace(second=0, microsecond=0) + timedelta(hours=1, minutes=1)
        again_at = at.strftime("%H:%M")
        assert '<button type="button" class="button" disabled' in page.text
        assert "You can make a new key again at <time" in page.text
        assert f">{again_at} UTC</time>" in page.text
        assert "(in 61 minutes)" in page.text
        assert "regenen" not in page.text
        refused = await submit(client, "/wallet", "/wallet/key/generate", {"confirmed": "yes"})
        assert refused.status_code == 429
        assert f">{again_at} UTC</time>" in refused.text
        assert "regenen" not in refused.text

        clock.advance(timedelta(minutes=61))
        page = await client.get("/wallet")
        assert '<a class="button" href="/wallet/key/generate">Regenerate key</a>' in page.text
        unasked = await submit(client, "/wallet", "/wallet/key/generate", {})
        assert (unasked.status_code, unasked.headers["location"]) == (303, "/wallet/key/generate")
        assert shown_key(await client.get("/wallet")) == first
        question = await client.get("/wallet/key/generate")
        assert "Regenerate your account API key?" in question.text
        assert "The key in use stops working at once" in question.text
        made = await client.post(
            "/wallet/key/generate", data={"csrf_token": csrf_of(question), "confirmed": "yes"}
        )
        assert made.status_code == 303
        page = await client.get("/wallet")
        assert "A new API key was made. The previous key stopped working." in page.text
        assert shown_key(page) not in (None, first)
        old = await client.get("/v1/account", headers={"Authorization": f"Bearer {first}"})
        assert old.status_code == 401


async def test_the_api_keeps_the_contract_words_for_the_hourly_limit(app: FastAPI) -> None:
    async with browser_like(app) as client:
        wallet = Account.create()
        message = await challenge(client, wallet.address)
        signature = sign(wallet, message)
        await client.post("/auth/wallet/login", json={"message": message, "signature": signature})
        headers = {"Authorization": f"Bearer {signature}"}
        assert (await client.put("/user/api/generate", headers=headers)).status_code == 200
        refused = await client.put("/user/api/generate", headers=headers)
        assert (refused.status_code, refused.json()) == (
            429,
            {"error": [COOLDOWN_MESSAGE], "result": None},
        )
