"""POST /security/leaked-tokens: a scanner's report revokes ours, tells nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from keystead.access import tokens
from keystead.config import Settings
from keystead.runtime import Runtime
from keystead.store.models import MailMessage
from tests.backends import Backend
from tests.factories import User, bearer, sign_up
from tests.wallet.conftest import wallet_sign_in

SCANNER_SECRET = "scanner-secret-0123456789-abcdefghij"
SCANNER = bearer(SCANNER_SECRET)
# Refusals at the edge of the route do not depend on the storage backend.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def settings(backend: Backend) -> Settings:
    return backend.settings(last_used_flush_seconds=0.05, leak_report_secret=SCANNER_SECRET)


async def outbox(runtime: Runtime) -> list[MailMessage]:
    """The mail about leaks (registration's verification mail left out)."""
    statement = select(MailMessage).where(MailMessage.subject.contains("published"))
    async with runtime.db.read() as session:
        return list((await session.execute(statement)).scalars())


async def works(client: httpx.AsyncClient, token: str) -> bool:
    status = (await client.get("/v1/account", headers=bearer(token))).status_code
    assert status in (200, 401)
    return status == 200


def github_report(*found: str) -> list[dict[str, Any]]:
    return [
        {
            "token": value,
            "type": "keystead_api_token",
            "url": "https://github.com/octo/demo/blob/main/.env",
            "source": "content",
        }
        for value in found
    ]


async def test_a_reported_token_is_revoked_its_owner_emailed_and_the_event_audited(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    owner = await sign_up(client)
    leaked = await owner.create_token(["account:read"], name="laptop script")
    kept = await owner.create_token(["account:read"], name="server")
    assert await works(client, leaked["token"])

    stranger = tokens.mint("kst")  # well formed, checksum valid, not ours
    report = github_report(leaked["token"], stranger, "ghp_notoursatall", "kst_garbage")
    answer = await client.post("/security/leaked-tokens", json=report, headers=SCANNER)
    assert answer.status_code == 200
    assert answer.json() == {"success": True, "message": "Report received", "data": {"received": 4}}

    assert not await works(client, leaked["token"])  # at once, on the very next request
    assert await works(client, kept["token"])
    [mail] = await outbox(runtime)
    assert mail.to_address == owner.email
    assert (
        mail.subject
        == 'Your keystead API token "laptop script" was found published and has been revoked'
    )
    assert leaked["preview"] in mail.text_body
    assert "https://github.com/octo/demo/blob/main/.env" in mail.text_body
    assert leaked["token"] not in mail.text_body + mail.html_body

    [entry] = [e for e in await audit(owner) if e["action"] == "token.leaked"]
    assert entry["actor"] == "scanner"
    assert entry["credential"] == {"id": leaked["id"], "preview": leaked["preview"]}
    assert entry["details"]["source_url"] == "https://github.com/octo/demo/blob/main/.env"
    listed = await owner.request("GET", "/account/api-tokens")
    statuses = {t["id"]: t["status"] for t in listed.json()["data"]}
    assert statuses == {leaked["id"]: "revoked", kept["id"]: "active"}

    # Reported again (scanners repeat themselves): the same answer, no second email.
    again = await client.post("/security/leaked-tokens", json=report, headers=SCANNER)
    assert again.json() == answer.json()
    assert len(await outbox(runtime)) == 1


async def audit(user: User) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = (await user.request("GET", "/account/audit")).json()["data"]
    return entries


async def test_the_answer_does_not_reveal_which_strings_were_ours(
    client: httpx.AsyncClient,
) -> None:
    owner = await sign_up(client)
    ours = await owner.create_token(["account:read"])
    mixed = await client.post(
        "/security/leaked-tokens",
        json={"tokens": [ours["token"], tokens.mint("kst")]},
        headers=SCANNER,
    )
    none_ours = await client.post(
        "/security/leaked-tokens",
        json={"tokens": [tokens.mint("kst"), tokens.mint("kst")]},
        headers=SCANNER,
    )
    assert mixed.status_code == none_ours.status_code == 200
    assert mixed.content == none_ours.content
    assert not await works(client, ours["token"])


async def test_a_leaked_account_key_is_disabled_too(client: httpx.AsyncClient) -> None:
    wallet = await wallet_sign_in(client)
    key = (await wallet.user_api("PUT", "/generate")).json()["result"]["apiKey"]
    assert await works(client, key)
    await client.post("/security/leaked-tokens", json={"tokens": [key]}, headers=SCANNER)
    assert not await works(client, key)
    assert (await wallet.user_api("GET")).json() == {"error": [], "result": {"apiKey": None}}


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("not the scanner secret, though long enough"), {"Authorization": SCANNER_SECRET}],
    ids=["none", "wrong", "not-bearer"],
)
@SQLITE_ONLY
async def test_only_the_scanner_secret_may_report(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    owner = await sign_up(client)
    token = await owner.create_token(["account:read"])
    refused = await client.post(
        "/security/leaked-tokens", json={"tokens": [token["token"]]}, headers=headers
    )
    assert refused.status_code == 401
    assert refused.json() == {"success": False, "message": "Not authenticated", "data": None}
    assert await works(client, token["token"])


@pytest.mark.parametrize(
    "body",
    [[], {"tokens": []}, {"tokens": ["x" * 129]}, {"tokens": ["a"], "revoke_all": True}, "kst_x"],
    ids=["empty-list", "no-tokens", "too-long", "unknown-field", "not-a-list"],
)
@SQLITE_ONLY
async def test_malformed_reports_are_422_and_change_nothing(
    client: httpx.AsyncClient, body: Any
) -> None:
    refused = await client.post("/security/leaked-tokens", json=body, headers=SCANNER)
    assert refused.status_code == 422
    assert refused.json()["message"].startswith("Invalid input: ")
