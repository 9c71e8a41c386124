"""Storage on SQLite and PostgreSQL: migrations, the UTC type, the conversation storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import event, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import create_engine, current_session
from storage.fsm import ConversationIsolation, DatabaseStorage
from storage.migrate import current_revision, head_revision, upgrade_database
from storage.models import User

# On PostgreSQL too: storage itself.
pytestmark = pytest.mark.postgresql


def _user(at: datetime, telegram_id: int = 1) -> User:
    return User(telegram_id=telegram_id, timezone="Asia/Shanghai", created_at=at, updated_at=at)


async def test_migrations_reach_head_and_can_run_again(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        assert await current_revision(engine) is None
        await upgrade_database(engine)
        assert await current_revision(engine) == head_revision()
        await upgrade_database(engine)  # a second start changes nothing
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_sqlite_pragmas_are_set(tmp_path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'sub' / 'x.db'}")
    async with engine.connect() as connection:
        assert (await connection.scalar(text("PRAGMA journal_mode"))) == "wal"
        assert (await connection.scalar(text("PRAGMA foreign_keys"))) == 1
        assert (await connection.scalar(text("PRAGMA busy_timeout"))) >= 5000
    await engine.dispose()


async def test_datetimes_come_back_aware_in_utc(session: AsyncSession) -> None:
    shanghai = timezone(timedelta(hours=8))
    session.add(_user(datetime(2026, 1, 1, 8, 0, tzinfo=shanghai)))
    await session.commit()
    session.expunge_all()
    user = await session.scalar(select(User))
    assert user is not None
    assert user.created_at == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    assert user.created_at.utcoffset() == timedelta(0)


async def test_naive_datetimes_are_refused(session: AsyncSession) -> None:
    session.add(_user(datetime(2026, 1, 1, 8, 0)))
    with pytest.raises(StatementError, match="naive datetime"):
        await session.commit()


async def test_conversation_state_survives_a_new_storage(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    key = StorageKey(bot_id=42, chat_id=7, user_id=7)
    first = DatabaseStorage(session_factory)
    await first.set_state(key, "Onboarding:name")
    await first.set_data(key, {"role": "resident", "name": "王阿姨"})

    second = DatabaseStorage(session_factory)  # as after a restart
    assert await second.get_state(key) == "Onboarding:name"
    assert await second.get_data(key) == {"role": "resident", "name": "王阿姨"}
    assert await second.get_state(StorageKey(bot_id=42, chat_id=8, user_id=8)) is None


async def test_finished_conversation_leaves_no_row(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    storage = DatabaseStorage(session_factory)
    key = StorageKey(bot_id=42, chat_id=7, user_id=7)
    await storage.set_state(key, "Onboarding:name")
    await storage.set_data(key, {"name": "x"})
    await storage.set_state(key, None)
    await storage.set_data(key, {})
    async with session_factory() as session:
        assert (await session.execute(text("SELECT count(*) FROM fsm_states"))).scalar() == 0


async def test_emptying_one_half_keeps_the_other_and_no_row_is_made_for_nothing(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    storage = DatabaseStorage(session_factory)
    key = StorageKey(bot_id=42, chat_id=7, user_id=7)
    await storage.set_state(key, None)  # a conversation cleared that never began
    await storage.set_data(key, {})

    async def rows() -> int:
        async with session_factory() as session:
            return int((await session.execute(text("SELECT count(*) FROM fsm_states"))).scalar())

    assert await rows() == 0
    await storage.set_state(key, "Asking:words")
    await storage.set_data(key, {"kind": "shopping"})
    await storage.set_data(key, {})
    assert await storage.get_state(key) == "Asking:words" and await rows() == 1
    assert await storage.get_data(key) == {}
    await storage.set_data(key, {"kind": "meals"})
    await storage.set_state(key, None)
    assert await storage.get_data(key) == {"kind": "meals"} and await rows() == 1
    assert await storage.get_state(key) is None


async def test_conversation_writes_join_the_update_transaction(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """A failed update rolls back its conversation step together with its data."""
    storage = DatabaseStorage(session_factory)
    key = StorageKey(bot_id=42, chat_id=9, user_id=9)
    await storage.set_state(key, "Onboarding:name")
    async with session_factory() as session:
        token = current_session.set(session)
        try:
            await storage.set_state(key, "Onboarding:phone")
            assert await storage.get_state(key) == "Onboarding:phone"
            await session.rollback()
        finally:
            current_session.reset(token)
    assert await storage.get_state(key) == "Onboarding:name"


async def test_an_update_reads_its_conversation_once_and_writes_it_once_at_commit(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """What aiogram's FSM does in one update (read the state, clear, set a step, add data)
    costs one read and one write; an update that only looks (clears an empty conversation, as
    "📋 My requests" does) writes nothing; a rolled-back update leaves the step as it was."""
    storage, isolation = DatabaseStorage(session_factory), ConversationIsolation()
    key = StorageKey(bot_id=42, chat_id=11, user_id=11)
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "fsm_states" in statement:
            statements.append(statement.split()[0])

    async def update(*steps: str, fail: bool = False) -> None:
        async with isolation.lock(key):
            await storage.get_state(key)  # aiogram's raw_state, before the update's session
            async with session_factory() as session:
                token = current_session.set(session)
                try:
                    for step in steps:
                        if step == "clear":
                            await storage.set_state(key, None)
                            await storage.set_data(key, {})
                        else:
                            await storage.set_state(key, step)
                            data = await storage.get_data(key)
                            await storage.set_data(key, {**data, "step": step})
                    expected = None if steps[-1] == "clear" else steps[-1]
                    assert await storage.get_state(key) == expected
                    if fail:
                        await session.rollback()
                    else:
                        await session.commit()
                finally:
                    current_session.reset(token)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        await update("clear")
        assert statements == ["SELECT"]  # nothing to clear: no write
        statements.clear()
        await update("clear", "Asking:kind")
        assert statements == ["SELECT", "INSERT"]
        statements.clear()
        await update("Asking:words", fail=True)
        assert statements == ["SELECT"]
        assert await storage.get_state(key) == "Asking:kind"
        assert await storage.get_data(key) == {"step": "Asking:kind"}
        statements.clear()
        await update("clear")
        assert statements == ["SELECT", "DELETE"]
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    async with session_factory() as session:
        assert (await session.execute(text("SELECT count(*) FROM fsm_states"))).scalar() == 0
