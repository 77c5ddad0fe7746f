"""The app of one `keystead serve --workers N` worker, built in the worker process.

uvicorn starts each worker as a fresh interpreter and calls `create_worker_app`
there. The worker reads its settings as every command does (the environment, then
`.env`); `keystead serve` has put its `--host` and `--port` into the environment
before the workers start, and has applied the migrations already.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape

from keystead.cli.common import errors
from keystead.config import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

WORKER_APP = "keystead.cli.worker:create_worker_app"
"""What uvicorn is given: the import string of the factory below."""

STARTUP_FAILURE = 3
"""uvicorn's exit status for a worker that could not start (`uvicorn.config`): its
supervisor then stops, where any other status would start the worker again, forever."""


def create_worker_app() -> FastAPI:
    from keystead.app import create_app  # the web stack: imported in the worker only

    try:
        return create_app(Settings.load(), freeze_startup_heap=True)
    except Exception as error:
        errors.print(
            f"[red]error:[/red] worker could not start: {escape(str(error))}", highlight=False
        )
        raise SystemExit(STARTUP_FAILURE) from error
