"""Password reset by email, password change, email verification and the session list,
through the API, on both backends, with mail delivered to a real SMTP server."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from keystead.audit import Actor
from keystead.clock import FixedClock
from keystead.config import Settings
from keystead.runtime import Runtime
from keystead.store.models import AccountLink, MailMessage
from tests.backends import Backend
from tests.factories import PASSWORD, User, sign_up
from tests.mail.conftest import SmtpServer
from tests.server.conftest import free_port

NEW_PASSWORD = "a brand new passphrase"
RESET_ANSWER = {
    "success": True,
    "message": "If an account uses this email address, a link to reset its password is on "
    "its way; it works once, for 30 minutes",
    "data": None,
}
SPENT = (
    "Invalid input: token: this link was used, has expired or was replaced by a newer one; "
    "ask for a new one"
)
PUBLIC_URL = "http://keys.example.com"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(backend: Backend, smtp: SmtpServer) -> Settings:
    # No background delivery during a test: each test delivers when it means to.
    return backend.settings(
        smtp_url=f"smtp://127.0.0.1:{smtp.port}",
        public_url=PUBLIC_URL,
        mail_delivery_seconds=3600,
        last_used_flush_seconds=0.05,
    )


async def deliver(runtime: Runtime) -> None:
    await runtime.passwords.drain()
    await runtime.jobs.delivery.run_once()


async def reset_link(
    client: httpx.AsyncClient, runtime: Runtime, smtp: SmtpServer, email: str
) -> str:
    """Ask for a reset link as the owner would, and read it from the inbox."""
    asked = await client.post("/auth/password-reset", json={"email": email})
    assert asked.json() == RESET_ANSWER
    await deliver(runtime)
    return link_in(smtp, email, "/password/reset")


def link_in(smtp: SmtpServer, to: str, page: str) -> str:
    """The secret of the newest link to `page` mailed to `to`."""
    for message in reversed(smtp.inbox.messages):
        if str(message["To"]) != to:
            continue
        text, _ = smtp.inbox.bodies(smtp.inbox.messages.index(message))
        found = re.search(rf"{re.escape(PUBLIC_URL + page)}\?token=([A-Za-z0-9_-]+)", text)
        if found:
            return found.group(1)
    raise AssertionError(f"no {page} link mailed to {to}")


async def test_a_reset_answers_the_same_for_known_and_unknown_addresses(
    client: httpx.AsyncClient, runtime: Runtime, smtp: SmtpServer
) -> None:
    user = await sign_up(client)
    await deliver(runtime)
    smtp.inbox.messages.clear()
    known = await client.post("/auth/password-reset", json={"email": user.email.upper()})
    unknown = await client.post("/auth/password-reset", json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json() == RESET_ANSWER
    await deliver(runtime)
    assert [str(message["To"]) for message in smtp.inbox.messages] == [user.email]
    assert smtp.inbox.subjects() == ["Reset your keystead password"]


async def test_a_reset_link_sets_the_password_once_and_ends_every_session(
    client: httpx.AsyncClient, runtime: Runtime, smtp: SmtpServer
) -> None:
    user = await sign_up(client)
    secret = await reset_link(client, runtime, smtp, user.email)

    reset = await client.post(
        "/auth/password-reset/confirm", json={"token": secret, "password": NEW_PASSWORD}
    )
    assert reset.status_code == 200, reset.text
    assert reset.json()["message"] == "Password reset; sign in with the new password"
    # The link reached the inbox, so the address is proven as well.
    assert reset.json()["data"]["email_verified_at"] is not None

    # The session from before the reset is gone.
    assert (await user.request("GET", "/account")).status_code == 401
    old = await client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert old.status_code == 401
    new = await client.post("/auth/login", json={"email": user.email, "password": NEW_PASSWORD})
    assert new.status_code == 200

    again = await client.post(
        "/auth/password-reset/confirm", json={"token": secret, "password": "yet another one"}
    )
    assert again.status_code == 422
    assert again.json()["message"] == SPENT

    await deliver(runtime)
    assert smtp.inbox.subjects()[-1] == "Your keystead password was changed"
    actions = await actions_of(runtime, user)
    assert "password.reset" in actions
    assert "password.reset_requested" in actions


async def account_id(runtime: Runtime, user: User) -> int:
    account = await runtime.accounts.find(user.email)
    assert account is not None
    return account.id


async def actions_of(runtime: Runtime, user: User) -> list[str]:
    return [
        event.action for event in await runtime.audit.for_account(await account_id(runtime, user))
    ]


async def test_a_reset_link_expires_after_30_minutes_and_a_newer_one_replaces_it(
    client: httpx.AsyncClient, runtime: Runtime, smtp: SmtpServer, clock: FixedClock
) -> None:
    user = await sign_up(client)
    first = await reset_link(client, runtime, smtp, user.email)
    second = await reset_link(client, runtime, smtp, user.email)
    assert first != second

    body = {"token": first, "password": NEW_PASSWORD}
    replaced = await client.post("/auth/password-reset/confirm", json=body)
    assert (replaced.status_code, replaced.json()["message"]) == (422, SPENT)

    clock.advance(timedelta(minutes=30, seconds=1))
    expired = await client.post(
        "/auth/password-reset/confirm", json={"token": second, "password": NEW_PASSWORD}
    )
    assert (expired.status_code, expired.json()["message"]) == (422, SPENT)
    still = await client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert still.status_code == 200


async def test_reset_requests_are_limited_per_email_and_per_address(
    client: httpx.AsyncClient, runtime: Runtime, smtp: SmtpServer
) -> None:
    # Per email: the fourth request within the hour, whether or not the address exists.
    for _ in range(3):
        ok = await client.post("/auth/password-reset", json={"email": "someone@example.com"})
        assert ok.status_code == 202
    refused = await client.post("/auth/password-reset", json={"email": "SOMEONE@example.com"})
    assert refused.status_code == 429
    assert refused.json() == {"success": False, "message": "Too Many Attempts.", "data": None}
    assert int(refused.headers["Retry-After"]) > 0
    # Per address: ten requests an hour from one client, whatever the emails.
    for n in range(6):
        assert (
            await client.post("/auth/password-reset", json={"email": f"n{n}@example.com"})
        ).status_code == 202
    flood = await client.post("/auth/password-reset", json={"email": "fresh@example.com"})
    assert flood.status_code == 429
    await deliver(runtime)
    assert smtp.inbox.messages == []  # none of these addresses has an account


async def test_a_malformed_reset_request_says_what_to_fix(client: httpx.AsyncClient) -> None:
    missing = await client.post("/auth/password-reset", json={})
    assert missing.status_code == 422
    assert missing.json()["message"] == "Invalid input: email: Field required"
    not_email = await client.post("/auth/password-reset", json={"email": "no at sign"})
    assert not_email.status_code == 422
    assert not_email.json()["message"] == (
        "Invalid input: email: An email address must have an @-sign."
    )
    bad_token = await client.post(
        "/auth/password-reset/confirm", json={"token": "x" * 129, "password": NEW_PASSWORD}
    )
    assert bad_token.status_code == 422
    short = await client.post(
        "/auth/password-reset/confirm", json={"token": "abc", "password": "short"}
    )
    assert short.status_code == 422
    assert "password" in short.json()["message"]


async def test_a_suspended_account_gets_no_reset_mail(
    client: httpx.AsyncClient, runtime: Runtime, smtp: SmtpServer
) -> None:
    user = await sign_up(client)
    await runtime.accounts.set_suspended(user.email, True, by=Actor.operator())
    await deliver(runtime)
    smtp.inbox.messages.clear()
    answer = await client.post("/auth/password-reset", json={"email": user.email})
    assert answer.json() == RESET_ANSWER
    await deliver(runtime)
    assert smtp.inbox.messages == []


async def test_two_redemptions_of_one_link_racing_only_one_wins(
    client: httpx.AsyncClient, runtime: Runtime, smtp: SmtpServer
) -> None:
    user = await sign_up(client)
    secret = await reset_link(client, runtime, smtp, user.email)
    answers = await asyncio.gather(
        *(
            client.post(
                "/auth/password-reset/confirm",
                json={"token": secret, "password": f"{NEW_PASSWORD} {n}"},
            )
            for n in range(4)
        )
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 422, 422, 422]
    winner = next(n for n, answer in enumerate(answers) if answer.status_code == 200)
    login = await client.post(
        "/auth/login", json={"email": user.email, "password": f"{NEW_PASSWORD} {winner}"}
    )
    assert login.status_code == 200


async def test_link_secrets_are_kept_only_as_hashes_and_mail_is_sealed_until_sent(
    client: httpx.AsyncClient, runtime: Runtime, smtp: SmtpServer
) -> None:
    user = await sign_up(client)
    await client.post("/auth/password-reset", json={"email": user.email})
    await runtime.passwords.drain()
    async with runtime.db.read() as session:
        waiting = list((await session.execute(select(MailMessage))).scalars())
        links = list((await session.execute(select(AccountLink))).scalars())
    assert {message.sealed for message in waiting} == {True}
    assert all("token=" not in message.text_body for message in waiting)
    await runtime.jobs.delivery.run_once()
    secret = link_in(smtp, user.email, "/password/reset")
    assert all(secret not in link.id_hash for link in links)
    async with runtime.db.read() as session:
        sent = list((await session.execute(select(MailMessage))).scalars())
    assert all(secret not in message.text_body + message.html_body for message in sent)


async def test_changing_the_password_needs_the_current_one_and_signs_out_elsewhere(
    client: httpx.AsyncClient, runtime: Runtime, smtp: SmtpServer
) -> None:
    user = await sign_up(client)
    elsewhere = await client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    other_cookie = elsewhere.cookies["keystead_session"]
    client.cookies.clear()

    wrong = await user.request(
        "POST",
        "/account/password",
        json={"current_password": "not it!!", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 422
    assert wrong.json()["message"] == (
        "Invalid input: current_password: is not this account's password"
    )
    same = await user.request(
        "POST", "/account/password", json={"current_password": PASSWORD, "new_password": PASSWORD}
    )
    assert same.json()["message"] == (
        "Invalid input: new_password: is the current password; choose a new one"
    )
    changed = await user.request(
        "POST",
        "/account/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 200
    assert changed.json() == {
        "success": True,
        "message": "Password changed; every other session was signed out",
        "data": {"ended": 1},
    }
    assert (await user.request("GET", "/account")).status_code == 200  # this one stays
    client.cookies.set("keystead_session", other_cookie)
    assert (await client.get("/account")).status_code == 401
    client.cookies.clear()
    await deliver(runtime)
    assert "Your keystead password was changed" in smtp.inbox.subjects()
    assert "password.changed" in await actions_of(runtime, user)


async def test_wrong_current_passwords_count_against_the_sign_in_limit(
    client: httpx.AsyncClient,
) -> None:
    user = await sign_up(client)
    body = {"current_password": "a wrong guess", "new_password": NEW_PASSWORD}
    for _ in range(10):  # ten attempts per 15 minutes; the sign-in above cleared the count
        assert (await user.request("POST", "/account/password", json=body)).status_code == 422
    limited = await user.request("POST", "/account/password", json=body)
    assert limited.status_code == 429


async def test_a_password_change_needs_the_csrf_header(client: httpx.AsyncClient) -> None:
    user = await sign_up(client)
    client.cookies.set("keystead_session", user.session_id)
    refused = await client.post(
        "/account/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    client.cookies.clear()
    assert refused.status_code == 403


async def test_the_session_list_names_each_session_and_ends_them(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await sign_up(client)
    second = await client.post(
        "/auth/login",
        json={"email": user.email, "password": PASSWORD},
        headers={"User-Agent": "Phone Browser 1.0"},
    )
    second_cookie = second.cookies["keystead_session"]
    client.cookies.clear()

    listed = (await user.request("GET", "/account/sessions")).json()
    assert listed["message"] == "Sessions retrieved"
    sessions = listed["data"]
    assert [item["current"] for item in sessions] == [True, False]
    assert sessions[1]["user_agent"] == "Phone Browser 1.0"
    assert sessions[0]["client"] == "203.0.113.7"
    assert {item["kind"] for item in sessions} == {"password"}
    assert user.session_id not in str(sessions)
    assert second_cookie not in str(sessions)

    ended = await user.request("DELETE", f"/account/sessions/{sessions[1]['id']}")
    assert ended.json() == {"success": True, "message": "Session ended", "data": None}
    client.cookies.set("keystead_session", second_cookie)
    assert (await client.get("/account")).status_code == 401
    client.cookies.clear()
    again = await user.request("DELETE", f"/account/sessions/{sessions[1]['id']}")
    assert again.status_code == 404
    assert again.json()["message"] == "Session not found"

    # Another account's session is not found either, and stays.
    other = await sign_up(client)
    theirs = (await other.request("GET", "/account/sessions")).json()["data"][0]["id"]
    assert (await user.request("DELETE", f"/account/sessions/{theirs}")).status_code == 404
    assert (await other.request("GET", "/account")).status_code == 200
    for odd in ("%00", "x" * 16, "ABCDEF0123456789" * 4, "'%20OR%201=1"):
        assert (await user.request("DELETE", f"/account/sessions/{odd}")).status_code in {404, 422}


async def test_sign_out_everywhere_else_keeps_only_this_session(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await sign_up(client)
    for _ in range(3):
        await client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    client.cookies.clear()
    answer = await user.request("POST", "/account/sessions/sign-out-others")
    assert answer.json() == {
        "success": True,
        "message": "Signed out everywhere else",
        "data": {"ended": 3},
    }
    remaining = (await user.request("GET", "/account/sessions")).json()["data"]
    assert [item["current"] for item in remaining] == [True]
    assert "sessions.ended" in await actions_of(runtime, user)


async def test_registration_mails_a_verification_link_that_works_once(
    client: httpx.AsyncClient, runtime: Runtime, smtp: SmtpServer
) -> None:
    user = await sign_up(client)
    assert (await user.request("GET", "/account")).json()["data"]["email_verified_at"] is None
    await deliver(runtime)
    assert smtp.inbox.subjects() == ["Confirm your email address for keystead"]
    secret = link_in(smtp, user.email, "/verify-email")
    verified = await client.post("/auth/verify-email", json={"token": secret})
    assert verified.status_code == 200
    assert verified.json()["message"] == "Email address verified"
    assert verified.json()["data"]["email_verified_at"] is not None
    again = await client.post("/auth/verify-email", json={"token": secret})
    assert (again.status_code, again.json()["message"]) == (422, SPENT)
    resend = await user.request("POST", "/account/email/verification")
    assert resend.status_code == 409
    assert resend.json()["message"] == "This email address is already verified"
    assert "email.verified" in await actions_of(runtime, user)


async def test_the_owner_can_ask_for_a_new_verification_link(
    client: httpx.AsyncClient, runtime: Runtime, smtp: SmtpServer
) -> None:
    user = await sign_up(client)
    await deliver(runtime)
    first = link_in(smtp, user.email, "/verify-email")
    resend = await user.request("POST", "/account/email/verification")
    assert resend.status_code == 202
    assert resend.json()["message"] == "A link to verify your email address is on its way"
    await deliver(runtime)
    second = link_in(smtp, user.email, "/verify-email")
    assert first != second
    old = await client.post("/auth/verify-email", json={"token": first})
    assert old.status_code == 422
    assert (await client.post("/auth/verify-email", json={"token": second})).status_code == 200


async def test_odd_spellings_reach_the_one_account_and_control_characters_are_refused(
    client: httpx.AsyncClient, runtime: Runtime, smtp: SmtpServer
) -> None:
    user = await sign_up(client)
    await deliver(runtime)
    smtp.inbox.messages.clear()
    local, domain = user.email.split("@")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in local)
    assert (
        await client.post("/auth/password-reset", json={"email": f"{fullwidth}@{domain}"})
    ).json() == RESET_ANSWER
    await deliver(runtime)
    assert [str(message["To"]) for message in smtp.inbox.messages] == [user.email]
    for odd in (f"{user.email}\u0000", f"\u0007{user.email}", "a" * 321 + "@example.com"):
        refused = await client.post("/auth/password-reset", json={"email": odd})
        assert 400 <= refused.status_code < 500, odd
        assert refused.json()["success"] is False
    await deliver(runtime)
    assert len(smtp.inbox.messages) == 1
