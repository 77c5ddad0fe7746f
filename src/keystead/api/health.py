"""/healthz (process up), /readyz (storage, Redis and the upstream reachable), /metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from keystead.api.deps import AppRuntime
from keystead.envelope import failure, ok

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> Response:
    return ok({"status": "ok"}, "Alive")


@router.get("/readyz")
async def readyz(request: Request, runtime: AppRuntime) -> Response:
    checks: dict[str, str] = {}
    try:
        await runtime.db.ping()
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"unreachable ({type(error).__name__})"
    if runtime.settings.redis_url:
        checks["redis"] = await _redis_check(runtime.settings.redis_url)
    if runtime.api.ready is not None:  # the upstream, in proxy mode
        checks.update(await runtime.api.ready(runtime.guarded_services))
    if all(value == "ok" for value in checks.values()):
        return ok(checks, "Ready")
    return failure(request.url.path, 503, "Not ready", checks)


async def _redis_check(url: str) -> str:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        await client.ping()
        return "ok"
    except Exception as error:
        return f"unreachable ({type(error).__name__})"
    finally:
        await client.aclose()


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
