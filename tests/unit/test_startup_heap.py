"""A server process keeps what start-up made out of the garbage collector's full
passes (their walk of it was a request's stall of tens of milliseconds); an app made
for anything else (tests, tools) leaves the collector as it was."""

from __future__ import annotations

import gc

from keystead.app import create_app
from keystead.config import Settings


class MadeAtStartUp:
    """An object the collector tracks, made before the app starts."""


async def test_a_server_process_freezes_what_start_up_made(settings: Settings) -> None:
    gc.unfreeze()
    made_before = MadeAtStartUp()
    try:
        app = create_app(settings, freeze_startup_heap=True)
        assert gc.get_freeze_count() == 0  # not before start-up has run
        async with app.router.lifespan_context(app):
            assert gc.get_freeze_count() > 10_000
            # The permanent generation: no full pass walks it.
            assert not any(item is made_before for item in gc.get_objects())
    finally:
        gc.unfreeze()


async def test_an_app_made_for_anything_else_freezes_nothing(settings: Settings) -> None:
    gc.unfreeze()
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() == 0
