"""keystead: a self-hosted API access platform.

`create_app` and `Settings` are imported on first use (PEP 562), so importing a
submodule (`keystead.cli` for `keystead --help`) does not import the web stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keystead.version import __version__

if TYPE_CHECKING:
    from keystead.app import create_app
    from keystead.config import Settings

__all__ = ["Settings", "__version__", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from keystead.app import create_app

        return create_app
    if name == "Settings":
        from keystead.config import Settings

        return Settings
    raise AttributeError(f"module 'keystead' has no attribute {name!r}")
