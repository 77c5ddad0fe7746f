"""`keystead serve-trading --host … --port …`: the trading API alone, behind a gateway."""

from __future__ import annotations

from typing import Annotated

import typer

from keystead.cli.common import console, fail
from keystead.cli.serve import migrate, serve_http
from keystead.config import Settings
from keystead.errors import ConfigurationError

app = typer.Typer(
    help="Serve the trading API alone, trusting only requests a keystead gateway signed.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@app.callback()
def serve_trading(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind (default 8000).")] = None,
) -> None:
    """Serve the trading API's /v1 routes alone. Every request must carry a
    Keystead-Assertion that verifies against KEYSTEAD_GATEWAY_JWKS_URL, for this
    service's audience (KEYSTEAD_UPSTREAM_AUDIENCE, default http://HOST:PORT);
    anything else is 401. Applies migrations first."""
    from keystead.trading import api
    from keystead.trading.service import create_trading_service

    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    try:
        settings = Settings.load(**overrides)
        service = create_trading_service(settings, api)
    except ConfigurationError as error:
        fail(str(error), 2)
        return
    migrate(settings)
    console.print(
        f"keystead trading API serving on http://{settings.host}:{settings.port}, "
        f"trusting {settings.gateway_jwks_url}",
        highlight=False,
    )
    serve_http(service, settings)
