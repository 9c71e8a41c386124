"""The databases tests run on: an SQLite file, and PostgreSQL where a server is reachable."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str:
    return os.environ.get("LINLI_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


async def _execute(url: str, *statements: str) -> None:
    import asyncpg

    parsed = make_url(url)
    connection = await asyncpg.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        database=parsed.database or "postgres",
        timeout=5,
    )
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def postgres_unavailable_reason() -> str | None:
    """None when PostgreSQL answers; else why not, for the skip message."""
    try:
        import asyncpg  # noqa: F401
    except ImportError:
        return "asyncpg is not installed (pip install -e '.[test]')"
    try:
        asyncio.run(_execute(postgres_admin_url(), "SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "not here"
        return f"PostgreSQL not reachable at {postgres_admin_url()}: {type(error).__name__}"
    return None


@contextmanager
def postgres_database() -> Iterator[str]:
    """A database of its own for this test run, dropped afterwards."""
    admin = postgres_admin_url()
    name = f"linli_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_execute(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def reset_postgres(url: str) -> None:
    """An empty schema for the next test."""
    await _execute(url, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public")


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / 'linli.sqlite3'}"
