"""The suite-wide secret scan (tests/secret_scan.py) finds what is planted, and only that.

Planted secrets stay out of the suite's own logs and files: they are handed to a
scan of the test's own, or live in a directory outside the base temporary
directory, so the real end-of-session scan does not trip over them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from keystead.access import tokens
from keystead.access.sealing import Sealer
from tests.backends import TEST_SECRET, create_database, drop_database, psql
from tests.factories import PASSWORD, sign_up
from tests.secret_scan import (
    ACCOUNT_KEY,
    PASSWORD_KIND,
    SESSION_ID,
    SIGNATURE,
    TOKEN,
    Finding,
    SuiteScan,
    suite_scan,
)
from tests.wallet.conftest import wallet_sign_in


@pytest.fixture
def outside_basetemp() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="planted-") as directory:
        yield Path(directory)


def test_a_token_in_a_log_line_is_found_by_its_checksum() -> None:
    scan = SuiteScan()
    plain = tokens.mint("kst")
    scan.scan_log("log of t", f'{{"event":"request","path":"/v1/{plain}","status":401}}')
    assert scan.findings == [Finding(TOKEN, "log of t", tokens.preview(plain, "kst"))]
    assert plain not in scan.summary()


def test_a_token_with_another_prefix_inside_a_word_is_found() -> None:
    scan = SuiteScan()
    plain = tokens.mint("acme7")
    scan.scan_log("log", f"lookup failed:x{plain}y")
    # Glued to a letter, the prefix cannot be told apart from it; the checksum still can.
    assert scan.findings == [Finding(TOKEN, "log", tokens.preview(plain, "xacme7"))]


def test_a_session_id_a_signature_and_a_password_in_a_log_are_found() -> None:
    scan = SuiteScan()
    session_id = secrets.token_urlsafe(32)
    scan.secrets.add(SESSION_ID, session_id)
    signature = "0x" + secrets.token_hex(65)
    line = f"cookie keystead_session={session_id}; sig={signature}; body password={PASSWORD}"
    scan.scan_log("log of t", line)
    assert sorted((f.kind, f.preview) for f in scan.findings) == [
        (PASSWORD_KIND, f"{PASSWORD[0]}… ({len(PASSWORD)} characters)"),
        (SESSION_ID, f"{session_id[:4]}…{session_id[-4:]} (43 characters)"),
        (SIGNATURE, f"{signature[:4]}…{signature[-4:]} (132 characters)"),
    ]


def test_a_token_in_a_sqlite_row_is_found(migrated_template: Path, outside_basetemp: Path) -> None:
    database = outside_basetemp / "keystead.db"
    shutil.copyfile(migrated_template, database)
    plain = tokens.mint("kst")
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE planted (note TEXT, amount INTEGER)")
        connection.execute("INSERT INTO planted VALUES (?, 3)", (f"kept {plain} here",))
    connection.close()
    (outside_basetemp / "server-1.log").write_text("no secret here\n")
    scan = SuiteScan()
    scan.scan_files(outside_basetemp)
    assert scan.findings == [
        Finding(TOKEN, "table planted of SQLite file keystead.db", tokens.preview(plain, "kst"))
    ]
    assert (scan.sqlite_files, scan.log_sources) == (1, 1)
    assert scan.rows >= 2  # the planted row and the terms the migrations seed


def test_a_password_in_a_postgresql_row_is_found(
    postgres_template: str, request: pytest.FixtureRequest
) -> None:
    suite = suite_scan(request.config)
    name = create_database(postgres_template)
    password = f"planted password {secrets.token_hex(4)}"
    try:
        psql("CREATE TABLE planted (note text)", name)
        psql(f"INSERT INTO planted VALUES ('user typed {password}!')", name)
        scan = SuiteScan()
        scan.secrets.add(PASSWORD_KIND, password)
        scan.scan_postgres(name)
        assert [(f.kind, f.location.split(" (")[0]) for f in scan.findings] == [
            (PASSWORD_KIND, f"table planted of PostgreSQL database {name}")
        ]
        assert password not in scan.findings[0].preview
        assert scan.postgres_databases == 1
    finally:
        psql("DROP TABLE IF EXISTS planted", name)
        read_before = suite.postgres_databases
        drop_database(name)
    assert suite.postgres_databases == read_before + 1  # the suite's own scan read it too


def test_hashes_previews_sealed_values_and_bad_checksums_are_not_flagged() -> None:
    plain = tokens.mint("kst")
    session_id = secrets.token_urlsafe(32)
    scan = SuiteScan()
    scan.secrets.add(TOKEN, plain)
    scan.secrets.add(SESSION_ID, session_id)
    random_part = plain[4:36]
    wrong_checksum = "A" * 6 if tokens.checksum(random_part) != "A" * 6 else "B" * 6
    session_hash = hmac.new(TEST_SECRET.encode(), f"session:{session_id}".encode(), hashlib.sha256)
    harmless = [
        tokens.keyed_hash(TEST_SECRET.encode(), plain),
        tokens.preview(plain, "kst"),
        session_hash.hexdigest(),
        Sealer(TEST_SECRET.encode()).seal(plain, "GZH7QT03FD"),
        f"kst_{random_part}{wrong_checksum}",
        "0x" + "ab" * 20,  # a wallet address
    ]
    scan.scan_log("log", "\n".join(harmless))
    assert scan.findings == []


async def test_the_exchanges_of_the_suite_are_collected(
    client: httpx.AsyncClient, request: pytest.FixtureRequest
) -> None:
    user = await sign_up(client)
    created = await user.create_token(["account:read"])
    wallet_user = await wallet_sign_in(client)
    generated = await wallet_user.user_api("PUT", "/generate")
    collected = suite_scan(request.config).secrets.kinds
    assert collected[user.session_id] == SESSION_ID
    assert collected[created["token"]] == TOKEN
    assert collected[PASSWORD] == PASSWORD_KIND
    assert collected[wallet_user.signature] == SIGNATURE
    assert collected[generated.json()["result"]["apiKey"]] == ACCOUNT_KEY


def test_a_leaking_session_fails_and_shows_previews_only(pytester: pytest.Pytester) -> None:
    plain = tokens.mint("kst")
    pytester.makepyfile(
        test_leak=f"""
        import sqlite3
        import sys

        def test_leak(tmp_path):
            print("lookup failed for {plain}", file=sys.stderr)
            with sqlite3.connect(tmp_path / "app.db") as connection:
                connection.execute("CREATE TABLE seen (credential TEXT)")
                connection.execute("INSERT INTO seen VALUES ('{plain}')")
            connection.close()
        """
    )
    sends = (httpx.Client.send, httpx.AsyncClient.send)
    basetemp = pytester.path / "leaking-session"
    try:
        # In process: a subprocess would spend seconds importing keystead again.
        result = pytester.runpytest_inprocess(
            "-p",
            "tests.secret_scan",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:asyncio",
            f"--basetemp={basetemp}",
        )
    finally:
        # The planted files lie under this session's own base temporary directory.
        shutil.rmtree(basetemp, ignore_errors=True)
        (pytester.path / "test_leak.py").unlink()
    assert (httpx.Client.send, httpx.AsyncClient.send) == sends  # the outer scan still sees
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    shown = tokens.preview(plain, "kst")
    result.stdout.fnmatch_lines(
        [
            "*plaintext secrets in logs or databases*",
            f"token {shown} in captured stderr (call) of test test_leak.py::test_leak",
            f"token {shown} in table seen of SQLite file test_leak0/app.db",
            "secret scan: 2 plaintext secrets found;*(1 SQLite files, 0 PostgreSQL databases)*",
            "*1 passed*",
        ]
    )
    assert plain not in result.stdout.str() + result.stderr.str()


def test_a_workers_report_carries_its_finds_and_counts_but_no_secret() -> None:
    worker = SuiteScan()
    plain = tokens.mint("kst")
    worker.secrets.add(TOKEN, plain)
    worker.scan_log("captured stderr (call) of test t", f"lookup failed for {plain}")
    report = worker.worker_report()
    assert plain not in repr(report)
    controller = SuiteScan()
    controller.add_worker_report(report)
    controller.add_worker_report(SuiteScan().worker_report())  # a worker that saw nothing
    assert controller.distinct_findings() == worker.distinct_findings()
    assert controller.secret_counts() == worker.secret_counts()  # the test passwords once
    assert (controller.log_sources, controller.log_bytes) == (1, worker.log_bytes)


def test_a_leak_in_a_pytest_xdist_worker_fails_the_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    plains = [tokens.mint("kst"), tokens.mint("kst")]
    pytester.makeconftest(
        f"""
        import sys

        # The workers are new processes: they find the suite's plugin where it lives.
        sys.path.insert(0, {str(Path(__file__).parents[1])!r})
        pytest_plugins = ["tests.secret_scan"]
        """
    )
    pytester.makepyfile(
        test_leaks=f"""
        import sqlite3
        import sys

        def test_leak_in_output():
            print("lookup failed for {plains[0]}", file=sys.stderr)

        def test_leak_in_a_database(tmp_path):
            with sqlite3.connect(tmp_path / "app.db") as connection:
                connection.execute("CREATE TABLE seen (credential TEXT)")
                connection.execute("INSERT INTO seen VALUES ('{plains[1]}')")
            connection.close()
        """
    )
    basetemp = pytester.path / "leaking-session"
    try:
        # One worker, a new process, with no plugin but xdist and the scan: each costs
        # seconds to import there.
        monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        result = pytester.runpytest_inprocess(
            "-p", "xdist", "-n", "1", "-p", "no:cacheprovider", f"--basetemp={basetemp}"
        )
    finally:
        shutil.rmtree(basetemp, ignore_errors=True)
        (pytester.path / "test_leaks.py").unlink()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    first, second = (tokens.preview(plain, "kst") for plain in plains)
    result.stdout.fnmatch_lines_random(
        [
            "*plaintext secrets in logs or databases*",
            f"token {first} in captured stderr (call) of test test_leaks.py::test_leak_in_output",
            f"token {second} in table seen of SQLite file test_leak_in_a_database0/app.db",
            "secret scan: 2 plaintext secrets found;*(1 SQLite files, 0 PostgreSQL databases)*",
            "*2 passed*",
        ]
    )
    assert all(plain not in result.stdout.str() + result.stderr.str() for plain in plains)
