"""`keystead serve`: migrations, optional demo seed, then uvicorn."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from keystead.cli.common import console, fail, run
from keystead.cli.demo import seed_demo
from keystead.config import Settings
from keystead.errors import ConfigurationError

if TYPE_CHECKING:
    from starlette.types import ASGIApp

NEEDS_REDIS = (
    "needs KEYSTEAD_REDIS_URL: without Redis each worker process keeps its own rate limits "
    "and learns of revocations late; set KEYSTEAD_REDIS_URL, or run one worker"
)
"""Why several workers are refused without Redis, after `--workers N` (or the setting)."""


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind (default 8000).")] = None,
    demo: Annotated[bool, typer.Option(help="Seed the demo account and print it.")] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="Processes serving the port (default 1). More needs KEYSTEAD_REDIS_URL."
        ),
    ] = None,
) -> None:
    """Run keystead: applies migrations, then serves HTTP."""
    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    if workers is not None:
        overrides["workers"] = workers
    try:
        settings = Settings.load(**overrides)
        if settings.workers > 1 and not settings.redis_url:
            asked = "--workers " if workers is not None else "KEYSTEAD_WORKERS="
            raise ConfigurationError(f"{asked}{settings.workers} {NEEDS_REDIS}")
        settings.secret_bytes  # noqa: B018 - fail before binding if the secret is unusable
    except ConfigurationError as error:
        fail(str(error), 2)
        return
    if demo:
        credentials = run(seed_demo, settings)
        console.print(
            f"Demo account: email [bold]{credentials.email}[/bold] "
            f"password [bold]{credentials.password}[/bold]",
            highlight=False,
        )
    else:
        migrate(settings)
    console.print(f"keystead serving on {settings.effective_public_url}", highlight=False)
    if settings.workers > 1:
        from keystead.cli.worker import WORKER_APP

        # Each worker reads its settings itself, from the environment: the overrides too.
        os.environ["KEYSTEAD_HOST"] = settings.host
        os.environ["KEYSTEAD_PORT"] = str(settings.port)
        serve_http(WORKER_APP, settings, workers=settings.workers)
    else:
        from keystead.app import create_app  # the web stack: imported when it serves

        serve_http(create_app(settings, freeze_startup_heap=True), settings)


def migrate(settings: Settings) -> None:
    """Apply pending migrations (every command does, before it serves)."""
    run(_noop, settings)


def serve_http(app: ASGIApp | str, settings: Settings, *, workers: int = 1) -> None:
    """uvicorn as keystead runs it: no access log of its own, no server header.

    `app` is the app itself, or, for `workers` > 1, the import string of a factory
    each worker process calls (uvicorn binds the port in this process and hands
    the socket to the workers).
    """
    import uvicorn

    from keystead.edge.protocol import envelope_protocol
    from keystead.observability import server_log_config

    uvicorn.run(
        app,
        factory=isinstance(app, str),
        workers=workers,
        host=settings.host,
        port=settings.port,
        access_log=False,
        server_header=False,
        # uvicorn would believe X-Forwarded-For from 127.0.0.1 by default; keystead
        # trusts only KEYSTEAD_TRUSTED_PROXIES, applied inside the app.
        proxy_headers=False,
        log_config=server_log_config("warning"),
        # What the HTTP parser refuses is answered in the envelope too. (A class of
        # its module: with workers, uvicorn pickles it by name into each process.)
        http=envelope_protocol(settings.is_https),
    )


async def _noop(_runtime: object) -> None:
    return None
