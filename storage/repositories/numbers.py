"""Queries behind /numbers and the weekly digest: what happened in some communities between two
moments, read from what linli already records (requests, check-ins, visits, broadcasts), and
the day and hour each community's digest is due.

Each query takes the communities and a half-open [start, end) range in UTC and returns plain
tuples; the rules (medians, what counts as answered) are bot/services/numbers.py's."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Broadcast,
    Checkin,
    CheckinPlan,
    Concern,
    FollowUp,
    HelpRequest,
    NumbersDigest,
    Pairing,
    RequestStatus,
    Visit,
    VisitOutcome,
    Wish,
)


async def requests_by_category_status(
    session: AsyncSession, communities: Collection[int], start: datetime, end: datetime
) -> list[tuple[str, str, int]]:
    """(category, status, how many) of the requests made in the range."""
    rows = await session.execute(
        select(HelpRequest.category, HelpRequest.status, func.count())
        .where(
            HelpRequest.community_id.in_(communities),
            HelpRequest.created_at >= start,
            HelpRequest.created_at < end,
        )
        .group_by(HelpRequest.category, HelpRequest.status)
    )
    return [(str(category), str(status), int(count)) for category, status, count in rows.all()]


async def claim_times(
    session: AsyncSession, communities: Collection[int], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """(made, claimed) of the requests claimed in the range."""
    rows = await session.execute(
        select(HelpRequest.created_at, HelpRequest.claimed_at).where(
            HelpRequest.community_id.in_(communities),
            HelpRequest.claimed_at >= start,
            HelpRequest.claimed_at < end,
        )
    )
    return [(made, claimed) for made, claimed in rows.all()]


async def done_requests(
    session: AsyncSession, communities: Collection[int], start: datetime, end: datetime
) -> list[tuple[datetime, datetime, int | None]]:
    """(made, done, minutes the volunteer gave) of the requests done in the range."""
    rows = await session.execute(
        select(HelpRequest.created_at, HelpRequest.done_at, HelpRequest.minutes_spent).where(
            HelpRequest.community_id.in_(communities),
            HelpRequest.status == RequestStatus.DONE,
            HelpRequest.done_at >= start,
            HelpRequest.done_at < end,
        )
    )
    return [(made, done, minutes) for made, done, minutes in rows.all()]


async def checkins_sent(
    session: AsyncSession, communities: Collection[int], start: datetime, end: datetime
) -> tuple[int, int, int]:
    """(sent, answered, escalated) of the check-ins sent in the range."""
    row = (
        await session.execute(
            select(
                func.count(),
                func.count(Checkin.answered_at),
                func.count(Checkin.escalated_at),
            )
            .select_from(Checkin)
            .join(CheckinPlan, CheckinPlan.id == Checkin.plan_id)
            .where(
                CheckinPlan.community_id.in_(communities),
                Checkin.sent_at >= start,
                Checkin.sent_at < end,
            )
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


async def visits_done(
    session: AsyncSession, communities: Collection[int], start: datetime, end: datetime
) -> list[tuple[datetime, int | None, int | None]]:
    """(logged, wellbeing 0-4, minutes) of the visits and calls that took place in the range."""
    rows = await session.execute(
        select(Visit.logged_at, Visit.wellbeing, Visit.minutes)
        .join(Pairing, Pairing.id == Visit.pairing_id)
        .where(
            Pairing.community_id.in_(communities),
            Visit.outcome == VisitOutcome.DONE,
            Visit.logged_at >= start,
            Visit.logged_at < end,
        )
        .order_by(Visit.logged_at)
    )
    return [(logged, wellbeing, minutes) for logged, wellbeing, minutes in rows.all()]


async def broadcasts_started(
    session: AsyncSession, communities: Collection[int], start: datetime, end: datetime
) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Broadcast)
            .where(
                Broadcast.community_id.in_(communities),
                Broadcast.started_at >= start,
                Broadcast.started_at < end,
            )
        )
        or 0
    )


async def concerns_by_status(
    session: AsyncSession, communities: Collection[int], start: datetime, end: datetime
) -> list[tuple[str, int]]:
    """(status, how many) of the concerns neighbours raised in the range."""
    rows = await session.execute(
        select(Concern.status, func.count())
        .where(
            Concern.community_id.in_(communities),
            Concern.created_at >= start,
            Concern.created_at < end,
        )
        .group_by(Concern.status)
    )
    return [(str(status), int(count)) for status, count in rows.all()]


async def wishes_by_stage(
    session: AsyncSession, communities: Collection[int], start: datetime, end: datetime
) -> dict[str, int]:
    """Small wishes posted, lit and received in the range (each by its own moment)."""
    found = {}
    for stage, column in (
        ("posted", Wish.created_at),
        ("lit", Wish.lit_at),
        ("received", Wish.received_at),
    ):
        found[stage] = int(
            await session.scalar(
                select(func.count())
                .select_from(Wish)
                .where(Wish.community_id.in_(communities), column >= start, column < end)
            )
            or 0
        )
    return found


async def follow_ups_done_and_overdue(
    session: AsyncSession, communities: Collection[int], start: datetime, end: datetime
) -> tuple[int, int]:
    """(done in the range, due before its end and still not done) of the follow-ups."""
    done = await session.scalar(
        select(func.count())
        .select_from(FollowUp)
        .where(
            FollowUp.community_id.in_(communities),
            FollowUp.done_at >= start,
            FollowUp.done_at < end,
        )
    )
    overdue = await session.scalar(
        select(func.count())
        .select_from(FollowUp)
        .where(
            FollowUp.community_id.in_(communities),
            FollowUp.done_at.is_(None),
            FollowUp.due_at < end,
        )
    )
    return int(done or 0), int(overdue or 0)


# the weekly digest


async def digest_of(session: AsyncSession, community_id: int) -> NumbersDigest | None:
    return await session.get(NumbersDigest, community_id)


async def set_digest(
    session: AsyncSession,
    community_id: int,
    *,
    weekday: int,
    hour: int,
    next_due_at: datetime,
    by: int | None,
    at: datetime,
) -> NumbersDigest:
    row = await session.get(NumbersDigest, community_id)
    if row is None:
        row = NumbersDigest(community_id=community_id, weekday=weekday, hour=hour, set_at=at)
        session.add(row)
    row.weekday, row.hour, row.next_due_at = weekday, hour, next_due_at
    row.set_by_id, row.set_at = by, at
    await session.flush()
    return row


async def stop_digest(session: AsyncSession, community_id: int) -> bool:
    row = await session.get(NumbersDigest, community_id)
    if row is None:
        return False
    await session.delete(row)
    await session.flush()
    return True


async def due_digests(session: AsyncSession, now: datetime, limit: int) -> Sequence[NumbersDigest]:
    rows = await session.scalars(
        select(NumbersDigest)
        .where(NumbersDigest.next_due_at <= now)
        .order_by(NumbersDigest.next_due_at)
        .limit(limit)
    )
    return rows.all()


async def claim_digest(
    session: AsyncSession, community_id: int, due_at: datetime, next_due_at: datetime, now: datetime
) -> bool:
    """Move a due digest on to its next time, if it is still due at `due_at`: whoever moves it
    sends it (another process that read the same row finds it moved, and sends nothing)."""
    result = await session.execute(
        update(NumbersDigest)
        .where(NumbersDigest.community_id == community_id, NumbersDigest.next_due_at == due_at)
        .values(next_due_at=next_due_at, last_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]
