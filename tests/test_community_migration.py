"""An existing single-community database moves into the first community by itself (migration
0012), on SQLite and PostgreSQL: nothing recorded before is left without a community."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import JSON, BigInteger, Boolean, Date, Integer, MetaData, String, Text, select
from sqlalchemy.engine import Connection

from bot.services.communities import FIRST_COMMUNITY_ID
from storage.db import create_engine
from storage.migrate import upgrade_database
from storage.models import Community, CommunityLevel
from storage.types import UTCDateTime

pytestmark = pytest.mark.postgresql

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
OWNED = ("places", "invites", "help_requests", "checkin_plans", "pairings", "broadcasts")


def _filler(column: Any) -> Any:
    """A value for a required column of a row written at the old schema."""
    kind = column.type
    if isinstance(kind, UTCDateTime) or any(
        t in str(kind).upper() for t in ("TIMESTAMP", "DATETIME")
    ):
        return NOW
    if isinstance(kind, Date) or str(kind).upper() == "DATE":
        return NOW.date()
    if isinstance(kind, Boolean) or str(kind).upper() == "BOOLEAN":
        return False
    if isinstance(kind, (Integer, BigInteger)):
        return 0
    if isinstance(kind, JSON) or str(kind).upper() == "JSON":
        return []
    if isinstance(kind, (String, Text)) or "CHAR" in str(kind).upper():
        return "x"
    return None


def _insert(connection: Connection, tables: MetaData, table_name: str, **values: Any) -> int:
    table = tables.tables[table_name]
    for column in table.columns:
        if column.name not in values and not column.nullable and not column.primary_key:
            values[column.name] = _filler(column)
    return connection.execute(table.insert().values(**values)).inserted_primary_key[0]


def _write_old_community(connection: Connection) -> None:
    tables = MetaData()
    tables.reflect(connection)
    resident = _insert(
        connection,
        tables,
        "users",
        telegram_id=1,
        role="resident",
        onboarded_at=NOW,
        timezone="Asia/Shanghai",
    )
    volunteer = _insert(
        connection,
        tables,
        "users",
        telegram_id=2,
        role="volunteer",
        onboarded_at=NOW,
        timezone="Asia/Shanghai",
    )
    _insert(
        connection, tables, "users", telegram_id=3, timezone="Asia/Shanghai"
    )  # still registering
    _insert(connection, tables, "places", name="Building 1")
    _insert(connection, tables, "invites", code_hash="h" * 64, role="volunteer")
    _insert(
        connection, tables, "help_requests", resident_id=resident, category="shopping",
        status="open", timing="asap", day_part="any",
    )  # fmt: skip
    _insert(connection, tables, "checkin_plans", resident_id=resident, status="active")
    _insert(
        connection, tables, "pairings", volunteer_id=volunteer, resident_id=resident,
        cadence="weekly", local_time="10:00",
    )  # fmt: skip
    _insert(connection, tables, "broadcasts", status="sent", audience="residents")
    _insert(connection, tables, "call_backs", user_id=resident, asked_at=NOW)


def _communities_of(connection: Connection) -> dict[str, set[Any]]:
    tables = MetaData()
    tables.reflect(connection)
    found = {}
    for name in (*OWNED, "call_backs"):
        rows = connection.execute(select(tables.tables[name].c.community_id))
        found[name] = {row[0] for row in rows}
    users = tables.tables["users"]
    for registered in (True, False):
        onboarded = (
            users.c.onboarded_at.is_not(None) if registered else users.c.onboarded_at.is_(None)
        )
        rows = connection.execute(select(users.c.community_id).where(onboarded))
        found["registered users" if registered else "users registering"] = {row[0] for row in rows}
    return found


async def test_an_existing_database_moves_into_the_first_community(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        await upgrade_database(engine, "0011")
        async with engine.begin() as connection:
            await connection.run_sync(_write_old_community)
        await upgrade_database(engine)
        async with engine.connect() as connection:
            found = await connection.run_sync(_communities_of)
            first = (
                await connection.execute(select(Community.id, Community.level, Community.slug))
            ).all()
    finally:
        await engine.dispose()
    assert first == [(FIRST_COMMUNITY_ID, CommunityLevel.COMMUNITY, "main")]
    assert found.pop("users registering") == {None}  # they will say where they live
    assert found == {
        name: {FIRST_COMMUNITY_ID} for name in [*OWNED, "call_backs", "registered users"]
    }


async def test_a_new_community_gets_the_next_id_after_the_migration(
    empty_database_url: str,
) -> None:
    """The first community's id was given by hand: PostgreSQL's sequence must not hand it out
    again (a duplicate key on the second community would stop `linli community add`)."""
    engine = create_engine(empty_database_url)
    try:
        await upgrade_database(engine)
        async with engine.begin() as connection:
            await connection.execute(
                Community.__table__.insert().values(
                    level="community", name="East", slug="east", created_at=NOW
                )
            )
            ids = (await connection.execute(select(Community.id).order_by(Community.id))).scalars()
            assert list(ids) == [FIRST_COMMUNITY_ID, FIRST_COMMUNITY_ID + 1]
    finally:
        await engine.dispose()
