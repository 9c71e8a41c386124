"""Broadcasts and events: who receives a notice, queueing it once per person in their language,
scheduling, stopping, progress, and answers to events (with capacity and reminders).

A broadcast belongs to a node of the community tree (`community_id`): one community, or the
street or district a coordinator looks after ("all communities below me"). It reaches only
people of the communities below that node, and only coordinators who look after all of them
may act on it.

No Telegram types here: what a message looks like is given by the caller as a `Renderer`
(method and Bot API parameters), so the preview and the real message are the same thing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import LOCALES, Settings
from bot.delivery.outbox import Priority, enqueue_payload
from bot.i18n import recipient_locale
from bot.policy.notify.broadcasts import recipients
from bot.policy.permissions import Action, require
from bot.services import communities, step_failures
from bot.services.communities import home_of
from bot.services.errors import DomainError, InvalidInput, NotAllowed, TextTooLong
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
class Destination:
    """Where a coordinator of several communities may send a notice: all of them (their
    street or district, `everything`), or one."""

    community_id: int
    name: str
    everything: bool
    communities: int


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


# which communities


async def reached(session: AsyncSession, settings: Settings, node: int | None) -> frozenset[int]:
    """The communities a broadcast of this node reaches: itself, or those below a street."""
    return (await communities.tree(session, settings)).below(node)


async def covers(
    session: AsyncSession, settings: Settings, person: User | None, node: int | None
) -> bool:
    """The person acts in every community the node reaches (and it reaches one at least)."""
    below = await reached(session, settings, node)
    return bool(below) and below <= await communities.scope_of(session, settings, person)


async def destinations(
    session: AsyncSession, settings: Settings, author: User | None
) -> list[Destination]:
    """Where this coordinator may send a notice, when they look after several communities:
    all of them first, then each by name. Empty (nothing to ask) for one community."""
    coordinator = require(author, Action.BROADCAST)
    scope = await communities.scope_of(session, settings, coordinator)
    if len(scope) <= 1:
        return []
    tree = await communities.tree(session, settings)
    node = home_of(coordinator)
    return [
        Destination(node, tree.name(node), everything=True, communities=len(scope)),
        *(
            Destination(row.id, row.name, everything=False, communities=1)
            for row in tree.communities
            if row.id in scope
        ),
    ]


async def own_destination(session: AsyncSession, settings: Settings, author: User) -> int:
    """Where the notice of a coordinator of one community goes: that community."""
    scope = await communities.scope_of(session, settings, author)
    return next(iter(scope)) if len(scope) == 1 else home_of(author)


async def broadcast_for(
    session: AsyncSession, user: User | None, broadcast_id: int, *, settings: Settings
) -> Broadcast:
    """A broadcast, for a coordinator of every community it reaches only (another
    community's, from a forged button, does not exist for them)."""
    require(user, Action.BROADCAST)
    broadcast = await session.get(Broadcast, broadcast_id, populate_existing=True)
    if broadcast is None or not await covers(session, settings, user, broadcast.community_id):
        raise BroadcastNotFound()
    return broadcast


async def _draft_or_shared(
    session: AsyncSession, user: User | None, broadcast_id: int, settings: Settings
) -> Broadcast:
    """A draft is its author's alone until it is sent or scheduled (nobody else has seen its
    preview); after that any coordinator of its communities may act on it."""
    broadcast = await broadcast_for(session, user, broadcast_id, settings=settings)
    assert user is not None
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
    community_id: int,
    settings: Settings,
    clock: Clock,
) -> Broadcast:
    """A draft for the communities below `community_id`, all of which the author looks after."""
    require(author, Action.BROADCAST)
    if not await covers(session, settings, author, community_id):
        raise NotAllowed()
    if not versions or any(version["locale"] not in LOCALES for version in versions):
        raise TextEmpty()
    broadcast = Broadcast(
        author_id=author.id,
        community_id=community_id,
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


async def _recipients(
    session: AsyncSession, broadcast: Broadcast, settings: Settings
) -> list[User]:
    return await recipients(
        session,
        broadcast.audience,
        broadcast.audience_value,
        community_ids=await reached(session, settings, broadcast.community_id),
        default_locale=settings.default_locale,
    )


async def count_recipients(
    session: AsyncSession, broadcast: Broadcast, *, settings: Settings
) -> int:
    return len(await _recipients(session, broadcast, settings))


async def _queue(
    session: AsyncSession,
    broadcast: Broadcast,
    render: Renderer,
    *,
    clock: Clock,
    settings: Settings,
) -> int:
    """One outbox row per recipient, in their language; unreachable people are recorded as
    skipped, so the report adds up."""
    people = await _recipients(session, broadcast, settings)
    for person in people:
        assert person.telegram_id is not None
        locale = recipient_locale(person, settings.default_locale)
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
    settings: Settings,
) -> int:
    """Queue a draft (or a scheduled broadcast, early) for everyone in its audience, in this
    transaction; the number of recipients."""
    broadcast = await _draft_or_shared(session, author, broadcast_id, settings)
    if not await queries.start_draft(session, broadcast.id, clock.now()):
        raise BroadcastChanged()
    await session.refresh(broadcast)
    return await _queue(session, broadcast, render, clock=clock, settings=settings)


async def schedule(
    session: AsyncSession,
    author: User,
    broadcast_id: int,
    send_at: datetime,
    *,
    clock: Clock,
    settings: Settings,
) -> Broadcast:
    broadcast = await _draft_or_shared(session, author, broadcast_id, settings)
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
    settings: Settings,
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
            await _queue(session, broadcast, render, clock=clock, settings=settings)
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


async def cancel(
    session: AsyncSession, user: User, broadcast_id: int, *, clock: Clock, settings: Settings
) -> int:
    """Stop a draft, a scheduled or a sending broadcast: what waits becomes skipped, what was
    sent stays sent. The number of messages withdrawn."""
    broadcast = await _draft_or_shared(session, user, broadcast_id, settings)
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
