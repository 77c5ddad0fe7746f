"""No plaintext secret in any log or database the suite produced (DESIGN §6).

Over the whole session this plugin collects the secrets the tests actually saw
(tokens, account keys, wallet signatures, passwords, session ids) and every log
and database they produced, then searches the logs and rows for those secrets
verbatim and for anything shaped like a token with a valid checksum or like a
signature. A find fails the session; the report names the kind, the place and a
preview, never the secret itself.

Where the secrets come from: every httpx exchange of any client in the process
(requests: passwords, signatures, bearer values; responses: `token` and `apiKey`
fields, token-shaped values in any body, session cookies), plus the passwords the
tests type outside HTTP. Where the text comes from: the output pytest captured for
each test (keystead logs JSON lines to stderr), `*.log` files under the base
temporary directory (the `keystead serve` subprocesses write theirs there), every
SQLite file there, and each PostgreSQL test database just before it is dropped.

Under pytest-xdist each worker does all of this for the tests it ran, under its own
base temporary directory, and hands what it found and counted to the controller
(`pytest_testnodedown`), which reports the whole run and fails it on any find.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sqlite3
import string
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from keystead.access import tokens
from keystead.access.sessions import SESSION_COOKIE
from keystead.cli.demo import DEMO_PASSWORD
from tests import backends
from tests.dump import TableText, postgres_tables, sqlite_tables
from tests.factories import PASSWORD

TOKEN = "token"
ACCOUNT_KEY = "account key"
SIGNATURE = "signature"
PASSWORD_KIND = "password"
SESSION_ID = "session id"
MAIL_LINK = "mail link"
KINDS = (TOKEN, ACCOUNT_KEY, SIGNATURE, PASSWORD_KIND, SESSION_ID, MAIL_LINK)

# Passwords the tests type outside HTTP (runtime calls, CLI arguments, browser
# forms), where the exchange hooks cannot see them.
TEST_PASSWORDS = (
    PASSWORD,
    "a long password",
    "a long enough password",
    "not the password",
    "hunter2-hunter2",
)

# Not secrets, though tests send them: the README publishes the demo password and
# `keystead serve --demo` prints it for whoever started the server.
PUBLISHED = frozenset({DEMO_PASSWORD})
# Shorter values ("x", "wrong", the refused passwords) occur in any text by chance;
# keystead refuses passwords under 8 characters anyway.
MIN_SECRET_LENGTH = 8
_MAX_PREFIX_LENGTH = 16  # config.py: a token prefix is 1 to 16 letters or digits
_TOKEN_BODY_LENGTH = tokens.RANDOM_LENGTH + tokens.CHECKSUM_LENGTH
# An underscore after a letter or digit and before a full random part and checksum:
# the candidates tokens.parse then accepts or refuses by their checksum. The literal
# comes first so the regex engine can skip ahead to it.
_TOKEN_CANDIDATE = re.compile(rf"_(?<=[A-Za-z0-9]_)(?=[{tokens.BASE62}]{{{_TOKEN_BODY_LENGTH}}})")
_PREFIX_TAIL = re.compile(rf"[A-Za-z0-9]{{1,{_MAX_PREFIX_LENGTH}}}$")
_SIGNATURE_SHAPE = re.compile(r"0x[0-9a-fA-F]{130}(?![0-9a-fA-F])")

# Tokens, signatures and url-safe session ids are made of these characters, so each
# lies inside a run of them at least as long as itself. Finding the long runs first
# lets everything else look at a small part of the text.
_WORD_BYTES = frozenset((string.ascii_letters + string.digits + "_-").encode())
_RUN_MASK = bytes(ord("w") if byte in _WORD_BYTES else ord(" ") for byte in range(256))
_SHORTEST_SHAPED = 1 + 1 + _TOKEN_BODY_LENGTH  # a one-letter prefix, "_", body
# Word-like secrets shorter than this are searched with str.find, like the rest.
_SHORTEST_WORD_SECRET = 20
_SQLITE_MAGIC = b"SQLite format 3\x00"
_MAX_FINDINGS_SHOWN = 40


def word_runs(text: str, shortest: int) -> Iterator[str]:
    """The runs of at least `shortest` of [A-Za-z0-9_-] in `text`.

    bytes.translate and bytes.find do this ten times faster than a regex, which
    matters with the suite's databases holding a hundred megabytes of demo trades.
    """
    data = text.encode("utf-8", errors="surrogatepass")
    masked = data.translate(_RUN_MASK)  # multi-byte characters end a run, as they should
    needle = b"w" * shortest
    start = masked.find(needle)
    while start != -1:
        end = masked.find(b" ", start + shortest)
        end = len(masked) if end == -1 else end
        yield data[start:end].decode("ascii")
        start = masked.find(needle, end)


def _shaped_in_run(run: str) -> Iterator[tuple[str, str]]:
    for candidate in _TOKEN_CANDIDATE.finditer(run):
        underscore = candidate.start()
        prefix = _PREFIX_TAIL.search(run, max(0, underscore - _MAX_PREFIX_LENGTH), underscore)
        assert prefix is not None  # the lookbehind saw at least one letter or digit
        value = run[prefix.start() : underscore + 1 + _TOKEN_BODY_LENGTH]
        if tokens.parse(value, prefix.group()) is not None:
            yield TOKEN, value
    for signature in _SIGNATURE_SHAPE.finditer(run):
        yield SIGNATURE, signature.group()


def shaped_secrets(text: str) -> Iterator[tuple[str, str]]:
    """(kind, value) for each token with a valid checksum and each signature in `text`."""
    for run in word_runs(text, _SHORTEST_SHAPED):
        yield from _shaped_in_run(run)


def preview(kind: str, value: str) -> str:
    """Enough to recognise a secret in a report, never enough to use it."""
    if kind in (TOKEN, ACCOUNT_KEY) and "_" in value:
        return tokens.preview(value, value.split("_", 1)[0])
    if kind in (SIGNATURE, SESSION_ID) and len(value) >= 32:
        # Random values: eight characters leave far too many unknown to guess.
        return f"{value[:4]}…{value[-4:]} ({len(value)} characters)"
    return f"{value[:1]}… ({len(value)} characters)"  # a password: its length is enough


@dataclass(frozen=True)
class Finding:
    kind: str
    location: str
    preview: str


class Secrets:
    """Secret values by kind, as the tests saw them."""

    def __init__(self) -> None:
        self.kinds: dict[str, str] = {}
        # In the order they came, so a search index can take in only the new ones.
        self.added: list[tuple[str, str]] = []

    def add(self, kind: str, value: object) -> None:
        if not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH or value in PUBLISHED:
            return
        # The first kind wins: an account key is also token-shaped, and its field
        # names it before the body is searched for shapes.
        if value not in self.kinds:
            self.kinds[value] = kind
            self.added.append((value, kind))

    def counts(self) -> Counter[str]:
        return Counter(self.kinds.values())


class _Index:
    """The known secrets split for a fast search: word-like ones by length, the rest."""

    def __init__(self) -> None:
        self.words: dict[str, str] = {}
        self.others: list[tuple[str, str]] = []
        self.lengths: list[int] = []
        self.shortest_run = _SHORTEST_SHAPED
        self.taken = 0

    def take(self, added: list[tuple[str, str]]) -> None:
        """Adds the secrets added since the last call."""
        for value, kind in added[self.taken :]:
            if len(value) >= _SHORTEST_WORD_SECRET and _WORD_BYTES.issuperset(value.encode()):
                self.words[value] = kind
                if len(value) not in self.lengths:
                    self.lengths = sorted([*self.lengths, len(value)])
                    self.shortest_run = min(self.shortest_run, len(value))
            else:
                self.others.append((value, kind))
        self.taken = len(added)

    def in_run(self, run: str) -> Iterator[tuple[str, str]]:
        # Every window of every length a known word-like secret has: a secret glued
        # to other word characters is still found.
        for length in self.lengths:
            if length > len(run):
                break
            for start in range(len(run) - length + 1):
                kind = self.words.get(run[start : start + length])
                if kind is not None:
                    yield kind, run[start : start + length]

    def others_in(self, text: str) -> Iterator[tuple[str, str]]:
        for value, kind in self.others:
            if value in text:
                yield kind, value


class Scanner:
    """Searches texts for the known secrets and for secret-shaped values."""

    def __init__(self, secrets: Secrets) -> None:
        self.secrets = secrets
        self._index = _Index()

    def scan(self, location: str, text: str) -> list[Finding]:
        index = self._index
        index.take(self.secrets.added)
        found: dict[str, str] = {}
        for run in word_runs(text, index.shortest_run):
            for kind, value in index.in_run(run):
                found.setdefault(value, kind)
            if len(run) >= _SHORTEST_SHAPED:
                for kind, value in _shaped_in_run(run):
                    found.setdefault(value, self.secrets.kinds.get(value, kind))
        for kind, value in index.others_in(text):
            found.setdefault(value, kind)
        return [Finding(kind, location, preview(kind, value)) for value, kind in found.items()]


def _json_strings(data: Any, keys: frozenset[str]) -> Iterator[str]:
    """The string values under any of `keys`, at any depth."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in keys and isinstance(value, str):
                yield value
            else:
                yield from _json_strings(value, keys)
    elif isinstance(data, list):
        for item in data:
            yield from _json_strings(item, keys)


_PASSWORD_FIELDS = frozenset({"password", "password_again", "current_password", "new_password"})
_SIGNATURE_FIELDS = frozenset({"signature"})
_TOKEN_FIELDS = frozenset({"token"})
_ACCOUNT_KEY_FIELDS = frozenset({"apiKey"})
# Where the secret of a link keystead mailed (a password reset, an email verification)
# is redeemed: its `token` field there is that secret.
_LINK_PATHS = ("/auth/password-reset/confirm", "/auth/verify-email", "/password/reset")


def _body_text(message: httpx.Request | httpx.Response) -> str:
    try:
        content = message.content
    except (httpx.RequestNotRead, httpx.ResponseNotRead):
        return ""  # a stream the test reads itself; consuming it here would steal it
    return content.decode("utf-8", errors="replace")


def _json_body(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


@dataclass
class SuiteScan:
    """The session's secrets, what was scanned, and what was found."""

    secrets: Secrets = field(default_factory=Secrets)
    findings: list[Finding] = field(default_factory=list)
    log_bytes: int = 0
    log_sources: int = 0
    sqlite_files: int = 0
    postgres_databases: int = 0
    rows: int = 0
    unreadable: list[str] = field(default_factory=list)
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    current_test: str = "session setup"
    basetemp: Path | None = None
    distributed: bool = False
    """The controller of a pytest-xdist run: the workers run the tests and scan."""
    collected: dict[str, str] = field(default_factory=dict)
    """The workers' secrets, as digests (never the values), with their kinds."""

    def __post_init__(self) -> None:
        self.scanner = Scanner(self.secrets)
        for password in TEST_PASSWORDS:
            self.secrets.add(PASSWORD_KIND, password)

    # Collecting secrets

    def saw_request(self, request: httpx.Request) -> None:
        authorization = request.headers.get("authorization", "")
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() == "bearer":
            for kind, value in shaped_secrets(credential):
                self.secrets.add(kind, value)
        text = _body_text(request)
        redeems_link = request.url.path.startswith(_LINK_PATHS)
        if redeems_link:
            for name, value in parse_qsl(request.url.query.decode()):
                if name in _TOKEN_FIELDS:
                    self.secrets.add(MAIL_LINK, value)
        if "password" not in text and "signature" not in text and not redeems_link:
            return
        content_type = request.headers.get("content-type", "")
        if "json" in content_type:
            body = _json_body(text)
            for value in _json_strings(body, _PASSWORD_FIELDS):
                self.secrets.add(PASSWORD_KIND, value)
            for value in _json_strings(body, _SIGNATURE_FIELDS):
                self.secrets.add(SIGNATURE, value)
            if redeems_link:
                for value in _json_strings(body, _TOKEN_FIELDS):
                    self.secrets.add(MAIL_LINK, value)
        elif "form-urlencoded" in content_type:
            for name, value in parse_qsl(text):
                if name in _PASSWORD_FIELDS:
                    self.secrets.add(PASSWORD_KIND, value)
                elif name in _SIGNATURE_FIELDS:
                    self.secrets.add(SIGNATURE, value)
                elif redeems_link and name in _TOKEN_FIELDS:
                    self.secrets.add(MAIL_LINK, value)

    def saw_response(self, response: httpx.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            # `__Host-` and `__Secure-` prefixes name the same cookie over https.
            if name.strip().endswith(SESSION_COOKIE):
                self.secrets.add(SESSION_ID, rest.split(";", 1)[0].strip().strip('"'))
        text = _body_text(response)
        if '"token"' in text or '"apiKey"' in text:
            body = _json_body(text)
            for value in _json_strings(body, _TOKEN_FIELDS):
                self.secrets.add(TOKEN, value)
            for value in _json_strings(body, _ACCOUNT_KEY_FIELDS):
                self.secrets.add(ACCOUNT_KEY, value)
        for kind, value in shaped_secrets(text):
            self.secrets.add(kind, value)

    def saw_exchange(self, request: httpx.Request, response: httpx.Response) -> None:
        with self.timed("exchanges"):
            for earlier in response.history:
                self.saw_request(earlier.request)
                self.saw_response(earlier)
            self.saw_request(request)
            self.saw_response(response)

    # Scanning

    @contextmanager
    def timed(self, part: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[part] += time.perf_counter() - started

    def scan_log(self, location: str, text: str) -> None:
        self.log_sources += 1
        self.log_bytes += len(text.encode("utf-8", errors="replace"))
        self.findings.extend(self.scanner.scan(location, text))

    def scan_tables(self, database: str, tables: list[TableText]) -> None:
        for table in tables:
            self.rows += table.rows
            self.findings.extend(
                self.scanner.scan(f"table {table.table} of {database}", table.text)
            )

    def scan_postgres(self, name: str) -> None:
        with self.timed("PostgreSQL"):
            try:
                tables = postgres_tables(name)
            except Exception as error:
                self.unreadable.append(f"PostgreSQL database {name} ({type(error).__name__})")
                return
            if tables is None:
                return  # dropped before it was created: nothing to read
            self.postgres_databases += 1
            location = f"PostgreSQL database {name} (dropped by {self.current_test})"
            self.scan_tables(location, tables)

    def scan_files(self, root: Path) -> None:
        """The SQLite databases and log files the tests left under `root`."""
        with self.timed("files"):
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    self._scan_file(path, path.relative_to(root))

    def _scan_file(self, path: Path, shown: Path) -> None:
        try:
            if path.suffix == ".log":
                self.scan_log(f"log file {shown}", path.read_text("utf-8", errors="replace"))
                return
            # By content, not by name: the tests name their databases freely.
            with path.open("rb") as file:
                if file.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
                    return
            tables = sqlite_tables(path)
        except (OSError, sqlite3.Error) as error:
            self.unreadable.append(f"file {shown} ({type(error).__name__})")
            return
        self.sqlite_files += 1
        self.scan_tables(f"SQLite file {shown}", tables)

    # Reporting

    def distinct_findings(self) -> list[Finding]:
        return list(dict.fromkeys(self.findings))

    def secret_counts(self) -> Counter[str]:
        """Secrets by kind, each counted once however many workers saw it."""
        kinds = dict(self.collected)
        kinds.update((_digest(value), kind) for value, kind in self.secrets.kinds.items())
        return Counter(kinds.values())

    def summary(self) -> str:
        counts = self.secret_counts()
        collected = ", ".join(f"{counts[kind]} {kind}s" for kind in KINDS)
        found = len(self.distinct_findings())
        parts = ", ".join(f"{part} {seconds:.1f}" for part, seconds in self.seconds.items())
        return (
            f"secret scan: {found} plaintext secrets found; collected {collected}; "
            f"scanned {self.log_bytes:,} log bytes ({self.log_sources} logs) and "
            f"{self.rows:,} rows ({self.sqlite_files} SQLite files, "
            f"{self.postgres_databases} PostgreSQL databases) "
            f"in {sum(self.seconds.values()):.1f} s ({parts or 'nothing to do'})"
        )

    # A pytest-xdist worker's part, sent to the controller at the worker's end

    def worker_report(self) -> dict[str, Any]:
        """What was found and counted, in types execnet can send; no secret in it."""
        return {
            "collected": {_digest(value): kind for value, kind in self.secrets.kinds.items()},
            "findings": [[f.kind, f.location, f.preview] for f in self.distinct_findings()],
            "counts": [
                self.log_bytes,
                self.log_sources,
                self.sqlite_files,
                self.postgres_databases,
                self.rows,
            ],
            "unreadable": list(self.unreadable),
            "seconds": dict(self.seconds),
        }

    def add_worker_report(self, report: dict[str, Any]) -> None:
        self.collected.update(report["collected"])
        self.findings.extend(Finding(*finding) for finding in report["findings"])
        log_bytes, log_sources, sqlite_files, postgres_databases, rows = report["counts"]
        self.log_bytes += log_bytes
        self.log_sources += log_sources
        self.sqlite_files += sqlite_files
        self.postgres_databases += postgres_databases
        self.rows += rows
        self.unreadable.extend(report["unreadable"])
        for part, seconds in report["seconds"].items():
            self.seconds[part] += seconds


def _digest(value: str) -> str:
    data = value.encode("utf-8", errors="surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


_KEY = pytest.StashKey[SuiteScan]()
_WORKER_REPORT = "keystead_secret_scan"
# The running session's scan, for hooks that are given no config.
_active: list[SuiteScan] = []


def suite_scan(config: pytest.Config) -> SuiteScan:
    return config.stash[_KEY]


def _observing(scan: SuiteScan, send: Callable[..., Any], asynchronous: bool) -> Callable[..., Any]:
    if asynchronous:

        @functools.wraps(send)
        async def send_async(
            client: httpx.AsyncClient, request: httpx.Request, **kwargs: Any
        ) -> httpx.Response:
            response: httpx.Response = await send(client, request, **kwargs)
            scan.saw_exchange(request, response)
            return response

        return send_async

    @functools.wraps(send)
    def send_sync(client: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = send(client, request, **kwargs)
        scan.saw_exchange(request, response)
        return response

    return send_sync


def pytest_configure(config: pytest.Config) -> None:
    scan = SuiteScan()
    config.stash[_KEY] = scan
    _active.append(scan)
    config.add_cleanup(functools.partial(_active.remove, scan))
    # Every client the tests build, in any module, ends in these two methods. The
    # cleanups undo this in reverse order, so a session run inside a test (pytester)
    # hands back exactly what it found.
    for client_class, asynchronous in ((httpx.Client, False), (httpx.AsyncClient, True)):
        send = client_class.send
        client_class.send = _observing(scan, send, asynchronous)  # type: ignore[method-assign]
        config.add_cleanup(functools.partial(setattr, client_class, "send", send))
    backends.before_drop.append(scan.scan_postgres)
    config.add_cleanup(functools.partial(backends.before_drop.remove, scan.scan_postgres))


@pytest.fixture(scope="session", autouse=True)
def _secret_scan_basetemp(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Notes where the tests' temporary files live; they are scanned at the end."""
    suite_scan(request.config).basetemp = tmp_path_factory.getbasetemp()


def pytest_sessionstart(session: pytest.Session) -> None:
    # pytest-xdist registers its controller's session as "dsession" while configuring.
    suite_scan(session.config).distributed = session.config.pluginmanager.has_plugin("dsession")


def pytest_runtest_logstart(nodeid: str) -> None:
    # Test databases are dropped in teardown; the report names the test that dropped one.
    _active[-1].current_test = nodeid


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Sections carry what pytest captured, for passing tests too. Each report repeats
    # the earlier phases' sections, so only its own phase's are new.
    scan = _active[-1]
    if scan.distributed:
        return  # the worker that ran the test scanned them, knowing its secrets
    with scan.timed("logs"):
        for title, text in report.sections:
            # Titles are "Captured <stdout|stderr|log> <setup|call|teardown>".
            words = title.split()
            if len(words) == 3 and words[0] == "Captured" and words[2] == report.when:
                location = f"captured {words[1]} ({words[2]}) of test {report.nodeid}"
                scan.scan_log(location, text)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    # tryfirst: before the terminal summary is written and before pytest may
    # remove temporary directories.
    scan = suite_scan(session.config)
    if scan.basetemp is not None and scan.basetemp.exists():
        scan.scan_files(scan.basetemp)
    workeroutput: dict[str, Any] | None = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[_WORKER_REPORT] = scan.worker_report()
    # Under CI a database the scan could not read is a gap, as a missing service is.
    unread = scan.unreadable and os.environ.get("CI") == "true"
    if (scan.distinct_findings() or unread) and session.exitstatus in (
        pytest.ExitCode.OK,
        pytest.ExitCode.NO_TESTS_COLLECTED,
    ):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object | None) -> None:
    """On the controller of a pytest-xdist run: a worker has ended, with its report."""
    scan = suite_scan(node.config)
    report = getattr(node, "workeroutput", {}).get(_WORKER_REPORT)
    if report is None:  # it crashed before its end: its logs and files went unscanned
        scan.unreadable.append(f"what worker {node.gateway.id} saw (it ended without a report)")
        return
    scan.add_worker_report(report)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    scan = suite_scan(config)
    findings = scan.distinct_findings()
    if findings:
        terminalreporter.write_sep("=", "plaintext secrets in logs or databases", red=True)
        for finding in findings[:_MAX_FINDINGS_SHOWN]:
            terminalreporter.write_line(f"{finding.kind} {finding.preview} in {finding.location}")
        if len(findings) > _MAX_FINDINGS_SHOWN:
            terminalreporter.write_line(f"... and {len(findings) - _MAX_FINDINGS_SHOWN} more")
    for place in scan.unreadable:
        terminalreporter.write_line(f"secret scan: could not read {place}", yellow=True)
    terminalreporter.write_line(scan.summary(), red=bool(findings), green=not findings)
