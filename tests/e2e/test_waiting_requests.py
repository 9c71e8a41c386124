"""Requests that wait too long come back to the coordinators, once, even across a restart."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.scheduling.scheduler import Scheduler
from bot.services import claims, requests, review
from bot.services.requests import RequestDraft
from storage.models import RequestCategory, UserRole
from tests.e2e.harness import RunningBot
from tests.people import make_person

COORDINATOR = 500
RESIDENT = 501
VOLUNTEER = 502
STILL_WAITING = "Still waiting"


async def _ask(linli: RunningBot, clock: ManualClock, *, urgent: bool) -> int:
    async with linli.app.session_factory() as session:
        resident = await make_person(session, clock, RESIDENT, UserRole.RESIDENT)
        draft = RequestDraft(
            category=RequestCategory.SHOPPING, description="Milk and bread", urgent=urgent
        )
        request = await requests.submit_request(session, resident, draft, clock=clock)
        await make_person(session, clock, COORDINATOR, UserRole.COORDINATOR, name="Lin")
        await session.commit()
        return request.id


def _scheduler(linli: RunningBot) -> Scheduler:
    return linli.app.dispatcher["scheduler"]


async def test_an_unclaimed_request_is_flagged_to_the_coordinator_once(
    linli: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    await _ask(linli, clock, urgent=False)
    coordinator = telegram.user(COORDINATOR, first_name="Lin")

    clock.advance(timedelta(hours=3, minutes=59))
    assert await _scheduler(linli).tick() == 0
    clock.advance(timedelta(minutes=2))
    assert await _scheduler(linli).tick() == 1
    flagged = await coordinator.wait_for_message(lambda m: STILL_WAITING in m.text, timeout=10)
    assert "Milk and bread" in flagged.text
    assert ["✅ Approve and publish"] in flagged.buttons

    clock.advance(timedelta(hours=5))
    assert await _scheduler(linli).tick() == 0


async def test_an_urgent_request_is_flagged_after_half_an_hour(
    linli: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    await _ask(linli, clock, urgent=True)
    coordinator = telegram.user(COORDINATOR, first_name="Lin")
    clock.advance(timedelta(minutes=31))
    assert await _scheduler(linli).tick() == 1
    flagged = await coordinator.wait_for_message(lambda m: STILL_WAITING in m.text, timeout=10)
    assert "URGENT" in flagged.text


@pytest.mark.postgresql
async def test_a_bot_that_was_down_catches_up_and_two_ticks_flag_once(
    linli: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    await _ask(linli, clock, urgent=False)
    coordinator = telegram.user(COORDINATOR, first_name="Lin")
    await linli.stop()
    clock.advance(timedelta(hours=7))  # down all afternoon
    await linli.start()
    acted = await asyncio.gather(_scheduler(linli).tick(), _scheduler(linli).tick())
    assert sorted(acted) == [0, 1]
    await coordinator.wait_for_message(lambda m: STILL_WAITING in m.text, timeout=10)
    await asyncio.sleep(0.5)
    assert sum(STILL_WAITING in m.text for m in coordinator.messages) == 1


async def test_a_claim_not_done_long_after_its_time_is_flagged(
    linli: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    request_id = await _ask(linli, clock, urgent=False)
    async with linli.app.session_factory() as session:
        coordinator = await make_person(session, clock, 503, UserRole.COORDINATOR, name="Qin")
        volunteer = await make_person(session, clock, VOLUNTEER, UserRole.VOLUNTEER, name="Tao")
        await review.approve_request(session, coordinator, request_id, 1, clock=clock)
        await claims.claim_task(session, volunteer, request_id, clock=clock, max_open_claims=3)
        await session.commit()
    lin = telegram.user(COORDINATOR, first_name="Lin")
    clock.advance(timedelta(hours=4 + 6, minutes=1))  # the ASAP window, then six hours
    assert await _scheduler(linli).tick() == 1
    flagged = await lin.wait_for_message(lambda m: "Not marked done" in m.text, timeout=10)
    assert "Tao" in flagged.text
