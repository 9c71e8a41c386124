"""Broadcast and event rules: segments, language versions, stopping, capacity, reminders that
never come twice, and the calendar file."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import ManualClock
from bot.config import Settings
from bot.policy.notify import broadcasts as broadcast_audience
from bot.services import broadcasts, events, step_failures
from bot.services.broadcasts import EventDetails, EventFull, Outgoing
from bot.services.communities import FIRST_COMMUNITY_ID
from storage.models import (
    Audience,
    Broadcast,
    BroadcastStatus,
    OutboxMessage,
    OutboxStatus,
    RsvpAnswer,
    StepFailure,
    User,
    UserRole,
)
from tests.people import make_person

# On PostgreSQL too: segments, capacity and reminders are queries.
pytestmark = pytest.mark.postgresql
SETTINGS = Settings(default_locale="en")


def render(broadcast: Broadcast, user: User, locale: str, text: str) -> Outgoing:
    return Outgoing("sendMessage", {"text": text})


def remind(broadcast: Broadcast, user: User, which: str) -> str:
    return f"reminder {which}"


async def community(session: AsyncSession, clock: ManualClock) -> dict[str, User]:
    people = {
        "lin": await make_person(session, clock, 1, UserRole.COORDINATOR, area="Office"),
        "ann": await make_person(session, clock, 2, UserRole.RESIDENT, area="Building 5"),
        "bo": await make_person(
            session, clock, 3, UserRole.RESIDENT, locale="zh_Hant", area="Maple Court"
        ),
        "vic": await make_person(session, clock, 4, UserRole.VOLUNTEER, area="Building 5"),
    }
    return people


async def draft(session, clock, lin, audience=Audience.EVERYONE, value=None, event=None):
    return await broadcasts.create_draft(
        session,
        lin,
        versions=[{"locale": "en", "text": "Hello"}, {"locale": "zh_Hant", "text": "你好"}],
        audience=audience,
        audience_value=value,
        media_kind=None,
        media_file_id=None,
        event=event,
        community_id=FIRST_COMMUNITY_ID,
        settings=SETTINGS,
        clock=clock,
    )


async def test_segments(session: AsyncSession, clock: ManualClock) -> None:
    people = await community(session, clock)

    async def ids(audience: Audience, value: str | None = None) -> set[int]:
        found = await broadcast_audience.recipients(
            session, audience, value, community_ids={FIRST_COMMUNITY_ID}, default_locale="en"
        )
        return {user.telegram_id for user in found}

    assert await ids(Audience.EVERYONE) == {1, 2, 3, 4}
    assert await ids(Audience.RESIDENTS) == {2, 3}
    assert await ids(Audience.VOLUNTEERS) == {4}
    building_5 = str(people["ann"].place_id)
    assert await ids(Audience.AREA, building_5) == {2, 4}  # people of the place, by its id
    assert await ids(Audience.AREA, "Building 5") == set()  # typed text matches nobody
    assert await ids(Audience.LANGUAGE, "zh_Hant") == {3}
    assert await ids(Audience.CHECKINS) == set()
    people["ann"].deleted_at = clock.now()
    assert await ids(Audience.RESIDENTS) == {3}


async def test_versions_cancel_and_progress(session: AsyncSession, clock: ManualClock) -> None:
    people = await community(session, clock)
    people["vic"].unreachable_at = clock.now()
    broadcast = await draft(session, clock, people["lin"])
    queued = await broadcasts.send_now(
        session, people["lin"], broadcast.id, render, clock=clock, settings=SETTINGS
    )
    assert queued == 4
    rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.chat_id))).all()
    assert [row.payload["text"] for row in rows] == ["Hello", "Hello", "你好", "Hello"]
    assert rows[3].status == OutboxStatus.SKIPPED
    rows[0].status = OutboxStatus.SENT
    await session.flush()
    withdrawn = await broadcasts.cancel(
        session, people["lin"], broadcast.id, clock=clock, settings=SETTINGS
    )
    assert withdrawn == 2
    figures = await broadcasts.progress(session, broadcast.id)
    assert (figures.sent, figures.skipped, figures.pending, figures.total) == (1, 3, 0, 4)


async def test_capacity_and_reminders_never_twice(
    session: AsyncSession, clock: ManualClock
) -> None:
    people = await community(session, clock)
    event = EventDetails("Talk", "Hall; room 1", clock.now() + timedelta(days=3), 1)
    broadcast = await draft(session, clock, people["lin"], Audience.RESIDENTS, event=event)
    await broadcasts.send_now(
        session, people["lin"], broadcast.id, render, clock=clock, settings=SETTINGS
    )
    ann, bo = people["ann"], people["bo"]
    result = await events.rsvp(session, ann, broadcast.id, RsvpAnswer.YES, remind, clock=clock)
    assert result.going == 1
    try:
        await events.rsvp(session, bo, broadcast.id, RsvpAnswer.YES, remind, clock=clock)
        raise AssertionError("a full event took one more")
    except EventFull:
        pass
    await events.rsvp(session, ann, broadcast.id, RsvpAnswer.NO, remind, clock=clock)
    await events.rsvp(session, ann, broadcast.id, RsvpAnswer.YES, remind, clock=clock)
    await events.rsvp(session, ann, broadcast.id, RsvpAnswer.YES, remind, clock=clock)
    reminders = (
        await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "event.reminder"))
    ).all()
    waiting = [row for row in reminders if row.status == OutboxStatus.PENDING]
    assert sorted(row.payload["text"] for row in waiting) == ["reminder day", "reminder soon"]
    assert {row.not_before for row in waiting} == {
        event.starts_at - timedelta(days=1),
        event.starts_at - timedelta(hours=2),
    }
    _, coming, counts = await events.attendees(
        session, people["lin"], broadcast.id, settings=SETTINGS
    )
    assert [user.id for user in coming] == [ann.id] and counts[RsvpAnswer.YES] == 1


async def test_calendar_file(session: AsyncSession, clock: ManualClock) -> None:
    people = await community(session, clock)
    event = EventDetails("Talk, with tea", "Hall; room 1", clock.now() + timedelta(days=3), None)
    broadcast = await draft(session, clock, people["lin"], event=event)
    ics = events.event_ics(broadcast, now=clock.now()).decode()
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert f"UID:event-{broadcast.id}@linli.bot\r\n" in ics
    assert "DTSTART:20260305T090000Z\r\n" in ics and "DTSTAMP:20260302T090000Z\r\n" in ics
    assert "SUMMARY:Talk\\, with tea\r\n" in ics and "LOCATION:Hall\\; room 1\r\n" in ics
    assert ics.endswith("END:VEVENT\r\nEND:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))


async def test_a_scheduled_broadcast_that_cannot_be_queued_waits_and_the_others_start(
    session: AsyncSession, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await community(session, clock)
    first = await draft(session, clock, people["lin"])
    second = await draft(session, clock, people["lin"])
    for broadcast in (first, second):
        await broadcasts.schedule(
            session,
            people["lin"],
            broadcast.id,
            clock.now() + timedelta(hours=1),
            clock=clock,
            settings=SETTINGS,
        )
    real_queue = broadcasts._queue

    async def breaks_for_the_first(
        session: AsyncSession, broadcast: Broadcast, *args: object, **kwargs: object
    ) -> int:
        if broadcast.id == first.id:
            raise RuntimeError("a broadcast that cannot be queued")
        return await real_queue(session, broadcast, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(broadcasts, "_queue", breaks_for_the_first)
    clock.advance(timedelta(hours=1))
    set_aside: list[step_failures.SetAside] = []
    started = await broadcasts.start_due(
        session, render, clock=clock, settings=SETTINGS, set_aside=set_aside
    )
    assert [b.id for b in started] == [second.id]
    assert [(f.job, f.row_id, f.attempts) for f in set_aside] == [("broadcast", first.id, 1)]
    statuses = dict((await session.execute(select(Broadcast.id, Broadcast.status))).all())
    assert statuses == {first.id: BroadcastStatus.SCHEDULED, second.id: BroadcastStatus.SENDING}
    assert await broadcasts.start_due(session, render, clock=clock, settings=SETTINGS) == []

    monkeypatch.setattr(broadcasts, "_queue", real_queue)
    clock.advance(timedelta(minutes=1))
    started = await broadcasts.start_due(session, render, clock=clock, settings=SETTINGS)
    assert [b.id for b in started] == [first.id]
    assert (await session.scalars(select(StepFailure))).all() == []
