"""A token's usage page: requests per hour and per day by status class, distinct
client addresses and last use, as charts drawn on the server (no script)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from starlette.responses import Response

from keystead.api.deps import AppRuntime
from keystead.runtime import API_PAGE
from keystead.services.usage import Bucket, Usage, UsageWindow
from keystead.web.charts import BarChart, stacked_bar_chart
from keystead.web.page_route import PageRoute, pages_of
from keystead.web.visitor import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SERIES = ["2xx", "4xx", "429", "5xx"]


def _stack(bucket: Bucket) -> list[int]:
    return [bucket.ok, bucket.client_errors, bucket.rate_limited, bucket.server_errors]


def daily_chart(title: str, usage: Usage) -> BarChart:
    labels = [f"{bucket.start:%d %b}" for bucket in usage.daily]
    return stacked_bar_chart(title, labels, [_stack(b) for b in usage.daily], SERIES)


def _hour_mark(start: datetime) -> str:
    """An axis label on the round hours only: the day at midnight, the hour every six."""
    if start.hour == 0:
        return f"{start:%d %b}"
    return f"{start:%H:00}" if start.hour % 6 == 0 else ""


def hourly_chart(title: str, usage: Usage) -> BarChart:
    labels = [f"{bucket.start:%d %b %H:00}" for bucket in usage.hourly]
    marks = [_hour_mark(bucket.start) for bucket in usage.hourly]
    stacks = [_stack(b) for b in usage.hourly]
    return stacked_bar_chart(title, labels, stacks, SERIES, marks)


@router.get(API_PAGE + "/tokens/{token_id}/usage")
async def usage_page(
    request: Request, token_id: str, member: SignedIn, runtime: AppRuntime
) -> Response:
    await runtime.usage.flush()
    token = await runtime.tokens.get(member.account.id, token_id)
    usage = await runtime.usage_reports.for_token(
        member.account.id, token.id, UsageWindow(hours=48, days=30)
    )
    return pages_of(request).render(
        request,
        member.visitor,
        "token_usage.html",
        token=token,
        usage=usage,
        hourly=hourly_chart(f"Requests per hour of “{token.name}”, last 48 hours", usage),
        daily=daily_chart(f"Requests per day of “{token.name}”, last 30 days", usage),
        retention_days=runtime.settings.usage_retention_days,
    )
