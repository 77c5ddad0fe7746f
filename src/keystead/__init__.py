"""keystead: a self-hosted API access platform."""

from keystead.app import create_app
from keystead.config import Settings

__version__ = "0.1.0"

__all__ = ["Settings", "__version__", "create_app"]
