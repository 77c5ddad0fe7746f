"""The security log page: the signed-in account's audit entries, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from keystead.access.permissions import PermissionCatalogue
from keystead.api.deps import AppRuntime
from keystead.audit import ANYONE, OPERATOR, OWNER, SCANNER, AuditAction
from keystead.store.models import AuditEvent
from keystead.web.page_route import PageRoute, pages_of
from keystead.web.rendering import when
from keystead.web.visitor import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

AUDIT_PAGE = "/settings/security"
PAGE_SIZE = 50

ACTION_LABELS: dict[str, str] = {
    AuditAction.TOKEN_CREATED: "Token created",
    AuditAction.TOKEN_EDITED: "Token edited",
    AuditAction.TOKEN_REVOKED: "Token revoked",
    AuditAction.TOKEN_LEAKED: "Found published, revoked",
    AuditAction.TOKEN_ROLLED: "Token rolled (new secret)",
    AuditAction.TOKEN_ADDRESS_REFUSED: "Token refused: address not allowed",
    AuditAction.KEY_GENERATED: "Account key generated",
    AuditAction.KEY_DISABLED: "Account key disabled",
    AuditAction.LOGIN_SUCCEEDED: "Signed in",
    AuditAction.LOGIN_FAILED: "Sign-in failed",
    AuditAction.TERMS_ACCEPTED: "API terms accepted",
    AuditAction.ACCOUNT_SUSPENDED: "Account suspended",
    AuditAction.ACCOUNT_REINSTATED: "Suspension lifted",
}
ALARMING = frozenset(
    {AuditAction.LOGIN_FAILED, AuditAction.TOKEN_LEAKED, AuditAction.TOKEN_ADDRESS_REFUSED}
)
ACTOR_LABELS = {
    OWNER: "You",
    OPERATOR: "An operator",
    SCANNER: "A secret scanner",
    ANYONE: "Someone (unverified)",
}


DETAIL_LABELS = {
    "expires_at": "expires",
    "allowed_ips": "allowed addresses",
    "grace_period": "old secret kept for",
    "previous_preview": "old secret",
    "previous_works_until": "old secret works until",
}
GRACE_LABELS = {"none": "no time", "1h": "1 hour", "24h": "24 hours", "7d": "7 days"}


def _moment(value: Any) -> Any:
    try:
        return when(datetime.fromisoformat(value)) if isinstance(value, str) else value
    except ValueError:
        return value


def _detail(key: str, value: Any, catalogue: PermissionCatalogue) -> str:
    """One detail in words: permissions by label, times as the pages show them."""
    if key == "permissions" and isinstance(value, list):
        value = [catalogue.label(str(item)) for item in value]
    elif key == "grace_period":
        value = GRACE_LABELS.get(value, value)
    elif key.endswith(("_at", "_until")):
        value = _moment(value)
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value) or "none"
    return f"{DETAIL_LABELS.get(key, key.replace('_', ' '))}: {value}"


def _row(event: AuditEvent, catalogue: PermissionCatalogue) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.created_at,
        "action": event.action,
        # A StrEnum key matches its value; an action this version does not know shows as is.
        "label": ACTION_LABELS.get(event.action, event.action),
        "failed": event.action in ALARMING,
        "actor": ACTOR_LABELS.get(event.actor, event.actor),
        "client": event.client,
        "credential": event.credential_preview,
        "details": [
            _detail(key, value, catalogue) for key, value in event.details.items() if value
        ],
    }


@router.get(AUDIT_PAGE)
async def audit_page(
    request: Request,
    member: SignedIn,
    runtime: AppRuntime,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    events = await runtime.audit.for_account(member.account.id, before=before, limit=PAGE_SIZE)
    older = events[-1].id if len(events) == PAGE_SIZE else None
    return pages_of(request).render(
        request,
        member.visitor,
        "audit.html",
        events=[_row(event, runtime.permissions) for event in events],
        older=older,
        paged=before is not None,
    )
