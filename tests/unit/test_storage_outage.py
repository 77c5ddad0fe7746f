"""Which database errors mean "the database is down" (503) and which are bugs (500)."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from keystead.envelope import is_storage_outage


class AdminShutdownError(Exception):
    """Stands in for asyncpg's error of the same name (the check goes by the name)."""


class UndefinedColumnError(Exception):
    pass


def test_outages_and_bugs_are_told_apart() -> None:
    assert is_storage_outage(OperationalError("SELECT 1", None, Exception("refused")))
    assert is_storage_outage(DBAPIError("SELECT 1", None, AdminShutdownError()))
    assert is_storage_outage(
        DBAPIError("SELECT 1", None, Exception("gone"), connection_invalidated=True)
    )
    assert not is_storage_outage(DBAPIError("SELECT x", None, UndefinedColumnError()))
    assert not is_storage_outage(IntegrityError("INSERT", None, Exception("duplicate")))
