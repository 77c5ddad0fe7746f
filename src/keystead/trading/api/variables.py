"""/v1/bots/variables: list, one variable, rename or set a free-text value."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from keystead.access.authorize import requires
from keystead.api.collection import collection
from keystead.api.deps import principal_of
from keystead.api.schemas import Envelope
from keystead.envelope import ok
from keystead.trading.api import views
from keystead.trading.context import from_request
from keystead.trading.permissions import Permission
from keystead.trading.services.variables import VariableChanges
from keystead.trading.wire import VariableResponse

router = APIRouter(prefix="/v1/bots/variables", tags=["v1 variables"])


class VariableUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=100)
    value: str | None = Field(default=None, max_length=500)


@collection(router, "GET", "", response_model=Envelope[list[VariableResponse]])
@requires(Permission.VARIABLES_READ)
async def list_variables(request: Request) -> Response:
    variables = await from_request(request).variables.for_account(principal_of(request).account_id)
    return ok([views.variable(item) for item in variables], "Variables retrieved")


@router.get("/{number}", response_model=Envelope[VariableResponse])
@requires(Permission.VARIABLES_READ)
async def get_variable(request: Request, number: str) -> Response:
    variable = await from_request(request).variables.get(principal_of(request).account_id, number)
    return ok(views.variable(variable), "Variable retrieved")


@router.put("/{number}", response_model=Envelope[VariableResponse])
@requires(Permission.VARIABLES_WRITE)
async def update_variable(request: Request, number: str, body: VariableUpdateIn) -> Response:
    """Rename a variable, or set the value of a free-text variable not tied to a bot."""
    changes = VariableChanges(name=body.name or None, value=body.value)
    variable = await from_request(request).variables.update(
        principal_of(request).account_id, number, changes
    )
    return ok(views.variable(variable), "Variable updated")
