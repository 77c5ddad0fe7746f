"""Bots: the list with enable / disable, and one bot with its history charts and positions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from keystead.api.deps import AppRuntime
from keystead.trading.context import AppTrading, Trading
from keystead.trading.services.bots import DISABLE_ON_CLOSE, DISABLED, ENABLED, BotDetails
from keystead.trading.services.paging import Listing
from keystead.web.charts import line_chart
from keystead.web.flash import Flash
from keystead.web.forms import checked_form, local_path, text
from keystead.web.page_route import PageRoute, pages_of
from keystead.web.visitor import Member, SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

BOTS_PAGE = "/bots"
HISTORY_DAYS = 365


@dataclass(frozen=True, slots=True)
class MonthRow:
    month: date
    profit: float
    total_return_percent: float
    worst_drawdown_percent: float


def monthly(history: list[dict[str, Any]]) -> list[MonthRow]:
    """Month by month: profit, total return at the month's end, deepest drawdown."""
    rows = []
    for (year, month), days in groupby(history, key=lambda d: (d["date"].year, d["date"].month)):
        in_month = list(days)
        rows.append(
            MonthRow(
                month=date(year, month, 1),
                profit=sum(d["profit"] for d in in_month),
                total_return_percent=in_month[-1]["total_return_percent"],
                worst_drawdown_percent=min(d["current_drawdown_percent"] for d in in_month),
            )
        )
    return rows


def _percent_label(value: float) -> str:
    return f"{value:,.1f}%"


@router.get(BOTS_PAGE)
async def bots_page(request: Request, member: SignedIn, trading: AppTrading) -> Response:
    bots = await trading.bots.for_account(member.account.id, None, include_details=False)
    return pages_of(request).render(
        request, member.visitor, "bots.html", bots=bots, enabled=ENABLED
    )


@router.get(BOTS_PAGE + "/{number}")
async def bot_page(
    request: Request, number: str, member: SignedIn, trading: AppTrading
) -> Response:
    account_id = member.account.id
    details = await trading.bots.get(account_id, number, include_details=False)
    end = trading.clock.now().date()
    history = await trading.reports.bot_history(
        account_id, details.bot.number, end - timedelta(days=HISTORY_DAYS), end
    )
    positions = await trading.positions.for_account(
        account_id, Listing(bot_number=details.bot.number)
    )
    days = [d["date"] for d in history]
    equity = line_chart(
        "Equity curve: total return",
        days,
        [d["total_return_percent"] for d in history],
        _percent_label,
    )
    drawdown = line_chart(
        "Drawdown",
        days,
        [d["current_drawdown_percent"] for d in history],
        _percent_label,
        filled=True,
    )
    return pages_of(request).render(
        request,
        member.visitor,
        "bot.html",
        details=details,
        enabled=ENABLED,
        equity=equity,
        drawdown=drawdown,
        months=monthly(history),
        total_profit=sum(d["profit"] for d in history),
        total_return=history[-1]["total_return_percent"] if history else 0.0,
        max_drawdown=min((d["current_drawdown_percent"] for d in history), default=0.0),
        positions=positions,
        history_days=HISTORY_DAYS,
    )


def _switched(request: Request, member: Member, details: BotDetails, back: str) -> Response:
    name, status = details.bot.name, details.bot.status
    if status == ENABLED:
        said = f"Bot “{name}” is enabled."
    elif status == DISABLE_ON_CLOSE:
        said = f"Bot “{name}” opens no new positions, and is disabled once its open ones close."
    else:
        said = f"Bot “{name}” is disabled." if status == DISABLED else f"Bot “{name}”: {status}."
    done = Flash(said)
    return pages_of(request).redirect_with(back, done, member.visitor.csrf_token)


async def _switch(
    request: Request,
    number: str,
    action: str,
    member: Member,
    runtime: AppRuntime,
    trading: Trading,
) -> Response:
    """Switch a bot on or off; a live bot only from the page that asked first."""
    form = await checked_form(request, member.visitor, runtime.sessions)
    back = local_path(text(form, "back"), BOTS_PAGE)
    details = await trading.bots.get(member.account.id, number, include_details=False)
    if not details.bot.is_paper and text(form, "confirmed") != "yes":
        asking = f"{BOTS_PAGE}/{details.bot.number}/{action}?back={quote(back)}"
        return pages_of(request).redirect(asking)
    switch = trading.bots.enable if action == "enable" else trading.bots.disable
    return _switched(request, member, await switch(member.account.id, number), back)


async def _switch_page(
    request: Request, number: str, action: str, member: Member, trading: Trading, back: str
) -> Response:
    """Asks before a bot starts or stops trading; a live one trades real money."""
    details = await trading.bots.get(member.account.id, number, include_details=False)
    return pages_of(request).render(
        request,
        member.visitor,
        "bot_switch.html",
        details=details,
        action=action,
        back=local_path(back, BOTS_PAGE),
    )


@router.get(BOTS_PAGE + "/{number}/enable")
async def enable_page(
    request: Request, number: str, member: SignedIn, trading: AppTrading, back: str = BOTS_PAGE
) -> Response:
    return await _switch_page(request, number, "enable", member, trading, back)


@router.get(BOTS_PAGE + "/{number}/disable")
async def disable_page(
    request: Request, number: str, member: SignedIn, trading: AppTrading, back: str = BOTS_PAGE
) -> Response:
    return await _switch_page(request, number, "disable", member, trading, back)


@router.post(BOTS_PAGE + "/{number}/enable")
async def enable_bot(
    request: Request, number: str, member: SignedIn, runtime: AppRuntime, trading: AppTrading
) -> Response:
    return await _switch(request, number, "enable", member, runtime, trading)


@router.post(BOTS_PAGE + "/{number}/disable")
async def disable_bot(
    request: Request, number: str, member: SignedIn, runtime: AppRuntime, trading: AppTrading
) -> Response:
    return await _switch(request, number, "disable", member, runtime, trading)
