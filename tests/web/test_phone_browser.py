"""Every page at a phone's width (375 px), in the state people use it in (tokens with
their flags, a rolled secret, forms with mistakes, a year of bot history): nothing is
wider than the screen, every action is within reach, chart labels are as big as text."""

from __future__ import annotations

import itertools
import re
from typing import Any

import httpx
from eth_account import Account
from playwright.sync_api import Locator, Page, expect

from tests.factories import PASSWORD
from tests.server.conftest import Server
from tests.web.conftest import screenshot
from tests.web.test_bot_pages_browser import sign_in_as_demo
from tests.web.test_wallet_page_browser import inject_wallet

WIDTH = 375
SMALLEST_LABEL_PX = 11
_emails = (f"phone-user-{n}@example.com" for n in itertools.count(1))

# What a person would see go wrong on a narrow screen, measured by the browser.
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.getAttribute("class") ? " ." + el.getAttribute("class").trim() : "");
  const shown = (el) => el.checkVisibility({ visibilityProperty: true });
  const wider = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!shown(el) || el.closest(".skip-link")) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;  // visually hidden, for screen readers
    if (box.right > width + 0.5 || box.left < -0.5) {
      wider.push(`${name(el)} ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  const cramped = [...document.querySelectorAll("td, th")]
    .filter((cell) => shown(cell) && cell.scrollWidth > cell.clientWidth + 1).map(name);
  const labels = [...document.querySelectorAll(".chart text")].filter(shown);
  const overlapping = [];
  for (const chart of document.querySelectorAll(".chart")) {
    const boxes = [...chart.querySelectorAll(".x-label")].filter(shown)
      .map((label) => label.getBoundingClientRect()).sort((a, b) => a.left - b.left);
    boxes.slice(1).forEach((box, i) => {
      if (box.left < boxes[i].right) overlapping.push(chart.id);
    });
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    wider: wider.slice(0, 10),
    cramped: cramped.slice(0, 10),
    overlapping,
    labelPx: labels.map((t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a),
  };
}"""


def assert_fits(page: Page, name: str, *, chart_labels: int = 0) -> None:
    """No sideways scroll, nothing past the screen's edge, no text spilling out of a
    table cell; at least `chart_labels` chart labels, each at least 11 px, none
    overlapping another."""
    fit: dict[str, Any] = page.evaluate(MEASURE)
    assert fit["scrollWidth"] <= WIDTH, (name, fit)
    assert fit["wider"] == [], (name, fit["wider"])
    assert fit["cramped"] == [], (name, fit["cramped"])
    assert fit["overlapping"] == [], (name, fit["overlapping"])
    assert len(fit["labelPx"]) >= chart_labels, (name, fit["labelPx"])
    assert all(px >= SMALLEST_LABEL_PX for px in fit["labelPx"]), (name, fit["labelPx"])
    screenshot(page, f"phone-{name}", full_page=False)


def follow(page: Page, link: Locator) -> None:
    """Click a link and wait for the page it opens: measuring mid-navigation would
    find no document yet."""
    with page.expect_navigation():
        link.click()


def assert_in_reach(action: Locator) -> None:
    """Visible, and wholly on the screen once scrolled to: a thumb can press it."""
    action.scroll_into_view_if_needed()
    expect(action).to_be_visible()
    box = action.bounding_box()
    assert box is not None
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= WIDTH, box


def test_signed_out_pages_fit_a_phone(page: Page, live: Server) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 740})
    page.goto("/login")
    assert_fits(page, "login")
    assert_in_reach(page.get_by_role("button", name="Sign in", exact=True))
    assert_in_reach(page.get_by_role("button", name="Sign in with Ethereum"))
    page.goto("/register")
    page.get_by_label("Email", exact=True).fill("not an address")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("3 things to fix")
    assert_fits(page, "register-mistakes")
    page.goto("/no/such/page")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert_fits(page, "not-found")


def sign_up_and_accept(page: Page) -> None:
    page.goto("/register")
    page.get_by_label("Email", exact=True).fill(next(_emails))
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url("/settings/api")
    assert_fits(page, "terms")
    page.get_by_label("I have read the API terms").check()
    assert_in_reach(page.get_by_role("button", name="Accept and continue"))
    page.get_by_role("button", name="Accept and continue").click()
    expect(page).to_have_url("/api")


def test_the_token_pages_fit_a_phone(page: Page, live: Server) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 740})
    sign_up_and_accept(page)
    page.locator("summary", has_text="Create Token").click()
    form = page.get_by_role("form", name="Create a token")
    form.get_by_label("Allowed addresses (optional)").fill("not an address")
    form.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("alert")).to_contain_text("3 things to fix")
    assert_fits(page, "api-create-mistakes")

    form = page.get_by_role("form", name="Create a token")
    form.get_by_label("Name").fill("A token with a rather long name, as people give them")
    form.get_by_label("Read Bots").check()
    form.get_by_label("Read Broker Connections").check()
    form.get_by_label("Allowed addresses (optional)").fill("127.0.0.1\n2001:db8::/32")
    form.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token").inner_text().strip()
    live.secrets.add(secret)
    assert_fits(page, "api-token-shown")
    for _ in range(3):
        httpx.get(f"{live.url}/v1/bots", headers={"Authorization": f"Bearer {secret}"})
    row = page.locator("table.tokens tbody tr").first
    row.get_by_role("link", name=re.compile("^Roll token")).click()
    page.get_by_role("button", name="Roll token").click()
    live.secrets.add(page.locator("#new-token").inner_text().strip())
    page.goto("/api")
    # The list as it is after a roll: allowlist and old-secret flags, the usage chart.
    expect(page.locator("table.tokens")).to_contain_text("old secret")
    assert_fits(page, "api-tokens", chart_labels=4)
    for action in ("Usage of token", "Edit token", "Roll token", "Revoke token"):
        assert_in_reach(row.get_by_role("link", name=re.compile(f"^{action}")))

    follow(page, row.get_by_role("link", name=re.compile("^Usage of token")))
    assert_fits(page, "token-usage", chart_labels=8)
    page.go_back()
    follow(page, row.get_by_role("link", name=re.compile("^Edit token")))
    assert_fits(page, "token-edit")
    assert_in_reach(page.get_by_role("button", name="Save changes"))
    assert_in_reach(page.get_by_role("button", name="Extend"))
    page.go_back()
    follow(page, row.get_by_role("link", name=re.compile("^Roll token")))
    assert_fits(page, "token-roll")
    assert_in_reach(page.get_by_role("button", name="Roll token"))
    page.go_back()
    follow(page, row.get_by_role("link", name=re.compile("^Revoke token")))
    assert_fits(page, "token-revoke")
    assert_in_reach(page.get_by_role("button", name="Revoke token"))
    page.get_by_role("button", name="Revoke token").click()
    expect(page.locator("table.tokens tbody tr").first.locator(".badge")).to_have_text("revoked")
    assert_fits(page, "api-token-revoked")

    page.goto("/settings/security")
    assert_fits(page, "security-log")
    page.goto("/settings/api")
    assert_fits(page, "terms-accepted")
    page.goto("/docs")
    assert_fits(page, "api-reference")


def test_the_bots_pages_fit_a_phone(page: Page, live: Server) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 740})
    sign_in_as_demo(page)
    assert_fits(page, "bots")
    switches = page.locator("table.bots td.actions").locator("button, a")
    assert switches.count() == page.locator("table.bots tbody tr").count() >= 2
    for switch in switches.all():
        assert_in_reach(switch)
    live_bot = page.get_by_role("link", name=re.compile("^(Enable|Disable) live bot")).first
    follow(page, live_bot)
    assert_fits(page, "bot-switch-live")
    assert_in_reach(page.get_by_role("button", name=re.compile("^(Enable|Disable) bot$")))
    follow(page, page.get_by_role("link", name="Cancel"))
    follow(page, page.locator("table.bots tbody th a").first)
    expect(page.locator("#equity-chart")).to_be_visible()
    # Two charts of a year: value labels on both, and the months that fit a phone.
    assert_fits(page, "bot", chart_labels=10)
    assert_in_reach(page.locator(".page-head").locator("button, a"))


def test_the_wallet_key_pages_fit_a_phone(page: Page, live: Server) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 740})
    inject_wallet(page, Account.create())
    page.goto("/login")
    page.get_by_role("button", name="Sign in with Ethereum").click()
    expect(page).to_have_url("/wallet")
    assert_fits(page, "wallet-no-terms")
    page.get_by_role("link", name="Read and accept version").click()
    page.get_by_label("I have read the API terms").check()
    page.get_by_role("button", name="Accept and continue").click()
    expect(page).to_have_url("/wallet")
    page.get_by_role("button", name="Generate key").click()
    page.get_by_text("Reveal key").click()
    live.secrets.add(page.locator("#account-key").inner_text().strip())
    assert_fits(page, "wallet-key")
    for action in ("Copy the account API key", "Regenerate key"):
        assert_in_reach(page.get_by_role("button", name=action))
    assert_in_reach(page.get_by_role("link", name="Disable key"))
    page.goto("/wallet/key/generate")
    expect(page.get_by_role("alert")).to_contain_text("You can make a new key again at")
    assert_fits(page, "wallet-regenerate-waits")
    page.goto("/wallet/key/disable")
    assert_fits(page, "wallet-disable")
    assert_in_reach(page.get_by_role("button", name="Disable key"))
