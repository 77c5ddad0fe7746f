"""Rendering mail from templates: plain text and HTML, autoescaped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment, PackageLoader, select_autoescape

_ENVIRONMENT = Environment(
    loader=PackageLoader("keystead.mail", "templates"),
    autoescape=select_autoescape(["html"]),
    keep_trailing_newline=True,
)


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(template: str, subject: str, **context: object) -> Rendered:
    """`template`.txt and `template`.html with the same context."""
    return Rendered(
        subject=subject,
        text=_ENVIRONMENT.get_template(f"{template}.txt").render(context),
        html=_ENVIRONMENT.get_template(f"{template}.html").render(context),
    )


def token_expiry(
    *,
    name: str,
    preview: str,
    permissions: list[str],  # as the catalogue describes them: `Read Bots (bots:read)`
    expires_at: datetime,
    days_left: int,
    extend_url: str,
) -> Rendered:
    """A reminder before expiry (`days_left` > 0) or the notice after it (0)."""
    expired = days_left <= 0
    context = {
        "name": name,
        "preview": preview,
        "permissions": permissions,
        "expires_on": expires_at.strftime("%Y-%m-%d %H:%M UTC"),
        "days_left": days_left,
        "expired": expired,
        "extend_url": extend_url,
    }
    when = (
        "has expired" if expired else f"expires in {days_left} day{'' if days_left == 1 else 's'}"
    )
    return Rendered(
        subject=f'Your keystead API token "{name}" {when}',
        text=_ENVIRONMENT.get_template("token_expiry.txt").render(context),
        html=_ENVIRONMENT.get_template("token_expiry.html").render(context),
    )


def token_leaked(
    *,
    kind: str,
    name: str,
    preview: str,
    revoked_at: datetime,
    source_url: str | None,
    api_url: str,
) -> Rendered:
    """The notice that a credential reported public was revoked."""
    context = {
        "kind": kind,
        "name": name,
        "preview": preview,
        "revoked_at": revoked_at.strftime("%Y-%m-%d %H:%M UTC"),
        "source_url": source_url,
        "api_url": api_url,
    }
    return Rendered(
        subject=f'Your keystead {kind} "{name}" was found published and has been revoked',
        text=_ENVIRONMENT.get_template("token_leaked.txt").render(context),
        html=_ENVIRONMENT.get_template("token_leaked.html").render(context),
    )


def token_unused(
    *,
    name: str,
    preview: str,
    unused_since: datetime,
    days_unused: int,
    revoke_on: datetime | None,
    api_url: str,
) -> Rendered:
    """The notice that a token has gone unused (and, if the operator revokes such
    tokens, when it will be revoked unless it is used)."""
    context = {
        "name": name,
        "preview": preview,
        "unused_since": unused_since.strftime("%Y-%m-%d"),
        "days_unused": days_unused,
        "revoke_on": revoke_on.strftime("%Y-%m-%d %H:%M UTC") if revoke_on else None,
        "api_url": api_url,
    }
    return Rendered(
        subject=f'Your keystead API token "{name}" has not been used for {days_unused} days',
        text=_ENVIRONMENT.get_template("token_unused.txt").render(context),
        html=_ENVIRONMENT.get_template("token_unused.html").render(context),
    )
