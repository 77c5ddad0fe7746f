"""Expiry reminders through a real SMTP server: each threshold once, with the right
content; extensions re-arm; revoked tokens are left alone; concurrent runners."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from keystead.audit import Actor
from keystead.clock import FixedClock
from keystead.runtime import Runtime, build_runtime
from keystead.services.api_tokens import TokenChanges
from tests.mail.conftest import SmtpServer, at_days_before, owner_with_token


async def test_each_threshold_sends_exactly_one_message(
    mailing: Runtime, smtp: SmtpServer, clock: FixedClock
) -> None:
    token = await owner_with_token(mailing, timedelta(days=40))
    expected = []
    for days_before, subject in (
        (35, None),
        (29.5, 'Your keystead API token "nightly export" expires in 30 days'),
        (6.5, 'Your keystead API token "nightly export" expires in 7 days'),
        (0.5, 'Your keystead API token "nightly export" expires in 1 day'),
        (-0.5, 'Your keystead API token "nightly export" has expired'),
    ):
        at_days_before(clock, token.expires_at, days_before)
        for _ in range(3):  # repeated runs (and restarts) add nothing
            await mailing.jobs.run_once()
        if subject:
            expected.append(subject)
        assert smtp.inbox.subjects() == expected
    assert all(str(message["To"]) == "owner@example.com" for message in smtp.inbox.messages)


async def test_the_reminder_names_token_preview_permissions_expiry_and_where_to_extend(
    mailing: Runtime, smtp: SmtpServer, clock: FixedClock
) -> None:
    token = await owner_with_token(mailing, timedelta(days=40))
    at_days_before(clock, token.expires_at, 6.9)
    await mailing.jobs.run_once()
    text, html = smtp.inbox.bodies(0)
    assert token.expires_at is not None
    expiry = token.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    for body in (text, html):
        assert "nightly export" in body
        assert token.preview in body
        assert "Read Bots (bots:read)" in body
        assert "Read Positions (positions:read)" in body
        assert expiry in body
        assert "https://keys.example.com/api" in body
    assert "in 7 days" in text
    assert '<a href="https://keys.example.com/api">' in html


async def test_a_token_found_late_gets_one_message_not_three(
    mailing: Runtime, smtp: SmtpServer
) -> None:
    await owner_with_token(mailing, timedelta(days=5))
    await mailing.jobs.run_once()
    assert smtp.inbox.subjects() == ['Your keystead API token "nightly export" expires in 5 days']
    await mailing.jobs.run_once()
    assert len(smtp.inbox.messages) == 1


async def test_revoked_tokens_get_nothing(
    mailing: Runtime, smtp: SmtpServer, clock: FixedClock
) -> None:
    token = await owner_with_token(mailing, timedelta(days=40))
    await mailing.tokens.revoke(None, token.id, by=Actor.operator())
    for days_before in (29, 6, 0.5, -1):
        at_days_before(clock, token.expires_at, days_before)
        await mailing.jobs.run_once()
    assert smtp.inbox.messages == []


async def test_an_extension_re_arms_only_what_comes_within_reach(
    mailing: Runtime, smtp: SmtpServer, clock: FixedClock
) -> None:
    token = await owner_with_token(mailing, timedelta(days=40))
    at_days_before(clock, token.expires_at, 29)
    await mailing.jobs.run_once()
    assert len(smtp.inbox.messages) == 1  # the 30-day reminder

    extended = await mailing.tokens.update(
        token.account_id,
        token.id,
        TokenChanges(expires_at=clock.now() + timedelta(days=60)),
        by=Actor.operator(),
    )
    await mailing.jobs.run_once()
    assert len(smtp.inbox.messages) == 1  # the new date is 60 days away: nothing is due

    at_days_before(clock, extended.expires_at, 31)
    await mailing.jobs.run_once()
    assert len(smtp.inbox.messages) == 1
    at_days_before(clock, extended.expires_at, 29.5)
    await mailing.jobs.run_once()
    assert smtp.inbox.subjects()[1:] == [
        'Your keystead API token "nightly export" expires in 30 days'
    ]
    assert extended.expires_at is not None
    assert extended.expires_at.strftime("%Y-%m-%d") in smtp.inbox.bodies(1)[0]


async def test_two_runners_at_once_send_each_reminder_once(
    mailing: Runtime, smtp: SmtpServer, clock: FixedClock
) -> None:
    tokens = [
        await owner_with_token(mailing, timedelta(days=40), f"owner{n}@example.com")
        for n in range(5)
    ]
    other = build_runtime(mailing.settings, clock)  # a second instance on the same database
    try:
        at_days_before(clock, tokens[0].expires_at, 6)
        await asyncio.gather(mailing.jobs.run_once(), other.jobs.run_once())
        await asyncio.gather(mailing.jobs.run_once(), other.jobs.run_once())
    finally:
        await other.close()
    assert sorted(str(message["To"]) for message in smtp.inbox.messages) == [
        f"owner{n}@example.com" for n in range(5)
    ]
