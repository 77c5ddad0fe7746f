"""The suite under pytest-xdist (`make test` runs it with `-n auto --dist loadfile`).

How many workers `-n auto` starts: one more than the CPUs this process may use (the
tests spend much of their time waiting on servers, PostgreSQL and browsers), at most
`MAX_WORKERS`; PYTEST_XDIST_AUTO_NUM_WORKERS overrides it (0: no worker, a serial
run). How tests are shared out: by file, always (`-n` alone would deal out single
tests): the fuzz module checks at its end what its earlier tests did, and the
module-scoped servers, browsers and nginx are started once rather than per worker.

Workers share one PostgreSQL server and one Redis server. Each worker has databases of
its own (tests/backends.py), ports no other worker is given (`free_port`, in
tests/server/conftest.py), and temporary files under its own base directory. A test
marked `exclusive` changes a service every test uses (it restarts PostgreSQL, or
pauses every Redis client): it runs while no other test of the run does. Every other
test holds a shared lock from its setup to its teardown, the exclusive one holds it
alone; a waiting exclusive test keeps new tests from starting, so it is not starved.
Without xdist there is nothing to share and nothing is locked.

The controller of an xdist run runs no test and loads no conftest below tests/: a
conftest whose terminal summary reports on its tests hands the lines to it with
`hand_summary` from the worker that ran them.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

EXCLUSIVE = "exclusive"
MAX_WORKERS = 14
"""Each worker flushes a Redis database of its own (tests/backends.py)."""
_LOCK_DIRECTORY = "keystead_lock_directory"
_SUMMARIES = "keystead_summaries"
_KEY = pytest.StashKey[Path]()
_HANDED = pytest.StashKey[list[tuple[str, str, list[str]]]]()


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def hand_summary(config: pytest.Config, title: str, lines: list[str]) -> None:
    """On a worker (from `pytest_sessionfinish`), a terminal-summary section for the
    controller to write; elsewhere nothing (the conftest writes its own)."""
    output: dict[str, Any] | None = getattr(config, "workeroutput", None)
    if output is not None:
        output.setdefault(_SUMMARIES, []).append([title, lines])


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object | None) -> None:
    handed = node.config.stash.setdefault(_HANDED, [])
    for title, lines in getattr(node, "workeroutput", {}).get(_SUMMARIES, []):
        handed.append((title, node.gateway.id, lines))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for title, worker, lines in terminalreporter.config.stash.get(_HANDED, []):
        terminalreporter.section(f"{title} (worker {worker})")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist's own hook reads it
    return min(len(os.sched_getaffinity(0)) + 1, MAX_WORKERS)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Before pytest-xdist's (trylast) reads it: `-n` alone means `--dist load`.
    if config.getoption("dist", "no") == "load":
        config.option.dist = "loadfile"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """On the controller, for each worker it starts: the run's lock directory."""
    config: pytest.Config = node.config
    if _KEY not in config.stash:
        config.stash[_KEY] = Path(tempfile.mkdtemp(prefix="keystead-xdist-"))
    node.workerinput[_LOCK_DIRECTORY] = str(config.stash[_KEY])


def pytest_unconfigure(config: pytest.Config) -> None:
    directory = config.stash.get(_KEY, None)
    if directory is not None and not is_worker(config):
        shutil.rmtree(directory, ignore_errors=True)


class _Lock:
    """A readers-writer lock over two files, fair to the writer (a turnstile)."""

    def __init__(self, directory: Path) -> None:
        self._turnstile = os.open(directory / "turnstile", os.O_RDWR | os.O_CREAT, 0o600)
        self._services = os.open(directory / "services", os.O_RDWR | os.O_CREAT, 0o600)

    def acquire(self, exclusive: bool) -> None:
        fcntl.flock(self._turnstile, fcntl.LOCK_EX)
        try:
            if exclusive:
                fcntl.flock(self._services, fcntl.LOCK_EX)
                return  # the turnstile stays closed until the exclusive test ends
        except BaseException:
            fcntl.flock(self._turnstile, fcntl.LOCK_UN)
            raise
        fcntl.flock(self._turnstile, fcntl.LOCK_UN)
        fcntl.flock(self._services, fcntl.LOCK_SH)

    def release(self) -> None:
        fcntl.flock(self._services, fcntl.LOCK_UN)
        fcntl.flock(self._turnstile, fcntl.LOCK_UN)  # a no-op unless held


_LOCK = pytest.StashKey[_Lock]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    config = item.config
    if not is_worker(config):
        return (yield)
    lock = config.stash.get(_LOCK, None)
    if lock is None:
        lock = config.stash[_LOCK] = _Lock(Path(config.workerinput[_LOCK_DIRECTORY]))  # type: ignore[attr-defined]
    # Setup, call and teardown all run inside this hook: module- and session-scoped
    # fixtures set up or torn down around the test are inside the lock too.
    lock.acquire(exclusive=item.get_closest_marker(EXCLUSIVE) is not None)
    try:
        return (yield)
    finally:
        lock.release()
