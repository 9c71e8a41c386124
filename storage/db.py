"""Engine and session factory: one place that knows how to open the database."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.util import await_only

SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_POOL_SIZE, SQLITE_POOL_OVERFLOW = 10, 90
POSTGRES_CONNECTIONS = 50
"""At most this many PostgreSQL connections a process (SQLAlchemy's 5 + 10 made updates queue
for a connection at 50 updates/s: p99 3.5 s, against 0.27 s with 20 + 30)."""
WRITE_QUEUE_TIMEOUT_S = 30.0
"""How long a writer of this process waits for its turn before giving up: longer than SQLite's
busy_timeout (meant for other processes), since this queue is fair and a turn comes."""

_READ_ONLY = re.compile(r"^\s*(SELECT|PRAGMA|EXPLAIN)\b", re.IGNORECASE)


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    """WAL lets readers work while one writer writes; busy_timeout waits instead of failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class SqliteWriteQueue:
    """The writers of this process take turns, first come first served, before SQLite sees them.

    SQLite has one writer at a time, and a connection that finds the database busy polls it with
    growing sleeps (up to 100 ms): under a crowd the lock sits free between polls while dozens
    wait, the newest can overtake the oldest, and some give up with "database is locked" when
    busy_timeout ends although the lock was mostly idle. Here a connection queues (an asyncio
    lock, FIFO) when it is about to write for the first time in its transaction and leaves the
    queue when that transaction ends, so SQLite's own lock is free whenever a turn comes. Reads
    do not queue (in WAL they never wait for the writer); pysqlite runs them outside any
    transaction until the first write begins one, so a writer never holds an old snapshot.
    Other processes (`linli admin`, a second bot) still meet SQLite's busy_timeout."""

    KEY = "linli_write_turn"

    def __init__(self, timeout: float = WRITE_QUEUE_TIMEOUT_S) -> None:
        self.timeout = timeout
        # One queue per event loop (an engine may outlive a test's loop; an asyncio lock
        # belongs to one loop).
        self._locks: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            WeakKeyDictionary()
        )

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    def install(self, engine: AsyncEngine) -> None:
        sync_engine = engine.sync_engine
        event.listen(sync_engine, "before_cursor_execute", self._before_execute)
        for name in ("commit", "rollback"):
            event.listen(sync_engine, name, self._transaction_ended)
        pool = sync_engine.pool
        event.listen(pool, "reset", self._connection_returned)  # returned mid-write
        event.listen(pool, "close", self._connection_done)
        event.listen(pool, "invalidate", self._connection_done)

    def _before_execute(self, conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if conn.info.get(self.KEY) or _READ_ONLY.match(statement):
            return
        # Runs inside SQLAlchemy's greenlet, so it may await; the lock is the one of this loop.
        conn.info[self.KEY] = await_only(self._take_turn())

    async def _take_turn(self) -> asyncio.Lock:
        lock = self._lock()
        try:
            await asyncio.wait_for(lock.acquire(), self.timeout)
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked (queued for too long)") from None
        return lock

    def _transaction_ended(self, conn: Connection) -> None:
        self._release(conn.info)

    def _connection_returned(self, _dbapi_connection: Any, record: Any, _state: Any) -> None:
        self._connection_done(_dbapi_connection, record)

    def _connection_done(self, _dbapi_connection: Any, record: Any, *_args: Any) -> None:
        if record is not None:
            self._release(record.info)

    def _release(self, info: dict[Any, Any]) -> None:
        lock: asyncio.Lock | None = info.pop(self.KEY, None)
        if lock is not None and lock.locked():
            lock.release()


_WROTE = "linli_wrote"


def _note_write(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    if not _READ_ONLY.match(statement):
        conn.info[_WROTE] = True


def _transaction_over(conn: Connection) -> None:
    conn.info.pop(_WROTE, None)


def _track_writes(engine: AsyncEngine) -> None:
    """Whether the open transaction of a connection has written anything (see `has_written`)."""
    sync_engine = engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", _note_write)
    for name in ("commit", "rollback"):
        event.listen(sync_engine, name, _transaction_over)


async def has_written(session: AsyncSession) -> bool:
    """The session's transaction holds changes: written, or waiting for its flush."""
    if session.new or session.deleted:
        return True
    if any(session.is_modified(instance) for instance in session.dirty):  # not just touched
        return True
    if not session.in_transaction():
        return False
    connection = await session.connection()
    return bool(connection.sync_connection.info.get(_WROTE)) if connection.sync_connection else True


def create_engine(url: str, *, connections: int | None = None, **kwargs: Any) -> AsyncEngine:
    """Create the async engine; for SQLite make sure the folder exists and set the pragmas.

    Statement parameters are never written into errors or logs (`hide_parameters`): an
    IntegrityError would otherwise print the phone number or address it was inserting.
    `connections`: PostgreSQL's most per process (`POSTGRES_CONNECTIONS`), two fifths kept open."""
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # Writers wait for their turn holding a connection: enough connections that the
        # updates which only read (most button presses, whose answer is due within seconds)
        # never wait behind them for one. Each is a thread and an SQLite handle, cheap.
        kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
        kwargs.setdefault("max_overflow", SQLITE_POOL_OVERFLOW)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        SqliteWriteQueue().install(engine)
        _track_writes(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    most = connections or POSTGRES_CONNECTIONS
    kwargs.setdefault("pool_size", max(1, most * 2 // 5))
    kwargs.setdefault("max_overflow", most - kwargs["pool_size"])
    engine = create_async_engine(url, **kwargs)
    _track_writes(engine)
    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions keep loaded objects usable after commit, since handlers render them afterwards."""
    return async_sessionmaker(engine, expire_on_commit=False)


current_session: ContextVar[AsyncSession | None] = ContextVar("linli_current_session", default=None)
"""The session of the update being handled, so storage helpers (the FSM storage) join its
transaction instead of opening a second writer, which SQLite would make wait on the first."""
