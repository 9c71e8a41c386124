"""Events (a broadcast with a time, a place and maybe a number of places): people's answers
(a seat taken or given back, with reminders queued or withdrawn), who is coming, and the
calendar file of the event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.delivery.outbox import Priority, enqueue_payload
from bot.policy.permissions import Action, may
from bot.services.broadcasts import (
    REMINDERS,
    BroadcastNotFound,
    EventFull,
    EventOver,
    NotARecipient,
    ReminderRenderer,
    RsvpResult,
    broadcast_for,
    covers,
)
from storage.models import Broadcast, BroadcastStatus, EventResponse, RsvpAnswer, User
from storage.repositories import broadcasts as queries


async def rsvp(
    session: AsyncSession,
    user: User,
    broadcast_id: int,
    answer: RsvpAnswer,
    render_reminder: ReminderRenderer,
    *,
    clock: Clock,
) -> RsvpResult:
    """Record a person's answer. A "yes" takes a seat (refused when the event is full) and
    queues their reminders; a "no" gives the seat back and withdraws them."""
    broadcast = await session.get(Broadcast, broadcast_id, populate_existing=True)
    if broadcast is None or not broadcast.is_event or broadcast.status == BroadcastStatus.DRAFT:
        raise BroadcastNotFound()
    assert broadcast.event_starts_at is not None
    now = clock.now()
    if broadcast.event_starts_at <= now:
        raise EventOver()
    if not await queries.was_sent_to(session, broadcast.id, user.id):
        raise NotARecipient()
    response = await queries.response_of(session, broadcast.id, user.id)
    before = response.answer if response else None
    if before == answer:
        await session.refresh(broadcast)
        return RsvpResult(answer, False, broadcast.event_going, broadcast.event_capacity)
    if answer == RsvpAnswer.YES:
        if not await queries.take_seat(session, broadcast.id):
            raise EventFull()
    elif before == RsvpAnswer.YES:
        await queries.give_seat_back(session, broadcast.id)
    if response is None:
        session.add(
            EventResponse(broadcast_id=broadcast.id, user_id=user.id, answer=answer, at=now)
        )
    else:
        response.answer, response.at = answer, now
    if answer == RsvpAnswer.YES:
        await _queue_reminders(session, broadcast, user, render_reminder, clock=clock)
    else:
        await queries.withdraw_waiting(
            session, broadcast.id, kind=queries.REMINDER_KIND, user_id=user.id
        )
    await session.flush()
    await session.refresh(broadcast)
    return RsvpResult(answer, True, broadcast.event_going, broadcast.event_capacity)


async def _queue_reminders(
    session: AsyncSession,
    broadcast: Broadcast,
    user: User,
    render_reminder: ReminderRenderer,
    *,
    clock: Clock,
) -> None:
    """Outbox rows due the day before and two hours before; a moment already past is left out,
    and a "no" withdraws those still waiting, so nobody gets one twice."""
    assert broadcast.event_starts_at is not None and user.telegram_id is not None
    for which, ahead in REMINDERS:
        due = broadcast.event_starts_at - ahead
        if due <= clock.now():
            continue
        await enqueue_payload(
            session,
            chat_id=user.telegram_id,
            method="sendMessage",
            payload={"text": render_reminder(broadcast, user, which), "parse_mode": "HTML"},
            kind=queries.REMINDER_KIND,
            priority=Priority.REMINDER,
            clock=clock,
            user_id=user.id,
            not_before=due,
            broadcast_id=broadcast.id,
        )


async def attendees(
    session: AsyncSession, user: User, broadcast_id: int, *, settings: Settings
) -> tuple[Broadcast, list[User], dict[RsvpAnswer, int]]:
    """For a coordinator of the event's communities: the event, who comes, and how many said
    yes and no."""
    broadcast = await broadcast_for(session, user, broadcast_id, settings=settings)
    return (
        broadcast,
        await queries.coming(session, broadcast.id),
        await queries.answers_count(session, broadcast.id),
    )


async def event_for_calendar(
    session: AsyncSession, user: User, broadcast_id: int, *, settings: Settings
) -> Broadcast:
    """The event, for someone it was sent to or a coordinator of its communities; to anyone
    else (a forwarded message, a forged button, another community) as if it did not exist."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None or not broadcast.is_event or broadcast.status == BroadcastStatus.DRAFT:
        raise BroadcastNotFound()
    if await queries.was_sent_to(session, broadcast.id, user.id):
        return broadcast
    if may(user, Action.SEE_ANY_EVENT) and await covers(
        session, settings, user, broadcast.community_id
    ):
        return broadcast
    raise BroadcastNotFound()


def _ics_escape(text: str) -> str:
    """RFC 5545 3.3.11: backslash, semicolon, comma and newlines are escaped in TEXT."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _ics_fold(line: str) -> list[str]:
    """RFC 5545 3.1: lines longer than 75 octets continue on the next line after a space,
    never splitting a UTF-8 character."""
    parts: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    parts.append(current)
    return parts


def event_ics(broadcast: Broadcast, *, now: datetime, host: str = "linli.bot") -> bytes:
    """An iCalendar file (RFC 5545) of the event, times in UTC, CRLF line endings. Written by
    hand: six properties do not need a dependency."""
    assert broadcast.event_starts_at is not None

    def stamp(moment: datetime) -> str:
        return moment.strftime("%Y%m%dT%H%M%SZ")

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//linli//broadcasts//EN",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:event-{broadcast.id}@{host}",
        f"DTSTAMP:{stamp(now)}",
        f"DTSTART:{stamp(broadcast.event_starts_at)}",
        f"SUMMARY:{_ics_escape(broadcast.event_title or '')}",
        f"LOCATION:{_ics_escape(broadcast.event_place or '')}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    folded = [part for line in lines for part in _ics_fold(line)]
    return ("\r\n".join(folded) + "\r\n").encode()
