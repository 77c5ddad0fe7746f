"""Debian's nginx run by the tests as the current user under a temporary prefix, with a
configuration block taken from the docs: only its addresses (and paths) replaced, so
the block cannot drift from what is tested."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

NGINX = Path("/usr/sbin/nginx")
DOCS = Path(__file__).resolve().parents[1] / "docs"


def require_nginx() -> None:
    """Skip without nginx, except under CI=true, where .ci/run installs it."""
    if NGINX.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"Debian nginx ({NGINX}) is required under CI (.ci/run installs it)")
    pytest.skip(f"nginx is not installed ({NGINX}): apt-get install nginx")


def documented_block(doc: Path, marker: str, language: str = "nginx") -> str:
    """The fenced block that follows `marker` (which must occur once) in `doc`."""
    text = doc.read_text(encoding="utf-8")
    assert text.count(marker) == 1, f"{doc} must mark exactly one tested block with {marker!r}"
    after = text[text.index(marker) :]
    opening = f"```{language}\n"
    start = after.index(opening) + len(opening)
    return after[start : after.index("\n```", start) + 1]


def with_replaced(block: str, replacements: dict[str, str]) -> str:
    """`block` with each placeholder, which must occur exactly once, replaced."""
    for placeholder, value in replacements.items():
        assert block.count(placeholder) == 1, f"the documented block lost {placeholder!r}"
        block = block.replace(placeholder, value)
    return block


@dataclass
class Nginx:
    url: str
    prefix: Path
    process: subprocess.Popen[bytes]

    def errors(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _main_config(prefix: Path) -> str:
    """Everything outside the documented block: temporary paths, so no root is needed."""
    temp = " ".join(
        f"{kind}_temp_path {prefix / 'temp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        "worker_processes 1;\n"
        "events { worker_connections 128; }\n"
        "http {\n"
        f"    {temp}\n"
        f"    access_log {prefix / 'access.log'};\n"
        f"    include {prefix / 'site.conf'};\n"
        "}\n"
    )


def launch_nginx(prefix: Path, site: str, port: int, url: str) -> Nginx:
    """nginx with `site` in its http block, returned once it accepts on `port`; `url` is
    where the tests reach it."""
    require_nginx()
    (prefix / "temp").mkdir(parents=True, exist_ok=True)
    (prefix / "site.conf").write_text(site)
    (prefix / "nginx.conf").write_text(_main_config(prefix))
    directives = f"daemon off; pid {prefix / 'nginx.pid'}; error_log {prefix / 'error.log'};"
    if os.geteuid() == 0:  # as root nginx would hand its workers to `nobody`
        directives += " user root;"
    command = [str(NGINX), "-p", str(prefix), "-e", str(prefix / "error.log")]
    command += ["-c", str(prefix / "nginx.conf"), "-g", directives]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    nginx = Nginx(url, prefix, process)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited early:\n{nginx.errors()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            time.sleep(0.02)
        else:
            return nginx
    stop_nginx(nginx)
    raise RuntimeError(f"nginx did not start listening:\n{nginx.errors()}")


def stop_nginx(nginx: Nginx) -> None:
    nginx.process.terminate()
    try:
        nginx.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        nginx.process.kill()
        nginx.process.wait()
