"""Hot reads give exactly what the ORM gives, and see what was committed the moment
before, on both backends."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import bindparam, select

from keystead.audit import Actor
from keystead.runtime import Runtime
from keystead.store.models import Account
from keystead.trading.tables import Position
from tests.factories import make_account, make_bot, make_position

_POSITION = select(*Position.__table__.columns).where(Position.id == bindparam("position_id"))
_ACCOUNT = select(*Account.__table__.columns).where(Account.id == bindparam("account_id"))


async def test_a_row_holds_what_the_orm_holds(runtime: Runtime) -> None:
    account = await make_account(runtime)
    position = await make_position(
        runtime, await make_bot(runtime, account.id), status="CLOSED", tags="a,\x7f,日本"
    )
    async with runtime.db.read() as session:
        stored = await session.get(Position, position.id)
        owner = await session.get(Account, account.id)
    assert stored is not None
    assert owner is not None
    for statement, orm, key in (
        (_POSITION, stored, "position_id"),
        (_ACCOUNT, owner, "account_id"),
    ):
        row = await runtime.db.hot.one(statement, **{key: orm.id})
        assert row is not None
        shown = vars(row)
        assert set(shown) == {column.key for column in type(orm).__table__.columns}
        for name, value in shown.items():
            assert value == getattr(orm, name), name
            assert type(value) is type(getattr(orm, name)), name
    moment = vars(await runtime.db.hot.one(_POSITION, position_id=position.id))["entered_at"]
    assert moment.tzinfo is not None
    assert moment.utcoffset() == UTC.utcoffset(moment)


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
