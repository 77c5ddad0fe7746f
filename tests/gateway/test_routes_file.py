"""KEYSTEAD_UPSTREAM_ROUTES: a file that is wrong stops start-up at the line that is wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from keystead.errors import ConfigurationError
from keystead.proxy.routes import load_routes
from tests.backends import TEST_SECRET

GOOD = """\
[[permissions]]
id = "widgets:read"
label = "Read widgets"

[[routes]]
method = "get"
path = "/v1/widgets/{number}"
permission = "widgets:read"

[[routes]]
method = "GET"
path = "/v1/widgets/latest"
permission = "widgets:read"
"""


def test_a_good_file_gives_permissions_and_routes_most_specific_first(tmp_path: Path) -> None:
    path = tmp_path / "routes.toml"
    path.write_text(GOOD)
    table = load_routes(path)
    [read] = table.permissions
    assert (read.id, read.label, read.resource) == ("widgets:read", "Read widgets", "Widgets")
    assert read.guards == "GET /v1/widgets/{number}, GET /v1/widgets/latest"
    # A literal segment wins over a parameter in its place, whatever the file's order.
    assert [(route.method, route.path) for route in table.routes] == [
        ("GET", "/v1/widgets/latest"),
        ("GET", "/v1/widgets/{number}"),
    ]


@pytest.mark.parametrize(
    ("change", "line", "reason"),
    [
        (
            (
                'permission = "widgets:read"\n\n[[routes]]',
                'permission = "widgets:write"\n\n[[routes]]',
            ),
            8,
            "unknown permission 'widgets:write'",
        ),
        (("/v1/widgets/latest", "/v1/widgets/{id}"), 12, "duplicate route: GET /v1/widgets/{id}"),
        (("/v1/widgets/latest", "/v1/account"), 12, "is keystead's own (/v1/account)"),
        (("/v1/widgets/latest", "/admin/widgets"), 12, "must begin with /v1/"),
        (("/v1/widgets/latest", "/v1/wid gets"), 12, "must be literal segments"),
        (("/v1/widgets/latest", "/v1/{rest:path}/x"), 12, "{name:path} only as its last"),
        (("/v1/widgets/latest", "/v1/{rest:path}"), 12, "would take keystead's own /v1/account"),
        (("/v1/widgets/latest", "/v1/widgets/../b"), 12, "must be literal segments"),
        (("/v1/widgets/latest", "/v1/widgets/a%2Fb"), 12, "must be literal segments"),
        (("/v1/widgets/latest", "/v1/widgets/{n:path}"), 12, "duplicate route"),
        (('method = "GET"', 'method = "BREW"'), 11, "method 'BREW' must be one of"),
        (
            ('label = "Read widgets"', 'label = "Read widgets"\nlabels = "x"'),
            4,
            "unknown key 'labels'",
        ),
        (('id = "widgets:read"', 'id = "widgets read"'), 2, "(no spaces: scopes"),
        (('label = "Read widgets"', 'label = ""'), 3, "'label' must be a non-empty string"),
        (
            ('label = "Read widgets"', 'label = "Read\\u0000widgets"'),
            3,
            "without control characters",
        ),
    ],
)
def test_the_first_wrong_line_is_named(
    tmp_path: Path, change: tuple[str, str], line: int, reason: str
) -> None:
    path = tmp_path / "routes.toml"
    path.write_text(GOOD.replace(*change, 1))
    with pytest.raises(ConfigurationError) as raised:
        load_routes(path)
    message = str(raised.value)
    assert message.startswith(f"KEYSTEAD_UPSTREAM_ROUTES: {path}:{line}: "), message
    assert reason in message


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[[routes]\n", "at line 1"),
        ("", "declares no [[routes]]"),
        ("title = 'x'\n", "unknown key 'title'"),
    ],
)
def test_a_file_that_is_no_table_of_routes_is_refused(
    tmp_path: Path, text: str, reason: str
) -> None:
    path = tmp_path / "routes.toml"
    path.write_text(text)
    with pytest.raises(ConfigurationError, match="KEYSTEAD_UPSTREAM_ROUTES") as raised:
        load_routes(path)
    assert reason in str(raised.value)


def test_keystead_serve_stops_before_binding_and_says_why(tmp_path: Path) -> None:
    routes = tmp_path / "routes.toml"
    routes.write_text(GOOD.replace('path = "/v1/widgets/latest"', 'path = "/v1/widgets/{n}"'))
    result = subprocess.run(
        [sys.executable, "-m", "keystead", "serve", "--port", "1"],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "KEYSTEAD_SECRET_KEY": TEST_SECRET,
            "KEYSTEAD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'k.db'}",
            "KEYSTEAD_UPSTREAM_URL": "http://127.0.0.1:9",
            "KEYSTEAD_UPSTREAM_ROUTES": str(routes),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    # Wrapped at 80 columns, within the path where it is long (pytest-xdist's are longer).
    said = "".join(result.stderr.split())
    assert "".join(f"{routes}:12: duplicate route: GET /v1/widgets/{{n}}".split()) in said
