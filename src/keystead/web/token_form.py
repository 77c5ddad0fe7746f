"""The create and edit forms of a token: what they show, and every field checked at
once with the services' own rules, so one submit tells a person all there is to fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from starlette.datastructures import FormData

from keystead.access.permissions import PermissionCatalogue, PermissionInfo
from keystead.api.deps import AppRuntime
from keystead.errors import InvalidInput
from keystead.services.api_tokens import clean_allowlist, clean_name, clean_permissions
from keystead.web.forms import FieldErrors, text, texts

LABELS = {
    "name": "Name",
    "permissions": "Permissions",
    "expires_at": "Expiry day",
    "allowed_ips": "Allowed addresses",
}
WORDING = {
    "must not be empty": "Give the token a name, so you recognise it later.",
    "at least one permission is required": "Choose at least one permission.",
}


def field_errors() -> FieldErrors:
    return FieldErrors(LABELS, WORDING)


@dataclass
class TokenForm:
    """What the create and edit forms show: the values typed and what is wrong with them."""

    name: str = ""
    permissions: set[str] = field(default_factory=set)
    expires_on: str = ""
    allowed_ips: str = ""
    """One address or CIDR range per line (commas work too)."""
    errors: FieldErrors = field(default_factory=field_errors)
    problem: str | None = None
    """What stopped the whole form (the terms, too many tokens), not one field."""


def form_of(form: FormData) -> TokenForm:
    return TokenForm(
        name=text(form, "name"),
        permissions=set(texts(form, "permissions")),
        expires_on=text(form, "expires_at"),
        allowed_ips=text(form, "allowed_ips"),
    )


def addresses(value: str) -> list[str]:
    return value.replace(",", " ").split()


def grouped(catalogue: PermissionCatalogue) -> list[tuple[str, list[PermissionInfo]]]:
    """The permission checkboxes, a group per resource."""
    groups: dict[str, list[PermissionInfo]] = {}
    for info in catalogue:
        groups.setdefault(info.resource, []).append(info)
    return list(groups.items())


@dataclass(frozen=True, slots=True)
class ExpiryChoice:
    """What the expiry date fields offer: ISO days and the default lifetime."""

    min_date: str
    max_date: str
    default_date: str
    default_days: int


def expiry_choice(runtime: AppRuntime) -> ExpiryChoice:
    now = runtime.clock.now()
    policy = runtime.tokens.policy
    return ExpiryChoice(
        min_date=now.date().isoformat(),
        max_date=(now + policy.max_lifetime).date().isoformat(),
        default_date=(now + policy.default_lifetime).date().isoformat(),
        default_days=policy.default_lifetime.days,
    )


def _expiry(value: str, now: datetime, latest: datetime) -> datetime:
    """A token chosen to expire on a (UTC) day works through that day, or until the
    latest allowed moment when that comes first."""
    try:
        chosen = date.fromisoformat(value)
    except ValueError as error:
        raise InvalidInput(
            "expires_at", "Enter the expiry day as a date, like 2027-11-21"
        ) from error
    if chosen < now.date():
        raise InvalidInput("expires_at", "The expiry day must be today or later")
    if chosen > latest.date():
        days = (latest - now).days
        raise InvalidInput(
            "expires_at",
            f"The expiry day must be no later than {latest.date().isoformat()} "
            f"(at most {days} days ahead)",
        )
    end_of_day = datetime.combine(chosen + timedelta(days=1), time.min, UTC) - timedelta(seconds=1)
    return min(end_of_day, latest)


def chosen_expiry(runtime: AppRuntime, value: str) -> datetime:
    now = runtime.clock.now()
    return _expiry(value, now, now + runtime.tokens.policy.max_lifetime)


@dataclass(frozen=True, slots=True)
class Checked:
    """A form whose every field passed: what to hand the token service."""

    expires_at: datetime | None
    """None keeps the current expiry (edit) or takes the policy's default (create)."""
    allowed_ips: list[str]


def checked(
    runtime: AppRuntime, form: TokenForm, *, keep_day: str, day_required: bool
) -> Checked | None:
    """Every field of `form` checked, each reason kept in `form.errors`; None if any
    is wrong. `keep_day` leaves the expiry as it is (the current day when editing, the
    default one when creating)."""
    errors = form.errors
    errors.check(lambda: clean_name(form.name))
    errors.check(lambda: clean_permissions(sorted(form.permissions), runtime.permissions))
    allowed = addresses(form.allowed_ips)
    errors.check(lambda: clean_allowlist(allowed))
    expires_at = None
    if not form.expires_on:
        if day_required:
            errors.add("expires_at", "Choose the day the token expires")
    elif form.expires_on != keep_day:
        expires_at = errors.check(lambda: chosen_expiry(runtime, form.expires_on))
    return None if errors else Checked(expires_at, allowed)
