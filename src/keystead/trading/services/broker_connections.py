"""Broker connections: the accounts at brokers that bots trade through."""

from __future__ import annotations

from sqlalchemy import select

from keystead.errors import NotFound
from keystead.store.db import Database
from keystead.trading.tables import BrokerConnection


class BrokerConnectionService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def for_account(self, account_id: int) -> list[BrokerConnection]:
        statement = (
            select(BrokerConnection)
            .where(BrokerConnection.account_id == account_id)
            .order_by(BrokerConnection.name, BrokerConnection.number)
        )
        async with self._db.read() as session:
            return list((await session.execute(statement)).scalars())

    async def get(self, account_id: int, number: str) -> BrokerConnection:
        statement = select(BrokerConnection).where(
            BrokerConnection.account_id == account_id,
            BrokerConnection.number == number.upper(),
        )
        async with self._db.read() as session:
            broker = (await session.execute(statement)).scalar_one_or_none()
        if broker is None:
            raise NotFound("Broker connection")
        return broker
