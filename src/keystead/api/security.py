"""/security/leaked-tokens: where secret scanners report keystead tokens found in public.

Authenticated by the operator's leak-report secret, not by an account. The answer
says how many strings arrived, never which of them were keystead's.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from keystead.access.authenticate import bearer_value
from keystead.api.deps import AppRuntime, client_address
from keystead.api.schemas import Envelope, Input
from keystead.audit import Actor
from keystead.envelope import ok
from keystead.errors import NotAuthenticated
from keystead.services.leaks import Sighting

router = APIRouter(prefix="/security", tags=["security"])

MAX_SIGHTINGS = 500
"""With GitHub's fields that is about what fits the default 64 KiB body limit."""
ReportedString = Annotated[str, Field(min_length=1, max_length=128)]


class SightingIn(BaseModel):
    """One match as GitHub secret scanning (and scanners like it) report it."""

    # Scanners add fields over time; none of them could change what is revoked, and
    # refusing a report for an unknown field would leave a leaked token working.
    model_config = ConfigDict(extra="ignore")

    token: ReportedString
    type: Annotated[str, Field(max_length=100)] | None = None
    url: Annotated[str, Field(max_length=2048)] | None = None
    source: Annotated[str, Field(max_length=100)] | None = None


class LeakedTokensIn(Input):
    tokens: Annotated[list[ReportedString], Field(min_length=1, max_length=MAX_SIGHTINGS)]


Sightings = Annotated[list[SightingIn], Field(min_length=1, max_length=MAX_SIGHTINGS)]


class ReportOut(BaseModel):
    received: int


async def require_scanner(request: Request, runtime: AppRuntime) -> None:
    """The leak-report secret as a bearer value, compared in constant time."""
    configured = runtime.settings.leak_report_secret
    given = bearer_value(request.headers.get("authorization"))
    if configured is None or given is None:
        raise NotAuthenticated
    if not hmac.compare_digest(given.encode(), configured.get_secret_value().encode()):
        raise NotAuthenticated


@router.post(
    "/leaked-tokens",
    response_model=Envelope[ReportOut],
    dependencies=[Depends(require_scanner)],
)
async def report_leaked_tokens(
    request: Request,
    runtime: AppRuntime,
    report: Annotated[Sightings | LeakedTokensIn, Body()],
) -> Response:
    if isinstance(report, LeakedTokensIn):
        sightings = [Sighting(token) for token in report.tokens]
    else:
        sightings = [Sighting(item.token, item.url) for item in report]
    await runtime.leaks.report(sightings, Actor.scanner(client_address(request)))
    return ok({"received": len(sightings)}, "Report received")
