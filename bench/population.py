"""Many stored tokens, fast: rows written in bulk, exactly as keystead stores them.

Each token is well formed (prefix, base62 body, CRC32 checksum) and stored by its
keyed hash under the deployment's secret, so the server authenticates it like any
other. Minting a million through the service would take an hour of Argon2-free but
transactional inserts; here they go in by the chunk (SQLite) or by COPY (PostgreSQL).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice

import asyncpg
import orjson
from sqlalchemy import create_engine, insert
from sqlalchemy.engine import make_url

from bench.deployments import Deployment
from keystead.access import tokens
from keystead.access.permissions import ACCOUNT_READ
from keystead.store.models import Account, ApiToken

TOKENS_PER_ACCOUNT = 100
CHUNK = 50_000
FIRST_ACCOUNT_ID = 1_000_000
_TO_BASE62 = str.maketrans({chr(b): tokens.BASE62[b % 62] for b in range(256)})


def random_tokens(prefix: str, count: int) -> Iterator[str]:
    """Well-formed tokens (the modulo bias of random bytes is irrelevant to a benchmark)."""
    length = tokens.RANDOM_LENGTH
    letters = os.urandom(count * length).decode("latin-1").translate(_TO_BASE62)
    for start in range(0, count * length, length):
        body = letters[start : start + length]
        yield f"{prefix}_{body}{tokens.checksum(body)}"


def populate(deployment: Deployment, count: int, sample: int) -> list[str]:
    """Store `count` tokens in `count / 100` new accounts; return `sample` of them, plain."""
    settings = deployment.settings()
    now = datetime.now(UTC)
    account_count = -(-count // TOKENS_PER_ACCOUNT)
    accounts = [
        {
            "id": FIRST_ACCOUNT_ID + index,
            "number": f"P{index:09d}",
            "email": f"population-{index}@keystead.dev",
            "terms_accepted_version": 1,
            "terms_accepted_at": now,
            "created_at": now,
        }
        for index in range(account_count)
    ]
    kept: list[str] = []
    rows = _token_rows(settings.secret_bytes, settings.token_prefix, count, sample, kept, now)
    if settings.is_sqlite:
        _write_sqlite(deployment.database_url, accounts, rows, count)
    else:
        asyncio.run(_copy_postgres(deployment.database_url, accounts, rows, count))
    return kept


def _token_rows(
    secret: bytes, prefix: str, count: int, sample: int, kept: list[str], now: datetime
) -> Iterator[dict[str, object]]:
    """The rows, generated as they are written; every `count / sample`-th plain text is kept."""
    every = max(1, count // sample)
    expires = now + timedelta(days=365)
    permissions = [ACCOUNT_READ]
    for index, plain in enumerate(random_tokens(prefix, count)):
        if index % every == 0 and len(kept) < sample:
            kept.append(plain)
        yield {
            "id": f"T{index:09d}",
            "account_id": FIRST_ACCOUNT_ID + index // TOKENS_PER_ACCOUNT,
            "kind": "token",
            "name": "population",
            "permissions": permissions,
            "token_hash": tokens.keyed_hash(secret, plain),
            "preview": tokens.preview(plain, prefix),
            "created_at": now,
            "expires_at": expires,
        }


def _chunks(rows: Iterator[dict[str, object]], total: int) -> Iterator[list[dict[str, object]]]:
    done = 0
    while chunk := list(islice(rows, CHUNK)):
        yield chunk
        done += len(chunk)
        sys.stderr.write(f"\r  stored {done:,} / {total:,} tokens")
        sys.stderr.flush()
    sys.stderr.write("\n")


def _write_sqlite(
    url: str, accounts: list[dict[str, object]], rows: Iterator[dict[str, object]], total: int
) -> None:
    engine = create_engine(make_url(url).set(drivername="sqlite"))
    try:
        with engine.begin() as connection:
            connection.execute(insert(Account), accounts)
            for chunk in _chunks(rows, total):
                connection.execute(insert(ApiToken), chunk)
    finally:
        engine.dispose()


async def _copy_postgres(
    url: str, accounts: list[dict[str, object]], rows: Iterator[dict[str, object]], total: int
) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        # COPY is binary; json's binary form is its text.
        await connection.set_type_codec(
            "json", encoder=_json, decoder=bytes, schema="pg_catalog", format="binary"
        )
        await _copy(connection, "accounts", accounts)
        for chunk in _chunks(rows, total):
            await _copy(connection, "api_tokens", chunk)
        await connection.execute("ANALYZE accounts; ANALYZE api_tokens")
    finally:
        await connection.close()


async def _copy(
    connection: asyncpg.Connection, table: str, records: list[dict[str, object]]
) -> None:
    columns = list(records[0])
    await connection.copy_records_to_table(
        table, records=[tuple(_naive(r[c]) for c in columns) for r in records], columns=columns
    )


def _naive(value: object) -> object:
    """keystead stores naive UTC (see `UTCDateTime`); COPY bypasses that type."""
    return value.replace(tzinfo=None) if isinstance(value, datetime) else value


def _json(value: list[str]) -> bytes:
    return orjson.dumps(value)
