"""The peer baseline: the same route and payload, protected by keyshield 2.0.1.

Built as keyshield's README shows its FastAPI integration (`create_depends_api_key`
over a SQLAlchemy repository on SQLite, a session per request, `ensure_table` in
the service dependency), in two configurations:

- `default`: `ApiKeyService` with its defaults (Argon2 verification on every
  request, a random 0.1–0.3 s response delay);
- `cached`: `CachedApiKeyService` (aiocache in memory, hits skip Argon2) with the
  delay off, its fastest documented configuration.

The server reads `BENCH_PEER_DATABASE` (the SQLite file) and `BENCH_PEER_MODE`.
"""

import asyncio
import os
from collections.abc import AsyncIterator

from aiocache import SimpleMemoryCache
from fastapi import APIRouter, Depends, FastAPI
from keyshield import ApiKey, ApiKeyService
from keyshield.api import create_depends_api_key
from keyshield.hasher.argon2 import Argon2ApiKeyHasher
from keyshield.repositories.sql import SqlAlchemyApiKeyRepository
from keyshield.services.cached import CachedApiKeyService
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from starlette.responses import Response

from bench.app import GUARDED_PATH, PAYLOAD
from keystead.envelope import ok

MODES = ("default", "cached")
PEPPER = "keystead-bench-pepper-not-a-secret"
_CACHE = SimpleMemoryCache()
"""One cache per process, shared by every request's service (as an app would keep it)."""


def _service(repo: SqlAlchemyApiKeyRepository, mode: str) -> ApiKeyService:
    hasher = Argon2ApiKeyHasher(pepper=PEPPER)
    if mode == "cached":
        return CachedApiKeyService(repo=repo, hasher=hasher, cache=_CACHE, min_delay=0, max_delay=0)
    return ApiKeyService(repo=repo, hasher=hasher)


def create() -> FastAPI:
    """Factory for `uvicorn --factory bench.peer_app:create`."""
    mode = os.environ["BENCH_PEER_MODE"]
    if mode not in MODES:
        raise ValueError(f"BENCH_PEER_MODE must be one of {MODES}")
    engine = create_async_engine(f"sqlite+aiosqlite:///{os.environ['BENCH_PEER_DATABASE']}")
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

    async def inject_async_session() -> AsyncIterator[AsyncSession]:
        async with sessions() as session, session.begin():
            yield session

    # As keyshield's README writes them; its names are resolved inside this function.
    async def inject_svc_api_keys(
        async_session: AsyncSession = Depends(inject_async_session),  # noqa: B008
    ) -> ApiKeyService:
        repo = SqlAlchemyApiKeyRepository(async_session)
        await repo.ensure_table(async_engine=engine)
        return _service(repo, mode)

    security = create_depends_api_key(inject_svc_api_keys)
    router = APIRouter()

    @router.get(GUARDED_PATH)
    async def guarded(api_key: ApiKey = Depends(security)) -> Response:  # noqa: B008
        return ok(PAYLOAD, "Bench retrieved")

    app = FastAPI()
    app.include_router(router)
    return app


def create_key(database: str) -> str:
    """Create the peer's table and one key; return the key's plain text."""

    async def create_one() -> str:
        engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
        try:
            sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
            async with sessions() as session, session.begin():
                repo = SqlAlchemyApiKeyRepository(session)
                await repo.ensure_table(async_engine=engine)
                _entity, plain = await _service(repo, "default").create(name="bench")
            return str(plain)
        finally:
            await engine.dispose()

    return asyncio.run(create_one())
