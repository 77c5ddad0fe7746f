"""Hot reads give exactly what the ORM gives, and see what was committed the moment
before, on both backends."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import DateTime, bindparam, select, text, type_coerce, update

from keystead.audit import Actor
from keystead.runtime import Runtime
from keystead.store.db import Database
from keystead.store.hot_postgres import PostgresReads
from keystead.store.migrate import upgrade
from keystead.store.models import Account
from keystead.trading.services.paging import Columns, PageShape, page_lists
from keystead.trading.tables import Bot, BrokerConnection, Position, Variable
from tests.factories import make_account, make_bot, make_position, make_variable

_ACCOUNT = select(*Account.__table__.columns).where(Account.id == bindparam("account_id"))


def by_id(table: type[Any]) -> Any:
    return select(*table.__table__.columns).where(table.id == bindparam("id"))


async def test_a_row_holds_what_the_orm_holds(runtime: Runtime) -> None:
    account = await make_account(runtime)
    variable = await make_variable(runtime, account.id)
    bot = await make_bot(runtime, account.id, is_paper=False)
    position = await make_position(runtime, bot, status="CLOSED", tags="a,\x7f,日本")
    kinds = (
        (Position, position.id),
        (Account, account.id),
        (Bot, bot.id),
        (BrokerConnection, bot.broker_connection_id),
        (Variable, variable.id),
    )
    for table, identity in kinds:
        async with runtime.db.read() as session:
            orm = await session.get(table, identity)
        assert orm is not None
        row = await runtime.db.hot.one(by_id(table), id=identity)
        assert row is not None
        shown = vars(row)
        assert set(shown) == {column.key for column in table.__table__.columns}
        for name, value in shown.items():
            assert value == getattr(orm, name), (table.__name__, name)
            assert type(value) is type(getattr(orm, name)), (table.__name__, name)
    moment = vars(await runtime.db.hot.one(by_id(Position), id=position.id))["entered_at"]
    assert moment.tzinfo is not None
    assert moment.utcoffset() == UTC.utcoffset(moment)


async def test_a_time_is_bound_as_the_orm_binds_it(runtime: Runtime) -> None:
    """Times compared in SQL are sent as SQLAlchemy sends them (SQLite keeps them as
    text, in its own format): a day's window finds exactly that day's positions."""
    account = await make_account(runtime)
    bot = await make_bot(runtime, account.id)
    now = runtime.clock.now().replace(hour=12, minute=0, second=0, microsecond=0)
    days = [now - timedelta(days=offset) for offset in (0, 1, 2)]
    made = [await make_position(runtime, bot, status="CLOSED", entered_at=day) for day in days]
    since = days[1].replace(hour=0)
    window = select(Position.id).where(
        Position.account_id == bindparam("account_id"),
        Position.entered_at >= bindparam("since"),
        Position.entered_at < bindparam("until"),
    )
    until = since + timedelta(days=1)
    rows = await runtime.db.hot.all(window, account_id=account.id, since=since, until=until)
    assert [row.id for row in rows] == [made[1].id]


async def test_times_at_the_edges_of_the_calendar_read_and_bind_as_the_orm_does(
    runtime: Runtime,
) -> None:
    """Python's first and last datetimes (infinities to asyncpg and PostgreSQL), one
    in its last month, and one either side of the epoch PostgreSQL counts from, come
    back equal; each is found by its own value."""
    account = await make_account(runtime)
    bot = await make_bot(runtime, account.id)
    moments = [
        datetime.min.replace(tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2000, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
        datetime(9999, 12, 1, 23, 59, 59, 999_999, tzinfo=UTC),  # its expiry: in 9999
    ]
    last = datetime.max.replace(tzinfo=UTC)
    made = [
        await make_position(runtime, bot, entered_at=moment)  # open: no exit time
        for moment in moments
    ]
    # The factory's legs expire a week on, past Python's last day: the time is set after.
    made.append(await make_position(runtime, bot))
    async with runtime.db.transaction() as session:
        await session.execute(
            update(Position).where(Position.id == made[-1].id).values(entered_at=last)
        )
    moments.append(last)
    at = select(Position.id, Position.entered_at).where(
        Position.account_id == bindparam("account_id"),
        Position.entered_at == bindparam("moment"),
    )
    for position, moment in zip(made, moments, strict=True):
        rows = await runtime.db.hot.all(at, account_id=account.id, moment=moment)
        assert [(row.id, row.entered_at) for row in rows] == [(position.id, moment)]
        async with runtime.db.read() as session:
            orm = await session.get(Position, position.id)
        assert orm is not None
        assert orm.entered_at == moment


async def test_a_time_without_its_zone_reads_as_the_orm_reads_it(runtime: Runtime) -> None:
    """A `timestamp` read as such (not as keystead's aware UTC type) is a naive
    datetime, as SQLAlchemy gives it, on both backends."""
    account = await make_account(runtime)
    bot = await make_bot(runtime, account.id)
    position = await make_position(runtime, bot)
    naive = select(type_coerce(Position.entered_at, DateTime).label("naive")).where(
        Position.id == bindparam("id")
    )
    row = await runtime.db.hot.one(naive, id=position.id)
    async with runtime.db.read() as session:
        engine_value = (await session.execute(naive, {"id": position.id})).scalar_one()
    assert row is not None
    assert row.naive == engine_value == position.entered_at.replace(tzinfo=None)
    assert type(row.naive) is type(engine_value)
    assert row.naive.tzinfo is None


async def test_a_change_is_seen_by_the_very_next_hot_read(runtime: Runtime) -> None:
    account = await make_account(runtime, accept_terms=False)
    assert (await runtime.accounts.summary(account.id)).terms_accepted_version is None
    terms = await runtime.terms.current()
    await runtime.terms.accept(account.id, terms.version, by=Actor.operator())
    summary = await runtime.accounts.summary(account.id)
    assert summary.terms_accepted_version == terms.version
    assert summary.terms_accepted_at is not None


async def test_no_row_is_none(runtime: Runtime) -> None:
    assert await runtime.db.hot.one(_ACCOUNT, account_id=2**31 - 1) is None
    assert await runtime.db.hot.all(_ACCOUNT, account_id=-1) == []


SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
POSTGRES = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


@SQLITE
async def test_a_busy_sqlite_file_is_read_through_the_engine(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read that finds the file busy must not block the event loop waiting: the
    engine, on its own thread, reads it instead, and gives the same values."""
    account = await make_account(runtime)
    bot = await make_bot(runtime, account.id)
    made = [await make_position(runtime, bot) for _ in range(3)]
    hot = runtime.db.hot
    expected = vars(await hot.one(by_id(Account), id=account.id))
    page = page_lists(
        select(Position.id).where(Position.account_id == bindparam("account_id")),
        Columns(Position.bot_id, Position.status, Position.entered_at, Position.id),
        PageShape(bot=False, status=False, since=False, until=False),
        "sqlite",
    )
    listed = vars(await hot.one(page, account_id=account.id, offset=0, limit=100))

    def busy(_sql: str, _arguments: tuple[Any, ...]) -> list[Any]:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(hot, "_read_sqlite", busy)
    assert vars(await hot.one(by_id(Account), id=account.id)) == expected
    # A page's JSON list, parsed by the engine's own JSON type this time.
    through_engine = vars(await hot.one(page, account_id=account.id, offset=0, limit=100))
    assert through_engine == listed
    assert sorted(through_engine["id"]) == sorted(position.id for position in made)


@POSTGRES
async def test_a_read_connection_dropped_by_postgresql_is_replaced(runtime: Runtime) -> None:
    """A restart or an operator ends the idle read connections: the next read is read
    again on a new connection, and the client never sees it."""
    account = await make_account(runtime)
    statement = by_id(Account)
    assert await runtime.db.hot.one(statement, id=account.id) is not None
    async with runtime.db.engine.connect() as connection:
        await connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND application_name = ''"
            )
        )
    row = await runtime.db.hot.one(statement, id=account.id)
    assert row is not None
    assert row.number == account.number


async def test_an_unreachable_postgresql_is_a_connection_error() -> None:
    reads = PostgresReads("postgresql://keystead@127.0.0.1:1/nothing", size=2)
    with pytest.raises(ConnectionError):
        await reads.fetch("SELECT 1", [])
    await reads.close()


def test_a_sqlite_file_whose_name_reads_as_a_uri_is_still_read_on_the_loop(
    tmp_path: Path,
) -> None:
    """`%` and `#` in a path mean something else in a `file:` URI: the read-only connection
    would open another file, or none, and every read would fall back to the engine."""
    folder = tmp_path / "100% #1"
    folder.mkdir()
    url = f"sqlite+aiosqlite:///{folder / 'keystead.db'}"
    upgrade(url)

    async def read() -> None:
        database = Database(url)
        try:
            ids = select(Account.id).where(Account.id == bindparam("id"))
            assert await database.hot.all(ids, id=1) == []
            # Read by the read-only connection itself, not by the engine after it failed.
            assert database.hot._read_sqlite("SELECT count(*) FROM accounts", ()) == [(0,)]
        finally:
            await database.dispose()

    asyncio.run(read())
