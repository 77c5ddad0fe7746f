"""Position listings built from closed positions kept serialised: the same bytes as
building every position afresh, the bot's current name on every instance, open
positions never kept."""

from __future__ import annotations

from datetime import timedelta

from keystead.clock import FixedClock
from keystead.config import Settings
from keystead.envelope import ok
from keystead.trading.api import views
from keystead.trading.api.position_answers import PositionAnswers
from keystead.trading.context import trading_of
from keystead.trading.services.paging import Listing
from keystead.trading.tables import Bot
from tests.factories import make_bot, make_broker_connection, make_position
from tests.trading.conftest import Trader, second_instance

LISTING = "/v1/bots/positions"


async def fresh_bytes(trader: Trader, page: int = 1) -> bytes:
    """The page as every position built anew, through the views, the way `ok` sends it."""
    trading = trading_of(trader.runtime)
    details = await trading.positions.for_account(trader.account_id, Listing(page=page))
    return bytes(ok([views.position(item) for item in details], "Positions retrieved").body)


async def two_bots_with_positions(trader: Trader, closed: int, opened: int) -> tuple[Bot, Bot]:
    runtime, account_id = trader.runtime, trader.account_id
    broker = await make_broker_connection(runtime, account_id, name="Main brokerage")
    paper = await make_bot(runtime, account_id, broker=broker)
    live = await make_bot(runtime, account_id, broker=broker, is_paper=False)
    start = runtime.clock.now() - timedelta(days=closed + opened)
    for index in range(closed):
        bot = paper if index % 2 else live
        await make_position(
            runtime, bot, status="CLOSED", entered_at=start + timedelta(hours=index)
        )
    for index in range(opened):
        await make_position(runtime, paper, entered_at=start + timedelta(days=closed + index))
    return paper, live


async def test_kept_positions_answer_the_same_bytes_as_positions_built_afresh(
    trader: Trader,
) -> None:
    await two_bots_with_positions(trader, closed=130, opened=3)
    answers = trading_of(trader.runtime).position_answers
    for page in (1, 2, 1, 2, 3):  # built and kept, then from what was kept; then none
        listed = await trader.get(LISTING, page=page)
        assert listed.status_code == 200, listed.text
        assert listed.headers["content-type"] == "application/json"
        assert listed.content == await fresh_bytes(trader, page)
    assert len(answers) == 130  # the closed ones only
    assert answers.whole_pages == 2  # pages 2 and 3 (empty): page 1 holds the open ones


async def test_a_renamed_bot_shows_in_its_kept_positions_on_every_instance(
    trader: Trader, settings: Settings, clock: FixedClock
) -> None:
    paper, _live = await two_bots_with_positions(trader, closed=4, opened=1)
    async with second_instance(settings, clock) as other:
        for client in (trader.client, other):  # each keeps the closed positions
            listed = await client.get(LISTING, headers=trader.headers)
            assert {item["bot"]["name"] for item in listed.json()["data"]} >= {paper.name}

        renamed = await trader.client.put(
            f"/v1/bots/{paper.number}", headers=trader.headers, json={"name": "Renamed bot"}
        )
        assert renamed.status_code == 200, renamed.text
        for client in (trader.client, other):
            listed = await client.get(LISTING, headers=trader.headers)
            names = {item["bot"]["number"]: item["bot"]["name"] for item in listed.json()["data"]}
            assert names[paper.number] == "Renamed bot"
            assert listed.content == await fresh_bytes(trader)


async def test_a_change_to_a_bot_no_position_shows_keeps_the_page_whole(
    trader: Trader,
) -> None:
    """A page kept whole depends on the bots it shows only: another bot of the
    account renamed leaves it as it was; one it shows renamed makes it anew."""
    paper, _live = await two_bots_with_positions(trader, closed=6, opened=0)
    idle = await make_bot(trader.runtime, trader.account_id)
    answers = trading_of(trader.runtime).position_answers
    for _ in range(2):
        listed = await trader.get(LISTING)
        assert listed.status_code == 200, listed.text
    assert answers.whole_pages == 1
    [ids] = answers._pages

    for bot, name, kept in ((idle, "Idle renamed", True), (paper, "Paper renamed", False)):
        before = answers._pages[ids][2]
        renamed = await trader.client.put(
            f"/v1/bots/{bot.number}", headers=trader.headers, json={"name": name}
        )
        assert renamed.status_code == 200, renamed.text
        listed = await trader.get(LISTING)
        assert listed.content == await fresh_bytes(trader)
        assert (answers._pages[ids][2] is before) is kept


async def test_an_open_position_is_never_kept_and_shows_closed_once_closed(
    trader: Trader,
) -> None:
    runtime = trader.runtime
    bot = await make_bot(runtime, trader.account_id)
    position = await make_position(runtime, bot)
    before = (await trader.data(LISTING))[0]  # type: ignore[index]
    assert before["status"] == "OPEN"
    assert len(trading_of(runtime).position_answers) == 0

    closed = await trader.client.put(
        f"/v1/bots/positions/{position.number}/close", headers=trader.headers
    )
    assert closed.status_code == 200, closed.text
    after = (await trader.data(LISTING))[0]  # type: ignore[index]
    assert (after["number"], after["status"]) == (position.number, "CLOSED")
    assert after["exited_at"] is not None
    assert len(trading_of(runtime).position_answers) == 1


async def test_the_oldest_kept_position_makes_room(trader: Trader) -> None:
    await two_bots_with_positions(trader, closed=5, opened=0)
    trading = trading_of(trader.runtime)
    answers = PositionAnswers(capacity=3)
    page = await trading.positions.page(trader.account_id, Listing(), answers.held)
    first = answers.pieces(page)
    assert len(answers) == len(answers.held) == 3
    again = await trading.positions.page(trader.account_id, Listing(), answers.held)
    assert len(again.loaded) == 2  # only those not kept are read again
    assert answers.missing(again) == []
    assert answers.pieces(again) == first


async def test_a_position_let_go_of_meanwhile_is_read_again(trader: Trader) -> None:
    """Another request may keep new positions, and let go of old ones, between a
    page's query and its answer."""
    await two_bots_with_positions(trader, closed=4, opened=0)
    trading = trading_of(trader.runtime)
    answers = PositionAnswers(capacity=4)
    first = answers.pieces(await trading.positions.page(trader.account_id, Listing()))
    page = await trading.positions.page(trader.account_id, Listing(), answers.held)
    assert page.loaded == {}
    answers._kept.clear()  # what another request's keeping does to them
    missing = answers.missing(page)
    assert sorted(missing) == sorted(page.ids)
    page = await trading.positions.complete(page, missing)
    assert answers.pieces(page) == first
