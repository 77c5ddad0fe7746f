"""Values at the edge of their types: each a 422 naming the field, never a 500, and the
same answer on both backends. One test per reproduction an attacker's run found."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from eth_account import Account

from keystead.runtime import Runtime
from tests.factories import (
    PASSWORD,
    bearer,
    make_account,
    make_bot,
    make_order,
    make_position,
    make_token,
    sign_up,
)
from tests.wallet.conftest import challenge, sign


def refused(response: httpx.Response, field: str) -> str:
    """The 422's reason for `field`, after checking the answer names it and only it."""
    assert response.status_code == 422, response.text
    body = response.json()
    errors = body["data"]["errors"]
    assert [error["field"] for error in errors] == [field], errors
    assert body["message"] == f"Invalid input: {field}: {errors[0]['message']}"
    reason: str = errors[0]["message"]
    return reason


@pytest.fixture
async def demo(runtime: Runtime) -> dict[str, Any]:
    """A trader with a bot holding an open position, and a token for the routes tried."""
    account = await make_account(runtime)
    bot = await make_bot(runtime, account.id)
    position = await make_position(runtime, bot)
    await make_order(runtime, bot, position=position)
    permissions = ["bots:read", "bots:write", "positions:read", "orders:read", "reports:write"]
    plain = await make_token(runtime, account.id, permissions, name="bounds")
    return {"headers": bearer(plain), "bot": bot.number}


@pytest.mark.parametrize("page", [str(2**63 - 1), str(2**63), str(10**20), "1000001"])
@pytest.mark.parametrize("path", ["/v1/bots/positions", "/v1/bots/orders"])
async def test_pages_past_the_last_possible_one(
    client: httpx.AsyncClient, demo: dict[str, Any], path: str, page: str
) -> None:
    answer = await client.get(path, params={"page": page}, headers=demo["headers"])
    refused(answer, "page")
    last = await client.get(path, params={"page": "1000000"}, headers=demo["headers"])
    assert (last.status_code, last.json()["data"]) == (200, [])


async def test_an_audit_cursor_past_any_entry_id(client: httpx.AsyncClient) -> None:
    user = await sign_up(client)
    for before in (str(2**63), str(2**31)):
        refused(await user.request("GET", "/account/audit", params={"before": before}), "before")
    ok = await user.request("GET", "/account/audit", params={"before": str(2**31 - 1)})
    assert ok.status_code == 200


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2100-01-01", "1969-12-31"])
async def test_listing_dates_outside_the_years_keystead_lists(
    client: httpx.AsyncClient, demo: dict[str, Any], day: str
) -> None:
    for path in ("/v1/bots/positions", "/v1/bots/orders"):
        for field in ("from_date", "to_date"):
            answer = await client.get(path, params={field: day}, headers=demo["headers"])
            assert "must be from 1970-01-01 to 2099-12-31" in refused(answer, field)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2019-12-31"])
async def test_performance_dates_outside_the_market_data(
    client: httpx.AsyncClient, demo: dict[str, Any], day: str
) -> None:
    path = f"/v1/bots/{demo['bot']}/performance"
    answer = await client.get(path, params={"from_date": day}, headers=demo["headers"])
    assert "from 2020-01-01 to 2099-12-31" in refused(answer, "from_date")
    # Without from_date, the year before to_date starts no earlier than the data.
    early = await client.get(path, params={"to_date": "2020-03-02"}, headers=demo["headers"])
    assert early.status_code == 200
    assert early.json()["data"][0]["date"] == "2020-01-01"


async def test_a_report_before_the_market_data(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    answer = await client.post(
        "/v1/bots/reports",
        json={"name": "old", "start_date": "2019-06-01"},
        headers=demo["headers"],
    )
    assert "the days keystead has market data for" in refused(answer, "start_date")


@pytest.mark.parametrize(
    ("value", "field", "reason"),
    [
        ("99999999999999999999999", "entry_condition.minimum_days_to_expiration", "integer"),
        (str(2**40), "entry_condition.minimum_days_to_expiration", "less than or equal"),
        ("1e999", "entry_condition.minimum_iv", "finite"),
        ("NaN", "entry_condition.minimum_iv", "finite number, not NaN"),
    ],
)
async def test_settings_numbers_past_their_type(
    client: httpx.AsyncClient, demo: dict[str, Any], value: str, field: str, reason: str
) -> None:
    name = field.rsplit(".", 1)[-1]
    content = f'{{"entry_condition": {{"{name}": {value}}}}}'
    answer = await client.put(
        f"/v1/bots/{demo['bot']}",
        content=content,
        headers={**demo["headers"], "Content-Type": "application/json"},
    )
    assert reason in refused(answer, field)


async def test_a_non_finite_days_of_week_does_not_clear_it(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    path = f"/v1/bots/{demo['bot']}"
    answer = await client.put(
        path,
        content='{"entry_condition": {"days_of_week": 1e999}}',
        headers={**demo["headers"], "Content-Type": "application/json"},
    )
    refused(answer, "entry_condition.days_of_week")
    detailed = await client.get(path, params={"include_details": "1"}, headers=demo["headers"])
    assert detailed.json()["data"]["entry_condition"]["days_of_week"] == "All"


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400"])
@pytest.mark.parametrize("source", ["Actual NLV", "Fixed Balance"])
async def test_a_report_amount_that_is_not_a_finite_number(
    client: httpx.AsyncClient, demo: dict[str, Any], value: str, source: str
) -> None:
    content = (
        f'{{"name": "nlv", "start_date": "2026-01-02", "nlv_source": "{source}", '
        f'"nlv_amount": {value}}}'
    )
    answer = await client.post(
        "/v1/bots/reports",
        content=content,
        headers={**demo["headers"], "Content-Type": "application/json"},
    )
    assert "finite number" in refused(answer, "nlv_amount")
    listed = await client.get("/v1/bots/reports", headers=demo["headers"])
    assert "nlv" not in {report["name"] for report in listed.json()["data"]}


NUL = "\x00"


async def test_nul_in_a_sign_in_is_refused_before_anything_else(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post("/auth/login", json={"email": f"a{NUL}@x.example", "password": "x"})
    assert "NUL" in refused(answer, "email")
    form = await client.post("/login", data={"email": f"a{NUL}@x.example", "password": "x"})
    assert "NUL" in refused(form, "email")
    raw = await client.post(
        "/login",
        content=b"email=a\x00@x.example&password=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert "NUL" in refused(raw, "email")
    registered = await client.post(
        "/auth/register", json={"email": "nul@example.com", "password": f"pass{NUL}word-long"}
    )
    refused(registered, "password")


async def test_nul_in_names_notes_filters_and_paths(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    user = await sign_up(client)
    token = await user.create_token(["account:read"])
    refused(await user.request("POST", "/account/api-tokens", json={"name": f"a{NUL}b"}), "name")
    edit = await user.request(
        "PATCH", f"/account/api-tokens/{token['id']}", json={"name": f"x{NUL}"}
    )
    refused(edit, "name")
    headers = demo["headers"]
    bot = f"/v1/bots/{demo['bot']}"
    refused(await client.put(bot, json={"name": f"b{NUL}"}, headers=headers), "name")
    refused(await client.put(bot, json={"notes": f"n{NUL}"}, headers=headers), "notes")
    report = {"name": f"r{NUL}", "start_date": "2026-01-02"}
    refused(await client.post("/v1/bots/reports", json=report, headers=headers), "name")
    query = await client.get("/v1/bots/positions?bot=a%00b", headers=headers)
    refused(query, "bot")
    refused(await client.get("/v1/bots/a%00b", headers=headers), "path")
    refused(await client.get("/v1/bots/a%00b"), "path")  # before any credential is read
    surrogate = await client.put(
        bot, content='{"notes": "\\ud800"}', headers={**headers, "Content-Type": "application/json"}
    )
    assert "lone surrogate" in refused(surrogate, "notes")
    key = await client.put(
        bot, content='{"a\\u0000": 1}', headers={**headers, "Content-Type": "application/json"}
    )
    assert "(a key)" in refused(key, "a\\u0000")


async def test_a_fullwidth_email_is_the_same_address(client: httpx.AsyncClient) -> None:
    user = await sign_up(client, "demo.person@example.com")
    fullwidth = "ｄｅｍｏ.ｐｅｒｓｏｎ@ｅｘａｍｐｌｅ.ｃｏｍ"
    again = await client.post("/auth/register", json={"email": fullwidth, "password": PASSWORD})
    assert again.status_code == 409
    assert again.json()["message"] == "An account with this email already exists"
    login = await client.post("/auth/login", json={"email": fullwidth, "password": PASSWORD})
    assert login.status_code == 200
    assert login.json()["data"]["account"]["number"] == user.number
    client.cookies.clear()


def reencoded(signature: str, v: int) -> str:
    return signature[:-2] + f"{v:02x}"


CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def high_s(signature: str) -> str:
    """The same signature with s mirrored to the upper half and v flipped (EIP-2's other form)."""
    raw = bytearray(bytes.fromhex(signature[2:]))
    s = int.from_bytes(raw[32:64], "big")
    raw[32:64] = (CURVE_ORDER - s).to_bytes(32, "big")
    raw[64] = 55 - raw[64] if raw[64] in (27, 28) else 1 - raw[64]
    return "0x" + raw.hex()


async def test_a_signature_has_one_encoding(client: httpx.AsyncClient) -> None:
    wallet = Account.create()
    for v in (99, 100, 29, 2):
        message = await challenge(client, wallet.address)
        signature = reencoded(sign(wallet, message), v)
        answer = await client.post(
            "/auth/wallet/login", json={"message": message, "signature": signature}
        )
        assert answer.status_code == 401
        assert "recovery byte (v) must be 0, 1, 27 or 28" in answer.json()["message"]
    message = await challenge(client, wallet.address)
    mirrored = await client.post(
        "/auth/wallet/login", json={"message": message, "signature": high_s(sign(wallet, message))}
    )
    assert mirrored.status_code == 401
    assert "lower half" in mirrored.json()["message"]
    # 0 and 1 are the other valid spelling of 27 and 28.
    message = await challenge(client, wallet.address)
    signature = sign(wallet, message)
    short = reencoded(signature, int(signature[-2:], 16) - 27)
    answer = await client.post("/auth/wallet/login", json={"message": message, "signature": short})
    assert answer.status_code == 200, answer.text
