"""`keystead demo seed`: the demo account, its accepted terms and the guarded API's demo
data; idempotent, so it can run any number of times (`keystead serve --demo` runs it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from keystead.cli.common import operator, print_json, run

if TYPE_CHECKING:
    from keystead.runtime import Runtime

DEMO_EMAIL = "demo@keystead.dev"
DEMO_PASSWORD = "keystead-demo"

app = typer.Typer(help="Demo data.", no_args_is_help=True)


@dataclass(frozen=True, slots=True)
class DemoCredentials:
    email: str
    password: str
    account_number: str


async def seed_demo(
    runtime: Runtime, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD
) -> DemoCredentials:
    """Create (or reset the password of) the demo account, with the current terms
    accepted, and let the guarded API give it data."""
    account = await runtime.accounts.find(email)
    if account is None:
        account = await runtime.accounts.register(email, password, verify_email=False)
    else:
        await runtime.accounts.set_password(account.id, password)
    terms = await runtime.terms.current()
    await runtime.terms.accept(account.id, terms.version, by=operator())
    if runtime.api.seed_demo is not None:
        await runtime.api.seed_demo(runtime, account)
    return DemoCredentials(
        email=account.email or email, password=password, account_number=account.number
    )


@app.command("seed")
def seed(
    email: Annotated[str, typer.Option(help="Demo account email.")] = DEMO_EMAIL,
    password: Annotated[str, typer.Option(help="Demo account password.")] = DEMO_PASSWORD,
) -> None:
    """Create or refresh the demo account (idempotent) and print its credentials."""
    credentials = run(lambda runtime: seed_demo(runtime, email, password))
    print_json({"email": credentials.email, "password": credentials.password})
