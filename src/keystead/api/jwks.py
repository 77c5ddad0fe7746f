"""GET /.well-known/jwks.json: the public keys that verify `Keystead-Assertion`."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from keystead.api.deps import AppRuntime
from keystead.gateway.keys import REFRESH

router = APIRouter(tags=["gateway"])


@router.get(
    "/.well-known/jwks.json",
    summary="The JWK Set that verifies Keystead-Assertion",
    description=(
        "RFC 7517 JWK Set: the Ed25519 key that signs now, and keys retired too "
        "recently for every assertion they signed to have expired. Not enveloped."
    ),
    responses={200: {"description": "RFC 7517 JWK Set"}},
)
async def jwks(runtime: AppRuntime) -> Response:
    # The signing key exists from the first request on, so a verifier finds it before
    # the first assertion it must check.
    await runtime.signing_keys.current()
    keys = await runtime.signing_keys.published()
    # Short enough that a key added by a rotation is seen before it signs anything
    # elsewhere (each instance re-reads its signing key every REFRESH).
    max_age = int(REFRESH.total_seconds()) // 2
    return JSONResponse({"keys": keys}, headers={"Cache-Control": f"public, max-age={max_age}"})
