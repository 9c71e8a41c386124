"""`linli backup` and `linli restore` on SQLite and PostgreSQL: a backup taken while the bot runs
brings every row back exactly, the bot starts on it, a backup taken during writes is one moment
of the database, and a restore refuses what would lose data or run on a schema it does not know."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, inspect, select, text, update
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.backup import BackupError, _libpq, backup, restore, restore_and_forget
from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.services import requests
from bot.services.requests import RequestDraft
from storage.db import create_engine
from storage.migrate import current_revision, head_revision, upgrade_database
from storage.models import AuditEvent, HelpRequest, RequestCategory, RequestEvent, User, UserRole
from tests.databases import sqlite_url
from tests.e2e.harness import RunningBot
from tests.people import make_person
from tests.test_cli import linli

pytestmark = pytest.mark.postgresql

ANN, LIN = 7001, 7901
SOUP = "Soup for two days"


@pytest.fixture(autouse=True)
def _postgresql_tools(request: pytest.FixtureRequest) -> None:
    """The tests on PostgreSQL need its client tools, where the server may well be reachable."""
    if "backend" in request.fixturenames and request.getfixturevalue("backend") == "postgresql":
        for tool in ("pg_dump", "pg_restore", "psql"):
            if shutil.which(tool) is None:
                pytest.skip(f"{tool} is not installed (Debian: apt install postgresql-client)")


def _rows(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
    quote = connection.dialect.identifier_preparer.quote
    return {
        name: sorted(
            (tuple(row) for row in connection.execute(text(f"SELECT * FROM {quote(name)}"))),
            key=repr,
        )
        for name in sorted(inspect(connection).get_table_names())
    }


async def contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table and every row of the database, to compare two moments exactly."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_rows)
    finally:
        await engine.dispose()


async def execute(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def ann_asks(engine: AsyncEngine, clock: ManualClock, description: str) -> None:
    from storage.db import create_session_factory

    async with create_session_factory(engine)() as session:
        ann = await session.scalar(select(User).where(User.telegram_id == ANN))
        assert ann is not None
        draft = RequestDraft(category=RequestCategory.MEALS, description=description)
        await requests.submit_request(session, ann, draft, clock=clock)
        await session.commit()


async def test_a_backup_taken_while_the_bot_runs_brings_everything_back_exactly(
    database_url: str, telegram: FakeBotAPI, clock: ManualClock, tmp_path: Path
) -> None:
    linli = RunningBot(telegram, telegram.base_url, clock, database_url=database_url)
    await linli.start()
    async with linli.app.session_factory() as s:
        await make_person(s, clock, ANN, UserRole.RESIDENT, name="Ann Lee", phone="13800138000")
        await make_person(s, clock, LIN, UserRole.COORDINATOR, name="Lin")
        await s.commit()
    await ann_asks(linli.app.engine, clock, SOUP)
    kept = await contents(database_url)
    assert kept["help_requests"] and kept["users"]

    made = await backup(database_url, tmp_path / "linli.bak")  # the bot's engine is open
    assert made.revision == head_revision() and made.size > 0

    # Afterwards: a new request, Ann renamed, the audit log deleted; and a table the backup
    # never had (as a later migration would leave one).
    await ann_asks(linli.app.engine, clock, "A lift to the clinic")
    async with linli.app.session_factory() as s:
        await s.execute(update(User).where(User.telegram_id == ANN).values(display_name="X"))
        await s.execute(delete(AuditEvent))
        await s.commit()
    await linli.stop()
    await execute(database_url, "CREATE TABLE made_later (id INTEGER PRIMARY KEY)")
    changed = await contents(database_url)
    assert changed != kept

    with pytest.raises(BackupError, match=r"already holds data .* --force"):
        await restore(database_url, made.path)
    assert await contents(database_url) == changed  # refused: nothing touched

    restored = await restore(database_url, made.path, force=True)
    assert restored.revision == restored.now == head_revision()
    assert await contents(database_url) == kept

    await linli.start()  # the bot starts on the restored database
    ann = telegram.user(ANN, first_name="Ann", language_code="en")
    await ann.send_command("/myrequests")
    assert SOUP in ann.last.text and "clinic" not in ann.last.text
    await linli.stop()


async def test_a_backup_taken_during_writes_is_one_moment_of_the_database(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    engine = create_engine(database_url)
    from storage.db import create_session_factory

    async with create_session_factory(engine)() as s:
        await make_person(s, clock, ANN, UserRole.RESIDENT, name="Ann Lee")
        await s.commit()
    written = 0
    stop, wrote = asyncio.Event(), asyncio.Condition()

    async def keep_asking() -> None:
        nonlocal written
        while not stop.is_set():
            await ann_asks(engine, clock, f"Request {written + 1}")  # a request and its event
            async with wrote:
                written += 1
                wrote.notify_all()

    async def until_written(count: int) -> None:
        async with asyncio.timeout(30), wrote:
            await wrote.wait_for(lambda: written >= count)

    writer = asyncio.create_task(keep_asking())
    try:
        await until_written(20)
        for _ in range(50):  # until one backup overlapped a write (almost always the first)
            before = written
            made = await backup(database_url, tmp_path / "linli.bak")
            after = written
            if after > before:
                break
        await until_written(after + 20)  # and it goes on writing after the backup
    finally:
        stop.set()
        await writer
        await engine.dispose()
    assert after > before, "no write happened while the backup was taken"

    await restore(database_url, made.path, force=True)
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as s:
            descriptions = list(await s.scalars(select(HelpRequest.description)))
            events = await s.scalar(select(func.count()).select_from(RequestEvent))
    finally:
        await engine.dispose()
    # One moment: the first n requests, each with its event, nothing of a half-made one.
    count = len(descriptions)
    assert before <= count < written
    assert sorted(descriptions) == sorted(f"Request {n}" for n in range(1, count + 1))
    assert events == count


async def test_a_backup_from_a_newer_linli_is_refused(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "linli.bak"
    if make_url(database_url).get_backend_name() == "sqlite":
        await backup(database_url, path)
        with sqlite3.connect(path) as copy:
            copy.execute("UPDATE alembic_version SET version_num = '9999'")
        copy.close()
    else:
        await execute(database_url, "UPDATE alembic_version SET version_num = '9999'")
        await backup(database_url, path)
        await execute(database_url, f"UPDATE alembic_version SET version_num = '{head_revision()}'")
    await execute(database_url, "CREATE TABLE made_later (id INTEGER PRIMARY KEY)")
    before = await contents(database_url)

    with pytest.raises(BackupError, match=r"revision 9999, which this linli does not know"):
        await restore(database_url, path, force=True)
    assert await contents(database_url) == before


@pytest.fixture
def older_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database beside the test's own (whose SQLite file is in tmp_path)."""
    if backend == "sqlite":
        (tmp_path / "older").mkdir()
        return sqlite_url(tmp_path / "older")
    return str(request.getfixturevalue("empty_database_url"))


async def test_an_older_backup_is_migrated_up_after_restoring(
    older_url: str, database_url: str, tmp_path: Path
) -> None:
    older = create_engine(older_url)
    try:
        await upgrade_database(older, "0010")
    finally:
        await older.dispose()
    made = await backup(older_url, tmp_path / "linli.bak")
    assert made.revision == "0010"

    # The target was only migrated (no rows): not "holding data", so no --force needed.
    restored = await restore(database_url, made.path)
    assert (restored.revision, restored.now) == ("0010", head_revision())
    engine = create_engine(database_url)
    try:
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


def test_the_password_reaches_the_postgresql_tools_in_the_environment_only() -> None:
    args, env = _libpq("postgresql+asyncpg://linli:s3cr%40t@db.internal:5433/linli")
    assert "s3cr@t" not in " ".join(args) and "s3cr" not in " ".join(args)
    assert env["PGPASSWORD"] == "s3cr@t"
    assert args[args.index("--host") + 1] == "db.internal" and "--no-password" in args


def test_linli_backup_and_restore_as_an_operator_runs_them(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "REDIS"))}
    env["DATA_DIR"] = str(tmp_path / "data")
    made = linli("admin", "create-invite", env=env, cwd=tmp_path)  # a row: the database holds data
    assert made.returncode == 0, made.stderr
    copy = tmp_path / "linli.bak"

    backed_up = linli("backup", str(copy), env=env, cwd=tmp_path)
    assert backed_up.returncode == 0, backed_up.stderr
    assert f"(schema revision {head_revision()}) to {copy}" in backed_up.stdout

    refused = linli("restore", str(copy), env=env, cwd=tmp_path)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
    told = "already holds data (audit_events, invites); stop the bot, then run "
    assert f"{told}`linli restore --force {copy}` to replace it" in refused.stderr
    restored = linli("restore", "--force", str(copy), env=env, cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert f"from {copy} (schema revision {head_revision()})" in restored.stdout

    itself = tmp_path / "data" / "linli.sqlite3"
    onto_itself = linli("backup", str(itself), env=env, cwd=tmp_path)
    assert onto_itself.returncode == 1 and "is the database itself" in onto_itself.stderr
    assert linli("restore", str(copy), env=env, cwd=tmp_path).returncode == 1  # still whole
    missing = linli("restore", str(tmp_path / "nothing.bak"), env=env, cwd=tmp_path)
    assert missing.returncode == 1 and "nothing.bak: no such backup file" in missing.stderr


async def test_a_restore_forgets_the_conversations_in_progress_in_redis(
    database_url: str, tmp_path: Path
) -> None:
    """Someone half-way through a step in Redis, beside a database restored from before it,
    would be answered as if mid-conversation: the bot's keys go; another bot's stay."""
    from tests.e2e.test_redis import REDIS_URL, _redis_or_skip

    client: Any = await _redis_or_skip()
    bot_id = secrets.randbelow(10**9) + 10**9  # its own keys: the other backend's run is beside
    ours, theirs = (
        f"fsm:{bot_id}:7001:7001:default:state",
        f"fsm:{bot_id + 1}:7001:7001:default:state",
    )
    try:
        await client.set(ours, "RequestFlow:describe")
        await client.set(theirs, "SomeOtherBot:step")
        path = tmp_path / "linli.bak"
        await backup(database_url, path)
        done = await restore_and_forget(
            database_url, path, force=True, redis_url=REDIS_URL, bot_id=bot_id
        )
        assert done.conversations_forgotten == 1
        assert await client.get(ours) is None
        assert await client.get(theirs) == b"SomeOtherBot:step"
    finally:
        await client.delete(ours, theirs)
        await client.aclose()
