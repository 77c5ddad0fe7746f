"""The background jobs of one instance, on an interval: expiry reminders, unused-token
hygiene, pruning of old usage figures, then mail delivery."""

from __future__ import annotations

from dataclasses import dataclass

from keystead.jobs.reminders import ReminderJob
from keystead.jobs.unused import UnusedTokenJob
from keystead.mail.smtp import Delivery
from keystead.services.usage import UsageReports


@dataclass(frozen=True, slots=True)
class JobsReport:
    reminders_queued: int
    unused_flagged: int
    unused_revoked: int
    usage_rows_pruned: int
    mail_sent: int
    mail_failed: int


class Jobs:
    def __init__(
        self,
        reminders: ReminderJob,
        unused: UnusedTokenJob,
        usage: UsageReports,
        delivery: Delivery,
        interval_seconds: float,
    ) -> None:
        self.reminders = reminders
        self.unused = unused
        self.usage = usage
        self.delivery = delivery
        self.interval = interval_seconds

    async def run_once(self) -> JobsReport:
        reminded = await self.reminders.run_once()
        hygiene = await self.unused.run_once()
        pruned = await self.usage.prune()
        delivered = await self.delivery.run_once()
        return JobsReport(
            reminders_queued=reminded.queued,
            unused_flagged=hygiene.flagged,
            unused_revoked=hygiene.revoked,
            usage_rows_pruned=pruned,
            mail_sent=delivered.sent,
            mail_failed=delivered.failed,
        )
