"""The bots pages on the demo account: enable and disable from the list (a live bot
after a question), and one bot's history drawn as charts from its recorded positions."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from keystead.cli.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.server.conftest import Server
from tests.web.conftest import screenshot


def sign_in_as_demo(page: Page) -> None:
    page.goto("/login?next=/bots")
    page.get_by_label("Email", exact=True).fill(DEMO_EMAIL)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url("/bots")


def enabled_rows(page: Page, kind: str) -> Locator:
    """Rows of Enabled bots of a kind: "paper" or "live"."""
    rows = page.get_by_role("row").filter(has=page.locator(".badge-enabled"))
    return rows.filter(has=page.locator(".tag", has_text=re.compile(f"^{kind}$")))


def test_paper_bots_switch_at_once_and_live_ones_after_a_question(page: Page, live: Server) -> None:
    sign_in_as_demo(page)
    screenshot(page, "bots")
    row = enabled_rows(page, "paper").first
    name = row.get_by_role("rowheader").get_by_role("link").inner_text()
    row_id = row.get_attribute("id")
    row.get_by_role("button", name=f"Disable bot {name}").click()
    expect(page).to_have_url("/bots")
    expect(page.get_by_role("status")).to_contain_text(
        re.compile(f"“{name}” (is disabled|opens no new positions)")
    )
    row = page.locator(f"#{row_id}")
    expect(row.locator(".badge")).to_have_text(re.compile("Disabled|Disable on Close"))
    row.get_by_role("button", name=f"Enable bot {name}").click()
    expect(page.get_by_role("status")).to_contain_text(f"Bot “{name}” is enabled.")
    expect(page.locator(f"#{row_id}").locator(".badge")).to_have_text("Enabled")

    row = enabled_rows(page, "live").first
    name = row.get_by_role("rowheader").get_by_role("link").inner_text()
    row_id = row.get_attribute("id")
    row.get_by_role("link", name=f"Disable live bot {name}").click()
    expect(page.get_by_role("heading", name=f"Disable live bot “{name}”?")).to_be_visible()
    expect(page.get_by_text("This bot trades real money")).to_be_visible()
    screenshot(page, "bot-disable-live")
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url("/bots")
    expect(page.locator(f"#{row_id}").locator(".badge")).to_have_text("Enabled")

    page.locator(f"#{row_id}").get_by_role("link", name=f"Disable live bot {name}").click()
    page.get_by_role("button", name="Disable bot").click()
    expect(page).to_have_url("/bots")
    expect(page.locator(f"#{row_id}").locator(".badge")).to_have_text(
        re.compile("Disabled|Disable on Close")
    )
    page.locator(f"#{row_id}").get_by_role("link", name=f"Enable live bot {name}").click()
    expect(page.get_by_role("heading", name=f"Enable live bot “{name}”?")).to_be_visible()
    page.get_by_role("button", name="Enable bot").click()
    expect(page.get_by_role("status")).to_contain_text(f"Bot “{name}” is enabled.")
    expect(page.locator(f"#{row_id}").locator(".badge")).to_have_text("Enabled")


def test_a_bot_page_draws_its_history_and_lists_its_positions(page: Page, live: Server) -> None:
    sign_in_as_demo(page)
    enabled_rows(page, "paper").first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/bots/[A-Z0-9]{10}$"))

    for chart in ("equity-chart", "drawdown-chart"):
        svg = page.locator(f"#{chart} svg.chart-canvas")
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
    expect(page.get_by_role("status")).to_contain_text(re.compile("is disabled|opens no new"))
    expect(page).to_have_url(re.compile(r"/bots/[A-Z0-9]{10}$"))
    page.get_by_role("button", name=re.compile("^Enable bot ")).click()
    expect(page.get_by_role("status")).to_contain_text("is enabled.")
