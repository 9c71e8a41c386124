"""The demo's help requests: seeded in each state through the services, announced to the two
groups on first start, and the scheduler ticking when the demo clock jumps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import ManualClock
from bot.config import load_settings
from bot.demo.personas import (
    COORDINATORS_GROUP_ID,
    EXTRA_RESIDENTS,
    EXTRA_VOLUNTEERS,
    VOLUNTEER,
    VOLUNTEERS_GROUP_ID,
)
from bot.demo.runner import DemoRunner
from bot.demo.seed import (
    DONE_REQUEST,
    DONE_REQUEST_MINUTES,
    OPEN_REQUEST,
    PENDING_REQUEST,
    seed_demo_community,
)
from storage.models import HelpRequest, RequestEvent, RequestStatus, User

FLAG = "⏰ 已等待"  # "⏰ Still waiting after …" (for review, or for a volunteer)


async def test_seeded_requests_went_through_every_step(
    session: AsyncSession, clock: ManualClock
) -> None:
    community = await seed_demo_community(session, clock)
    await session.commit()
    assert community is not None
    (pending,), (opened,), (done,) = community.pending, community.open, community.done

    names = {r.id: r.display_name for r in community.residents}
    assert names[pending.resident_id] == EXTRA_RESIDENTS[0].name
    assert names[opened.resident_id] == EXTRA_RESIDENTS[1].name
    assert names[done.resident_id] == EXTRA_RESIDENTS[2].name

    assert pending.status is RequestStatus.PENDING and pending.reviewed_by_id is None
    assert pending.description == PENDING_REQUEST.description
    assert opened.status is RequestStatus.OPEN
    assert opened.reviewed_by_id == community.coordinator.id
    assert opened.description == OPEN_REQUEST.description and opened.volunteer_id is None
    assert done.status is RequestStatus.DONE and done.rating == 5
    assert done.description == DONE_REQUEST.description
    assert done.minutes_spent == DONE_REQUEST_MINUTES
    helper = await session.get(User, done.volunteer_id)
    assert helper is not None and helper.display_name == EXTRA_VOLUNTEERS[0].name
    assert done.done_at is not None and clock.now() - done.done_at > timedelta(hours=12)

    events = (
        await session.scalars(select(RequestEvent).order_by(RequestEvent.at, RequestEvent.id))
    ).all()
    steps = {
        request.id: [e.action for e in events if e.request_id == request.id]
        for request in (pending, opened, done)
    }
    assert steps[pending.id] == ["created"]
    assert steps[opened.id] == ["created", "approved"]
    assert steps[done.id] == ["created", "approved", "claimed", "started", "done", "rated"]
    assert all(e.actor_id is not None for e in events)  # each step has its person
    times = [e.at for e in events if e.request_id == done.id]
    assert times == sorted(times)

    # the page's resident registers herself; nothing of hers exists yet
    count = len((await session.scalars(select(HelpRequest))).all())
    assert count == 3


@pytest.fixture
async def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DemoRunner]:
    # only the demo clock's hook may tick the scheduler during the test
    monkeypatch.setenv("SCHEDULER_INTERVAL_SECONDS", "3600")
    runner = DemoRunner(load_settings(_env_file=None, data_dir=tmp_path / "data"))
    await runner.start(port=0)
    yield runner
    await runner.stop()


async def test_first_start_shows_the_waiting_requests_in_the_groups(demo: DemoRunner) -> None:
    coordinators = demo.api.groups[COORDINATORS_GROUP_ID]
    volunteers = demo.api.groups[VOLUNTEERS_GROUP_ID]
    assert volunteers.member_ids == [VOLUNTEER.telegram_id, EXTRA_VOLUNTEERS[0].telegram_id]

    card = await coordinators.wait_for_message(lambda m: "新求助" in m.text)
    assert PENDING_REQUEST.description in card.text
    assert ["✅ 通过并发布"] in card.buttons
    post = await volunteers.wait_for_message(lambda m: "号求助" in m.text)
    assert post.buttons == [["🙌 我来认领"]]
    assert OPEN_REQUEST.address is not None and OPEN_REQUEST.address not in post.text
    assert OPEN_REQUEST.description not in post.text  # nothing she typed before a claim
    assert "接下任务的志愿者才能看到" in post.text
    assert not any(DONE_REQUEST.description in m.text for m in coordinators.messages)


async def test_moving_the_clock_ticks_the_scheduler_at_once(demo: DemoRunner) -> None:
    coordinators = demo.api.groups[COORDINATORS_GROUP_ID]
    await coordinators.wait_for_message(lambda m: "新求助" in m.text)
    for _ in range(3):
        await demo.advance(timedelta(hours=1))
    assert not any(FLAG in m.text for m in coordinators.messages)  # 3 h: not yet

    await demo.advance(timedelta(hours=1))  # 4 h: UNCLAIMED_ALERT_MINUTES passed
    first = await coordinators.wait_for_message(lambda m: FLAG in m.text, timeout=10)
    second = await coordinators.wait_for_message(lambda m: FLAG in m.text, timeout=10)
    flagged = first.text + second.text
    assert PENDING_REQUEST.description in flagged and OPEN_REQUEST.description in flagged
    # the one nobody checked yet is not said to be unclaimed (no volunteer could see it)
    for flag in (first, second):
        waits_for_review = PENDING_REQUEST.description in flag.text
        assert ("还没有社区工作人员核实" in flag.text) == waits_for_review
        assert ("还没有人认领" in flag.text) != waits_for_review

    await demo.advance(timedelta(days=1))  # each request is flagged once
    await asyncio.sleep(0.5)  # what the tick queued would be sent by now
    assert sum(FLAG in m.text for m in coordinators.messages) == 2
