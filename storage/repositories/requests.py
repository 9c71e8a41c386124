"""Queries about help requests, their history, and volunteers."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    HelpRequest,
    RequestEvent,
    RequestStatus,
    ServedCommunity,
    User,
    UserRole,
    VolunteerProfile,
    VolunteerStatus,
)

HELD = (RequestStatus.CLAIMED, RequestStatus.IN_PROGRESS)
"""Statuses in which a volunteer holds the task."""

ACTIVE = (RequestStatus.PENDING, RequestStatus.OPEN, *HELD)
"""Statuses of a request that is not finished one way or another."""


async def get(session: AsyncSession, request_id: int) -> HelpRequest | None:
    return await session.get(HelpRequest, request_id, populate_existing=True)


async def update_if_unchanged(
    session: AsyncSession,
    request_id: int,
    *,
    status: RequestStatus,
    version: int,
    values: dict[str, Any],
    extra_condition: Any = None,
) -> bool:
    """Apply `values` only if the row is still in `status` at `version`: a conditional UPDATE, so
    of two people acting on the same request at once exactly one wins, on SQLite (which has no
    row locks) as on PostgreSQL."""
    statement = (
        update(HelpRequest)
        .where(
            HelpRequest.id == request_id,
            HelpRequest.status == status,
            HelpRequest.version == version,
        )
        .values(version=HelpRequest.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if extra_condition is not None:
        statement = statement.where(extra_condition)
    result = await session.execute(statement)
    return result.rowcount == 1  # type: ignore[attr-defined]


def held_count_below(volunteer_id: int, limit: int) -> Any:
    """A condition for the claiming UPDATE: the volunteer holds fewer than `limit` tasks."""
    held = (
        select(func.count())
        .select_from(HelpRequest)
        .where(HelpRequest.volunteer_id == volunteer_id, HelpRequest.status.in_(HELD))
        .scalar_subquery()
    )
    return held < limit


def add_event(
    session: AsyncSession,
    *,
    request_id: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    from_status: RequestStatus | None,
    to_status: RequestStatus | None,
    detail: dict[str, Any] | None = None,
) -> RequestEvent:
    event = RequestEvent(
        request_id=request_id,
        at=at,
        actor_id=actor_id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        detail=detail or {},
    )
    session.add(event)
    return event


async def events_of(session: AsyncSession, request_id: int) -> list[RequestEvent]:
    result = await session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id)
    )
    return list(result)


async def of_resident(
    session: AsyncSession, resident_id: int, *, limit: int = 20
) -> list[HelpRequest]:
    """A resident's requests, unfinished ones first, newest first within each."""
    result = await session.scalars(
        select(HelpRequest)
        .where(HelpRequest.resident_id == resident_id)
        .order_by(HelpRequest.status.in_(ACTIVE).desc(), HelpRequest.id.desc())
        .limit(limit)
    )
    return list(result)


async def held_by(session: AsyncSession, volunteer_id: int) -> list[HelpRequest]:
    result = await session.scalars(
        select(HelpRequest)
        .where(HelpRequest.volunteer_id == volunteer_id, HelpRequest.status.in_(HELD))
        .order_by(HelpRequest.slot_start, HelpRequest.id)
    )
    return list(result)


async def open_tasks(
    session: AsyncSession, community_ids: Collection[int], *, limit: int, offset: int = 0
) -> list[HelpRequest]:
    """Approved, unclaimed tasks of these communities: urgent first, then the soonest."""
    result = await session.scalars(
        select(HelpRequest)
        .where(
            HelpRequest.status == RequestStatus.OPEN,
            HelpRequest.community_id.in_(community_ids),
        )
        .order_by(HelpRequest.urgent.desc(), HelpRequest.slot_start, HelpRequest.id)
        .limit(limit)
        .offset(offset)
    )
    return list(result)


async def count_open_tasks(session: AsyncSession, community_ids: Collection[int]) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(HelpRequest)
        .where(
            HelpRequest.status == RequestStatus.OPEN,
            HelpRequest.community_id.in_(community_ids),
        )
    )
    return int(count or 0)


WAITING = (RequestStatus.PENDING, RequestStatus.OPEN)
"""A request waiting: for a coordinator to check it, or for a volunteer to take it."""


async def waiting(
    session: AsyncSession, community_ids: Collection[int], *, limit: int
) -> list[HelpRequest]:
    """Requests of these communities waiting for a coordinator or a volunteer: those to check
    first, urgent first within each, then the oldest."""
    result = await session.scalars(
        select(HelpRequest)
        .where(HelpRequest.status.in_(WAITING), HelpRequest.community_id.in_(community_ids))
        .order_by(
            (HelpRequest.status == RequestStatus.PENDING).desc(),
            HelpRequest.urgent.desc(),
            HelpRequest.created_at,
            HelpRequest.id,
        )
        .limit(limit)
    )
    return list(result)


async def count_waiting(session: AsyncSession, community_ids: Collection[int]) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(HelpRequest)
        .where(HelpRequest.status.in_(WAITING), HelpRequest.community_id.in_(community_ids))
    )
    return int(count or 0)


async def minutes_done(
    session: AsyncSession, volunteer_id: int, *, since: datetime | None = None
) -> int:
    statement = select(func.coalesce(func.sum(HelpRequest.minutes_spent), 0)).where(
        HelpRequest.volunteer_id == volunteer_id, HelpRequest.status == RequestStatus.DONE
    )
    if since is not None:
        statement = statement.where(HelpRequest.done_at >= since)
    return int(await session.scalar(statement) or 0)


async def unflagged_unclaimed(
    session: AsyncSession, *, normal_before: datetime, urgent_before: datetime
) -> Sequence[int]:
    """Ids of requests waiting (for review or for a volunteer) longer than allowed."""
    result = await session.scalars(
        select(HelpRequest.id).where(
            HelpRequest.status.in_((RequestStatus.PENDING, RequestStatus.OPEN)),
            HelpRequest.unclaimed_flagged_at.is_(None),
            or_(
                and_(HelpRequest.urgent.is_(True), HelpRequest.created_at <= urgent_before),
                HelpRequest.created_at <= normal_before,
            ),
        )
    )
    return list(result)


async def unflagged_overdue(session: AsyncSession, *, slot_ended_before: datetime) -> Sequence[int]:
    result = await session.scalars(
        select(HelpRequest.id).where(
            HelpRequest.status.in_(HELD),
            HelpRequest.overdue_flagged_at.is_(None),
            HelpRequest.slot_end <= slot_ended_before,
        )
    )
    return list(result)


async def set_flag_once(session: AsyncSession, request_id: int, column: str, at: datetime) -> bool:
    """Set a flag timestamp if nobody has: two bot processes never flag the same request twice."""
    flag = getattr(HelpRequest, column)
    result = await session.execute(
        update(HelpRequest)
        .where(HelpRequest.id == request_id, flag.is_(None))
        .values({column: at})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def clear_flag(session: AsyncSession, request_id: int, column: str) -> None:
    """Undo `set_flag_once`: the flag could not be told, so it is due again."""
    await session.execute(
        update(HelpRequest)
        .where(HelpRequest.id == request_id)
        .values({column: None})
        .execution_options(synchronize_session=False)
    )


async def volunteer_profile(session: AsyncSession, user_id: int) -> VolunteerProfile | None:
    return await session.get(VolunteerProfile, user_id, populate_existing=True)


async def waiting_volunteers(
    session: AsyncSession, *, communities: Collection[int], limit: int
) -> tuple[list[tuple[User, VolunteerProfile]], int]:
    """Volunteers of these communities who registered and wait for a coordinator, the longest
    waiting first (at most `limit`), and how many wait in all."""
    waiting = (
        select(User, VolunteerProfile)
        .join(VolunteerProfile, VolunteerProfile.user_id == User.id)
        .where(
            VolunteerProfile.status == VolunteerStatus.PENDING,
            User.community_id.in_(list(communities)),
            User.onboarded_at.is_not(None),
            User.deleted_at.is_(None),
        )
    )
    total = await session.scalar(select(func.count()).select_from(waiting.subquery()))
    rows = await session.execute(
        waiting.order_by(VolunteerProfile.submitted_at, User.id).limit(limit)
    )
    return [(user, profile) for user, profile in rows.all()], int(total or 0)


async def approved_volunteers(
    session: AsyncSession, *, serving: Collection[int], limit: int = 50
) -> list[User]:
    """Approved volunteers who can still be reached and serve a community (`serving`: the
    community, its street, its district -- a volunteer of the street serves it too, as does
    one a coordinator added to it), the least busy first."""
    held = (
        select(func.count())
        .select_from(HelpRequest)
        .where(HelpRequest.volunteer_id == User.id, HelpRequest.status.in_(HELD))
        .scalar_subquery()
    )
    serves = or_(
        User.community_id.in_(serving),
        exists().where(
            ServedCommunity.user_id == User.id, ServedCommunity.community_id.in_(serving)
        ),
    )
    result = await session.scalars(
        select(User)
        .join(VolunteerProfile, VolunteerProfile.user_id == User.id)
        .where(
            VolunteerProfile.status == VolunteerStatus.APPROVED,
            User.deleted_at.is_(None),
            User.role.in_((UserRole.VOLUNTEER, UserRole.COORDINATOR)),
            serves,
        )
        .order_by(held, User.id)
        .limit(limit)
    )
    return list(result)


async def coordinators(session: AsyncSession, *, of: Sequence[int]) -> list[User]:
    """The coordinators of the nearest level of `of` (a community, its street, its district:
    nearest first) that has any."""
    result = await session.scalars(
        select(User)
        .where(
            User.role == UserRole.COORDINATOR,
            User.deleted_at.is_(None),
            User.telegram_id.is_not(None),
            User.community_id.in_(of),
        )
        .order_by(User.id)
    )
    found = list(result)
    for level in of:
        nearest = [person for person in found if person.community_id == level]
        if nearest:
            return nearest
    return []
