"""The pages over HTTP: sign-in redirects, CSRF on every form, security headers,
errors in place with nothing half-written, a new token shown exactly once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from keystead.web.forms import local_path
from keystead.web.security import CONTENT_SECURITY_POLICY
from tests.factories import PASSWORD
from tests.web.pages import browser_like, create_token, csrf_of, sign_up, submit

TOKEN = re.compile(r"kst_[0-9A-Za-z]{38}")


async def token_ids(client: httpx.AsyncClient) -> list[str]:
    page = await client.get("/api")
    return re.findall(r'<tr id="token-([A-Z0-9]{10})"', page.text)


async def test_pages_send_signed_out_visitors_to_sign_in_and_back(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/api", "/bots", "/wallet", "/settings/api"):
        response = await client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={path}"
    login = await client.get("/login?next=/bots")
    email_password = {"email": "nobody@example.com", "password": "wrong"}
    refused = await client.post(
        "/login", data={"csrf_token": csrf_of(login), "next": "/bots", **email_password}
    )
    assert refused.status_code == 401
    assert "Invalid email or password" in refused.text
    assert 'value="/bots"' in refused.text


async def test_sign_in_returns_to_the_page_asked_for_and_never_off_site(app: FastAPI) -> None:
    async with browser_like(app) as client:
        email = await sign_up(client)
        await submit(client, "/api", "/logout", {})
        for asked, landed in (
            ("/bots", "/bots"),
            ("//evil.example/x", "/api"),
            ("https://evil.example", "/api"),
        ):
            page = await client.get("/login")
            signed_in = await client.post(
                "/login",
                data={
                    "csrf_token": csrf_of(page),
                    "email": email,
                    "password": PASSWORD,
                    "next": asked,
                },
            )
            assert (signed_in.status_code, signed_in.headers["location"]) == (303, landed)
            await submit(client, "/api", "/logout", {})


async def test_every_form_needs_its_csrf_token(app: FastAPI) -> None:
    async with browser_like(app) as client:
        await sign_up(client)
        fields = {"name": "forged", "permissions": "bots:read"}
        for token in (None, "", "forged-token"):
            data = fields if token is None else {**fields, "csrf_token": token}
            forged = await client.post("/api", data=data)
            assert forged.status_code == 403
            assert "This form has expired or did not come from this site" in forged.text
        assert await token_ids(client) == []
        # Signing in and signing out are forms too.
        assert (await client.post("/logout", data={})).status_code == 403
        assert (await client.get("/api")).status_code == 200
    async with browser_like(app) as stranger:
        login = await stranger.post("/login", data={"email": "a@example.com", "password": "x"})
        assert login.status_code == 403


async def test_a_form_token_from_another_browser_does_not_pass(app: FastAPI) -> None:
    async with browser_like(app) as mine, browser_like(app) as theirs:
        await sign_up(mine)
        await sign_up(theirs)
        their_token = csrf_of(await theirs.get("/api"))
        forged = await mine.post(
            "/api",
            data={"csrf_token": their_token, "name": "x", "permissions": "bots:read"},
        )
        assert forged.status_code == 403
        assert await token_ids(mine) == []


async def test_pages_carry_the_security_headers(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    policy = page.headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    assert "<script>" not in page.text
    assert " style=" not in page.text
    script = await client.get("/static/keystead.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]


async def test_a_new_token_is_shown_once_and_only_to_its_session(app: FastAPI) -> None:
    async with browser_like(app) as client, browser_like(app) as other:
        await sign_up(client)
        await sign_up(other)
        created = await create_token(client, "once")
        assert (created.status_code, created.headers["location"]) == (303, "/api")
        assert not TOKEN.search(created.text)
        flash_cookie = created.cookies["keystead_flash"]
        # The sealed notice is bound to the session that made it.
        other.cookies.set("keystead_flash", flash_cookie)
        stolen = await other.get("/api")
        assert not TOKEN.search(stolen.text)

        first = await client.get("/api")
        shown = TOKEN.findall(first.text)
        assert len(shown) == 1
        assert "it will not be shown again" in first.text
        again = await client.get("/api")
        assert not TOKEN.search(again.text)
        used = await client.get("/v1/bots", headers={"Authorization": f"Bearer {shown[0]}"})
        assert used.status_code == 200


async def test_create_form_errors_show_in_place_and_create_nothing(app: FastAPI) -> None:
    async with browser_like(app) as client:
        await sign_up(client)
        cases = [
            ({"name": "", "permissions": "bots:read"}, "Give the token a name"),
            ({"name": "x"}, "Choose at least one permission."),
            ({"name": "x", "permissions": "bots:fly"}, "unknown permission(s): bots:fly"),
            (
                {"name": "x", "permissions": "bots:read", "expires_at": "next year"},
                "Enter the expiry day as a date, like 2027-11-21.",
            ),
            (
                {"name": "x", "permissions": "bots:read", "expires_at": "2001-01-01"},
                "The expiry day must be today or later.",
            ),
            (
                {"name": "x", "permissions": "bots:read", "expires_at": "2999-01-01"},
                "at most 366 days ahead",
            ),
        ]
        for fields, reason in cases:
            response = await submit(client, "/api", "/api", fields)
            assert response.status_code == 422, (fields, response.status_code)
            assert reason in response.text, fields
            assert '<details class="create" open>' in response.text
            assert f'value="{fields["name"]}"' in response.text
        assert await token_ids(client) == []


async def test_editing_saves_only_what_changed_and_extending_moves_expiry(
    app: FastAPI,
) -> None:
    async with browser_like(app) as client:
        await sign_up(client)
        await create_token(client, "editable", ["bots:read", "account:read"])
        [token_id] = await token_ids(client)
        edit_path = f"/api/tokens/{token_id}/edit"
        before = await client.get("/account/api-tokens")
        expires_before = before.json()["data"][0]["expires_at"]
        saved = await submit(
            client,
            edit_path,
            edit_path,
            {"name": "edited", "permissions": "bots:read", "expires_at": expires_before[:10]},
        )
        assert saved.status_code == 303
        [token] = (await client.get("/account/api-tokens")).json()["data"]
        assert (token["name"], token["permissions"]) == ("edited", ["bots:read"])
        assert token["expires_at"] == expires_before  # same day chosen: time of day kept

        refused = await submit(
            client, edit_path, edit_path, {"name": "edited", "expires_at": expires_before[:10]}
        )
        assert refused.status_code == 422
        assert "Choose at least one permission." in refused.text
        extended = await submit(client, edit_path, f"/api/tokens/{token_id}/extend", {})
        assert extended.status_code == 303
        [token] = (await client.get("/account/api-tokens")).json()["data"]
        assert token["permissions"] == ["bots:read"]
        assert token["expires_at"] >= expires_before


async def test_another_accounts_token_is_not_found(app: FastAPI) -> None:
    async with browser_like(app) as owner, browser_like(app) as other:
        await sign_up(owner)
        await sign_up(other)
        await create_token(owner, "mine")
        [token_id] = await token_ids(owner)
        for path in (f"/api/tokens/{token_id}/edit", f"/api/tokens/{token_id}/revoke"):
            response = await other.get(path)
            assert response.status_code == 404
            assert "Token not found" in response.text
        csrf = csrf_of(await other.get("/api"))
        for action in ("revoke", "extend", "edit"):
            response = await other.post(
                f"/api/tokens/{token_id}/{action}",
                data={"csrf_token": csrf, "name": "taken", "permissions": "bots:read"},
            )
            assert response.status_code == 404, action
        [token] = (await owner.get("/account/api-tokens")).json()["data"]
        assert (token["name"], token["status"]) == ("mine", "active")


async def test_revoking_from_the_page_asks_first(app: FastAPI) -> None:
    async with browser_like(app) as client:
        await sign_up(client)
        await create_token(client, "doomed")
        [token_id] = await token_ids(client)
        confirm = await client.get(f"/api/tokens/{token_id}/revoke")
        assert "Revoke token “doomed”?" in confirm.text
        [token] = (await client.get("/account/api-tokens")).json()["data"]
        assert token["status"] == "active"
        revoked = await client.post(
            f"/api/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(confirm)}
        )
        assert revoked.status_code == 303
        [token] = (await client.get("/account/api-tokens")).json()["data"]
        assert token["status"] == "revoked"


async def test_terms_must_be_acknowledged_before_tokens(app: FastAPI) -> None:
    async with browser_like(app) as client:
        await sign_up(client, accept_terms=False)
        page = await client.get("/api")
        assert "You have not accepted the API terms yet" in page.text
        assert "Create Token" not in page.text
        unticked = await submit(client, "/settings/api", "/settings/api", {"version": "1"})
        assert unticked.status_code == 422
        assert "Tick the box" in unticked.text
        refused = await create_token(client)
        assert refused.status_code == 403
        assert "You have not accepted the API terms yet" in refused.text
        account = (await client.get("/account")).json()["data"]
        assert account["terms_accepted_version"] is None


async def test_sign_up_errors_show_in_place(app: FastAPI) -> None:
    async with browser_like(app) as client:
        email = await sign_up(client)
        await submit(client, "/api", "/logout", {})
        fields = {"email": "new@example.com", "password": PASSWORD, "password_again": "other"}
        mismatch = await submit(client, "/register", "/register", fields)
        assert mismatch.status_code == 422
        assert "The two passwords differ" in mismatch.text
        assert 'value="new@example.com"' in mismatch.text
        taken = {"email": email, "password": PASSWORD, "password_again": PASSWORD}
        response = await submit(client, "/register", "/register", taken)
        assert response.status_code == 409
        short = {"email": "short@example.com", "password": "x", "password_again": "x"}
        response = await submit(client, "/register", "/register", short)
        assert response.status_code == 422
        assert 'id="password-error"' in response.text


async def test_wallet_page_is_for_wallet_accounts_and_errors_are_pages(app: FastAPI) -> None:
    async with browser_like(app) as client:
        await sign_up(client)
        wallet = await client.get("/wallet")
        assert wallet.status_code == 404
        assert "Account API key not found" in wallet.text
        missing = await client.get("/bots/NOSUCHBOT0")
        assert missing.status_code == 404
        assert "Bot not found" in missing.text
        assert missing.headers["content-type"].startswith("text/html")
        # The JSON API keeps its envelopes.
        api = await client.get("/v1/bots/NOSUCHBOT0")
        assert api.json() == {"success": False, "message": "Not authenticated", "data": []}


async def test_a_failing_page_does_not_swallow_the_new_token(app: FastAPI) -> None:
    async with browser_like(app) as client:
        await sign_up(client)
        await create_token(client, "kept")
        missing = await client.get("/bots/NOSUCHBOT0")
        assert missing.status_code == 404
        assert not TOKEN.search(missing.text)
        assert len(TOKEN.findall((await client.get("/api")).text)) == 1


async def test_unreadable_forms_answer_a_page_not_json(app: FastAPI) -> None:
    async with browser_like(app) as client:
        await sign_up(client)
        csrf = csrf_of(await client.get("/api"))
        crowded = {"csrf_token": csrf, **{f"field{n}": "x" for n in range(80)}}
        response = await client.post("/api/tokens", data=crowded)
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("text/html")
        assert "The form could not be read" in response.text
        assert await token_ids(client) == []


async def test_a_chosen_expiry_day_lasts_to_its_end_in_utc(app: FastAPI) -> None:
    async with browser_like(app) as client:
        await sign_up(client)
        day = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
        created = await submit(
            client,
            "/api",
            "/api",
            {"name": "dated", "permissions": "bots:read", "expires_at": day},
        )
        assert created.status_code == 303
        [token] = (await client.get("/account/api-tokens")).json()["data"]
        assert token["expires_at"] == f"{day}T23:59:59Z"
        edit_path = f"/api/tokens/{token['id']}/edit"
        cleared = await submit(
            client,
            edit_path,
            edit_path,
            {"name": "dated", "permissions": "bots:read", "expires_at": ""},
        )
        assert cleared.status_code == 422
        assert "Choose the day the token expires." in cleared.text


def test_only_plain_local_paths_are_followed_after_sign_in() -> None:
    for path in ("/bots", "/bots/ABC?x=1", "/api"):
        assert local_path(path, "/api") == path
    for path in (
        "//evil.example",
        "/\t/evil.example",
        "/\\evil.example",
        "https://evil.example",
        "evil",
        "/a b",
        "/" + "x" * 600,
    ):
        assert local_path(path, "/api") == "/api", path


async def test_tokens_close_to_expiry_are_highlighted(app: FastAPI) -> None:
    async with browser_like(app) as client:
        await sign_up(client)
        soon = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()
        await submit(
            client,
            "/api",
            "/api",
            {"name": "soon", "permissions": "bots:read", "expires_at": soon},
        )
        await create_token(client, "later")
        page = (await client.get("/api")).text
        rows = dict(
            re.findall(
                r'<tr id="token-[A-Z0-9]{10}" class="([^"]*)">\s*<th scope="row">(\w+)', page
            )
        )
        by_name = {name: classes for classes, name in rows.items()}
        assert "expiring-soon" in by_name["soon"]
        assert "expiring-soon" not in by_name["later"]
        assert page.count("expires within 30 days") == 1
