"""The databases tests run on: an SQLite file, and PostgreSQL where a server is reachable.

Migrating takes a few hundred milliseconds, so it is done once per test run (per xdist worker):
into a template SQLite file, which each test copies, and into a template PostgreSQL database,
from which each test's database is created (CREATE DATABASE ... TEMPLATE)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.db import create_engine
from storage.migrate import upgrade_database

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
SQLITE_NAME = "linli.sqlite3"


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


async def migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade_database(engine)
    finally:
        await engine.dispose()


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / SQLITE_NAME}"


def migrated_sqlite_template(directory: Path) -> Path:
    """An SQLite file at the newest schema, for `copy_sqlite` to copy."""
    asyncio.run(migrate(sqlite_url(directory)))
    return directory / SQLITE_NAME


def copy_sqlite(template: Path, directory: Path) -> str:
    """The URL of a fresh copy of `template` in `directory` (with its journal, if one is left)."""
    for suffix in ("", "-wal", "-shm"):
        source = template.with_name(template.name + suffix)
        if source.exists():
            shutil.copyfile(source, directory / (SQLITE_NAME + suffix))
    return sqlite_url(directory)


class PostgresDatabases:
    """Databases of this test run on one server, named linli_test_<run>_<n>, all dropped at the
    end; `template` is migrated once, and `copy()` gives a test its own database made from it."""

    def __init__(self) -> None:
        self.admin = postgres_admin_url()
        self.prefix = f"linli_test_{uuid.uuid4().hex[:10]}"
        self._numbers = itertools.count(1)
        self._template: str | None = None

    def _url(self, name: str) -> str:
        return make_url(self.admin).set(database=name).render_as_string(hide_password=False)

    @property
    def template(self) -> str:
        if self._template is None:
            name = f"{self.prefix}_template"
            asyncio.run(_execute(self.admin, f'CREATE DATABASE "{name}"'))
            self._template = name
            asyncio.run(migrate(self._url(name)))
        return self._template

    @contextmanager
    def database(self, *, migrated: bool = True, checkpoint: bool = False) -> Iterator[str]:
        """A database of the test's own: a copy of the template, or empty; dropped afterwards.
        `checkpoint` for the load tests (marked alone), see below."""
        name = f"{self.prefix}_{next(self._numbers)}"
        template = f' TEMPLATE "{self.template}"' if migrated else ""
        # A commit of a test need not wait for the server's disk: only a crash of the server
        # (never of linli, which the crash tests kill) could lose one. Settings of a database
        # are not copied from its template, so each copy gets it.
        asyncio.run(
            _execute(
                self.admin,
                f'CREATE DATABASE "{name}"{template}',
                f'ALTER DATABASE "{name}" SET synchronous_commit = off',
            )
        )
        # Creating a database writes megabytes of WAL; a checkpoint now keeps the one it would
        # bring from landing in the middle of the test (the crowd test's presses were answered
        # about a fifth slower). Only for the load tests: for the others, a checkpoint per test
        # (the server writing every dirty page out, hundreds of times a run, with three other
        # workers' tests waiting on its disk) cost more than the one it saved them. Skipped
        # where the test role may not (CHECKPOINT needs rights).
        if checkpoint:
            with contextlib.suppress(Exception):
                asyncio.run(_execute(self.admin, "CHECKPOINT"))
        try:
            yield self._url(name)
        finally:
            asyncio.run(_execute(self.admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def drop_all(self) -> None:
        if self._template is not None:
            statement = f'DROP DATABASE IF EXISTS "{self._template}" WITH (FORCE)'
            asyncio.run(_execute(self.admin, statement))
