"""Reports and performance history: computed from positions' recorded profits on
every read (never stored as opaque numbers), by the pure `performance` module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from keystead.access import tokens
from keystead.clock import Clock
from keystead.errors import InvalidInput, NotFound
from keystead.store.db import Database
from keystead.trading.services import market, performance
from keystead.trading.services.bots import MAX_NAME_LENGTH, clean_text, owned_bot
from keystead.trading.tables import Bot, BrokerConnection, Position, Report

NlvSource = Literal["Actual NLV", "Percent of NLV", "Fixed Balance", "Specific Starting Balance"]
NLV_SOURCES: tuple[str, ...] = (
    "Actual NLV",
    "Percent of NLV",
    "Fixed Balance",
    "Specific Starting Balance",
)
REPORT_BOT_STATUSES = ("Enabled", "Disabled")
DRAFT = "Draft"
COMPLETE = "Complete"
MAX_REPORT_DAYS = 366 * 10


@dataclass(frozen=True, slots=True)
class ReportDetails:
    report: Report
    bots: list[Bot]
    brokers: list[BrokerConnection]
    results: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReportFields:
    name: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    run_until_latest_date: bool | None = None
    symbol: str | None = None
    nlv_source: str | None = None
    nlv_amount: float | None = None
    is_public: bool | None = None
    bot_statuses: list[str] | None = None
    bots: list[str] | None = None
    bot_tags: list[str] | None = None
    bot_position_tags: list[str] | None = None


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time.min, UTC), datetime.combine(
        end + timedelta(days=1), time.min, UTC
    )


def _trade(position: Position, bot: Bot) -> performance.Trade:
    assert position.exited_at is not None
    return performance.Trade(
        bot_number=bot.number,
        bot_name=bot.name,
        closed_on=position.exited_at.date(),
        profit=position.profit_dollars or 0.0,
        broker_fee=position.broker_fee or 0.0,
        entry_price=position.entry_price,
        exit_price=position.exit_price or 0.0,
        premium=max(0.0, position.entry_value),
    )


async def _closed_trades(
    session: AsyncSession, bots: list[Bot], start: date, end: date, position_tags: list[str]
) -> list[performance.Trade]:
    if not bots:
        return []
    by_id = {bot.id: bot for bot in bots}
    low, high = _day_bounds(start, end)
    statement = select(Position).where(
        Position.bot_id.in_(by_id),
        Position.status == "CLOSED",
        Position.exited_at >= low,
        Position.exited_at < high,
    )
    positions = (await session.execute(statement)).scalars()
    return [
        _trade(position, by_id[position.bot_id])
        for position in positions
        if not position_tags or set(position.tags.split(",")) & set(position_tags)
    ]


async def _actual_nlv(session: AsyncSession, brokers: list[BrokerConnection], start: date) -> float:
    """The brokers' value when the period began: today's value less what was made since."""
    if not brokers:
        return 0.0
    low, _ = _day_bounds(start, start)
    made_since = await session.execute(
        select(Position.profit_dollars)
        .join(Bot, Bot.id == Position.bot_id)
        .where(
            Bot.broker_connection_id.in_([broker.id for broker in brokers]),
            Position.exited_at >= low,
        )
    )
    profit = sum(value or 0.0 for value in made_since.scalars())
    return round(sum(broker.net_liquidation_value for broker in brokers) - profit, 2)


def _check_range(start: date, end: date) -> None:
    if start > end:
        raise InvalidInput("start_date", "must not be after end_date")
    if (end - start).days > MAX_REPORT_DAYS:
        raise InvalidInput("end_date", "a report spans at most ten years")


class ReportService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def today(self) -> date:
        return self._clock.now().date()

    async def bot_history(
        self, account_id: int, number: str, start: date, end: date
    ) -> list[dict[str, Any]]:
        """A bot's daily performance between two dates (ResultByDay, one per trading day)."""
        _check_range(start, end)
        async with self._db.read() as session:
            bot = await owned_bot(session, account_id, number)
            broker = await session.get(BrokerConnection, bot.broker_connection_id)
            assert broker is not None
            trades = await _closed_trades(session, [bot], start, end, [])
            starting_nlv = await _actual_nlv(session, [broker], start)
        days = performance.trading_days(start, end)
        return performance.daily_history(
            trades,
            start=start,
            end=end,
            starting_nlv=starting_nlv,
            underlying=market.closes(bot.symbol, days),
        )

    async def for_account(self, account_id: int) -> list[ReportDetails]:
        statement = (
            select(Report)
            .where(Report.account_id == account_id)
            .order_by(Report.created_at.desc(), Report.id.desc())
        )
        async with self._db.read() as session:
            reports = list((await session.execute(statement)).scalars())
            return [await self._details(session, report, full=False) for report in reports]

    async def get(self, account_id: int, number: str) -> ReportDetails:
        async with self._db.read() as session:
            report = await self._owned(session, account_id, number)
            return await self._details(session, report, full=True)

    async def create(self, account_id: int, fields: ReportFields) -> ReportDetails:
        if not fields.name or fields.start_date is None:
            raise InvalidInput("name", "name and start_date are required")
        report = Report(
            number=tokens.new_id(),
            account_id=account_id,
            name="",
            status=DRAFT,
            completed_at=None,
            start_date=fields.start_date,
            end_date=fields.end_date or self.today(),
            run_until_latest_date=False,
            is_public=False,
            symbol="SPX",
            nlv_source="Actual NLV",
            nlv_amount=None,
            bot_statuses=list(REPORT_BOT_STATUSES),
            bot_numbers=[],
            bot_tags=[],
            bot_position_tags=[],
            created_at=self._clock.now(),
        )
        async with self._db.transaction() as session:
            await self._apply(session, report, fields)
            session.add(report)
            await session.flush()
            return await self._details(session, report, full=True)

    async def edit(self, account_id: int, number: str, fields: ReportFields) -> ReportDetails:
        async with self._db.transaction() as session:
            report = await self._owned(session, account_id, number)
            await self._apply(session, report, fields)
            return await self._details(session, report, full=True)

    async def run(self, account_id: int, number: str) -> ReportDetails:
        """Recompute now; a report that runs until the latest date moves its end to today."""
        async with self._db.transaction() as session:
            report = await self._owned(session, account_id, number)
            if report.run_until_latest_date:
                report.end_date = max(report.start_date, self.today())
            report.status = COMPLETE
            report.completed_at = self._clock.now()
            return await self._details(session, report, full=True)

    async def _apply(self, session: AsyncSession, report: Report, fields: ReportFields) -> None:
        if fields.name is not None:
            report.name = clean_text(fields.name, "name", MAX_NAME_LENGTH, allow_empty=False)
        if fields.start_date is not None:
            report.start_date = fields.start_date
        if fields.end_date is not None:
            report.end_date = fields.end_date
        _check_range(report.start_date, report.end_date)
        if fields.run_until_latest_date is not None:
            report.run_until_latest_date = fields.run_until_latest_date
        if fields.symbol is not None:
            report.symbol = clean_text(fields.symbol, "symbol", 16, allow_empty=False).upper()
        if fields.nlv_source is not None:
            if fields.nlv_source not in NLV_SOURCES:
                raise InvalidInput("nlv_source", f"must be one of {', '.join(NLV_SOURCES)}")
            report.nlv_source = fields.nlv_source
        if fields.nlv_amount is not None:
            if fields.nlv_amount <= 0:
                raise InvalidInput("nlv_amount", "must be more than 0")
            report.nlv_amount = fields.nlv_amount
        if report.nlv_source != "Actual NLV" and report.nlv_amount is None:
            raise InvalidInput("nlv_amount", f"is required with nlv_source {report.nlv_source!r}")
        if fields.is_public is not None:
            report.is_public = fields.is_public
        if fields.bot_statuses is not None:
            unknown = set(fields.bot_statuses) - set(REPORT_BOT_STATUSES)
            if unknown:
                raise InvalidInput("bot_statuses", "each must be Enabled or Disabled")
            report.bot_statuses = list(fields.bot_statuses)
        if fields.bots is not None:
            for number in fields.bots:
                await owned_bot(session, report.account_id, number)
            report.bot_numbers = [number.upper() for number in fields.bots]
        if fields.bot_tags is not None:
            report.bot_tags = list(fields.bot_tags)
        if fields.bot_position_tags is not None:
            report.bot_position_tags = list(fields.bot_position_tags)

    async def _owned(self, session: AsyncSession, account_id: int, number: str) -> Report:
        report = (
            await session.execute(
                select(Report).where(
                    Report.account_id == account_id, Report.number == number.upper()
                )
            )
        ).scalar_one_or_none()
        if report is None:
            raise NotFound("Report")
        return report

    async def _bots(self, session: AsyncSession, report: Report) -> list[Bot]:
        statement = select(Bot).where(Bot.account_id == report.account_id)
        if report.bot_numbers:
            statement = statement.where(Bot.number.in_(report.bot_numbers))
        else:
            # "Disable on Close" bots are still trading: they count as Enabled here.
            statuses = set(report.bot_statuses)
            if "Enabled" in statuses:
                statuses.add("Disable on Close")
            statement = statement.where(Bot.status.in_(statuses))
        bots = list((await session.execute(statement.order_by(Bot.name, Bot.number))).scalars())
        if report.bot_tags:
            wanted = set(report.bot_tags)
            bots = [bot for bot in bots if set(bot.tags.split(",")) & wanted]
        return bots

    async def _details(self, session: AsyncSession, report: Report, *, full: bool) -> ReportDetails:
        bots = await self._bots(session, report)
        brokers = list(
            (
                await session.execute(
                    select(BrokerConnection).where(
                        BrokerConnection.id.in_({bot.broker_connection_id for bot in bots})
                    )
                )
            ).scalars()
        )
        trades = await _closed_trades(
            session, bots, report.start_date, report.end_date, report.bot_position_tags
        )
        actual = await _actual_nlv(session, brokers, report.start_date)
        amount = report.nlv_amount or 0.0
        starting_nlv = {
            "Actual NLV": actual,
            "Percent of NLV": actual * amount / 100,
        }.get(report.nlv_source, amount)
        days = performance.trading_days(report.start_date, report.end_date)
        results = performance.results(
            trades,
            start=report.start_date,
            end=report.end_date,
            starting_nlv=starting_nlv,
            underlying=market.closes(report.symbol, days),
            include_days=full,
            include_years=True,  # small, and what clients read monthly and yearly results from
            include_bots=True,
        )
        return ReportDetails(report, bots, brokers, results)
