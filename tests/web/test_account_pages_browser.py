"""A person who forgot their password, changes it, verifies their address and signs
out their other browsers, in Chromium, against a live `keystead serve` that mails to a
real SMTP server; and each of these pages at a phone's width."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.factories import PASSWORD
from tests.mail.conftest import SmtpServer
from tests.server.conftest import Server, free_port, start_server, stop_server
from tests.web.conftest import screenshot
from tests.web.test_phone_browser import WIDTH, assert_fits, assert_in_reach

NEW_PASSWORD = "a brand new passphrase"
PHONE = {"width": WIDTH, "height": 740}
_emails = (f"account-page-{n}@example.com" for n in itertools.count(1))


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mailing(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer) -> Iterator[Server]:
    env = {
        "KEYSTEAD_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "KEYSTEAD_MAIL_DELIVERY_SECONDS": "0.2",
    }
    running = start_server(tmp_path_factory.mktemp("account-pages"), env, "--demo")
    yield running
    stop_server(running)


def new_context(browser: Browser, server: Server, **options: object) -> BrowserContext:
    return browser.new_context(base_url=server.url, **options)  # type: ignore[arg-type]


@pytest.fixture
def visit(browser: Browser, mailing: Server) -> Iterator[Page]:
    context = new_context(browser, mailing, viewport={"width": 1100, "height": 900})
    yield context.new_page()
    context.close()


def mailed_link(smtp: SmtpServer, to: str, path: str) -> str:
    """The newest `path` link mailed to `to`, waiting for delivery."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for index in reversed(range(len(smtp.inbox.messages))):
            if str(smtp.inbox.messages[index]["To"]) != to:
                continue
            text, _ = smtp.inbox.bodies(index)
            found = re.search(rf"https?://[^\s]+{re.escape(path)}\?token=[A-Za-z0-9_-]+", text)
            if found:
                return found.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no {path} link reached {to}")


def register(page: Page) -> str:
    email = next(_emails)
    page.goto("/register")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url("/settings/api")
    return email


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url("/api")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").first.click()
    expect(page).to_have_url(re.compile(r"/login\?signed_out=1$"))


def test_a_forgotten_password_is_reset_from_a_mailed_link(
    visit: Page, smtp: SmtpServer, mailing: Server
) -> None:
    email = register(visit)
    sign_out(visit)
    visit.get_by_role("link", name="Forgot your password?").click()
    expect(visit).to_have_url("/password/forgot")
    visit.get_by_label("Email", exact=True).fill(email)
    visit.get_by_role("button", name="Send me a link").click()
    expect(visit).to_have_url("/password/forgot")
    expect(visit.locator("#reset-sent")).to_contain_text(
        "a link to reset its password is on its way"
    )

    link = mailed_link(smtp, email, "/password/reset")
    mailing.secrets.add(link.rsplit("=", 1)[1])
    visit.goto(link)
    # Two mistakes, both named at once, and the page keeps its address.
    visit.get_by_label("New password", exact=True).fill("short")
    visit.get_by_label("New password again").fill("different")
    visit.get_by_role("button", name="Set the new password").click()
    summary = visit.locator("#error-summary")
    expect(summary).to_contain_text("2 things to fix")
    expect(summary.locator("li")).to_have_count(2)
    assert visit.url == link
    screenshot(visit, "password-reset-errors")

    visit.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    visit.get_by_label("New password again").fill(NEW_PASSWORD)
    visit.get_by_role("button", name="Set the new password").click()
    expect(visit).to_have_url("/login")
    expect(visit.get_by_text("Your password is reset")).to_be_visible()
    sign_in(visit, email, NEW_PASSWORD)

    visit.goto(link)  # once only
    expect(visit.locator("#link-spent")).to_be_visible()
    expect(visit.get_by_role("link", name="Ask for a new link")).to_be_visible()


def test_changing_the_password_signs_out_the_other_browser(
    browser: Browser, visit: Page, mailing: Server
) -> None:
    email = register(visit)
    other = new_context(browser, mailing)
    elsewhere = other.new_page()
    sign_in(elsewhere, email)

    visit.goto("/settings/account")
    form = visit.get_by_role("region", name="Change password")
    form.get_by_label("Current password").fill("not my password")
    form.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    form.get_by_label("New password again").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Change password").click()
    expect(visit).to_have_url("/settings/account")
    expect(visit.locator("#error-summary")).to_contain_text("is not this account's password")

    form.get_by_label("Current password").fill(PASSWORD)
    form.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    form.get_by_label("New password again").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Change password").click()
    expect(
        visit.get_by_text("Your password is changed. Signed out 1 other session.")
    ).to_be_visible()

    elsewhere.goto("/api")
    expect(elsewhere).to_have_url(re.compile(r"/login\?next="))
    other.close()


def test_the_session_list_signs_out_one_browser_or_all_others(
    browser: Browser, visit: Page, mailing: Server
) -> None:
    email = register(visit)
    phones = [
        new_context(browser, mailing, user_agent=f"Phone {n} Android Chrome/130") for n in (1, 2)
    ]
    pages = [context.new_page() for context in phones]
    for page in pages:
        sign_in(page, email)

    visit.goto("/settings/account")
    sessions = visit.locator("#sessions li")
    expect(sessions).to_have_count(3)
    expect(sessions.first).to_contain_text("This browser")
    expect(sessions.nth(1)).to_contain_text("Chrome on Android")
    screenshot(visit, "account-sessions")

    sessions.nth(1).get_by_role("button", name="Sign out").click()
    expect(visit.get_by_text("That session is signed out.")).to_be_visible()
    expect(sessions).to_have_count(2)
    signed_out = [page for page in pages if _is_signed_out(page)]
    assert len(signed_out) == 1

    visit.get_by_role("button", name="Sign out everywhere else").click()
    expect(visit.get_by_text("Signed out 1 other session.")).to_be_visible()
    expect(sessions).to_have_count(1)
    assert all(_is_signed_out(page) for page in pages)
    for context in phones:
        context.close()


def _is_signed_out(page: Page) -> bool:
    page.goto("/api")
    return "/login" in page.url


def test_an_address_is_verified_with_the_mailed_link(
    visit: Page, smtp: SmtpServer, mailing: Server
) -> None:
    email = register(visit)
    visit.goto("/settings/account")
    expect(visit.get_by_text("Not verified")).to_be_visible()
    link = mailed_link(smtp, email, "/verify-email")
    mailing.secrets.add(link.rsplit("=", 1)[1])
    visit.goto(link)
    visit.get_by_role("button", name="Confirm my email address").click()
    expect(visit.locator("#verified")).to_contain_text(f"{email} is verified")
    visit.goto("/settings/account")
    expect(visit.get_by_text("Verified", exact=True)).to_be_visible()


def test_the_account_pages_fit_a_phone(browser: Browser, mailing: Server, smtp: SmtpServer) -> None:
    context = new_context(browser, mailing, viewport=PHONE)
    page = context.new_page()
    for path, name in (
        ("/password/forgot", "forgot"),
        ("/password/reset?token=nothing", "reset-spent"),
    ):
        page.goto(path)
        assert_fits(page, name)
    email = register(page)
    page.goto("/settings/account")
    assert_fits(page, "account")
    assert_in_reach(page.get_by_role("button", name="Change password"))
    assert_in_reach(page.get_by_role("button", name="Send a new link"))
    page.get_by_role("button", name="Change password").click()  # everything missing at once
    expect(page.locator("#error-summary li")).to_have_count(2)
    assert_fits(page, "account-errors")
    page.goto(mailed_link(smtp, email, "/verify-email"))
    assert_fits(page, "verify")
    context.close()
