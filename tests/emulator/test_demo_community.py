"""The demo's own pieces: the community it seeds, and its movable clock."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import ManualClock, OffsetClock
from bot.demo.personas import COORDINATOR, EXTRA_RESIDENTS, RESIDENT, VOLUNTEER
from bot.demo.runner import bind_socket
from bot.demo.seed import seed_demo_community
from bot.demo.timecontrol import DemoTime
from bot.services.volunteers import volunteer_status
from storage.models import UserRole, VolunteerStatus
from storage.repositories import users as user_queries


async def test_seeding_creates_the_community_once(
    session: AsyncSession, clock: ManualClock
) -> None:
    community = await seed_demo_community(session, clock)
    await session.commit()

    assert community is not None
    assert community.coordinator.role is UserRole.COORDINATOR
    volunteer = await user_queries.get_by_telegram_id(session, VOLUNTEER.telegram_id)
    assert volunteer is not None and volunteer.is_onboarded
    assert volunteer.role is UserRole.VOLUNTEER
    assert await volunteer_status(session, volunteer) is VolunteerStatus.APPROVED
    assert len(community.residents) == len(EXTRA_RESIDENTS)
    assert all(r.role is UserRole.RESIDENT and r.consent_at for r in community.residents)
    # the resident on the page registers herself in the demo
    assert await user_queries.get_by_telegram_id(session, RESIDENT.telegram_id) is None
    coordinator = await user_queries.get_by_telegram_id(session, COORDINATOR.telegram_id)
    assert coordinator is not None and coordinator.display_name == COORDINATOR.name

    assert await seed_demo_community(session, clock) is None


def test_offset_clock_moves_forward_only() -> None:
    clock = OffsetClock()
    before = clock.now()
    assert before.tzinfo is UTC
    later = clock.advance(timedelta(hours=25))
    assert later - before >= timedelta(hours=25)
    assert clock.offset == timedelta(hours=25)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))
    clock.reset()
    assert clock.now() - datetime.now(UTC) < timedelta(seconds=5)


async def test_demo_time_keeps_its_offset_and_runs_hooks(tmp_path: Path) -> None:
    state_file = tmp_path / "clock.json"
    demo_time = DemoTime(state_file)
    seen: list[datetime] = []

    @demo_time.on_time_moved
    async def broken(now: datetime) -> None:
        raise RuntimeError("a broken hook")

    @demo_time.on_time_moved
    async def record(now: datetime) -> None:
        seen.append(now)

    moved = await demo_time.advance(timedelta(days=1, hours=2))
    assert seen == [moved]  # the broken hook did not stop the next one
    assert demo_time.describe("Asia/Shanghai").endswith("(+1d 2h)")

    again = DemoTime(state_file)  # a restarted demo
    assert again.clock.offset == timedelta(days=1, hours=2)
    again.reset()
    assert DemoTime(state_file).clock.offset == timedelta(0)
    assert "(+" not in again.describe("Asia/Shanghai")


def test_a_taken_port_gives_a_free_one() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        chosen = bind_socket(port)
        try:
            host, other = chosen.getsockname()
            assert host == "127.0.0.1" and other not in (port, 0)
        finally:
            chosen.close()
