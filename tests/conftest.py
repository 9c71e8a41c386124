"""Shared fixtures: databases (SQLite always, PostgreSQL where reachable), a manual clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_database
from tests.databases import (
    postgres_database,
    postgres_unavailable_reason,
    reset_postgres,
    sqlite_url,
)

_POSTGRES_SKIP: str | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _POSTGRES_SKIP
    _POSTGRES_SKIP = postgres_unavailable_reason()


def pytest_report_header(config: pytest.Config) -> str:
    return "postgresql: " + (_POSTGRES_SKIP or "available, tests run on it too")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if _POSTGRES_SKIP:
        pytest.skip(_POSTGRES_SKIP)
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, migrated by whoever opens it."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(reset_postgres(url))
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await upgrade_database(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
async def session(
    session_factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
