"""Runtime: every long-lived object of one keystead process, built once from Settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher

from keystead.access.authenticate import Authenticator
from keystead.access.cache import CredentialCache
from keystead.access.permissions import PLATFORM_PERMISSIONS, PermissionCatalogue
from keystead.access.sealing import Sealer
from keystead.access.sessions import SessionManager
from keystead.access.usage import UsageRecorder
from keystead.audit import AuditService
from keystead.clock import Clock, SystemClock
from keystead.config import Settings
from keystead.errors import ConfigurationError
from keystead.events import EventBus, open_bus
from keystead.events.journal import JournalPoller
from keystead.gateway.assertions import Assertions
from keystead.gateway.keys import SigningKeys
from keystead.guarded_api import GuardedApi, mounted_api
from keystead.jobs.reminders import ReminderJob
from keystead.jobs.runner import Jobs
from keystead.jobs.unused import UnusedPolicy, UnusedTokenJob
from keystead.limiter import Limiter, open_limiter
from keystead.mail.smtp import Delivery, SmtpSender, SmtpServer
from keystead.services.account_directory import AccountDirectory
from keystead.services.account_keys import AccountKeyService, KeyPolicy
from keystead.services.account_links import AccountLinks
from keystead.services.accounts import AccountService
from keystead.services.api_tokens import ApiTokenService, TokenPolicy
from keystead.services.email_verification import EmailVerification
from keystead.services.introspection import Introspection
from keystead.services.leaks import LeakService
from keystead.services.passwords import PasswordService
from keystead.services.signed_in import SignedInSessions
from keystead.services.terms import TermsService
from keystead.services.usage import UsageReports
from keystead.services.wallet_login import WalletLoginService, WalletPolicy
from keystead.store.db import Database

API_PAGE = "/api"
"""The web page where owners manage (and extend) their tokens; reminders link to it."""


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    db: Database
    bus: EventBus
    cache: CredentialCache
    rate_limiter: Limiter
    authenticator: Authenticator
    usage: UsageRecorder
    usage_reports: UsageReports
    journal: JournalPoller
    sessions: SessionManager
    accounts: AccountService
    directory: AccountDirectory
    passwords: PasswordService
    email_verification: EmailVerification
    signed_in: SignedInSessions
    terms: TermsService
    tokens: ApiTokenService
    wallet: WalletLoginService
    account_keys: AccountKeyService
    audit: AuditService
    leaks: LeakService
    introspection: Introspection
    signing_keys: SigningKeys
    assertions: Assertions
    introspection_failures: Limiter
    jobs: Jobs
    api: GuardedApi
    permissions: PermissionCatalogue
    guarded_services: Any = None
    """What `api.start` built: the guarded API's own services."""

    async def close(self) -> None:
        await self.passwords.drain()
        if self.api.stop is not None:
            await self.api.stop(self.guarded_services)
        await self.bus.close()
        await self.db.dispose()


def permission_catalogue(api: GuardedApi) -> PermissionCatalogue:
    try:
        return PermissionCatalogue((*PLATFORM_PERMISSIONS, *api.permissions))
    except ValueError as error:
        raise ConfigurationError(f"guarded API {api.name!r}: {error}") from error


def account_key_permissions(settings: Settings, catalogue: PermissionCatalogue) -> list[str]:
    if settings.account_key_permissions is None:
        return list(catalogue.ids)
    try:
        return catalogue.normalise(settings.account_key_permissions)
    except ValueError as error:
        raise ConfigurationError(f"KEYSTEAD_ACCOUNT_KEY_PERMISSIONS: {error}") from error


def build_runtime(
    settings: Settings, clock: Clock | None = None, api: GuardedApi | None = None
) -> Runtime:
    """Every long-lived object, with the guarded API's services built last (they may
    use any of the platform's)."""
    api = api or mounted_api(settings)
    catalogue = permission_catalogue(api)
    clock = clock or SystemClock()
    secret = settings.secret_bytes
    db = Database(settings.database_url, pool_size=settings.database_pool_size)
    cache = CredentialCache(settings.credential_cache_size, settings.credential_cache_ttl_seconds)

    def bus_health(connected: bool) -> None:
        # A cache that cannot hear the bus keeps entries only briefly; once it hears
        # again it forgets everything, since it may have missed events meanwhile.
        ttl = settings.credential_cache_ttl_seconds
        if connected:
            cache.clear()
            cache.set_ttl(ttl)
        else:
            cache.set_ttl(min(ttl, settings.cache_fallback_ttl_seconds))

    bus = open_bus(settings, bus_health)
    bus.subscribe(cache.invalidate)
    journal = JournalPoller(db, clock, settings.invalidation_poll_seconds)
    journal.subscribe(cache.invalidate)
    hasher = PasswordHasher(
        time_cost=settings.password_hash_time_cost,
        memory_cost=settings.password_hash_memory_kib,
    )
    sessions = SessionManager(db, secret, clock, timedelta(hours=settings.session_lifetime_hours))
    audit = AuditService(db, clock)
    links = AccountLinks(secret, clock)
    mail_sealing = Sealer(secret, b"keystead mail v1")
    reset_per_email = open_limiter(settings, settings.password_reset_limit_per_email, "reset-email")
    email_verification = EmailVerification(
        db,
        clock,
        links,
        mail_sealing,
        settings.effective_public_url,
        timedelta(hours=settings.email_verification_hours),
        reset_per_email,
    )
    accounts = AccountService(
        db,
        clock,
        hasher,
        bus,
        open_limiter(settings, settings.login_failure_limit_per_address, "login-address"),
        open_limiter(settings, settings.login_failure_limit_per_account, "login-account"),
        audit,
        email_verification,
    )
    sender = None
    if settings.smtp_url is not None:
        server = SmtpServer.from_url(settings.smtp_url.get_secret_value())
        sender = SmtpSender(server, settings.mail_from)
    tokens = ApiTokenService(
        db,
        clock,
        bus,
        secret,
        TokenPolicy(
            prefix=settings.token_prefix,
            permissions=catalogue,
            default_lifetime=timedelta(days=settings.token_default_lifetime_days),
            max_lifetime=timedelta(days=settings.token_max_lifetime_days),
            max_active_per_account=settings.max_active_tokens_per_account,
            unused_after=timedelta(days=settings.unused_token_days),
        ),
    )
    usage_reports = UsageReports(db, clock, timedelta(days=settings.usage_retention_days))
    api_url = settings.effective_public_url + API_PAGE
    authenticator = Authenticator(
        db,
        secret,
        settings.token_prefix,
        cache,
        open_limiter(settings, settings.auth_failure_limit, "auth-failures"),
        clock,
        audit,
    )
    signing_keys = SigningKeys(db, clock, secret)
    runtime = Runtime(
        settings=settings,
        api=api,
        permissions=catalogue,
        clock=clock,
        db=db,
        bus=bus,
        cache=cache,
        rate_limiter=open_limiter(settings, settings.rate_limit, "rate"),
        authenticator=authenticator,
        usage=UsageRecorder(
            db, clock, settings.last_used_flush_seconds, analytics=settings.usage_analytics
        ),
        usage_reports=usage_reports,
        journal=journal,
        sessions=sessions,
        accounts=accounts,
        directory=AccountDirectory(db, clock),
        passwords=PasswordService(
            db,
            clock,
            hasher,
            links,
            mail_sealing,
            sessions,
            settings.effective_public_url,
            open_limiter(settings, settings.password_reset_limit_per_address, "reset-address"),
            reset_per_email,
            accounts.failures_per_account,
        ),
        email_verification=email_verification,
        signed_in=SignedInSessions(db, clock, sessions),
        terms=TermsService(db, clock),
        tokens=tokens,
        wallet=WalletLoginService(
            db,
            clock,
            sessions,
            WalletPolicy(
                domain=settings.wallet_domain,
                uri=settings.effective_public_url,
                chain_ids=tuple(settings.wallet_chain_ids),
                challenge_lifetime=timedelta(minutes=settings.wallet_challenge_minutes),
                session_lifetime=timedelta(hours=settings.wallet_session_hours),
            ),
            open_limiter(settings, settings.wallet_attempt_limit, "wallet-attempts"),
            audit,
        ),
        account_keys=AccountKeyService(
            db,
            clock,
            bus,
            secret,
            Sealer(secret),
            KeyPolicy(settings.token_prefix, account_key_permissions(settings, catalogue)),
        ),
        audit=audit,
        leaks=LeakService(
            db,
            clock,
            bus,
            secret,
            settings.token_prefix,
            api_url,
        ),
        introspection=Introspection(authenticator, db, catalogue, settings.effective_public_url),
        signing_keys=signing_keys,
        assertions=Assertions(
            signing_keys,
            catalogue,
            settings.effective_public_url,
            settings.assertion_audience,
        ),
        introspection_failures=open_limiter(
            settings, settings.introspection_failure_limit, "introspection-failures"
        ),
        jobs=Jobs(
            ReminderJob(db, clock, list(settings.reminder_days), api_url, catalogue),
            UnusedTokenJob(
                db,
                clock,
                tokens,
                UnusedPolicy(
                    unused_after=timedelta(days=settings.unused_token_days),
                    auto_revoke=settings.unused_token_auto_revoke,
                    notice=timedelta(days=settings.unused_token_revoke_notice_days),
                ),
                api_url,
            ),
            usage_reports,
            Delivery(db, clock, sender, mail_sealing),
            settings.jobs_interval_seconds,
        ),
    )
    if api.start is not None:
        runtime.guarded_services = api.start(runtime)
    return runtime
