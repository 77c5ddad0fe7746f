"""A person's path through the pages: sign up, accept the terms, then create, use,
edit and revoke a token, checked against `/v1/` after each step."""

from __future__ import annotations

import itertools

import httpx
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from tests.server.conftest import Server
from tests.web.conftest import screenshot

_emails = (f"page-user-{n}@example.com" for n in itertools.count(1))


def sign_up(page: Page) -> str:
    email = next(_emails)
    page.goto("/register")
    screenshot(page, "register")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url("/settings/api")
    return email


def accept_terms(page: Page) -> None:
    expect(page.get_by_role("heading", name="API terms", exact=True)).to_be_visible()
    screenshot(page, "terms")
    page.get_by_role("button", name="Accept and continue").click()
    # The acknowledgement is required: the browser does not send the form without it.
    expect(page).to_have_url("/settings/api")
    assert page.get_by_label("I have read the API terms").evaluate("box => !box.validity.valid")
    page.get_by_label("I have read the API terms").check()
    page.get_by_role("button", name="Accept and continue").click()
    expect(page).to_have_url("/api")


def v1(server: Server, token: str, path: str) -> httpx.Response:
    return httpx.get(f"{server.url}/v1/{path}", headers={"Authorization": f"Bearer {token}"})


def test_token_created_in_the_page_is_shown_once_works_and_stops_after_revoke(
    page: Page, live: Server
) -> None:
    sign_up(page)
    accept_terms(page)
    expect(page.get_by_text("No tokens yet.")).to_be_visible()

    page.locator("summary", has_text="Create Token").click()
    form = page.get_by_role("form", name="Create a token")
    expect(form.get_by_label("Expires on")).not_to_have_value("")
    form.get_by_label("Name").fill("Rebalancer")
    form.get_by_label("Read Account").check()
    form.get_by_label("Read Bots").check()
    screenshot(page, "api-create-form")
    form.get_by_role("button", name="Create token").click()

    expect(page).to_have_url("/api")
    shown = page.locator("#new-token")
    expect(shown).to_be_visible()
    token = shown.inner_text().strip()
    live.secrets.add(token)
    assert token.startswith("kst_")
    expect(page.get_by_text("it will not be shown again")).to_be_visible()
    page.get_by_role("button", name="Copy the new token").click()
    expect(page.get_by_text("Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == token
    screenshot(page, "api-token-created")

    assert v1(live, token, "account").status_code == 200

    page.reload()
    expect(page.locator("#new-token")).to_have_count(0)
    assert token not in page.content()
    row = page.get_by_role("row", name="Rebalancer")
    expect(row).to_contain_text(f"kst_...{token[-4:]}")
    expect(row).to_contain_text("Read Account")
    expect(row).to_contain_text("active")
    # The request just made shows as the token's last use.
    expect(row.locator("td.last-used")).not_to_have_text("never")
    screenshot(page, "api-token-list")

    row.get_by_role("link", name="Edit token Rebalancer").click()
    expect(page.get_by_role("heading", name="Edit token “Rebalancer”")).to_be_visible()
    screenshot(page, "api-token-edit")
    page.get_by_label("Read Account").uncheck()
    page.get_by_label("Name").fill("Rebalancer (bots only)")
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url("/api")
    expect(page.get_by_role("status")).to_contain_text("saved")
    row = page.get_by_role("row", name="Rebalancer (bots only)")
    expect(row).not_to_contain_text("Read Account")

    denied = v1(live, token, "account")
    assert (denied.status_code, denied.json()["message"]) == (403, "Invalid token permissions")
    assert v1(live, token, "bots").status_code == 200

    row.get_by_role("link", name="Revoke token Rebalancer (bots only)").click()
    expect(
        page.get_by_role("heading", name="Revoke token “Rebalancer (bots only)”?")
    ).to_be_visible()
    screenshot(page, "api-token-revoke")
    page.get_by_role("button", name="Revoke token").click()
    expect(page).to_have_url("/api")
    expect(page.get_by_role("row", name="Rebalancer (bots only)")).to_contain_text("revoked")

    gone = v1(live, token, "bots")
    assert (gone.status_code, gone.json()["message"]) == (401, "Not authenticated")
    assert token not in live.logs()


def test_the_create_form_shows_what_to_fix_in_place_and_keeps_the_input(
    page: Page, live: Server
) -> None:
    sign_up(page)
    page.get_by_label("I have read the API terms").check()
    page.get_by_role("button", name="Accept and continue").click()

    page.locator("summary", has_text="Create Token").click()
    form = page.get_by_role("form", name="Create a token")
    form.get_by_label("Name").fill("No permissions")
    form.get_by_role("button", name="Create token").click()

    form = page.get_by_role("form", name="Create a token")
    expect(form.get_by_label("Name")).to_have_value("No permissions")
    # Stated at the top, where focus goes, and beside the field; the page keeps its address.
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Choose at least one permission.")
    expect(form.locator("#permissions-error")).to_have_text("⚠ Choose at least one permission.")
    expect(page).to_have_url("/api")
    expect(page.locator("#new-token")).to_have_count(0)
    screenshot(page, "api-create-error")
    summary.get_by_role("link", name="Choose at least one permission.").click()
    expect(page).to_have_url("/api#create-permissions")
    page.goto(page.url)  # the address reopened: the page, never JSON
    expect(page.get_by_text("No tokens yet.")).to_be_visible()


def test_signing_in_and_out_with_email(page: Page, live: Server) -> None:
    email = sign_up(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url("/login?signed_out=1")
    page.goto("/api")
    expect(page).to_have_url("/login?next=/api")
    screenshot(page, "login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Invalid email or password")
    expect(page.get_by_label("Email", exact=True)).to_have_value(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url("/api")


def test_the_keyboard_alone_signs_in_and_reaches_the_content(page: Page, live: Server) -> None:
    email = sign_up(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Email", exact=True)).to_be_focused()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url("/api")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # Past the skip link, focus lands in the page's content, not the navigation.
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_a_token_limited_to_an_address_then_rolled_with_an_hour_of_grace_and_its_usage(
    page: Page, live: Server
) -> None:
    sign_up(page)
    accept_terms(page)
    page.locator("summary", has_text="Create Token").click()
    form = page.get_by_role("form", name="Create a token")
    form.get_by_label("Name").fill("Poller")
    form.get_by_label("Read Account").check()
    form.get_by_label("Allowed addresses (optional)").fill("198.51.100.7\n2001:db8::/32")
    form.get_by_role("button", name="Create token").click()
    old = page.locator("#new-token").inner_text().strip()
    live.secrets.add(old)
    row = page.get_by_role("row", name="Poller")
    expect(row).to_contain_text("only from 2 addresses")
    # This test's requests come from 127.0.0.1, which the allowlist leaves out.
    refused = v1(live, old, "account")
    assert (refused.status_code, refused.json()["message"]) == (401, "Not authenticated")

    row.get_by_role("link", name="Edit token Poller").click()
    expect(page.get_by_label("Allowed addresses")).to_have_value("198.51.100.7\n2001:db8::/32")
    page.get_by_label("Allowed addresses").fill("")
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url("/api")
    expect(page.get_by_role("row", name="Poller")).not_to_contain_text("only from")
    assert [v1(live, old, "account").status_code for _ in range(3)] == [200, 200, 200]

    page.get_by_role("link", name="Roll token Poller").click()
    expect(page.get_by_role("heading", name="Roll token “Poller”")).to_be_visible()
    expect(page.get_by_label("1 hour")).to_be_checked()
    screenshot(page, "api-token-roll")
    page.get_by_role("button", name="Roll token").click()
    expect(page).to_have_url("/api")
    expect(page.get_by_text("has a new secret. The old secret works until")).to_be_visible()
    new = page.locator("#new-token").inner_text().strip()
    live.secrets.add(new)
    assert new != old
    expect(page.get_by_role("row", name="Poller")).to_contain_text(
        f"old secret kst_...{old[-4:]} works until"
    )
    assert v1(live, old, "account").status_code == 200
    assert v1(live, new, "account").status_code == 200

    page.get_by_role("link", name="Usage of token Poller").click()
    # One token, both secrets: the refusal, three uses, then one use of each secret.
    expect(page.locator("#usage-requests")).to_have_text("6")
    expect(page.locator("#usage-2xx")).to_have_text("5")
    expect(page.locator("#usage-4xx")).to_have_text("1")
    expect(page.locator("#usage-clients")).to_have_text("1")
    screenshot(page, "api-token-usage")
