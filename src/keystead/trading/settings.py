"""The trading API's own setting (the platform's are in `keystead.config`)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class TradingSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KEYSTEAD_", env_file=".env", extra="ignore", frozen=True
    )

    execution_engine: str | None = None
    """The live execution engine, `module:attribute` (see `trading/engine.py`).
    Unset: live bots answer 409 `No execution backend configured`."""
