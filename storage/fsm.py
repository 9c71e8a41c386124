"""aiogram FSM storage kept in the database, so a conversation survives a restart."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
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
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import current_session
from storage.models import FsmState


class DatabaseStorage(BaseStorage):
    """FSM state and data in the `fsm_states` table.

    Inside an update the writes join that update's transaction (see `current_session`), so the
    conversation step and the data it produced are committed or rolled back together.
    """

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

    async def _upsert(self, key: StorageKey, values: dict[str, Any]) -> None:
        """Store a state or data. A finished conversation leaves no row behind (its key holds
        the Telegram id): setting a value that can leave the row empty (no state, no data)
        changes the row if there is one and removes it if nothing is left; any other value is
        one upsert, which leaves a row that cannot be empty (one statement, not two)."""
        built = self._key_builder.build(key)
        now = datetime.now(UTC)
        async with self._session() as session:
            if values in ({"state": None}, {"data": "{}"}):
                await session.execute(
                    update(FsmState).where(FsmState.key == built).values(updated_at=now, **values)
                )
                await session.execute(
                    delete(FsmState).where(
                        FsmState.key == built, FsmState.state.is_(None), FsmState.data == "{}"
                    )
                )
                return
            row = {"key": built, "chat_id": key.chat_id, "user_id": key.user_id, "updated_at": now}
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = insert(FsmState).values(**{"data": "{}", "state": None, **row, **values})
            statement = statement.on_conflict_do_update(
                index_elements=[FsmState.key],
                set_={name: statement.excluded[name] for name in ("updated_at", *values)},
            )
            await session.execute(statement)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._upsert(key, {"state": value})

    async def get_state(self, key: StorageKey) -> str | None:
        async with self._session() as session:
            return await session.scalar(
                select(FsmState.state).where(FsmState.key == self._key_builder.build(key))
            )

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._upsert(key, {"data": json.dumps(dict(data), ensure_ascii=False)})

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._session() as session:
            raw = await session.scalar(
                select(FsmState.data).where(FsmState.key == self._key_builder.build(key))
            )
        return json.loads(raw) if raw else {}

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
