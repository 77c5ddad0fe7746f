"""The demo account and its trading data: idempotent, so `keystead demo seed` can run
any number of times."""

from __future__ import annotations

from dataclasses import dataclass

from keystead.runtime import Runtime
from keystead.services.audit import Actor
from keystead.services.demo_trading import has_trading_data, seed_trading

DEMO_EMAIL = "demo@keystead.dev"
DEMO_PASSWORD = "keystead-demo"


@dataclass(frozen=True, slots=True)
class DemoCredentials:
    email: str
    password: str
    account_number: str


async def seed_demo(
    runtime: Runtime, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD
) -> DemoCredentials:
    """Create (or reset the password of) the demo account, with the current terms accepted."""
    account = await runtime.accounts.find(email)
    if account is None:
        account = await runtime.accounts.register(email, password)
    else:
        await runtime.accounts.set_password(account.id, password)
    terms = await runtime.terms.current()
    await runtime.terms.accept(account.id, terms.version, by=Actor.operator())
    async with runtime.db.transaction() as session:
        if not await has_trading_data(session, account.id):
            await seed_trading(
                session, account.id, email, runtime.clock.now(), runtime.settings.secret_bytes
            )
    return DemoCredentials(
        email=account.email or email, password=password, account_number=account.number
    )
