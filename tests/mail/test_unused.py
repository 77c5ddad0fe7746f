"""Unused-token hygiene: flagged in the listing, one email per idle stretch, and
auto-revocation only where the operator opted in, after the notice it promised."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from keystead.api.schemas import token_view
from keystead.audit import Actor
from keystead.clock import FixedClock
from keystead.config import Settings
from keystead.runtime import Runtime, build_runtime
from keystead.store.models import ApiToken
from tests.mail.conftest import SmtpServer, owner_with_token

SUBJECT = 'Your keystead API token "nightly export" has not been used for {} days'


async def _reload(runtime: Runtime, token: ApiToken) -> ApiToken:
    return await runtime.tokens.get(token.account_id, token.id)


def _unused(runtime: Runtime, token: ApiToken) -> bool:
    flag = token_view(token, runtime.clock.now(), runtime.tokens.policy.unused_after)["unused"]
    assert isinstance(flag, bool)
    return flag


async def test_a_token_unused_for_90_days_is_flagged_and_its_owner_told_once(
    mailing: Runtime, smtp: SmtpServer, clock: FixedClock
) -> None:
    token = await owner_with_token(mailing, timedelta(days=365))
    clock.advance(timedelta(days=89, hours=23))
    await mailing.jobs.run_once()
    assert smtp.inbox.subjects() == []
    assert not _unused(mailing, await _reload(mailing, token))
    clock.advance(timedelta(hours=2))
    for _ in range(3):  # repeated runs (and other instances) add nothing
        await mailing.jobs.run_once()
    assert smtp.inbox.subjects() == [SUBJECT.format(90)]
    assert _unused(mailing, await _reload(mailing, token))
    text, html = smtp.inbox.bodies(0)
    for body in (text, html):
        assert token.preview in body
        assert token.created_at.strftime("%Y-%m-%d") in body
        assert "https://keys.example.com/api" in body
        assert "will be revoked" not in body  # this operator did not opt in
    # Left alone, it stays: nothing is revoked without the operator's opt-in.
    clock.advance(timedelta(days=60))
    await mailing.jobs.run_once()
    assert (await _reload(mailing, token)).revoked_at is None


async def test_using_it_again_clears_the_flag_and_rearms_the_reminder(
    mailing: Runtime, smtp: SmtpServer, clock: FixedClock
) -> None:
    token = await owner_with_token(mailing, timedelta(days=365))
    clock.advance(timedelta(days=91))
    await mailing.jobs.run_once()
    mailing.usage.record(token.id, token.account_id, 200, "203.0.113.7")
    await mailing.usage.flush()
    assert not _unused(mailing, await _reload(mailing, token))
    clock.advance(timedelta(days=91))
    await mailing.jobs.run_once()
    assert smtp.inbox.subjects() == [SUBJECT.format(91), SUBJECT.format(91)]


@pytest.fixture
async def revoking(mail_settings: Settings, clock: FixedClock) -> AsyncIterator[Runtime]:
    settings = mail_settings.model_copy(
        update={"unused_token_days": 30, "unused_token_auto_revoke": True}
    )
    runtime = build_runtime(settings, clock)
    yield runtime
    await runtime.close()


async def test_opted_in_auto_revoke_waits_for_the_notice_it_gave(
    revoking: Runtime, smtp: SmtpServer, clock: FixedClock
) -> None:
    token = await owner_with_token(revoking, timedelta(days=365))
    clock.advance(timedelta(days=30))
    flagged_at = clock.now()
    report = await revoking.jobs.run_once()
    assert (report.unused_flagged, report.unused_revoked) == (1, 0)
    text, _ = smtp.inbox.bodies(0)
    revoke_on = (flagged_at + timedelta(days=14)).strftime("%Y-%m-%d %H:%M UTC")
    assert f"unless it is used before {revoke_on}" in " ".join(text.split())
    clock.advance(timedelta(days=14) - timedelta(minutes=1))
    assert (await revoking.jobs.run_once()).unused_revoked == 0
    clock.advance(timedelta(minutes=1))
    assert (await revoking.jobs.run_once()).unused_revoked == 1
    revoked = await _reload(revoking, token)
    assert revoked.revoked_at == clock.now()
    [entry] = [
        event
        for event in await revoking.audit.for_account(token.account_id)
        if event.action == "token.revoked"
    ]
    assert entry.actor == "operator"
    assert entry.details["reason"].startswith("unused since ")
    assert (await revoking.jobs.run_once()).unused_revoked == 0


async def test_a_token_used_during_the_notice_is_not_revoked(
    revoking: Runtime, smtp: SmtpServer, clock: FixedClock
) -> None:
    token = await owner_with_token(revoking, timedelta(days=365))
    clock.advance(timedelta(days=31))
    await revoking.jobs.run_once()
    clock.advance(timedelta(days=7))
    revoking.usage.record(token.id, token.account_id, 200, "203.0.113.7")
    await revoking.usage.flush()
    clock.advance(timedelta(days=8))
    report = await revoking.jobs.run_once()
    assert report.unused_revoked == 0
    assert (await _reload(revoking, token)).revoked_at is None


async def test_revoked_and_expired_tokens_are_not_flagged(
    mailing: Runtime, smtp: SmtpServer, clock: FixedClock
) -> None:
    revoked = await owner_with_token(mailing, timedelta(days=365))
    await mailing.tokens.revoke(revoked.account_id, revoked.id, by=Actor.operator())
    await owner_with_token(mailing, timedelta(days=60), email_address="second@example.com")
    await owner_with_token(mailing, timedelta(days=365), email_address="third@example.com")
    clock.advance(timedelta(days=100))
    report = await mailing.jobs.run_once()
    assert report.unused_flagged == 1  # only the active one
    assert [str(message["To"]) for message in smtp.inbox.messages] == ["third@example.com"]
