"""keystead: a self-hosted API access platform."""

from keystead.app import create_app
from keystead.config import Settings
from keystead.version import __version__

__all__ = ["Settings", "__version__", "create_app"]
