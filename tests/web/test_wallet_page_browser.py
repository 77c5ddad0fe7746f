"""Wallet sign-in in the page through an injected EIP-1193 provider that signs with a
known key, then the account key panel: the API terms first, generate, the hourly
cooldown said in words, disable."""

from __future__ import annotations

import re

import httpx
from eth_account import Account
from eth_account.signers.local import LocalAccount
from playwright.sync_api import Page, expect

from tests.server.conftest import Server
from tests.wallet.conftest import sign
from tests.web.conftest import screenshot

KNOWN_KEY = "0x" + "4c" * 32


def inject_wallet(page: Page, wallet: LocalAccount) -> None:
    """`window.ethereum` as a wallet extension provides it; signing happens in Python."""

    def personal_sign(hex_message: str) -> str:
        return sign(wallet, bytes.fromhex(hex_message.removeprefix("0x")).decode())

    page.expose_function("keysteadTestSign", personal_sign)
    page.add_init_script(
        f"""
        window.ethereum = {{
          async request({{ method, params }}) {{
            if (method === "eth_requestAccounts") return ["{wallet.address}"];
            if (method === "personal_sign") return await window.keysteadTestSign(params[0]);
            throw Object.assign(new Error("unsupported: " + method), {{ code: 4200 }});
          }},
        }};
        """
    )


def v1_account(server: Server, key: str) -> int:
    response = httpx.get(f"{server.url}/v1/account", headers={"Authorization": f"Bearer {key}"})
    return response.status_code


def test_wallet_sign_in_then_terms_generate_cooldown_and_disable(page: Page, live: Server) -> None:
    wallet: LocalAccount = Account.from_key(KNOWN_KEY)
    inject_wallet(page, wallet)
    page.goto("/login")
    page.get_by_role("button", name="Sign in with Ethereum").click()
    expect(page).to_have_url("/wallet")
    expect(page.get_by_role("heading", name="Account API key")).to_be_visible()
    expect(page.locator("code.address")).to_have_text(wallet.address)
    expect(page.get_by_text("No key.")).to_be_visible()
    # The key is for the API its terms govern: accepted first, then back here.
    expect(page.get_by_role("button", name="Generate key")).to_be_disabled()
    screenshot(page, "wallet-no-terms")
    page.get_by_role("link", name="Read and accept version").click()
    page.get_by_label("I have read the API terms").check()
    page.get_by_role("button", name="Accept and continue").click()
    expect(page).to_have_url("/wallet")
    expect(page.get_by_role("status")).to_contain_text("You can make your account API key now.")
    screenshot(page, "wallet-no-key")

    page.get_by_role("button", name="Generate key").click()
    expect(page.get_by_role("status")).to_contain_text("Your account API key is ready")
    page.get_by_text("Reveal key").click()
    key = page.locator("#account-key").inner_text().strip()
    live.secrets.add(key)
    assert key.startswith("kst_")
    page.get_by_role("button", name="Copy the account API key").click()
    assert page.evaluate("navigator.clipboard.readText()") == key
    assert v1_account(live, key) == 200

    # Within the hour the button waits, and says until when, in words.
    regenerate = page.get_by_role("button", name="Regenerate key")
    expect(regenerate).to_be_disabled()
    expect(page.locator("#key-when")).to_contain_text(
        re.compile(r"You can make a new key again at \d\d:\d\d UTC\s+\(in 6\d minutes\)")
    )
    expect(page.locator("main")).not_to_contain_text("regenen")
    screenshot(page, "wallet-cooldown")

    page.get_by_role("link", name="Disable key").click()
    expect(page.get_by_role("heading", name="Disable your account API key?")).to_be_visible()
    screenshot(page, "wallet-disable")
    page.get_by_role("button", name="Disable key").click()
    expect(page).to_have_url("/wallet")
    expect(page.get_by_role("status")).to_contain_text("disabled")
    expect(page.get_by_text("No key.")).to_be_visible()
    assert v1_account(live, key) == 401
    assert key not in live.logs()


def test_without_a_wallet_the_page_says_so(page: Page, live: Server) -> None:
    page.goto("/login")
    page.get_by_role("button", name="Sign in with Ethereum").click()
    expect(page.locator("#wallet-status")).to_contain_text("No Ethereum wallet was found")
    expect(page).to_have_url("/login")


def test_a_declined_signature_is_explained(page: Page, live: Server) -> None:
    page.add_init_script(
        """
        window.ethereum = {
          async request({ method }) {
            if (method === "eth_requestAccounts")
              return ["0x000000000000000000000000000000000000dEaD"];
            throw Object.assign(new Error("User rejected the request."), { code: 4001 });
          },
        };
        """
    )
    page.goto("/login")
    page.get_by_role("button", name="Sign in with Ethereum").click()
    expect(page.locator("#wallet-status")).to_contain_text("You declined the request")
    expect(page.get_by_role("button", name="Sign in with Ethereum")).to_be_enabled()
