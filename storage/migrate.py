"""Bring a database to the newest schema with Alembic, from inside the running application."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """An Alembic configuration pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    if revision == "head" and _current(connection) == _head():
        # Already at the newest schema (every start after the first, every test's copy of the
        # migrated template): Alembic would read and run all the migration files to find
        # nothing to do, tens of milliseconds per start.
        return
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade_database(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply every migration not yet applied; safe to call on each start."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_current)


@cache
def _head() -> str | None:
    """The newest revision shipped (the migration files do not change while linli runs)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def head_revision() -> str | None:
    return _head()
