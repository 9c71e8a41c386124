"""Queries of broadcasts, their recipients, their outbox rows and event answers. Every change a
second process could also make is one conditional UPDATE, so it happens once."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Select, exists, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Broadcast,
    BroadcastStatus,
    CheckinPlan,
    CheckinPlanStatus,
    EventResponse,
    OutboxMessage,
    OutboxStatus,
    RsvpAnswer,
    ServedCommunity,
    User,
    UserRole,
    VolunteerProfile,
    VolunteerStatus,
)

BROADCAST_KIND = "broadcast"
REMINDER_KIND = "event.reminder"
WAITING = (OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING)


def reachable_people() -> Select[tuple[User]]:
    """Everyone a broadcast may go to: registered, not deleted, with a Telegram chat."""
    return (
        select(User)
        .where(
            User.onboarded_at.is_not(None),
            User.deleted_at.is_(None),
            User.telegram_id.is_not(None),
        )
        .order_by(User.id)
    )


def in_communities(
    query: Select[tuple[User]], community_ids: Collection[int]
) -> Select[tuple[User]]:
    """Only people who live in (or registered with) these communities, and the volunteers who
    serve them too (`ServedCommunity`): a notice to East Lane's volunteers reaches everyone who
    takes its tasks."""
    ids = list(community_ids)
    serving = select(ServedCommunity.user_id).where(ServedCommunity.community_id.in_(ids))
    return query.where(or_(User.community_id.in_(ids), User.id.in_(serving)))


async def people(session: AsyncSession, query: Select[tuple[User]]) -> list[User]:
    return list(await session.scalars(query))


def with_role(query: Select[tuple[User]], role: UserRole) -> Select[tuple[User]]:
    return query.where(User.role == role)


def approved_volunteers(query: Select[tuple[User]]) -> Select[tuple[User]]:
    return query.where(
        User.role == UserRole.VOLUNTEER,
        exists().where(
            VolunteerProfile.user_id == User.id,
            VolunteerProfile.status == VolunteerStatus.APPROVED,
        ),
    )


def enrolled_in_checkins(query: Select[tuple[User]]) -> Select[tuple[User]]:
    """Residents whose daily check-ins are running."""
    return query.where(
        exists().where(
            CheckinPlan.resident_id == User.id, CheckinPlan.status == CheckinPlanStatus.ACTIVE
        )
    )


def in_place(query: Select[tuple[User]], place_id: int | None) -> Select[tuple[User]]:
    """People who chose this place (None: nobody)."""
    return query.where(User.place_id == place_id) if place_id else query.where(false())


async def claim_due_scheduled(session: AsyncSession, now: datetime) -> list[Broadcast]:
    """Scheduled broadcasts whose time has come, moved to `sending` by this transaction only."""
    due = select(Broadcast.id).where(
        Broadcast.status == BroadcastStatus.SCHEDULED, Broadcast.send_at <= now
    )
    result = await session.scalars(
        update(Broadcast)
        .where(Broadcast.id.in_(due.scalar_subquery()))
        .where(Broadcast.status == BroadcastStatus.SCHEDULED)
        .values(status=BroadcastStatus.SENDING, started_at=now)
        .returning(Broadcast)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.all(), key=lambda broadcast: broadcast.id)


async def scheduled_again(session: AsyncSession, broadcast_id: int) -> None:
    """Undo `claim_due_scheduled` for one broadcast that could not be queued."""
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.SENDING)
        .values(status=BroadcastStatus.SCHEDULED, started_at=None)
        .execution_options(synchronize_session=False)
    )


async def start_draft(session: AsyncSession, broadcast_id: int, now: datetime) -> bool:
    """A draft (or a scheduled one, sent early) starts sending; False if it already moved on."""
    result = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.status.in_((BroadcastStatus.DRAFT, BroadcastStatus.SCHEDULED)),
        )
        .values(status=BroadcastStatus.SENDING, started_at=now, send_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def set_status(
    session: AsyncSession,
    broadcast_id: int,
    *,
    expected: Sequence[BroadcastStatus],
    status: BroadcastStatus,
    **values: object,
) -> bool:
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status.in_(list(expected)))
        .values(status=status, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def rows_by_status(session: AsyncSession, broadcast_id: int) -> dict[OutboxStatus, int]:
    """How many of the broadcast's messages (not its reminders) are in each status."""
    result = await session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.kind == BROADCAST_KIND)
        .group_by(OutboxMessage.status)
    )
    return {OutboxStatus(status): count for status, count in result.all()}


async def withdraw_waiting(
    session: AsyncSession,
    broadcast_id: int,
    *,
    kind: str,
    user_id: int | None = None,
) -> int:
    """Rows of this broadcast not yet under way become skipped; sent ones stay as they are.
    A claimed row is only reserved by a sender, which then finds it gone and leaves it."""
    query = (
        update(OutboxMessage)
        .where(
            OutboxMessage.broadcast_id == broadcast_id,
            OutboxMessage.kind == kind,
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.CLAIMED)),
        )
        .values(status=OutboxStatus.SKIPPED, error="withdrawn", claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    if user_id is not None:
        query = query.where(OutboxMessage.user_id == user_id)
    result = await session.execute(query)
    return result.rowcount


async def awaiting_report(session: AsyncSession) -> list[Broadcast]:
    """Broadcasts sending, or stopped, whose final report is not yet queued."""
    result = await session.scalars(
        select(Broadcast)
        .where(
            Broadcast.status.in_((BroadcastStatus.SENDING, BroadcastStatus.CANCELLED)),
            Broadcast.started_at.is_not(None),
            Broadcast.report_queued_at.is_(None),
        )
        .order_by(Broadcast.id)
    )
    return list(result)


async def mark_report_queued(session: AsyncSession, broadcast_id: int, now: datetime) -> bool:
    """Only one process queues the final report."""
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.report_queued_at.is_(None))
        .values(report_queued_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def set_progress_message(
    session: AsyncSession, broadcast_id: int, chat_id: int, message_id: int | None
) -> None:
    """`message_id` None: the progress message is on its way to `chat_id` (its sender records
    it next), so the monitor neither sends another nor reports before it is known."""
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(progress_chat_id=chat_id, progress_message_id=message_id)
        .execution_options(synchronize_session=False)
    )


async def take_seat(session: AsyncSession, broadcast_id: int) -> bool:
    """One more "yes", unless the event is full: a conditional UPDATE, so two last-seat answers
    at once cannot both win."""
    result = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            (Broadcast.event_capacity.is_(None))
            | (Broadcast.event_going < Broadcast.event_capacity),
        )
        .values(event_going=Broadcast.event_going + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def give_seat_back(session: AsyncSession, broadcast_id: int) -> None:
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.event_going > 0)
        .values(event_going=Broadcast.event_going - 1)
        .execution_options(synchronize_session=False)
    )


async def response_of(
    session: AsyncSession, broadcast_id: int, user_id: int
) -> EventResponse | None:
    return await session.scalar(
        select(EventResponse).where(
            EventResponse.broadcast_id == broadcast_id, EventResponse.user_id == user_id
        )
    )


async def was_sent_to(session: AsyncSession, broadcast_id: int, user_id: int) -> bool:
    """The person is one of the broadcast's recipients (a forwarded copy gives no seat)."""
    return bool(
        await session.scalar(
            select(
                exists().where(
                    OutboxMessage.broadcast_id == broadcast_id,
                    OutboxMessage.kind == BROADCAST_KIND,
                    OutboxMessage.user_id == user_id,
                )
            )
        )
    )


async def coming(session: AsyncSession, broadcast_id: int) -> list[User]:
    """Who said "yes", in the order they answered."""
    result = await session.scalars(
        select(User)
        .join(EventResponse, EventResponse.user_id == User.id)
        .where(EventResponse.broadcast_id == broadcast_id, EventResponse.answer == RsvpAnswer.YES)
        .order_by(EventResponse.at, EventResponse.id)
    )
    return list(result)


async def answers_count(session: AsyncSession, broadcast_id: int) -> dict[RsvpAnswer, int]:
    result = await session.execute(
        select(EventResponse.answer, func.count())
        .where(EventResponse.broadcast_id == broadcast_id)
        .group_by(EventResponse.answer)
    )
    return {RsvpAnswer(answer): count for answer, count in result.all()}


UNREACHED = (OutboxStatus.BLOCKED, OutboxStatus.FAILED, OutboxStatus.SKIPPED)


async def not_reached(
    session: AsyncSession, broadcast_id: int
) -> Sequence[tuple[str | None, int, str | None]]:
    """(name, chat id, error) of each person the broadcast did not reach: refused, failed, or
    skipped because they had been unreachable before (not the rows withdrawn by a stop)."""
    result = await session.execute(
        select(User.display_name, OutboxMessage.chat_id, OutboxMessage.error)
        .outerjoin(User, User.id == OutboxMessage.user_id)
        .where(
            OutboxMessage.broadcast_id == broadcast_id,
            OutboxMessage.kind == BROADCAST_KIND,
            OutboxMessage.status.in_(UNREACHED),
            func.coalesce(OutboxMessage.error, "") != "withdrawn",
        )
        .order_by(OutboxMessage.id)
    )
    return [(name, chat_id, error) for name, chat_id, error in result.all()]


async def last_refusal(session: AsyncSession, chat_id: int) -> str | None:
    """What Telegram last answered when it refused a message to this chat (403)."""
    return await session.scalar(
        select(OutboxMessage.error)
        .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == OutboxStatus.BLOCKED)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
