"""The probes behind /healthz: can the bot open its database now, does Redis answer, how far
behind are the scheduler and the outbox. Each probe has a short timeout of its own, and none
runs inside another transaction."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from storage.repositories import outbox as outbox_queries


def _reason(error: BaseException) -> str:
    """The error's type and first line (connection errors: no personal details in them)."""
    detail = str(getattr(error, "orig", None) or error).strip().split("\n", 1)[0]
    return f"{type(error).__name__}: {detail[:160]}" if detail else type(error).__name__


def probe_engine(url: str) -> AsyncEngine:
    """A connection opened afresh for each probe (the pool's open connections would go on
    answering from an SQLite file that was deleted); an SQLite file must exist, not be made."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = quote(parsed.database, safe="/:")  # a URI filename: "?", "#", "%" escaped
        parsed = parsed.set(database=f"file:{path}", query={"mode": "rw", "uri": "true"})
    return create_async_engine(parsed, poolclass=NullPool, hide_parameters=True)


@dataclass
class Check:
    ok: bool
    seconds: float
    error: str | None = None
    values: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"ok": self.ok, "seconds": round(self.seconds, 4)}
        if self.error:
            shown["error"] = self.error
        return shown | self.values


async def check_database(engine: AsyncEngine, timeout: float) -> Check:  # noqa: ASYNC109
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except TimeoutError:
        return Check(False, time.perf_counter() - started, f"no answer within {timeout:g}s")
    except Exception as error:  # noqa: BLE001 - any failure is the answer
        return Check(False, time.perf_counter() - started, _reason(error))
    return Check(True, time.perf_counter() - started)


async def check_redis(redis: Any, timeout: float) -> Check:  # noqa: ASYNC109
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            await redis.ping()
    except TimeoutError:
        return Check(False, time.perf_counter() - started, f"no answer within {timeout:g}s")
    except Exception as error:  # noqa: BLE001 - any failure is the answer
        return Check(False, time.perf_counter() - started, _reason(error))
    return Check(True, time.perf_counter() - started)


@dataclass(frozen=True)
class OutboxReading:
    depth: dict[str, int]
    oldest_waiting_seconds: float | None


async def read_outbox(
    session_factory: async_sessionmaker[AsyncSession],
    now: datetime,
    timeout: float,  # noqa: ASYNC109
) -> OutboxReading:
    """Depth and the oldest waiting age, in a short session of their own."""
    async with asyncio.timeout(timeout), session_factory() as session:
        depth = await outbox_queries.depth(session)
        since = await outbox_queries.oldest_waiting_since(session, now)
    age = None if since is None else max(0.0, (now - since).total_seconds())
    return OutboxReading(depth, age)
