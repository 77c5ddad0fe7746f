"""Turning templates into page responses: security headers, one-time notices, cookies."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)
from markdown_it import MarkdownIt
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from keystead.access.sealing import Sealer
from keystead.access.sessions import cookie_name
from keystead.config import Settings
from keystead.guarded_api import GuardedApi
from keystead.version import __version__
from keystead.web.flash import Flash, FlashCookie
from keystead.web.security import PAGE_HEADERS
from keystead.web.visitor import FORM_COOKIE, Visitor

FLASH_PURPOSE = b"keystead page notices v1"
# Terms are operator-written Markdown; raw HTML in them is shown as text, never run.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def _utc(moment: datetime) -> datetime:
    # Storage hands back aware times; a naive one is UTC, never the host's zone.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def when(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    return _utc(moment).strftime("%d %b %Y, %H:%M UTC")


def clock(moment: datetime) -> str:
    """The time of day, for a moment within the next hours (a date would be noise)."""
    return _utc(moment).strftime("%H:%M UTC")


def day(moment: datetime | date | None) -> str:
    if moment is None:
        return "never"
    if isinstance(moment, datetime):
        moment = _utc(moment)
    return moment.strftime("%d %b %Y")


def money(value: float | None) -> str:
    if value is None:
        return "—"
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def percent(value: float | None) -> str:
    if value is None:
        return "—"
    sign = "−" if value < 0 else ""
    return f"{sign}{abs(value):.2f}%"


def markdown(text: str, heading_offset: int = 1) -> Markup:
    """HTML from Markdown, headings moved down a level or more to sit under the page's own."""
    tokens = _MARKDOWN.parse(text)
    for token in tokens:
        if token.type in {"heading_open", "heading_close"}:
            level = min(6, int(token.tag[1]) + heading_offset)
            token.tag = f"h{level}"
    html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})
    return Markup(html)  # noqa: S704 - rendered with raw HTML disabled


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def user_agent(text: str | None) -> str:
    """`Chrome on Linux` for a session list: enough to recognise one's own browser."""
    if not text:
        return "Unknown browser"
    browser = next((name for mark, name in _BROWSERS if mark in text), None)
    system = next((name for mark, name in _SYSTEMS if mark in text), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or text[:40]


def _environment(api: GuardedApi) -> Environment:
    # keystead's templates first: a guarded API extends `base.html`, never replaces it.
    loaders: list[BaseLoader] = [PackageLoader("keystead.web", "templates")]
    if api.templates is not None:
        loaders.append(PackageLoader(api.templates, "templates"))
    environment = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        when=when,
        clock=clock,
        day=day,
        money=money,
        percent=percent,
        markdown=markdown,
        user_agent=user_agent,
    )
    environment.globals["version"] = __version__
    environment.globals["guarded_nav"] = api.nav
    return environment


class Pages:
    """Renders pages and redirects for one keystead process."""

    def __init__(self, settings: Settings, api: GuardedApi) -> None:
        self._environment = _environment(api)
        self._secure = settings.is_https
        self._flash = FlashCookie(Sealer(settings.secret_bytes, FLASH_PURPOSE), self._secure)

    def render(
        self,
        request: Request,
        visitor: Visitor,
        template: str,
        *,
        status: int = 200,
        notices: bool = True,
        **context: Any,
    ) -> HTMLResponse:
        # Error pages leave a pending notice for the page it was meant for: it may
        # carry a new token, which must not be lost on a page that failed.
        flash = self._flash.take(request, visitor.csrf_token) if notices else None
        html = self._environment.get_template(template).render(
            visitor=visitor,
            account=visitor.account,
            flash=flash,
            path=request.url.path,
            **context,
        )
        response = HTMLResponse(html, status, headers=PAGE_HEADERS)
        if flash is not None:
            # Shown now, so never again: a reload shows the page without it.
            self._flash.clear(response)
        if visitor.new_form_secret:
            response.set_cookie(
                cookie_name(FORM_COOKIE, self._secure),
                visitor.secret,
                httponly=True,
                samesite="strict",
                secure=self._secure,
            )
        return response

    def redirect(self, to: str) -> Response:
        """303 See Other, so a reload of the next page never re-sends the form."""
        return RedirectResponse(to, status_code=303, headers={"Cache-Control": "no-store"})

    def redirect_with(self, to: str, flash: Flash, binding: str) -> Response:
        """A redirect carrying a notice for the next page of the session that `binding`
        (its CSRF token) names."""
        response = self.redirect(to)
        self._flash.put(response, flash, binding)
        return response
