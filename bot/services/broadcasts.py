"""Broadcasts and events: who receives a notice, queueing it once per person in their language,
scheduling, stopping, progress, and answers to events (with capacity and reminders).

No Telegram types here: what a message looks like is given by the caller as a `Renderer`
(method and Bot API parameters), so the preview and the real message are the same thing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import LOCALES
from bot.delivery.outbox import Priority, enqueue_payload
from bot.i18n import recipient_locale
from bot.policy.notify.broadcasts import recipients
from bot.policy.permissions import Action, require
from bot.services import step_failures
from bot.services.communities import home_of
from bot.services.errors import DomainError, InvalidInput, TextTooLong
from storage.models import (
    Audience,
    Broadcast,
    BroadcastStatus,
    OutboxStatus,
    RsvpAnswer,
    User,
)
from storage.repositories import broadcasts as queries

TEXT_LIMIT = 3500  # Telegram allows 4096; room is left for an event's title, time and place
CAPTION_LIMIT = 800  # Telegram allows 1024 under a photo or document
TITLE_LIMIT = 100
PLACE_LIMIT = 150
CAPACITY_LIMIT = 10_000
REMINDERS = (("day", timedelta(days=1)), ("soon", timedelta(hours=2)))
"""An event's reminders: the day before and two hours before, to those who said they come."""


@dataclass(frozen=True)
class Outgoing:
    """A Bot API send method and its parameters (without chat_id)."""

    method: str
    payload: dict[str, object]


Renderer = Callable[[Broadcast, User, str, str], Outgoing]
"""(broadcast, recipient, locale, text of the version for them) -> the message they get."""
ReminderRenderer = Callable[[Broadcast, User, str], str]
"""(event, person, which reminder: "day" or "soon") -> the reminder's HTML text."""


class BroadcastNotFound(DomainError):
    pass


class BroadcastChanged(DomainError):
    """It was already sent, scheduled or cancelled: a button from before is stale."""


class TextEmpty(InvalidInput):
    pass


class TimeInvalid(InvalidInput):
    pass


class TimeInPast(InvalidInput):
    pass


class CapacityInvalid(InvalidInput):
    pass


class EventFull(DomainError):
    pass


class EventOver(DomainError):
    pass


class NotARecipient(DomainError):
    pass


@dataclass(frozen=True)
class EventDetails:
    title: str
    place: str
    starts_at: datetime
    capacity: int | None


@dataclass(frozen=True)
class Progress:
    """What became of a broadcast's messages. They always add up to `total`."""

    sent: int
    failed: int
    blocked: int
    skipped: int
    interrupted: int  # the bot stopped during the request: delivery unknown, never resent
    pending: int

    @property
    def total(self) -> int:
        return (
            self.sent + self.failed + self.blocked + self.skipped + self.interrupted + self.pending
        )

    @property
    def finished(self) -> bool:
        return self.pending == 0


@dataclass(frozen=True)
class RsvpResult:
    answer: RsvpAnswer
    changed: bool
    going: int
    capacity: int | None


# checking what a coordinator typed


def check_text(text: str | None, *, with_media: bool) -> str:
    """The text of a version: not empty, short enough for a message (or a caption)."""
    text = (text or "").strip()
    limit = CAPTION_LIMIT if with_media else TEXT_LIMIT
    if not text and not with_media:
        raise TextEmpty()
    if len(text) > limit:
        raise TextTooLong(limit)
    return text


def check_short(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise TextEmpty()
    if len(text) > limit:
        raise TextTooLong(limit)
    return text


def parse_local_time(text: str | None, timezone: str, *, now: datetime) -> datetime:
    """ "2026-03-05 14:30" in the person's timezone -> an aware UTC moment in the future."""
    try:
        naive = datetime.strptime(" ".join((text or "").split()), "%Y-%m-%d %H:%M")
    except ValueError:
        raise TimeInvalid() from None
    moment = naive.replace(tzinfo=ZoneInfo(timezone)).astimezone(now.tzinfo)
    if moment <= now:
        raise TimeInPast()
    return moment


def parse_capacity(text: str | None) -> int:
    value = (text or "").strip()
    if not value.isdigit() or not 1 <= int(value) <= CAPACITY_LIMIT:
        raise CapacityInvalid(CAPACITY_LIMIT)
    return int(value)


def version_for(broadcast: Broadcast, locale: str) -> str:
    """The version written in the person's language, else the first one."""
    for version in broadcast.versions:
        if version["locale"] == locale:
            return version["text"]
    return broadcast.versions[0]["text"] if broadcast.versions else ""


async def broadcast_for(session: AsyncSession, user: User, broadcast_id: int) -> Broadcast:
    """A broadcast, for a coordinator only."""
    require(user, Action.BROADCAST)
    broadcast = await session.get(Broadcast, broadcast_id, populate_existing=True)
    if broadcast is None:
        raise BroadcastNotFound()
    return broadcast


async def _draft_or_shared(session: AsyncSession, user: User, broadcast_id: int) -> Broadcast:
    """A draft is its author's alone until it is sent or scheduled (nobody else has seen its
    preview); after that any coordinator may act on it."""
    broadcast = await broadcast_for(session, user, broadcast_id)
    if broadcast.status is BroadcastStatus.DRAFT and broadcast.author_id != user.id:
        raise BroadcastNotFound()
    return broadcast


# writing and sending


async def create_draft(
    session: AsyncSession,
    author: User,
    *,
    versions: list[dict[str, str]],
    audience: Audience,
    audience_value: str | None,
    media_kind: str | None,
    media_file_id: str | None,
    event: EventDetails | None,
    clock: Clock,
) -> Broadcast:
    require(author, Action.BROADCAST)
    if not versions or any(version["locale"] not in LOCALES for version in versions):
        raise TextEmpty()
    broadcast = Broadcast(
        author_id=author.id,
        community_id=home_of(author),
        status=BroadcastStatus.DRAFT,
        audience=audience,
        audience_value=audience_value,
        versions=versions,
        media_kind=media_kind,
        media_file_id=media_file_id,
        created_at=clock.now(),
        event_going=0,
    )
    if event is not None:
        broadcast.event_title = event.title
        broadcast.event_place = event.place
        broadcast.event_starts_at = event.starts_at
        broadcast.event_capacity = event.capacity
    session.add(broadcast)
    await session.flush()
    return broadcast


async def count_recipients(
    session: AsyncSession, broadcast: Broadcast, *, default_locale: str
) -> int:
    found = await recipients(
        session, broadcast.audience, broadcast.audience_value, default_locale=default_locale
    )
    return len(found)


async def _queue(
    session: AsyncSession,
    broadcast: Broadcast,
    render: Renderer,
    *,
    clock: Clock,
    default_locale: str,
) -> int:
    """One outbox row per recipient, in their language; unreachable people are recorded as
    skipped, so the report adds up."""
    people = await recipients(
        session, broadcast.audience, broadcast.audience_value, default_locale=default_locale
    )
    for person in people:
        assert person.telegram_id is not None
        locale = recipient_locale(person, default_locale)
        outgoing = render(broadcast, person, locale, version_for(broadcast, locale))
        await enqueue_payload(
            session,
            chat_id=person.telegram_id,
            method=outgoing.method,
            payload=outgoing.payload,
            kind=queries.BROADCAST_KIND,
            priority=Priority.BROADCAST,
            clock=clock,
            user_id=person.id,
            broadcast_id=broadcast.id,
            unreachable=person.unreachable_at is not None,
            flush=False,
        )
    await session.flush()
    return len(people)


async def send_now(
    session: AsyncSession,
    author: User,
    broadcast_id: int,
    render: Renderer,
    *,
    clock: Clock,
    default_locale: str,
) -> int:
    """Queue a draft (or a scheduled broadcast, early) for everyone in its audience, in this
    transaction; the number of recipients."""
    broadcast = await _draft_or_shared(session, author, broadcast_id)
    if not await queries.start_draft(session, broadcast.id, clock.now()):
        raise BroadcastChanged()
    await session.refresh(broadcast)
    return await _queue(session, broadcast, render, clock=clock, default_locale=default_locale)


async def schedule(
    session: AsyncSession, author: User, broadcast_id: int, send_at: datetime, *, clock: Clock
) -> Broadcast:
    broadcast = await _draft_or_shared(session, author, broadcast_id)
    if send_at <= clock.now():
        raise TimeInPast()
    if not await queries.set_status(
        session,
        broadcast.id,
        expected=(BroadcastStatus.DRAFT,),
        status=BroadcastStatus.SCHEDULED,
        send_at=send_at,
    ):
        raise BroadcastChanged()
    await session.refresh(broadcast)
    return broadcast


async def start_due(
    session: AsyncSession,
    render: Renderer,
    *,
    clock: Clock,
    default_locale: str,
    set_aside: list[step_failures.SetAside] | None = None,
) -> list[Broadcast]:
    """Scheduled broadcasts whose time has come: each claimed by one process and queued, each
    in a savepoint of its own. One that cannot be queued (or was set aside and its retry time
    has not come) goes back to `scheduled`; the failure is appended to `set_aside`."""
    now = clock.now()
    started = await queries.claim_due_scheduled(session, now)
    waiting = await step_failures.waiting_rows(session, "broadcast", now) if started else {}
    queued = []
    for broadcast in started:

        async def put_back(_at: datetime, broadcast_id: int = broadcast.id) -> None:
            await queries.scheduled_again(session, broadcast_id)

        if broadcast.id in waiting:
            await put_back(waiting[broadcast.id])
            continue

        async def queue(broadcast: Broadcast = broadcast) -> Broadcast:
            await _queue(session, broadcast, render, clock=clock, default_locale=default_locale)
            return broadcast

        outcome = await step_failures.run_step(
            session, job="broadcast", row_id=broadcast.id, now=now, step=queue, put_back=put_back
        )
        if isinstance(outcome, step_failures.SetAside):
            if set_aside is not None:
                set_aside.append(outcome)
        else:
            queued.append(outcome)
    return queued


async def cancel(session: AsyncSession, user: User, broadcast_id: int, *, clock: Clock) -> int:
    """Stop a draft, a scheduled or a sending broadcast: what waits becomes skipped, what was
    sent stays sent. The number of messages withdrawn."""
    broadcast = await _draft_or_shared(session, user, broadcast_id)
    if not await queries.set_status(
        session,
        broadcast.id,
        expected=(BroadcastStatus.DRAFT, BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING),
        status=BroadcastStatus.CANCELLED,
        finished_at=clock.now(),
    ):
        raise BroadcastChanged()
    withdrawn = await queries.withdraw_waiting(session, broadcast.id, kind=queries.BROADCAST_KIND)
    await session.refresh(broadcast)
    return withdrawn


async def progress(session: AsyncSession, broadcast_id: int) -> Progress:
    counts = await queries.rows_by_status(session, broadcast_id)
    return Progress(
        sent=counts.get(OutboxStatus.SENT, 0),
        failed=counts.get(OutboxStatus.FAILED, 0),
        blocked=counts.get(OutboxStatus.BLOCKED, 0),
        skipped=counts.get(OutboxStatus.SKIPPED, 0),
        interrupted=counts.get(OutboxStatus.INTERRUPTED, 0),
        pending=sum(counts.get(status, 0) for status in queries.WAITING),
    )


async def finish_if_done(
    session: AsyncSession, broadcast: Broadcast, *, clock: Clock
) -> Progress | None:
    """When nothing of a sending (or stopped) broadcast is waiting any more: mark it done and
    return the final figures, once (a second process gets None)."""
    figures = await progress(session, broadcast.id)
    if not figures.finished:
        return None
    if not await queries.mark_report_queued(session, broadcast.id, clock.now()):
        return None
    await queries.set_status(
        session,
        broadcast.id,
        expected=(BroadcastStatus.SENDING,),
        status=BroadcastStatus.DONE,
        finished_at=clock.now(),
    )
    return figures


async def set_progress_message(
    session: AsyncSession, broadcast_id: int, chat_id: int, message_id: int | None
) -> None:
    """Where the coordinator watches the progress: kept in the row, so a restart keeps it."""
    await queries.set_progress_message(session, broadcast_id, chat_id, message_id)
