"""Bots answered from JSON kept while what they show is unchanged: the same bytes as
building them afresh, and a change to the bot, its broker connection or a variable
it shows seen on the very next answer, on every instance."""

from __future__ import annotations

from sqlalchemy import update

from keystead.clock import FixedClock
from keystead.config import Settings
from keystead.envelope import ok
from keystead.trading.api import views
from keystead.trading.context import trading_of
from keystead.trading.tables import Bot, BrokerConnection
from tests.factories import entry_condition, make_bot, make_broker_connection, make_variable
from tests.trading.conftest import Trader, second_instance


async def fresh(trader: Trader, number: str | None, details: bool) -> bytes:
    """The answer built anew through the views, as `ok` sends it."""
    bots = trading_of(trader.runtime).bots
    if number is None:
        listed = await bots.for_account(trader.account_id, None, details)
        return bytes(ok([views.bot(item, details) for item in listed], "Bots retrieved").body)
    one = await bots.get(trader.account_id, number, details)
    return bytes(ok(views.bot(one, details), "Bot retrieved").body)


async def two_bots(trader: Trader) -> tuple[Bot, Bot, str]:
    runtime, account_id = trader.runtime, trader.account_id
    variable = await make_variable(runtime, account_id)
    broker = await make_broker_connection(runtime, account_id)
    tested = entry_condition(variables=[{"number": variable.number, "condition": "Equal To"}])
    first = await make_bot(runtime, account_id, broker=broker, entry_condition=tested)
    second = await make_bot(runtime, account_id, broker=broker, is_paper=False)
    return first, second, variable.number


async def test_kept_bots_answer_the_same_bytes_as_bots_built_afresh(trader: Trader) -> None:
    first, _second, _variable = await two_bots(trader)
    for _ in range(2):  # built and kept, then from what was kept
        for details in (False, True):
            flag = {"include_details": "True"} if details else {}
            listed = await trader.get("/v1/bots", **flag)
            assert listed.status_code == 200, listed.text
            assert listed.content == await fresh(trader, None, details)
            one = await trader.get(f"/v1/bots/{first.number}", **flag)
            assert one.content == await fresh(trader, first.number, details)
    assert len(trading_of(trader.runtime).bot_answers) > 0


async def test_every_change_shows_on_the_next_answer_on_every_instance(
    trader: Trader, settings: Settings, clock: FixedClock
) -> None:
    first, _second, variable = await two_bots(trader)
    async with second_instance(settings, clock) as other:
        for client in (trader.client, other):  # each keeps its answers
            await client.get("/v1/bots", headers=trader.headers, params={"include_details": "1"})

        renamed = await trader.client.put(
            f"/v1/bots/{first.number}", headers=trader.headers, json={"name": "Renamed"}
        )
        assert renamed.status_code == 200, renamed.text
        valued = await trader.client.put(
            f"/v1/bots/variables/{variable}", headers=trader.headers, json={"value": "Bearish"}
        )
        assert valued.status_code == 200, valued.text
        async with trader.runtime.db.transaction() as session:  # as an import or an operator
            await session.execute(
                update(BrokerConnection)
                .where(BrokerConnection.id == first.broker_connection_id)
                .values(name="Moved brokerage")
            )
        for client in (trader.client, other):
            listed = await client.get(
                "/v1/bots", headers=trader.headers, params={"include_details": "1"}
            )
            shown = {item["number"]: item for item in listed.json()["data"]}[first.number]
            assert shown["name"] == "Renamed"
            assert shown["broker_connection"]["name"] == "Moved brokerage"
            [tested] = shown["entry_condition"]["variables"]
            assert tested["value"] == "Bearish"
            assert listed.content == await fresh(trader, None, True)


async def test_a_row_is_the_same_object_until_its_values_change(trader: Trader) -> None:
    first, _second, _variable = await two_bots(trader)
    bots = trading_of(trader.runtime).bots
    before = (await bots.get(trader.account_id, first.number, False)).bot
    assert (await bots.get(trader.account_id, first.number, False)).bot is before
    await trader.client.put(
        f"/v1/bots/{first.number}", headers=trader.headers, json={"notes": "Changed."}
    )
    after = (await bots.get(trader.account_id, first.number, False)).bot
    assert after is not before
    assert after.notes == "Changed."
