"""Settings: environment, `.env`, and the server secret kept beside the SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from keystead.config import SECRET_FILE_NAME, Settings
from keystead.errors import ConfigurationError


def test_secret_is_generated_once_beside_the_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'keystead.db'}"
    first = Settings(_env_file=None, database_url=url).secret_bytes
    secret_file = tmp_path / "data" / SECRET_FILE_NAME
    assert secret_file.stat().st_mode & 0o777 == 0o600
    again = Settings(_env_file=None, database_url=url).secret_bytes
    assert first == again
    assert len(first) >= 32


def test_postgresql_needs_an_explicit_secret() -> None:
    settings = Settings(
        _env_file=None,
        database_url="postgresql+asyncpg://127.0.0.1/test",
    )
    with pytest.raises(ConfigurationError, match="KEYSTEAD_SECRET_KEY must be set"):
        _ = settings.secret_bytes


def test_short_secret_is_refused() -> None:
    settings = Settings(_env_file=None, secret_key="short")
    with pytest.raises(ConfigurationError, match="at least 32 characters"):
        _ = settings.secret_bytes


def test_environment_and_dotenv_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("KEYSTEAD_RATE_LIMIT=5/minute\nKEYSTEAD_TOKEN_PREFIX=acme\n")
    monkeypatch.setenv("KEYSTEAD_TOKEN_PREFIX", "envwins")
    settings = Settings()
    assert settings.rate_limit == "5/minute"
    assert settings.token_prefix == "envwins"
    assert settings.effective_public_url == "http://127.0.0.1:8000"
    assert Settings(public_url="https://keys.example.com/").is_https


def test_bad_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match="token prefix"):
        Settings(_env_file=None, token_prefix="no_underscores")
