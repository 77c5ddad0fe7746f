"""Mail that cannot go out stays in the outbox and goes out when SMTP is back."""

from __future__ import annotations

from datetime import timedelta

from keystead.clock import FixedClock
from keystead.mail.outbox import listing
from keystead.runtime import Runtime
from tests.mail.conftest import SmtpServer, owner_with_token


async def test_an_smtp_server_that_is_down_loses_nothing(
    mailing: Runtime, smtp_port: int, clock: FixedClock
) -> None:
    for n in range(3):
        await owner_with_token(mailing, timedelta(days=3), f"owner{n}@example.com")
    report = await mailing.jobs.run_once()  # nothing listens on the SMTP port yet
    assert report.reminders_queued == 3
    assert report.mail_sent == 0
    assert report.mail_failed == 3
    waiting = await listing(mailing.db, include_sent=False)
    assert len(waiting) == 3
    assert all(message.attempts == 1 for message in waiting)
    assert all(message.last_error for message in waiting)

    server = SmtpServer(smtp_port)
    server.start()
    try:
        # Not yet: failed messages wait before they are tried again.
        assert (await mailing.jobs.run_once()).mail_sent == 0
        clock.advance(timedelta(minutes=3))
        report = await mailing.jobs.run_once()
        assert report.mail_sent == 3
        assert await listing(mailing.db, include_sent=False) == []
        assert sorted(str(m["To"]) for m in server.inbox.messages) == [
            f"owner{n}@example.com" for n in range(3)
        ]
        # Sent mail is not sent again.
        clock.advance(timedelta(hours=2))
        await mailing.jobs.run_once()
        assert len(server.inbox.messages) == 3
    finally:
        server.stop()
