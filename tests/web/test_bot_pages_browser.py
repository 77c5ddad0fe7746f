"""The bots pages on the demo account: enable and disable from the list, and one bot's
history drawn as charts from its recorded positions."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from keystead.cli.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.server.conftest import Server
from tests.web.conftest import screenshot


def sign_in_as_demo(page: Page) -> None:
    page.goto("/login?next=/bots")
    page.get_by_label("Email", exact=True).fill(DEMO_EMAIL)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url("/bots")


def test_bots_are_disabled_and_enabled_from_the_list(page: Page, live: Server) -> None:
    sign_in_as_demo(page)
    screenshot(page, "bots")
    enabled_rows = page.get_by_role("row").filter(has=page.locator(".badge-enabled"))
    row = enabled_rows.first
    name = row.get_by_role("rowheader").get_by_role("link").inner_text()
    row_id = row.get_attribute("id")

    row.get_by_role("button", name=f"Disable bot {name}").click()
    expect(page).to_have_url("/bots")
    expect(page.get_by_role("status")).to_contain_text(re.compile(f"{name}” is now Disable"))
    row = page.locator(f"#{row_id}")
    expect(row.locator(".badge")).to_have_text(re.compile("Disabled|Disable on Close"))

    row.get_by_role("button", name=f"Enable bot {name}").click()
    expect(page.get_by_role("status")).to_contain_text(f"{name}” is now Enabled")
    expect(page.locator(f"#{row_id}").locator(".badge")).to_have_text("Enabled")


def test_a_bot_page_draws_its_history_and_lists_its_positions(page: Page, live: Server) -> None:
    sign_in_as_demo(page)
    page.get_by_role("row").filter(has=page.locator(".badge-enabled")).first.get_by_role(
        "link"
    ).click()
    expect(page).to_have_url(re.compile(r"/bots/[A-Z0-9]{10}$"))

    for chart in ("equity-chart", "drawdown-chart"):
        svg = page.locator(f"#{chart} svg")
        expect(svg).to_be_visible()
        declared = int(svg.get_attribute("data-points") or 0)
        points = (svg.locator("polyline.series").get_attribute("points") or "").split()
        # A year of trading days, one point each, every one a pair of numbers.
        assert 250 <= declared == len(points)
        assert all(re.fullmatch(r"-?\d+(\.\d+)?,-?\d+(\.\d+)?", point) for point in points)
    drawdown = svg.locator("polyline").get_attribute("points")
    assert drawdown is not None, "the drawdown line has no points"
    heights = {p.split(",")[1] for p in drawdown.split()}
    assert len(heights) > 10, "the drawdown line is flat: the chart shows no history"
    expect(page.locator("table.positions tbody tr").first).to_be_visible()
    screenshot(page, "bot")

    page.get_by_role("button", name=re.compile("^Disable bot ")).click()
    expect(page.get_by_role("status")).to_contain_text("is now Disable")
    expect(page).to_have_url(re.compile(r"/bots/[A-Z0-9]{10}$"))
    page.get_by_role("button", name=re.compile("^Enable bot ")).click()
    expect(page.get_by_role("status")).to_contain_text("is now Enabled")
