"""The background jobs of one instance: reminders, then mail delivery, on an interval."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import structlog

from keystead.jobs.reminders import ReminderJob
from keystead.mail.smtp import Delivery

logger = structlog.get_logger("keystead.jobs")


@dataclass(frozen=True, slots=True)
class JobsReport:
    reminders_queued: int
    mail_sent: int
    mail_failed: int


class Jobs:
    def __init__(self, reminders: ReminderJob, delivery: Delivery, interval_seconds: float) -> None:
        self.reminders = reminders
        self.delivery = delivery
        self._interval = interval_seconds

    async def run_once(self) -> JobsReport:
        reminded = await self.reminders.run_once()
        delivered = await self.delivery.run_once()
        return JobsReport(reminded.queued, delivered.sent, delivered.failed)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.run_once()
            except Exception as error:  # the loop must outlive a database or SMTP hiccup
                logger.warning("jobs run failed", error_type=type(error).__name__)
