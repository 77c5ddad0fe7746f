"""Variables: read them, rename them, and set the value of free-text variables."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select

from keystead.clock import Clock
from keystead.errors import Conflict, NotFound
from keystead.store.db import Database
from keystead.trading.services.bots import MAX_NAME_LENGTH, clean_text
from keystead.trading.tables import Bot, Variable

FREE_TEXT = "Free Text"
MAX_VALUE_LENGTH = 500


@dataclass(frozen=True, slots=True)
class VariableDetails:
    variable: Variable
    bot_number: str | None


@dataclass(frozen=True, slots=True)
class VariableChanges:
    name: str | None = None
    value: str | None = None


def is_free_text(variable: Variable) -> bool:
    return variable.bot_id is None and variable.bot_value_to_set in (None, FREE_TEXT)


class VariableService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def _statement(self, account_id: int) -> Select[Variable, str | None]:
        return (
            select(Variable, Bot.number)
            .outerjoin(Bot, Bot.id == Variable.bot_id)
            .where(Variable.account_id == account_id)
        )

    async def for_account(self, account_id: int) -> list[VariableDetails]:
        statement = self._statement(account_id).order_by(Variable.name, Variable.number)
        async with self._db.read() as session:
            rows = (await session.execute(statement)).all()
        return [VariableDetails(variable, bot_number) for variable, bot_number in rows]

    async def get(self, account_id: int, number: str) -> VariableDetails:
        statement = self._statement(account_id).where(Variable.number == number.upper())
        async with self._db.read() as session:
            row = (await session.execute(statement)).first()
        if row is None:
            raise NotFound("Variable")
        return VariableDetails(row[0], row[1])

    async def update(
        self, account_id: int, number: str, changes: VariableChanges
    ) -> VariableDetails:
        """Rename any variable; set a value only on a free-text variable not tied to a bot."""
        async with self._db.transaction() as session:
            row = (
                await session.execute(
                    self._statement(account_id).where(Variable.number == number.upper())
                )
            ).first()
            if row is None:
                raise NotFound("Variable")
            variable, bot_number = row
            if changes.name is not None:
                variable.name = clean_text(changes.name, "name", MAX_NAME_LENGTH, allow_empty=False)
            if changes.value is not None:
                if not is_free_text(variable):
                    raise Conflict(
                        "Only free-text variables not tied to a bot can be given a value; "
                        "this one is computed from its bot"
                    )
                value = clean_text(changes.value, "value", MAX_VALUE_LENGTH, allow_empty=True)
                variable.value = value
                variable.free_text_value = value
            variable.last_updated_at = self._clock.now()
        return VariableDetails(variable, bot_number)
