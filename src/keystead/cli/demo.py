"""`keystead demo seed`: the demo account, printed as JSON."""

from __future__ import annotations

from typing import Annotated

import typer

from keystead.cli.common import print_json, run
from keystead.services.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo

app = typer.Typer(help="Demo data.", no_args_is_help=True)


@app.command("seed")
def seed(
    email: Annotated[str, typer.Option(help="Demo account email.")] = DEMO_EMAIL,
    password: Annotated[str, typer.Option(help="Demo account password.")] = DEMO_PASSWORD,
) -> None:
    """Create or refresh the demo account (idempotent) and print its credentials."""
    credentials = run(lambda runtime: seed_demo(runtime, email, password))
    print_json({"email": credentials.email, "password": credentials.password})
