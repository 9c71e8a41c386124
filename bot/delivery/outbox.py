"""Putting a message in the outbox: the one way non-interactive messages leave linli.

Called inside the transaction of the change that causes the message, so the message exists if
and only if the change was committed. Knows nothing of Telegram types: the payload is the plain
parameters of a Bot API send method."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services.media import Media, Upload, fits_as_caption, outgoing_payload
from storage.models import OutboxMessage, OutboxStatus
from storage.repositories import outbox as outbox_queries


class Priority(IntEnum):
    """Higher goes first: an urgent alert never waits behind a broadcast to everyone."""

    BROADCAST = 10
    NOTICE = 30
    REMINDER = 50
    ALERT = 80
    URGENT = 100


# Messages that protect a person, whatever their priority: the unreachable-elder flags, the
# address a volunteer needs an hour before a visit, nobody answering the door, and the
# coordinators' flag about a message that could not be sent; and the resident's voice note or
# photo brought to the volunteer who took her task (it may say where she lives).
PROTECTIVE_KINDS = frozenset(
    {
        "checkin.alert",
        "checkin.help",
        "checkin.not_reached",
        "checkin.flag",
        "checkin.unreachable",
        "visit.address",
        "visit.nobody_home",
        "task_details",
        "task_media",
        "outbox.undeliverable",
        "concern.raised",  # a neighbour worried about someone: never lost in a crash
        "concern.media",
        "follow_up.overdue",
    }
)


def delivers_at_least_once(kind: str, priority: int) -> bool:
    """The delivery policy, in one place.

    At least once: urgent messages (check-in alerts, "I need help", emergency cards, the
    claimer's address) and the kinds above. A request interrupted by a crash, or one whose
    answer never came (a timeout), is sent again: a duplicate is far better than a lost alert.

    At most once: everything else, bulk notices above all. Such a request is never repeated;
    when its fate is unknown the row becomes `interrupted` and the broadcast report counts it
    as "unknown"."""
    return priority >= Priority.URGENT or kind in PROTECTIVE_KINDS


async def enqueue_message(
    session: AsyncSession,
    *,
    chat_id: int,
    text: str,
    kind: str,
    priority: Priority,
    clock: Clock,
    user_id: int | None = None,
    reply_markup: dict[str, Any] | None = None,
    not_before: datetime | None = None,
    broadcast_id: int | None = None,
    unreachable: bool | None = None,
    flush: bool = True,
    media: Media | Upload | None = None,
) -> OutboxMessage:
    """Queue one HTML message: `text`, or `media` (a voice note, a photo, a document sent
    again by its file id, or a file drawn here, `Upload`) with `text` as its caption. A text
    too long for a caption goes first on its own, with the buttons, and the file right after
    it (the chat's rows leave in order); the row of the text is returned. To a person who
    blocked the bot only urgent messages are still tried; the others are recorded as skipped,
    so reports add up. `unreachable` and `flush` as for `enqueue_payload`."""
    Part = tuple[str, Media | Upload | None, dict[str, Any] | None]
    parts: list[Part] = [(text, media, reply_markup)]
    if media is not None and not fits_as_caption(text):
        parts = [(text, None, reply_markup), ("", media, None)]
    rows = []
    for part_text, part_media, markup in parts:
        method, payload = outgoing_payload(part_text, part_media, markup)
        rows.append(
            await enqueue_payload(
                session,
                chat_id=chat_id,
                method=method,
                payload=payload,
                kind=kind,
                priority=priority,
                clock=clock,
                user_id=user_id,
                not_before=not_before,
                broadcast_id=broadcast_id,
                unreachable=unreachable,
                flush=flush,
            )
        )
    return rows[0]


async def enqueue_payload(
    session: AsyncSession,
    *,
    chat_id: int,
    method: str,
    payload: dict[str, Any],
    kind: str,
    priority: Priority,
    clock: Clock,
    user_id: int | None = None,
    not_before: datetime | None = None,
    broadcast_id: int | None = None,
    unreachable: bool | None = None,
    flush: bool = True,
) -> OutboxMessage:
    """Queue any send method the sender knows (sendMessage, sendPhoto, sendVoice,
    sendDocument) with its Bot API parameters. `unreachable`: the caller already knows (a
    broadcast loaded its recipients), so no query per row; `flush=False` lets a caller queue
    many rows at once."""
    status = OutboxStatus.PENDING
    if priority < Priority.URGENT:
        if unreachable is None:
            unreachable = await outbox_queries.is_chat_unreachable(session, chat_id)
        if unreachable:
            status = OutboxStatus.SKIPPED
    row = outbox_queries.add(
        session,
        chat_id=chat_id,
        user_id=user_id,
        kind=kind,
        priority=int(priority),
        payload=payload,
        now=clock.now(),
        not_before=not_before,
        method=method,
        status=status,
    )
    row.broadcast_id = broadcast_id
    row.at_least_once = delivers_at_least_once(kind, priority)
    if status == OutboxStatus.SKIPPED:
        row.error = "recipient unreachable"
    if flush:
        await session.flush()
    session.info["outbox_queued"] = True  # the session middleware wakes the sender on commit
    return row


async def record_blocked_bot(
    session_factory: async_sessionmaker[AsyncSession], chat_id: int, *, clock: Clock
) -> None:
    """`person_blocked_bot` in a transaction of its own, for the error handler, which runs
    after the update's session is gone."""
    async with session_factory() as session:
        await person_blocked_bot(session, chat_id, clock=clock)
        await session.commit()


async def person_blocked_bot(session: AsyncSession, telegram_id: int, *, clock: Clock) -> bool:
    """Mark the person unreachable and withdraw what waits for them (urgent messages stay)."""
    changed = await outbox_queries.set_chat_reachable(session, telegram_id, clock.now())
    await outbox_queries.skip_pending_for_chat(session, telegram_id, below_priority=Priority.URGENT)
    return changed


async def person_unblocked_bot(session: AsyncSession, telegram_id: int) -> bool:
    return await outbox_queries.set_chat_reachable(session, telegram_id, None)
