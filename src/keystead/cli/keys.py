"""`keystead keys rotate | list`: the keys that sign what keystead tells an upstream."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from keystead.cli.common import console, print_json, run

if TYPE_CHECKING:
    from keystead.runtime import Runtime

app = typer.Typer(help="Assertion signing keys (Ed25519).", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command("rotate")
def rotate(json: JsonFlag = False) -> None:
    """Sign with a new key from now on. The old keys stay published until every
    assertion they signed has expired; every instance switches within 30 seconds."""
    from keystead.gateway.keys import PUBLISHED_AFTER_RETIREMENT  # cryptography, SQLAlchemy

    async def action(runtime: Runtime) -> str:
        return await runtime.signing_keys.rotate()

    kid = run(action)
    if json:
        print_json({"kid": kid})
        return
    seconds = int(PUBLISHED_AFTER_RETIREMENT.total_seconds())
    console.print(
        f"new signing key [bold]{kid}[/bold]; the previous ones stay published for {seconds} s",
        highlight=False,
    )


@app.command("list")
def list_keys(json: JsonFlag = False) -> None:
    """The published public keys (the JWK Set's), newest first."""

    async def action(runtime: Runtime) -> list[dict[str, object]]:
        await runtime.signing_keys.current()
        return list(await runtime.signing_keys.published())

    keys = run(action)
    if json:
        print_json(keys)
        return
    for key in keys:
        console.print(key["kid"], highlight=False)
