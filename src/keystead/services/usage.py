"""Usage figures of a token or a whole account: requests per hour and per day by
status class, distinct client addresses, last use. Read from what `UsageRecorder`
wrote (each instance writes every few seconds); kept for the retention period."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.sql import ColumnElement

from keystead.clock import Clock
from keystead.services.api_tokens import TOKEN
from keystead.services.credential_changes import owned
from keystead.store.db import Database
from keystead.store.models import ApiToken, TokenUsage, TokenUsageClient

MAX_HOURS = 168
MAX_DAYS = 90
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class UsageWindow:
    hours: int = 48
    days: int = 30


@dataclass(slots=True)
class Bucket:
    start: datetime
    requests: int = 0
    ok: int = 0
    client_errors: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    clients: set[str] = field(default_factory=set)

    def add(self, row: TokenUsage) -> None:
        self.requests += row.requests
        self.ok += row.ok
        self.client_errors += row.client_errors
        self.rate_limited += row.rate_limited
        self.server_errors += row.server_errors


@dataclass(frozen=True, slots=True)
class Usage:
    token_id: str | None
    """None: the whole account (every token and the account key)."""
    last_used_at: datetime | None
    hourly: list[Bucket]
    daily: list[Bucket]
    totals: Bucket
    """Over the daily buckets' span."""


def _hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _day_of(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


class UsageReports:
    def __init__(self, db: Database, clock: Clock, retention: timedelta) -> None:
        self._db = db
        self._clock = clock
        self._retention = retention

    async def for_token(self, account_id: int, token_id: str, window: UsageWindow) -> Usage:
        async with self._db.read() as session:
            token = await owned(session, account_id, token_id, TOKEN)
        return await self._usage(
            TokenUsage.credential_id == token.id,
            TokenUsageClient.credential_id == token.id,
            token.id,
            token.last_used_at,
            window,
        )

    async def for_account(self, account_id: int, window: UsageWindow) -> Usage:
        async with self._db.read() as session:
            last_used = await session.scalar(
                select(func.max(ApiToken.last_used_at)).where(ApiToken.account_id == account_id)
            )
        return await self._usage(
            TokenUsage.account_id == account_id,
            TokenUsageClient.account_id == account_id,
            None,
            last_used,
            window,
        )

    async def prune(self) -> int:
        """Delete figures older than the retention period; returns the rows deleted."""
        cutoff = _hour_of(self._clock.now()) - self._retention
        async with self._db.transaction() as session:
            counts = await session.execute(delete(TokenUsage).where(TokenUsage.hour_start < cutoff))
            clients = await session.execute(
                delete(TokenUsageClient).where(TokenUsageClient.hour_start < cutoff)
            )
        return int(counts.rowcount or 0) + int(clients.rowcount or 0)  # type: ignore[attr-defined]

    async def _usage(
        self,
        counts_of: ColumnElement[bool],
        clients_of: ColumnElement[bool],
        token_id: str | None,
        last_used_at: datetime | None,
        window: UsageWindow,
    ) -> Usage:
        now = self._clock.now().astimezone(UTC)
        this_hour, today = _hour_of(now), _day_of(now)
        hourly = [Bucket(this_hour - HOUR * back) for back in reversed(range(window.hours))]
        daily = [Bucket(today - DAY * back) for back in reversed(range(window.days))]
        since = min(hourly[0].start, daily[0].start)
        async with self._db.read() as session:
            rows = (
                await session.scalars(
                    select(TokenUsage).where(counts_of, TokenUsage.hour_start >= since)
                )
            ).all()
        async with self._db.read() as session:
            seen = (
                await session.execute(
                    select(TokenUsageClient.hour_start, TokenUsageClient.client)
                    .where(clients_of, TokenUsageClient.hour_start >= since)
                    .distinct()
                )
            ).all()
        by_hour = {bucket.start: bucket for bucket in hourly}
        by_day = {bucket.start: bucket for bucket in daily}
        totals = Bucket(daily[0].start)
        for row in rows:
            for bucket in (by_hour.get(row.hour_start), by_day.get(_day_of(row.hour_start))):
                if bucket is not None:
                    bucket.add(row)
            if row.hour_start >= totals.start:
                totals.add(row)
        clients_by_hour: defaultdict[datetime, set[str]] = defaultdict(set)
        for hour_start, client in seen:
            clients_by_hour[hour_start].add(client)
        for hour_start, clients in clients_by_hour.items():
            for bucket in (by_hour.get(hour_start), by_day.get(_day_of(hour_start))):
                if bucket is not None:
                    bucket.clients |= clients
            if hour_start >= totals.start:
                totals.clients |= clients
        return Usage(token_id, last_used_at, hourly, daily, totals)
