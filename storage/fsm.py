"""aiogram FSM storage kept in the database, so a conversation survives a restart.

An update reads its conversation once (state and data in one query) and writes it at most once:
while an update holds its conversation's lock (`ConversationIsolation`) the row is remembered,
a write that changes nothing is skipped, and the update's writes wait for its commit, where
they become one statement (an upsert, or a delete when nothing is left)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)
from aiogram.fsm.storage.memory import SimpleEventIsolation
from sqlalchemy import delete, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, SessionTransaction

from storage.db import current_session
from storage.models import FsmState

EMPTY_DATA = "{}"


@dataclass
class _Conversation:
    """One conversation as an update sees it: the row as stored (`stored`: there is a row),
    and what the update set since (`dirty`: to be written at its commit)."""

    key: StorageKey
    built: str
    state: str | None = None
    data: str = EMPTY_DATA
    stored: bool = False
    known: bool = False  # read (or written) in this update
    dirty: bool = False

    @property
    def empty(self) -> bool:
        return self.state is None and self.data == EMPTY_DATA


_held: ContextVar[tuple[StorageKey, list[_Conversation]] | None] = ContextVar(
    "linli_fsm_held", default=None
)
"""The conversation whose lock this update holds, remembered for the length of the update."""


class ConversationIsolation(SimpleEventIsolation):
    """aiogram's per-conversation lock (one person's updates one at a time), which also lets
    `DatabaseStorage` remember that conversation while the lock is held: nobody else writes
    it meanwhile. With `session_factory`, the update's session is opened here, so that the
    conversation is read in it (aiogram reads it before our middlewares run); the session
    middleware takes it over and commits it (`bot.middlewares.db`)."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession] | None = None) -> None:
        super().__init__()
        self._session_factory = session_factory

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncIterator[None]:
        async with super().lock(key):
            token = _held.set((key, []))
            try:
                if self._session_factory is None:
                    yield
                    return
                async with self._session_factory() as session:
                    session_token = current_session.set(session)
                    try:
                        yield
                    finally:
                        current_session.reset(session_token)
            finally:
                _held.reset(token)


def _remembered(key: StorageKey) -> list[_Conversation] | None:
    held = _held.get()
    return held[1] if held is not None and held[0] == key else None


def forget_remembered() -> None:
    """The conversations table was changed behind the storage (erasure): read it again."""
    held = _held.get()
    if held is not None:
        held[1].clear()


_PENDING = "linli_fsm_pending"


def _pending(session: AsyncSession) -> dict[str, _Conversation]:
    """The conversations this session writes at its commit; the first one hooks the session's
    commit and rollback."""
    pending: dict[str, _Conversation] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = {}
        sync_session = session.sync_session
        event.listen(sync_session, "before_commit", _write_before_commit)
        event.listen(sync_session, "after_soft_rollback", _drop_after_rollback)
    return pending


def has_pending_writes(session: AsyncSession) -> bool:
    """The update set its conversation and has not committed it yet (nothing else may be in
    its transaction: the write waits for the commit)."""
    return bool(session.info.get(_PENDING))


def _statements(session: Session, conversations: list[_Conversation]) -> list[Any]:
    now = datetime.now(UTC)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statements: list[Any] = []
    for conversation in conversations:
        if conversation.empty:  # a finished conversation leaves no row behind
            if conversation.stored:
                statements.append(delete(FsmState).where(FsmState.key == conversation.built))
            continue
        key = conversation.key
        statement = insert(FsmState).values(
            key=conversation.built, chat_id=key.chat_id, user_id=key.user_id,
            state=conversation.state, data=conversation.data, updated_at=now,
        )  # fmt: skip
        statements.append(
            statement.on_conflict_do_update(
                index_elements=[FsmState.key],
                set_={name: statement.excluded[name] for name in ("state", "data", "updated_at")},
            )
        )
    return statements


def _written(conversations: list[_Conversation]) -> None:
    for conversation in conversations:
        conversation.stored = not conversation.empty
        conversation.dirty = False


_HOLD = "linli_fsm_hold"


@contextmanager
def holding_conversation_writes(session: AsyncSession) -> Iterator[None]:
    """A commit made meanwhile leaves the conversation's writes for the next one."""
    session.info[_HOLD] = True
    try:
        yield
    finally:
        session.info.pop(_HOLD, None)


def _write_before_commit(session: Session) -> None:
    """The update's conversation writes, as the last statements of its transaction (this runs
    inside SQLAlchemy's greenlet, so the sync session may execute)."""
    if session.info.get(_HOLD):
        return
    pending: dict[str, _Conversation] = session.info.get(_PENDING) or {}
    conversations = [conversation for conversation in pending.values() if conversation.dirty]
    pending.clear()
    for statement in _statements(session, conversations):
        session.execute(statement)
    _written(conversations)


def _drop_after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    """Rolled back: the writes go with the rest, and what was remembered may be untrue (a
    savepoint's rollback keeps them: handlers do not set a conversation inside one)."""
    if previous_transaction.nested:
        return
    pending: dict[str, _Conversation] = session.info.get(_PENDING) or {}
    for conversation in pending.values():
        conversation.known = conversation.dirty = False
    pending.clear()


async def settle_conversations(session: AsyncSession) -> None:
    """Write what the update set now and forget what was remembered: for code that reads or
    changes the conversations table itself (erasure)."""
    pending: dict[str, _Conversation] = session.info.get(_PENDING) or {}
    conversations = [conversation for conversation in pending.values() if conversation.dirty]
    pending.clear()
    for statement in _statements(session.sync_session, conversations):
        await session.execute(statement)
    _written(conversations)
    forget_remembered()


class DatabaseStorage(BaseStorage):
    """FSM state and data in the `fsm_states` table.

    Inside an update the writes join that update's transaction (see `current_session`), so the
    conversation step and the data it produced are committed or rolled back together."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        key_builder: KeyBuilder | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._key_builder = key_builder or DefaultKeyBuilder(with_bot_id=True, with_destiny=True)

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        session = current_session.get()
        if session is not None:
            yield session
            return
        async with self._session_factory() as own_session:
            yield own_session
            await own_session.commit()

    async def _conversation(self, key: StorageKey) -> _Conversation:
        """The conversation as stored (one query for state and data), or as this update last
        saw or set it: while it holds the lock, or while its write waits for the commit."""
        remembered = _remembered(key)
        if remembered and remembered[0].known:
            return remembered[0]
        built = self._key_builder.build(key)
        session = current_session.get()
        waiting = session.info.get(_PENDING, {}).get(built) if session is not None else None
        if waiting is not None:
            return waiting
        conversation = _Conversation(key=key, built=built)
        async with self._session() as session:
            row = (
                await session.execute(
                    select(FsmState.state, FsmState.data).where(FsmState.key == built)
                )
            ).first()
        if row is not None:
            conversation.state, conversation.data = row.state, row.data or EMPTY_DATA
            conversation.stored = True
        conversation.known = True
        if remembered is not None:
            remembered[:] = [conversation]
        return conversation

    async def _set(self, conversation: _Conversation, state: str | None, data: str) -> None:
        if (conversation.state, conversation.data) == (state, data):
            return  # nothing changes
        conversation.state, conversation.data = state, data
        session = current_session.get()
        if session is not None:  # in an update: written once, at its commit
            conversation.dirty = True
            _pending(session)[conversation.built] = conversation
            return
        async with self._session() as own_session:
            for statement in _statements(own_session.sync_session, [conversation]):
                await own_session.execute(statement)
        _written([conversation])

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        conversation = await self._conversation(key)
        await self._set(conversation, value, conversation.data)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._conversation(key)).state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        conversation = await self._conversation(key)
        await self._set(
            conversation, conversation.state, json.dumps(dict(data), ensure_ascii=False)
        )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        raw = (await self._conversation(key)).data
        return json.loads(raw) if raw else {}  # a fresh dict each time: callers change theirs

    async def close(self) -> None:
        """The engine is owned and disposed by the application, not by the storage."""


async def forget_in_redis(
    redis: Any, telegram_user_id: int, redact: Callable[[Any], tuple[Any, bool]]
) -> None:
    """Someone deleted their data and conversations live in Redis (keys
    `fsm:<bot>:<chat>[:<thread>]:<user>:<destiny>:<part>`): every key of theirs, in any chat,
    goes; the data of others' conversations loses what `redact` takes out."""
    async for raw_key in redis.scan_iter(match="fsm:*", count=500):
        key = raw_key.decode() if isinstance(raw_key, bytes) else str(raw_key)
        parts = key.split(":")
        if parts[-1] not in ("state", "data"):
            continue  # a lock: held while this very update is handled, and it holds nothing
        if len(parts) >= 5 and parts[-3] == str(telegram_user_id):
            await redis.delete(raw_key)
        elif parts[-1] == "data":
            raw = await redis.get(raw_key)
            if raw is None:
                continue
            data = json.loads(raw)
            redacted, _about = redact(data)
            if redacted != data:
                await redis.set(raw_key, json.dumps(redacted, ensure_ascii=False), keepttl=True)


async def forget_conversations(
    storage: BaseStorage, telegram_id: int, redact: Callable[[Any], tuple[Any, bool]]
) -> None:
    """Conversations kept outside the database (Redis) forget the person too: theirs go, and
    others' lose what quotes them. The database storage was cleared with the rest."""
    if not isinstance(storage, DatabaseStorage):
        await forget_in_redis(getattr(storage, "redis"), telegram_id, redact)  # noqa: B009
