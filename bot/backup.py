"""`linli backup PATH` and `linli restore PATH`: the whole database in one file, and back.

SQLite is copied with its online backup API in one step: one read snapshot, so the copy is
consistent while the bot keeps writing (WAL lets it). PostgreSQL is copied with `pg_dump -Fc`
(one snapshot too) and put back with `pg_restore` piped into `psql` in a single transaction that
first drops and recreates the schema: the result is exactly the backup (a plain
`pg_restore --clean` would leave tables that later migrations made), or, on any error, the
database as it was. The password goes to the PostgreSQL tools in PGPASSWORD, never on their
command line, where `ps` would show it.

A restore refuses to replace a database that holds data unless forced, refuses a backup whose
schema revision this code does not know (made by a newer linli), and migrates an older one up.
On PostgreSQL the user of DATABASE_URL must own the schema `public` (the database's owner does).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Connection, make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
VERSION_TABLE = "alembic_version"
BUSY_TIMEOUT_S = 30.0
POSTGRES_TOOLS_HINT = "install the PostgreSQL client tools (Debian: apt install postgresql-client)"


class BackupError(Exception):
    """A backup or restore cannot go on; the message is one line for the operator."""


@dataclass(frozen=True)
class Backup:
    path: Path
    revision: str
    size: int


@dataclass(frozen=True)
class Restored:
    path: Path
    revision: str  # the backup's
    now: str  # the database's after migrating
    conversations_forgotten: int | None = None  # in Redis; None: not asked to look


def describe(url: str) -> str:
    """The database, named for a message: the SQLite file, or the server without password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite database {parsed.database}"
    return "PostgreSQL database " + parsed.set(drivername="postgresql").render_as_string(
        hide_password=True
    )


def _known_revisions() -> set[str]:
    """Every schema revision this code knows (an older one it can migrate up from)."""
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config()).walk_revisions()
    return {script.revision for script in scripts}


def check_revision(revision: str | None, path: Path) -> str:
    """The backup's revision if this code can run on it (now or after migrating up)."""
    from storage.migrate import head_revision

    if revision is None:
        raise BackupError(f"{path} has no schema revision ({VERSION_TABLE}): not a linli backup")
    if revision not in _known_revisions():
        raise BackupError(
            f"{path} is at schema revision {revision}, which this linli does not know (it knows "
            f"up to {head_revision()}): it was made by a newer linli; upgrade linli, then restore"
        )
    return revision


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("DATABASE_URL: an in-memory SQLite database cannot be backed up")
    return Path(database)


def _kind_of(path: Path) -> str:
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is neither an SQLite backup nor a pg_dump archive")


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S)
    connection.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    return connection


def _sqlite_revision(path: Path) -> str | None:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        row = connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
    except sqlite3.DatabaseError:
        return None
    finally:
        connection.close()
    return row[0] if row else None


def _sqlite_backup(database: Path, path: Path) -> str | None:
    """Copy in one step (pages=-1: one read snapshot) to PATH.partial, then rename: PATH is
    never half written. The copy is made self-contained (no -wal file beside it)."""
    if not database.is_file():
        raise BackupError(f"no database at {database}: nothing to back up")
    if path.resolve() == database.resolve():
        raise BackupError(f"{path} is the database itself: write the backup somewhere else")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    source, copy = _connect(database), sqlite3.connect(str(partial))
    try:
        source.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode=DELETE")
        tables = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        revision = None
        if copy.execute(tables, (VERSION_TABLE,)).fetchone():
            revision = copy.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
    except sqlite3.OperationalError as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"cannot back up {database}: {error}") from None
    finally:
        copy.close()
        source.close()
    with partial.open("rb") as file:
        os.fsync(file.fileno())
    os.replace(partial, path)
    return revision[0] if revision else None


def _sqlite_restore(path: Path, database: Path) -> None:
    """The backup API again, the other way: it replaces the database in one transaction."""
    if path.resolve() == database.resolve():
        raise BackupError(f"{path} is the database itself, not a backup of it")
    database.parent.mkdir(parents=True, exist_ok=True)
    source, target = (
        sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True),
        _connect(database),
    )
    try:
        source.backup(target, pages=-1)
    except sqlite3.OperationalError as error:
        raise BackupError(f"cannot restore into {database}: {error}") from None
    finally:
        target.close()
        source.close()


def _libpq(url: str) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump, pg_restore and psql; the password in the environment."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    ssl = parsed.query.get("sslmode") or parsed.query.get("ssl")
    if isinstance(ssl, str) and ssl:
        env["PGSSLMODE"] = {"true": "require", "false": "disable"}.get(ssl.lower(), ssl)
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c client_min_messages=warning".strip()
    args = ["--host", parsed.host or "127.0.0.1", "--port", str(parsed.port or 5432)]
    if parsed.username:
        args += ["--username", parsed.username]
    return [*args, "--no-password", "--dbname", parsed.database or "postgres"], env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: {POSTGRES_TOOLS_HINT}")
    return found


def _failed(tool: str, stderr: bytes | str) -> BackupError:
    if isinstance(stderr, bytes):
        stderr = stderr.decode(errors="replace")
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    return BackupError(f"{tool} failed: {lines[0] if lines else 'no message'}")


def _pg_backup(url: str, path: Path) -> None:
    args, env = _libpq(url)
    partial = path.with_name(path.name + ".partial")
    command = [_tool("pg_dump"), "--format=custom", f"--file={partial}", *args]
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise _failed("pg_dump", done.stderr)
    os.replace(partial, path)


def _pg_dump_revision(path: Path) -> str | None:
    """The revision inside a pg_dump archive: its alembic_version rows, read by pg_restore."""
    command = [
        _tool("pg_restore"),
        "--data-only",
        f"--table={VERSION_TABLE}",
        "--file=-",
        str(path),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise _failed("pg_restore", done.stderr)
    rows: list[str] = []
    copying = False
    for line in done.stdout.splitlines():
        if line.startswith("COPY ") and VERSION_TABLE in line:
            copying = True
        elif copying and line == "\\.":
            break
        elif copying and line:
            rows.append(line.strip())
    return rows[0] if rows else None


def _pg_restore(path: Path, url: str) -> None:
    """pg_restore writes the archive as SQL; psql runs it after dropping and recreating the
    schema, all in one transaction with ON_ERROR_STOP (so an error leaves the old database)."""
    args, env = _libpq(url)
    restore_command = [
        *(_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(path)),
    ]
    psql_command = [
        *(_tool("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1"),
        *("--single-transaction", "--command=DROP SCHEMA IF EXISTS public CASCADE"),
        *("--command=CREATE SCHEMA public", "--command=GRANT USAGE ON SCHEMA public TO PUBLIC"),
        *("--file=-", *args),
    ]
    with subprocess.Popen(restore_command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as dump:
        assert dump.stdout is not None
        sql = subprocess.run(
            psql_command, stdin=dump.stdout, env=env, capture_output=True, check=False
        )
        dump.stdout.close()
        dump_errors = dump.stderr.read() if dump.stderr else b""
        dump.wait()
    if dump.returncode != 0:
        raise _failed("pg_restore", dump_errors)
    if sql.returncode != 0:
        raise _failed("psql", sql.stderr)


def _tables_with_rows(connection: Connection) -> list[str]:
    names = [name for name in inspect(connection).get_table_names() if name != VERSION_TABLE]
    quote = connection.dialect.identifier_preparer.quote
    # A database only migrated holds the first community (migration 0012) and nothing else.
    beyond = {"communities": " WHERE id <> 1"}
    return [
        name
        for name in sorted(names)
        if connection.execute(
            text(f"SELECT 1 FROM {quote(name)}{beyond.get(name, '')} LIMIT 1")
        ).first()
        is not None
    ]


async def _holds_data(url: str) -> list[str]:
    """The tables of the target database that hold rows (a database only migrated holds none)."""
    from storage.db import create_engine

    sqlite = make_url(url).get_backend_name() == "sqlite"
    if sqlite and not await asyncio.to_thread(_sqlite_file(url).exists):
        return []
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_tables_with_rows)
    finally:
        await engine.dispose()


def _backup(url: str, path: Path) -> Backup:
    path = path.expanduser()
    if path.is_dir():
        raise BackupError(f"{path} is a folder: give the backup file's name, e.g. {path}/linli.bak")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent}: no such folder")
    if make_url(url).get_backend_name() == "sqlite":
        revision = _sqlite_backup(_sqlite_file(url), path)
    else:
        _pg_backup(url, path)
        revision = _pg_dump_revision(path)
    if revision is None:
        path.unlink(missing_ok=True)
        raise BackupError(f"{describe(url)} has no schema yet: run `linli db upgrade` first")
    return Backup(path=path, revision=revision, size=path.stat().st_size)


async def backup(url: str, path: Path) -> Backup:
    """Copy the database at `url` into the file `path` (replaced if it exists). The copying runs
    in a thread, so a bot in this process goes on answering (and writing) meanwhile."""
    return await asyncio.to_thread(_backup, url, path)


def _backup_revision(url: str, path: Path) -> str:
    """The schema revision of the backup, once it is known to fit the database and the code."""
    kind, backend = _kind_of(path), make_url(url).get_backend_name()
    if kind != backend:
        raise BackupError(
            f"{path} is {'a PostgreSQL' if kind == 'postgresql' else 'an SQLite'} backup, but "
            f"DATABASE_URL points at {'PostgreSQL' if backend == 'postgresql' else 'SQLite'}"
        )
    reader = _sqlite_revision if kind == "sqlite" else _pg_dump_revision
    return check_revision(reader(path), path)


def _replace(url: str, path: Path) -> None:
    if make_url(url).get_backend_name() == "sqlite":
        _sqlite_restore(path, _sqlite_file(url))
    else:
        _pg_restore(path, url)


async def restore(url: str, path: Path, *, force: bool = False) -> Restored:
    """Replace the database at `url` with the backup `path`, then migrate it to this code."""
    from storage.db import create_engine
    from storage.migrate import current_revision, upgrade_database

    path = await asyncio.to_thread(path.expanduser)
    revision = await asyncio.to_thread(_backup_revision, url, path)
    if not force and (tables := await _holds_data(url)):
        shown = ", ".join(tables[:3]) + (", ..." if len(tables) > 3 else "")
        raise BackupError(
            f"{describe(url)} already holds data ({shown}); stop the bot, then run "
            f"`linli restore --force {path}` to replace it with the backup"
        )
    await asyncio.to_thread(_replace, url, path)
    engine = create_engine(url)
    try:
        await upgrade_database(engine)
        now = await current_revision(engine)
    finally:
        await engine.dispose()
    return Restored(path=path, revision=revision, now=now or revision)


async def forget_conversations(redis_url: str, bot_id: int) -> int:
    """Delete the bot's conversations in progress from Redis (`fsm:<bot id>:*`): they belong to
    the database just replaced, and kept they would put people in the middle of a step that
    the restored database knows nothing of. Returns how many keys went."""
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"fsm:{bot_id}:*", count=500)]
        for start in range(0, len(keys), 500):
            await client.delete(*keys[start : start + 500])
        return len(keys)
    finally:
        await client.aclose()


async def restore_and_forget(
    url: str, path: Path, *, force: bool, redis_url: str | None, bot_id: int | None
) -> Restored:
    done = await restore(url, path, force=force)
    if redis_url is None or bot_id is None:
        return done
    forgotten = await forget_conversations(redis_url, bot_id)
    return replace(done, conversations_forgotten=forgotten)


def run_command(
    url: str,
    command: str,
    path: Path,
    *,
    force: bool = False,
    redis_url: str | None = None,
    bot_id: int | None = None,
) -> int:
    """`linli backup` / `linli restore`: what was done on stdout, one line on stderr if not."""
    try:
        if command == "backup":
            made = asyncio.run(backup(url, path))
            print(
                f"backed up {describe(url)} (schema revision {made.revision}) "
                f"to {made.path}: {made.size:,} bytes"
            )
        else:
            done = asyncio.run(
                restore_and_forget(url, path, force=force, redis_url=redis_url, bot_id=bot_id)
            )
            migrated = f", migrated to {done.now}" if done.now != done.revision else ""
            print(
                f"restored {describe(url)} from {done.path} "
                f"(schema revision {done.revision}{migrated})"
            )
            if done.conversations_forgotten is not None:
                print(
                    f"forgot {done.conversations_forgotten} keys of conversations in progress "
                    "in Redis (they belonged to the database replaced)"
                )
            elif redis_url is not None:
                print("conversations in Redis left as they were: BOT_TOKEN is not set")
    except BackupError as error:
        print(f"linli: {command} failed: {error}", file=sys.stderr)
        return 1
    return 0
