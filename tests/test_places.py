"""Places as a service, and the upgrade that stops showing typed areas to volunteers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.clock import ManualClock
from bot.config import Settings
from bot.services import places, requests
from bot.services.communities import FIRST_COMMUNITY_ID
from bot.services.errors import NotAllowed, PlaceExists, PlaceNotFound
from bot.services.requests import RequestDraft
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_database
from storage.models import HelpRequest, RequestCategory, User, UserRole
from storage.types import UTCDateTime
from tests.people import make_person

# On PostgreSQL too: the upgrade and the queries of places.
pytestmark = pytest.mark.postgresql
MAIN = (FIRST_COMMUNITY_ID,)


async def test_coordinators_add_rename_and_hide_places(
    session: AsyncSession, clock: ManualClock
) -> None:
    lin = await make_person(session, clock, 1, UserRole.COORDINATOR, name="Lin", area=None)
    tao = await make_person(session, clock, 2, UserRole.VOLUNTEER, name="Tao", area=None)
    three = await places.add_place(session, lin, "  Building   3 ", clock=clock)
    five = await places.add_place(session, lin, "Building 5", clock=clock)
    assert three.name == "Building 3"
    assert [p.name for p in await places.offered(session, (FIRST_COMMUNITY_ID,))] == [
        "Building 3",
        "Building 5",
    ]
    with pytest.raises(PlaceExists):
        await places.add_place(session, lin, "building 3", clock=clock)
    with pytest.raises(NotAllowed):
        await places.add_place(session, tao, "Building 9", clock=clock)

    mei = await make_person(session, clock, 3, UserRole.RESIDENT, area="Building 3")
    assert (mei.place_id, mei.area) == (three.id, "Building 3")
    request = await requests.submit_request(
        session, mei, RequestDraft(RequestCategory.MEALS, "Lunch"), clock=clock
    )
    assert (request.place_id, request.area) == (three.id, "Building 3")

    await places.rename_place(session, lin, three.id, "Block 3 (east)", MAIN, clock=clock)
    await session.commit()
    session.expunge_all()
    mei_row = await session.get(User, mei.id)
    request_row = await session.get(HelpRequest, request.id)
    assert mei_row is not None and mei_row.area == "Block 3 (east)"
    assert request_row is not None and request_row.area == "Block 3 (east)"

    lin = await session.get(User, lin.id)
    assert lin is not None
    await places.set_shown(session, lin, five.id, False, MAIN, clock=clock)
    assert [p.name for p in await places.offered(session, (FIRST_COMMUNITY_ID,))] == [
        "Block 3 (east)"
    ]
    with pytest.raises(PlaceNotFound):
        await places.offered_place(session, five.id, (FIRST_COMMUNITY_ID,))
    assert len(await places.all_places(session, lin, MAIN)) == 2
    again = await places.add_place(session, lin, "BUILDING 5", clock=clock)  # shown again
    assert again.id == five.id and again.active
    assert await places.offered_named(session, "block 3 (EAST)", (FIRST_COMMUNITY_ID,)) is not None
    assert await places.offered_named(session, "Block 3, flat 502", (FIRST_COMMUNITY_ID,)) is None


OLD_USERS = sa.table(
    "users",
    sa.column("id"),
    sa.column("telegram_id"),
    sa.column("role"),
    sa.column("area"),
    sa.column("address"),
    sa.column("access_notes"),
    sa.column("timezone"),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
    sa.column("onboarded_at", UTCDateTime()),
)
OLD_REQUESTS = sa.table(
    "help_requests",
    *(sa.column(name) for name in ("id", "resident_id", "category", "description", "urgent")),
    *(sa.column(name) for name in ("emergency", "timing", "day_part", "area", "address")),
    *(sa.column(name) for name in ("access_notes", "status", "version")),
    *(sa.column(name, UTCDateTime()) for name in ("slot_start", "slot_end")),
    *(sa.column(name, UTCDateTime()) for name in ("created_at", "updated_at")),
)


async def test_upgrade_moves_typed_areas_into_private_details(empty_database_url: str) -> None:
    """A database from before places: what people typed as their area is kept, but only where
    the claimer and the coordinators look (the address, else the access notes)."""
    engine: AsyncEngine = create_engine(empty_database_url)
    at = datetime(2026, 3, 1, tzinfo=UTC)
    person = {"role": "resident", "timezone": "Asia/Shanghai", "access_notes": None}
    times = {"created_at": at, "updated_at": at, "onboarded_at": at}
    try:
        await upgrade_database(engine, "0006")
        async with engine.begin() as connection:
            await connection.execute(
                OLD_USERS.insert(),
                [
                    {
                        **person,
                        **times,
                        "id": 1,
                        "telegram_id": 11,
                        "area": "幸福小区 3栋 502",
                        "address": None,
                    },
                    {
                        **person,
                        **times,
                        "id": 2,
                        "telegram_id": 12,
                        "area": "Block 7",
                        "address": "7 Oak Road, flat 2",
                        "access_notes": "ring twice",
                    },
                    {
                        **person,
                        **times,
                        "id": 3,
                        "telegram_id": 13,
                        "area": None,
                        "address": "1 Elm Road",
                    },
                ],
            )
            await connection.execute(
                OLD_REQUESTS.insert(),
                [
                    {
                        "id": 1,
                        "resident_id": 1,
                        "category": "meals",
                        "description": "Lunch",
                        "urgent": False,
                        "emergency": False,
                        "timing": "asap",
                        "day_part": "any",
                        "area": "幸福小区 3栋 502",
                        "address": None,
                        "access_notes": None,
                        "status": "open",
                        "version": 1,
                        "slot_start": at,
                        "slot_end": at,
                        "created_at": at,
                        "updated_at": at,
                    },
                ],
            )
        await upgrade_database(engine)
        async with create_session_factory(engine)() as session:
            mei, ann, bo = [await session.get(User, n) for n in (1, 2, 3)]
            request = await session.get(HelpRequest, 1)
    finally:
        await engine.dispose()
    assert mei is not None and ann is not None and bo is not None and request is not None
    assert (mei.area, mei.place_id, mei.address) == (None, None, "幸福小区 3栋 502")
    assert (ann.area, ann.address, ann.access_notes) == (
        None,
        "7 Oak Road, flat 2",
        "Block 7 · ring twice",
    )
    assert (bo.area, bo.address, bo.access_notes) == (None, "1 Elm Road", None)
    assert (request.area, request.address) == ("", "幸福小区 3栋 502")


async def test_places_from_the_settings_only_while_there_are_none(
    session: AsyncSession, clock: ManualClock
) -> None:
    names = Settings(places=" Building 1 ,, 2号楼, Building 1").place_names
    assert names == ["Building 1", "2号楼", "Building 1"]
    assert await places.seed_places(session, names, clock=clock) == 2
    assert [p.name for p in await places.offered(session, (FIRST_COMMUNITY_ID,))] == [
        "Building 1",
        "2号楼",
    ]
    lin = await make_person(session, clock, 1, UserRole.COORDINATOR, name="Lin", area=None)
    first = (await places.offered(session, (FIRST_COMMUNITY_ID,)))[0]
    await places.set_shown(session, lin, first.id, False, MAIN, clock=clock)
    # the coordinators' list is the truth from then on, whatever the setting says
    assert await places.seed_places(session, ["Building 9"], clock=clock) == 0
    assert [p.name for p in await places.offered(session, (FIRST_COMMUNITY_ID,))] == ["2号楼"]
    with pytest.raises(ValidationError, match="at most 40 characters"):
        Settings(places="Building 1," + "x" * 41)
