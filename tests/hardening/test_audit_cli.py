"""`keystead audit`: what an operator reads back after making changes from the CLI."""

from __future__ import annotations

import json

from keystead.cli import app
from tests.cli.test_cli import (
    create_account,
    environment,  # noqa: F401 - the CLI's environment fixture
    invoke,
    runner,
)


def test_operators_read_every_accounts_events_and_can_filter_them() -> None:
    first = create_account("first@example.com")
    create_account("second@example.com")
    created = json.loads(
        invoke(
            "token",
            "create",
            "--email",
            "first@example.com",
            "--name",
            "ci",
            "-p",
            "bots:read",
            "--json",
        )
    )
    invoke("token", "revoke", created["id"])
    invoke("account", "suspend", "first@example.com")

    everything = json.loads(invoke("audit", "--json"))
    assert [(e["action"], e["account"]) for e in everything] == [
        ("account.suspended", first["number"]),
        ("token.revoked", first["number"]),
        ("token.created", first["number"]),
        ("terms.accepted", everything[3]["account"]),
        ("terms.accepted", first["number"]),
    ]
    assert {e["actor"] for e in everything} == {"operator"}
    assert everything[1]["credential"] == {"id": created["id"], "preview": created["preview"]}
    assert created["token"] not in json.dumps(everything)

    only_first = json.loads(invoke("audit", "--account", first["number"], "--json"))
    assert len(only_first) == 4
    revocations = json.loads(invoke("audit", "--action", "token.revoked", "--json"))
    assert [e["credential"]["id"] for e in revocations] == [created["id"]]
    older = json.loads(invoke("audit", "--before", str(everything[1]["id"]), "--json"))
    assert [e["id"] for e in older] == [e["id"] for e in everything[2:]]

    table = invoke("audit", "--limit", "2")
    assert "account.suspended" in table
    assert "token.revoked" in table
    assert f"--before {everything[1]['id']}" in table  # where the next page starts


def test_an_unknown_action_or_account_is_a_clear_error() -> None:
    wrong = runner.invoke(app, ["audit", "--action", "token.stolen"])
    assert wrong.exit_code == 1
    assert "unknown action 'token.stolen'" in wrong.output
    assert "token.created" in wrong.output
    missing = runner.invoke(app, ["audit", "--account", "nobody@example.com"])
    assert missing.exit_code == 1
    assert "Account not found" in missing.output
