"""`keystead account list`, `account show` and `account reset-password`, as an operator
helping a user back in; and the search behind them on both backends."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from keystead.audit import Actor
from keystead.cli import app
from keystead.runtime import Runtime
from keystead.store.models import MailMessage
from tests.factories import make_account

runner = CliRunner()


@pytest.fixture
def cli_database(cli_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KEYSTEAD_PUBLIC_URL", "https://keys.example.com")
    return cli_home


def invoke(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.stdout


def create(email: str) -> dict[str, object]:
    created: dict[str, object] = json.loads(
        invoke("account", "create", "--email", email, "--password", "a long password", "--json")
    )
    return created


@pytest.mark.usefixtures("cli_database")
def test_list_finds_accounts_by_any_part_of_their_email_or_number() -> None:
    ada = create("ada@example.com")
    create("grace@example.org")
    listed = json.loads(invoke("account", "list", "--json"))
    assert [row["email"] for row in listed] == ["grace@example.org", "ada@example.com"]
    assert (
        json.loads(invoke("account", "list", "EXAMPLE.COM", "--json"))[0]["number"] == ada["number"]
    )
    by_number = json.loads(invoke("account", "list", str(ada["number"]).lower(), "--json"))
    assert [row["email"] for row in by_number] == ["ada@example.com"]
    # `%` and `_` are searched for as themselves, not as wildcards.
    assert json.loads(invoke("account", "list", "%", "--json")) == []
    table = invoke("account", "list", "grace")
    assert "grace@example.org" in table
    assert "ada@example.com" not in table
    assert "No account matches." in invoke("account", "list", "nobody-here")


@pytest.mark.usefixtures("cli_database")
def test_show_gives_the_whole_account_without_a_secret() -> None:
    create("ada@example.com")
    shown = json.loads(invoke("account", "show", "ADA@example.com", "--json"))
    assert shown["email"] == "ada@example.com"
    assert shown["email_verified_at"] is None
    assert (shown["active_tokens"], shown["tokens"], shown["live_sessions"]) == (0, 0, 0)
    assert shown["account_key"] is False
    assert shown["last_sign_in"] is None
    assert "password" not in json.dumps(shown)
    table = invoke("account", "show", str(shown["number"]))
    assert re.search(r"email\s+│\s+ada@example\.com", table)
    missing = runner.invoke(app, ["account", "show", "nobody@example.com"])
    assert missing.exit_code == 1
    assert "Account not found" in missing.output


@pytest.mark.usefixtures("cli_database")
def test_reset_password_mails_a_link_and_prints_it_only_when_asked() -> None:
    create("ada@example.com")
    said = invoke("account", "reset-password", "ada@example.com")
    assert "is queued for mail" in said
    assert "token=" not in said
    printed = json.loads(
        invoke("account", "reset-password", "ada@example.com", "--print-link", "--json")
    )
    assert printed["link"].startswith("https://keys.example.com/password/reset?token=")
    audit = json.loads(invoke("audit", "--action", "password.reset_requested", "--json"))
    assert [entry["actor"] for entry in audit] == ["operator", "operator"]
    outbox = invoke("mail", "outbox", "--json")
    assert "token=" not in outbox  # sealed at rest
    missing = runner.invoke(app, ["account", "reset-password", "nobody@example.com"])
    assert missing.exit_code == 1


async def test_the_directory_searches_and_counts_on_both_backends(runtime: Runtime) -> None:
    ada = await make_account(runtime, "ada@example.com")
    await make_account(runtime, "ada_lovelace@example.com")
    found = await runtime.directory.search("ADA")
    assert {account.email for account in found} == {"ada@example.com", "ada_lovelace@example.com"}
    assert [a.email for a in await runtime.directory.search("a_l")] == ["ada_lovelace@example.com"]
    assert await runtime.directory.search("%") == []
    await runtime.tokens.create(ada.id, "one", ["account:read"], None, by=Actor.operator())
    await runtime.sessions.start(ada.id, client="198.51.100.1")
    overview = await runtime.directory.overview(ada.number.lower())
    assert (overview.active_tokens, overview.tokens, overview.live_sessions) == (1, 1, 1)
    _, link = await runtime.passwords.issue_for("ada@example.com", by=Actor.operator())
    async with runtime.db.read() as session:
        stored = list((await session.execute(select(MailMessage))).scalars())
    assert link.split("token=")[1] not in str([(m.text_body, m.html_body) for m in stored])
