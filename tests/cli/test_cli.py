"""The operator CLI against a real SQLite file: what an operator types and reads back."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TypedDict

import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from keystead.cli import app, common
from keystead.store.migrate import alembic_config

runner = CliRunner()


class CreatedAccount(TypedDict):
    """What `keystead account create --json` prints (`account_view`)."""

    number: str
    email: str | None
    wallet_address: str | None
    terms_accepted_version: int | None
    terms_accepted_at: str | None


@pytest.fixture(autouse=True)
def environment(cli_home: Path) -> Path:
    return cli_home


def invoke(*args: str, input: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.stdout


def create_account(email: str = "ops@example.com", accept: bool = True) -> CreatedAccount:
    args = ["account", "create", "--email", email, "--password", "a long password", "--json"]
    if accept:
        args.insert(-1, "--accept-terms")
    created: CreatedAccount = json.loads(invoke(*args))
    return created


def test_db_upgrade_and_current() -> None:
    assert "up to date" in invoke("db", "upgrade")
    head = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://")).get_current_head()
    assert invoke("db", "current").strip() == head


def test_token_create_list_revoke_with_json() -> None:
    account = create_account()
    assert account["terms_accepted_version"] == 1
    created = json.loads(
        invoke(
            "token",
            "create",
            "--email",
            "ops@example.com",
            "--name",
            "deploy",
            "-p",
            "bots:read",
            "-p",
            "account:read",
            "--json",
        )
    )
    assert created["token"].startswith("kst_")
    assert created["permissions"] == ["account:read", "bots:read"]

    listed = json.loads(invoke("token", "list", "ops@example.com", "--json"))
    assert [t["id"] for t in listed] == [created["id"]]
    assert created["token"] not in json.dumps(listed)

    table = invoke("token", "list", str(account["number"]))
    assert created["id"] in table
    assert "deploy" in table

    revoked = json.loads(invoke("token", "revoke", created["id"], "--json"))
    assert revoked["status"] == "revoked"
    assert (
        json.loads(invoke("token", "list", "ops@example.com", "--json"))[0]["status"] == "revoked"
    )


def test_token_create_prints_the_token_once_in_plain_mode() -> None:
    create_account()
    output = invoke(
        "token", "create", "--email", "ops@example.com", "--name", "x", "-p", "bots:read"
    )
    assert "will not be shown again" in output
    assert output.strip().splitlines()[-1].startswith("kst_")


def test_token_create_refused_until_terms_are_accepted() -> None:
    create_account(accept=False)
    result = runner.invoke(
        app, ["token", "create", "--email", "ops@example.com", "--name", "x", "-p", "bots:read"]
    )
    assert result.exit_code == 1
    assert "API terms not accepted" in result.output


def test_unknown_permission_and_unknown_account_are_clear_errors() -> None:
    create_account()
    bad = runner.invoke(
        app, ["token", "create", "--email", "ops@example.com", "--name", "x", "-p", "root"]
    )
    assert bad.exit_code == 2
    assert "root" in bad.output
    missing = runner.invoke(app, ["token", "list", "ghost@example.com"])
    assert missing.exit_code == 1
    assert "Account not found" in missing.output


def test_suspend_and_unsuspend() -> None:
    create_account()
    assert "suspended" in invoke("account", "suspend", "ops@example.com")
    suspended = json.loads(invoke("account", "unsuspend", "ops@example.com", "--json"))
    assert suspended["suspended"] is False


def test_terms_publish_from_file_and_stdin(environment: Path) -> None:
    terms_file = environment / "terms.md"
    terms_file.write_text("# Terms v2\nBe nice.\n")
    assert json.loads(invoke("terms", "publish", str(terms_file), "--json"))["version"] == 2
    published = invoke("terms", "publish", "-", input="Terms v3\nline two\n")
    assert "version 3" in published
    assert "  Terms v3\n  line two" in published  # what was published, shown
    # The same text again would make everyone accept what they have accepted.
    again = runner.invoke(app, ["terms", "publish", "-"], input="  Terms v3\nline two  ")
    assert again.exit_code == 1
    assert "this text is API terms version 3 already; nothing was published" in " ".join(
        again.output.split()
    )
    logged = json.loads(invoke("audit", "--action", "terms.published", "--json"))
    assert [entry["details"]["version"] for entry in logged] == [3, 2]
    assert {entry["actor"] for entry in logged} == {"operator"}
    empty = runner.invoke(app, ["terms", "publish", "-"], input="   ")
    assert empty.exit_code == 1
    assert "empty" in empty.output
    missing = runner.invoke(app, ["terms", "publish", "nope.md"])
    assert missing.exit_code == 2


def test_demo_seed_is_idempotent() -> None:
    first = json.loads(invoke("demo", "seed"))
    second = json.loads(invoke("demo", "seed"))
    assert first == second == {"email": "demo@keystead.dev", "password": "keystead-demo"}


def test_without_smtp_mail_stays_in_the_outbox_and_is_listed() -> None:
    from datetime import UTC, datetime, timedelta

    create_account()
    soon = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d")
    created = json.loads(
        invoke(
            "token",
            "create",
            "--email",
            "ops@example.com",
            "--name",
            "cron job",
            "-p",
            "bots:read",
            "--expires-at",
            soon,
            "--json",
        )
    )
    report = json.loads(invoke("jobs", "run-once", "--json"))
    assert report == {
        "reminders_queued": 1,
        "unused_flagged": 0,
        "unused_revoked": 0,
        "usage_rows_pruned": 0,
        "mail_sent": 0,
        "mail_failed": 0,
    }
    assert json.loads(invoke("jobs", "run-once", "--json"))["reminders_queued"] == 0
    # Newest first: the reminder, then the verification mail `account create` queued,
    # whose one-time link is sealed at rest and never listed.
    message, verification = json.loads(invoke("mail", "outbox", "--json"))
    assert verification["subject"] == "Confirm your email address for keystead"
    assert verification["text"] == "(sealed: carries a one-time link)"
    assert message["to"] == "ops@example.com"
    assert message["subject"].startswith('Your keystead API token "cron job" expires in')
    assert message["sent_at"] is None
    assert created["preview"] in message["text"]
    assert created["token"] not in json.dumps(message)
    listed = invoke("mail", "outbox")
    assert "ops@example.com" in listed
    assert "waiting" in listed


def test_keys_rotate_adds_a_signing_key_and_keeps_the_old_one_published() -> None:
    first = json.loads(invoke("keys", "list", "--json"))
    assert len(first) == 1
    rotated = json.loads(invoke("keys", "rotate", "--json"))["kid"]
    published = [key["kid"] for key in json.loads(invoke("keys", "list", "--json"))]
    assert published == [rotated, first[0]["kid"]]
    assert "stay published for 120 s" in " ".join(invoke("keys", "rotate").split())


def test_a_setting_keystead_cannot_start_with_is_named_not_traced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KEYSTEAD_UPSTREAM_URL", "ftp://trading.internal")
    monkeypatch.setenv("KEYSTEAD_UPSTREAM_TIMEOUT_SECONDS", "soon")
    for command in (["db", "current"], ["token", "list", "ops@example.com"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        message = " ".join(result.output.split())
        assert "KEYSTEAD_UPSTREAM_URL: must be an http:// or https:// URL with a host" in message
        assert "KEYSTEAD_UPSTREAM_TIMEOUT_SECONDS: Input should be a valid number" in message


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:abc", "has a bad port"),
        ("http://trading.internal:99999", "has a bad port"),
        ("http://user:secret@trading.internal", "must not carry a user or password"),
        ("http://trading.internal/é", "must be ASCII"),
        ("http://trading.internal/?x=1", "must not have a query"),
    ],
)
def test_an_upstream_url_keystead_cannot_use_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, url: str, reason: str
) -> None:
    monkeypatch.setenv("KEYSTEAD_UPSTREAM_URL", url)
    result = runner.invoke(app, ["db", "current"])
    assert result.exit_code == 2
    assert f"KEYSTEAD_UPSTREAM_URL: {reason}" in " ".join(result.output.split())
    assert "secret" not in result.output


def test_tables_show_times_to_the_minute(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common.console, "width", 120)  # a terminal, not the runner's 80
    create_account()
    invoke(
        "token",
        "create",
        "--email",
        "ops@example.com",
        "--name",
        "t",
        "-p",
        "bots:read",
        "--expires-at",
        "2027-01-02",
    )
    listed = invoke("token", "list", "ops@example.com")
    assert "2027-01-02 00:00Z" in listed
    assert not re.search(r"\d\d:\d\d:\d\d", listed)  # no seconds, no microseconds
