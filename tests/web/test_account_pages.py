"""The account page and the recovery pages over HTTP, on both backends: every form's
refusals in place (status, the page's own address, nothing changed) and its success."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from keystead.audit import Actor
from keystead.runtime import Runtime
from keystead.store.models import Account
from tests.factories import PASSWORD
from tests.web.pages import browser_like, csrf_of, sign_up, submit

NEW_PASSWORD = "a brand new passphrase"


def token_of(url: str) -> str:
    return url.split("token=", 1)[1]


async def account_action(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    return await submit(client, "/settings/account", "/settings/account", fields)


async def notice(client: httpx.AsyncClient, response: httpx.Response) -> str:
    assert (response.status_code, response.headers["location"]) == (303, "/settings/account")
    page = await client.get("/settings/account")
    found = re.search(r'<p role="status">([^<]+)</p>', page.text)
    assert found, page.text
    return found.group(1)


async def test_the_password_form_names_every_mistake_and_changes_nothing_until_right(
    app: FastAPI, runtime: Runtime
) -> None:
    async with browser_like(app) as client, browser_like(app) as other:
        email = await sign_up(client)
        await submit(other, "/login", "/login", {"email": email, "password": PASSWORD})
        refused = await account_action(
            client, action="password", current_password="", new_password="short"
        )
        assert refused.status_code == 422
        assert "3 things to fix" in refused.text
        assert "Type your current password." in refused.text
        assert "The two passwords differ" in refused.text
        wrong = await account_action(
            client,
            action="password",
            current_password="not my password",
            new_password=NEW_PASSWORD,
            new_password_again=NEW_PASSWORD,
        )
        assert wrong.status_code == 422
        assert "is not this account&#39;s password" in wrong.text
        changed = await account_action(
            client,
            action="password",
            current_password=PASSWORD,
            new_password=NEW_PASSWORD,
            new_password_again=NEW_PASSWORD,
        )
        said = await notice(client, changed)
        assert said == "Your password is changed. Signed out 1 other session."
        assert (await other.get("/api")).status_code == 303  # to the sign-in page


async def test_the_session_list_ends_one_session_or_all_others(app: FastAPI) -> None:
    async with browser_like(app) as client, browser_like(app) as other:
        email = await sign_up(client)
        await submit(other, "/login", "/login", {"email": email, "password": PASSWORD})
        page = await client.get("/settings/account")
        ids = re.findall(r'name="session" value="([0-9a-f]{16})"', page.text)
        assert len(ids) == 1  # the other browser; this one has no sign-out button
        assert "This browser" in page.text
        unknown = await account_action(client, action="end", session="0" * 16)
        assert await notice(client, unknown) == "Session not found"
        ended = await account_action(client, action="end", session=ids[0])
        assert await notice(client, ended) == "That session is signed out."
        assert (await other.get("/api")).status_code == 303
        nobody = await account_action(client, action="sign-out-others")
        assert await notice(client, nobody) == "You were signed in nowhere else."
        odd = await account_action(client, action="something else")
        assert "is not one this page offers" in await notice(client, odd)


async def test_verification_is_asked_for_again_and_confirmed_with_a_button(
    app: FastAPI, runtime: Runtime
) -> None:
    async with browser_like(app) as client:
        email = await sign_up(client)
        assert "Not verified" in (await client.get("/settings/account")).text
        resent = await account_action(client, action="verify")
        assert f"A link to verify {email} is on its way" in await notice(client, resent)

        async with runtime.db.transaction() as session:
            account = (
                await session.execute(select(Account).where(Account.email == email))
            ).scalar_one()
            url = await runtime.email_verification.issue(session, account)
        link = f"/verify-email?token={token_of(url)}"
        shown = await client.get(link)  # opening the link verifies nothing
        assert "Confirm my email address" in shown.text
        assert "Not verified" in (await client.get("/settings/account")).text
        confirmed = await client.post(link, data={"csrf_token": csrf_of(shown)})
        assert confirmed.status_code == 200
        assert f"{email} is verified" in confirmed.text
        again = await client.post(link, data={"csrf_token": csrf_of(shown)})
        assert again.status_code == 410
        assert "This link was used, has expired" in again.text
        already = await account_action(client, action="verify")
        assert await notice(client, already) == "This email address is already verified"


async def test_a_forgotten_password_is_reset_through_the_pages(
    app: FastAPI, runtime: Runtime
) -> None:
    async with browser_like(app) as client, browser_like(app) as stranger:
        email = await sign_up(client)
        bad = await submit(stranger, "/password/forgot", "/password/forgot", {"email": "no"})
        assert bad.status_code == 422
        assert "An email address must have an @-sign." in bad.text
        for address in (email, "nobody@example.com"):
            asked = await submit(
                stranger, "/password/forgot", "/password/forgot", {"email": address}
            )
            assert asked.status_code == 200
            assert "a link to reset its password is on its way" in asked.text
        await runtime.passwords.drain()

        _, url = await runtime.passwords.issue_for(email, by=Actor.operator())
        link = f"/password/reset?token={token_of(url)}"
        mismatch = await submit(
            stranger, link, link, {"password": NEW_PASSWORD, "password_again": "other"}
        )
        assert mismatch.status_code == 422
        assert "The two passwords differ" in mismatch.text
        done = await submit(
            stranger, link, link, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
        )
        assert (done.status_code, done.headers["location"]) == (303, "/login")
        assert (await client.get("/api")).status_code == 303  # every session ended
        spent = await stranger.get(link)
        assert spent.status_code == 410
        assert "Ask for a new link" in spent.text
        signed_in = await submit(
            stranger, "/login", "/login", {"email": email, "password": NEW_PASSWORD}
        )
        assert signed_in.status_code == 303


async def test_reset_requests_from_the_page_are_limited_too(app: FastAPI) -> None:
    async with browser_like(app) as client:
        for _ in range(3):
            await submit(client, "/password/forgot", "/password/forgot", {"email": "x@example.com"})
        limited = await submit(
            client, "/password/forgot", "/password/forgot", {"email": "x@example.com"}
        )
        assert limited.status_code == 422
        assert "Too many attempts. Try again in" in limited.text
