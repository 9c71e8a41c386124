"""Shared fixtures: databases (SQLite always, PostgreSQL where reachable), a manual clock.

A test that uses a database runs on SQLite; marked `postgresql` (the test or its module), it
runs on PostgreSQL too: where the database matters (storage, races, the outbox's and the
scheduler's claims, one conversation per flow). `--all-on-postgresql` runs every database test on
both."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.i18n import CatalogueI18n
from storage.db import create_engine, create_session_factory
from tests.bots import new_bot
from tests.databases import (
    PostgresDatabases,
    copy_sqlite,
    migrated_sqlite_template,
    postgres_unavailable_reason,
    sqlite_url,
)

_POSTGRES_SKIP: str | None = None
BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--all-on-postgresql",
        action="store_true",
        help="run every database test on PostgreSQL too, not only those marked postgresql",
    )
    parser.addoption(
        "--alone",
        choices=("include", "skip", "only"),
        default="include",
        help="the tests marked alone (load tests that measure the machine): run them with the "
        "others (include), leave them out (skip), or run only them (only); scripts/test runs "
        "the others in parallel, then these by themselves",
    )


def pytest_configure(config: pytest.Config) -> None:
    global _POSTGRES_SKIP
    _POSTGRES_SKIP = postgres_unavailable_reason()
    config.addinivalue_line(
        "markers",
        "postgresql: run on PostgreSQL too (where the database matters), not only on SQLite",
    )
    config.addinivalue_line(
        "markers", "alone: a load test that needs the machine to itself (see --alone)"
    )


# The modules whose tests take longest (programs started as people start them, every state of
# every flow, a thousand recipients): started first, so no worker is left with one at the end.
LONGEST_FIRST = (
    *("e2e/test_outbox_crash.py", "e2e/test_forged_buttons.py", "e2e/test_fuzz.py"),
    *("e2e/test_linli_run.py", "test_cli.py", "e2e/test_invites.py", "browser/"),
    *("emulator/test_demo_command.py", "e2e/test_emergency_everywhere.py"),
    *("e2e/test_broadcasts.py", "e2e/test_delete_my_data.py", "e2e/test_visits.py"),
    *("e2e/test_cards_stay_true.py", "e2e/test_places.py", "e2e/test_voice_and_photos.py"),
)


def _start_rank(item: pytest.Item) -> int:
    path = item.nodeid.split("::")[0].removeprefix("tests/")
    ranks = [rank for rank, prefix in enumerate(LONGEST_FIRST) if path.startswith(prefix)]
    return ranks[0] if ranks else len(LONGEST_FIRST)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With `--alone=only`, a test module that never says `mark.alone` is not even imported:
    scripts/test starts a process for each load test, and importing the other hundred modules
    in each cost most of the stage."""
    if config.getoption("alone") != "only" or collection_path.suffix != ".py":
        return None
    if not collection_path.name.startswith("test_"):
        return None
    return "mark.alone" not in collection_path.read_text(encoding="utf-8")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_start_rank)  # stable: the others keep their order
    wanted = config.getoption("alone")
    if wanted == "include":
        return
    keep = [
        item
        for item in items
        if (item.get_closest_marker("alone") is not None) == (wanted == "only")
    ]
    if len(keep) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep


def pytest_report_header(config: pytest.Config) -> str:
    if _POSTGRES_SKIP:
        return "postgresql: " + _POSTGRES_SKIP
    which = "every database test" if config.getoption("all_on_postgresql") else "tests marked so"
    return f"postgresql: available, {which} run on it too"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The `backend` of each database test: SQLite, and PostgreSQL where marked."""
    if "backend" not in metafunc.fixturenames:
        return
    on_postgres = metafunc.config.getoption("all_on_postgresql") or (
        metafunc.definition.get_closest_marker("postgresql") is not None
    )
    metafunc.parametrize("backend", BACKENDS if on_postgres else BACKENDS[:1], scope="function")


@pytest.fixture(scope="session", autouse=True)
def _catalogues_read_once() -> Iterator[None]:
    """Every bot a test starts compiles the .po catalogues anew (a tenth of a second with
    Babel, hundreds of times a run); they do not change during a run, so each test process
    compiles them once."""
    compile_catalogues = CatalogueI18n.find_locales
    compiled: dict[tuple[str, str], Any] = {}

    def find_locales(i18n: CatalogueI18n) -> Any:
        key = (str(i18n.path), i18n.domain)
        if key not in compiled:
            compiled[key] = compile_catalogues(i18n)
        return compiled[key]

    CatalogueI18n.find_locales = find_locales  # type: ignore[method-assign]
    yield
    CatalogueI18n.find_locales = compile_catalogues  # type: ignore[method-assign]


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    if _POSTGRES_SKIP:
        pytest.skip(_POSTGRES_SKIP)
    databases = PostgresDatabases()
    yield databases
    databases.drop_all()


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own at the newest schema (a copy of the run's template)."""
    if backend == "sqlite":
        yield copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    load_test = request.node.get_closest_marker("alone") is not None
    with databases.database(checkpoint=load_test) as url:
        yield url


@pytest.fixture
def empty_database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """An empty database of the test's own, for tests of the migrations themselves."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path)
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    with databases.database(migrated=False) as url:
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
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


@pytest.fixture
async def telegram() -> AsyncIterator[FakeBotAPI]:
    """Our fake Telegram (the conversation tests have their own, started with the bot)."""
    async with FakeBotAPI() as api:
        yield api


@pytest.fixture
async def bot(telegram: FakeBotAPI) -> AsyncIterator[Bot]:
    client = new_bot(telegram)
    yield client
    await client.session.close()
