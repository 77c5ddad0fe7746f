"""Random interleavings of credential changes on two instances, then a check that every
confirmed answer is what was stored and that exactly the stored secrets work.

Each round fires a seeded random mix of token edits, extensions, rolls and revocations
and account-key generations and disables, all at once, each at a random instance. A
confirmed answer (2xx) must say exactly what its request asked for; afterwards the
stored token must be one that some confirmed answer of the round described (or the one
before the round, if none was confirmed), and on both instances the stored secret works
while every other secret the token ever had fails.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from eth_account import Account

from keystead.access import tokens
from keystead.access.sessions import SESSION_COOKIE
from tests.catalogue import ALL_PERMISSIONS
from tests.factories import PASSWORD
from tests.scaleout.conftest import CONCURRENCY_STATS, ConcurrencyStats, cluster_env, two_instances
from tests.wallet.conftest import sign

SEED = 20_261_204
ROUNDS = 30
OPERATIONS_PER_ROUND = 24
TOKENS = 2
PERMISSIONS = sorted(ALL_PERMISSIONS)
# Few permission sets, so a request often asks for the set already stored: a write
# that then leaves that column out is how an edit could tear.
PERMISSION_SETS = [["account:read"], PERMISSIONS, ["bots:read", "bots:write"]]


@dataclass
class Token:
    id: str
    name: str
    permissions: list[str]
    status: str
    preview: str
    expires_at: str
    secrets: dict[str, str] = field(default_factory=dict)
    """preview -> plain text of every secret the token ever had."""


@dataclass
class Round:
    edits: dict[str, list[tuple[str, list[str]]]] = field(default_factory=dict)
    rolls: dict[str, list[str]] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    generated: list[str] = field(default_factory=list)
    disabled: int = 0


class Fuzz:
    def __init__(self, clients: list[httpx.AsyncClient], csrf: str, wallet: dict[str, str]):
        self.clients = clients
        self.csrf = {"X-CSRF-Token": csrf}
        self.wallet = wallet
        self.mismatches: list[str] = []
        self.operations = 0

    def mismatch(self, what: str) -> None:
        self.mismatches.append(what)

    async def edit(self, rng: random.Random, token: Token, now: Round) -> None:
        name = f"edit-{rng.randrange(10**6)}"
        permissions = sorted(rng.choice(PERMISSION_SETS))
        answer = await rng.choice(self.clients).patch(
            f"/account/api-tokens/{token.id}",
            json={"name": name, "permissions": permissions},
            headers=self.csrf,
        )
        if answer.status_code == 200:
            data = answer.json()["data"]
            if (data["name"], sorted(data["permissions"])) != (name, permissions):
                self.mismatch(f"edit of {token.id} confirmed {data} for {name} {permissions}")
            now.edits.setdefault(token.id, []).append((name, permissions))
        elif answer.status_code != 409:  # 409: revoked meanwhile
            self.mismatch(f"edit of {token.id}: {answer.status_code} {answer.text}")

    async def extend(self, rng: random.Random, token: Token, now: Round) -> None:
        answer = await rng.choice(self.clients).post(
            f"/account/api-tokens/{token.id}/extend", headers=self.csrf
        )
        if answer.status_code not in (200, 409):
            self.mismatch(f"extend of {token.id}: {answer.status_code} {answer.text}")

    async def roll(self, rng: random.Random, token: Token, now: Round) -> None:
        answer = await rng.choice(self.clients).post(
            f"/account/api-tokens/{token.id}/roll", json={"grace_period": "none"}, headers=self.csrf
        )
        if answer.status_code == 200:
            data = answer.json()["data"]
            plain = data["token"]
            if data["preview"] != tokens.preview(plain, "kst"):
                self.mismatch(f"roll of {token.id} confirmed preview {data['preview']}")
            token.secrets[data["preview"]] = plain
            now.rolls.setdefault(token.id, []).append(data["preview"])
        elif answer.status_code != 409:
            self.mismatch(f"roll of {token.id}: {answer.status_code} {answer.text}")

    async def revoke(self, rng: random.Random, token: Token, now: Round) -> None:
        answer = await rng.choice(self.clients).delete(
            f"/account/api-tokens/{token.id}", headers=self.csrf
        )
        if answer.status_code != 200 or answer.json()["data"]["status"] != "revoked":
            self.mismatch(f"revoke of {token.id}: {answer.status_code} {answer.text}")
        now.revoked.add(token.id)

    async def generate_key(self, rng: random.Random, now: Round) -> None:
        answer = await rng.choice(self.clients).put("/user/api/generate", headers=self.wallet)
        if answer.status_code == 200:
            now.generated.append(answer.json()["result"]["apiKey"])
        elif answer.status_code != 429:
            self.mismatch(f"key generation: {answer.status_code} {answer.text}")

    async def disable_key(self, rng: random.Random, now: Round) -> None:
        answer = await rng.choice(self.clients).put("/user/api/disable", headers=self.wallet)
        if answer.status_code != 200:
            self.mismatch(f"key disable: {answer.status_code} {answer.text}")
        now.disabled += 1

    async def run_round(self, rng: random.Random, held: dict[str, Token]) -> Round:
        now = Round()
        calls = []
        for _ in range(OPERATIONS_PER_ROUND):
            token = held[rng.choice(sorted(held))]
            kind = rng.choices(
                ["edit", "extend", "roll", "revoke", "generate", "disable"],
                weights=[12, 2, 3, 1, 2, 2],
            )[0]
            if kind in ("generate", "disable"):
                action = self.generate_key if kind == "generate" else self.disable_key
                calls.append(action(rng, now))
            else:
                calls.append(getattr(self, kind)(rng, token, now))
        self.operations += len(calls)
        await asyncio.gather(*calls)
        return now

    async def works(self, secret: str) -> list[bool]:
        """Whether `secret` authenticates, on each instance (403 is authenticated)."""
        headers = {"Authorization": f"Bearer {secret}"}
        answers = [await client.get("/v1/account", headers=headers) for client in self.clients]
        return [answer.status_code != 401 for answer in answers]

    async def check_tokens(self, held: dict[str, Token], now: Round) -> None:
        listed = await self.clients[0].get("/account/api-tokens", headers=self.csrf)
        stored = {item["id"]: item for item in listed.json()["data"]}
        for token_id, token in held.items():
            item = stored[token_id]
            pair = (item["name"], sorted(item["permissions"]))
            edits = now.edits.get(token_id)
            if edits and pair not in edits:
                self.mismatch(f"{token_id} stored {pair}; confirmed edits were {edits}")
            if not edits and pair != (token.name, token.permissions):
                self.mismatch(f"{token_id} stored {pair} with no edit confirmed")
            revoked = token.status == "revoked" or token_id in now.revoked
            if (item["status"] == "revoked") != revoked:
                self.mismatch(f"{token_id} stored {item['status']}, revoked confirmed: {revoked}")
            rolls = now.rolls.get(token_id)
            if rolls and item["preview"] not in rolls:
                self.mismatch(f"{token_id} stored secret {item['preview']}, rolls gave {rolls}")
            if not rolls and item["preview"] != token.preview:
                self.mismatch(f"{token_id} stored secret {item['preview']} with no roll confirmed")
            for preview, plain in token.secrets.items():
                expected = preview == item["preview"] and item["status"] == "active"
                if await self.works(plain) != [expected, expected]:
                    self.mismatch(f"{token_id} secret {preview} works: {await self.works(plain)}")
            token.name, token.permissions = item["name"], sorted(item["permissions"])
            token.status, token.preview = item["status"], item["preview"]

    async def check_key(self, keys: list[str], shown_before: str | None, now: Round) -> str | None:
        shown = (await self.clients[1].get("/user/api", headers=self.wallet)).json()["result"]
        shown_key = shown["apiKey"] if shown else None
        possible = {*now.generated, None} if now.generated else {shown_before}
        if now.disabled:
            possible.add(None)
        if shown_key not in possible:
            self.mismatch(f"account key shown {shown_key!r}, possible {possible}")
        for key in keys:
            expected = key == shown_key
            if await self.works(key) != [expected, expected]:
                self.mismatch(f"account key ...{key[-4:]} works: {await self.works(key)}")
        return shown_key


async def sign_in(client: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    email = "concurrency@example.com"
    await client.post("/auth/register", json={"email": email, "password": PASSWORD})
    login = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    csrf = login.json()["data"]["csrf_token"]
    version = (await client.get("/account/api-terms")).json()["data"]["version"]
    await client.post(
        "/account/api-terms", json={"version": version}, headers={"X-CSRF-Token": csrf}
    )
    # The wallet signs in apart: its login sets a session cookie of its own.
    async with httpx.AsyncClient(base_url=client.base_url, timeout=30) as apart:
        wallet = Account.from_key(bytes([7]) * 32)
        challenge = await apart.get("/auth/wallet/challenge", params={"address": wallet.address})
        message = challenge.json()["data"]["message"]
        signature = sign(wallet, message)
        signed_in = await apart.post(
            "/auth/wallet/login", json={"message": message, "signature": signature}
        )
    assert signed_in.status_code == 200, signed_in.text
    return csrf, {"Authorization": f"Bearer {signature}"}


async def fuzz(urls: list[str], stats: ConcurrencyStats) -> list[str]:
    rng = random.Random(SEED)
    async with httpx.AsyncClient(base_url=urls[0], timeout=30) as first:
        csrf, wallet = await sign_in(first)
        session = {"Cookie": f"{SESSION_COOKIE}={first.cookies[SESSION_COOKIE]}"}
    # Both instances are sent the one session, as a load balancer would.
    async with (
        httpx.AsyncClient(base_url=urls[0], headers=session, timeout=30) as a,
        httpx.AsyncClient(base_url=urls[1], headers=session, timeout=30) as b,
    ):
        run = Fuzz([a, b], csrf, wallet)
        held: dict[str, Token] = {}
        for index in range(TOKENS):
            created = await a.post(
                "/account/api-tokens",
                json={"name": f"token-{index}", "permissions": PERMISSIONS},
                headers={"X-CSRF-Token": csrf},
            )
            data = created.json()["data"]
            held[data["id"]] = Token(
                data["id"],
                data["name"],
                sorted(data["permissions"]),
                data["status"],
                data["preview"],
                data["expires_at"],
                {data["preview"]: data["token"]},
            )
        keys: list[str] = []
        shown: str | None = None
        for _ in range(ROUNDS):
            now = await run.run_round(rng, held)
            keys += now.generated
            await run.check_tokens(held, now)
            shown = await run.check_key(keys, shown, now)
        stats.record(run.operations, ROUNDS, SEED, len(run.mismatches))
        return run.mismatches


@pytest.fixture
def stats(request: pytest.FixtureRequest) -> ConcurrencyStats:
    found: ConcurrencyStats = request.config.stash.setdefault(CONCURRENCY_STATS, ConcurrencyStats())
    return found


def test_every_confirmed_answer_is_what_both_instances_hold(
    database: str, tmp_path: Path, stats: ConcurrencyStats
) -> None:
    env = cluster_env(database, KEYSTEAD_RATE_LIMIT="100000/minute")
    with two_instances(tmp_path, env) as cluster:
        mismatches = asyncio.run(fuzz([cluster.a.url, cluster.b.url], stats))
    assert mismatches == []
    assert stats.operations == ROUNDS * OPERATIONS_PER_ROUND
