"""A gentle nudge to give time back (爱心时间 flows both ways): a resident who opted in, and
was helped at least HELPED_TIMES times in the last HELPED_WITHIN, hears at most once a month
that she could give some time back too, if she likes. The monthly limit is the claim itself (a
conditional UPDATE), so two bot processes never nudge her twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.policy.permissions import is_resident
from bot.services.errors import NotAllowed
from storage.models import GiveBackNudge, HelpRequest, RequestStatus, User
from storage.repositories import audit

HELPED_TIMES = 3
HELPED_WITHIN = timedelta(days=90)
AT_MOST_EVERY = timedelta(days=30)


async def wants_nudges(session: AsyncSession, person: User | None) -> bool | None:
    """Whether she opted in; None for anyone but a resident (nothing to offer)."""
    if not is_resident(person) or person is None:
        return None
    return await session.get(GiveBackNudge, person.id) is not None


async def set_nudges(
    session: AsyncSession, person: User | None, on: bool, *, now: datetime
) -> bool:
    if not is_resident(person) or person is None:
        raise NotAllowed()
    found = await session.get(GiveBackNudge, person.id)
    if on and found is None:
        session.add(GiveBackNudge(user_id=person.id, since=now, last_at=None))
    elif not on and found is not None:
        await session.delete(found)
    else:
        return on
    audit.record(
        session,
        at=now,
        action="give_back.on" if on else "give_back.off",
        actor_id=person.id,
        subject_id=person.id,
    )
    await session.flush()
    return on


async def take_due(session: AsyncSession, *, now: datetime) -> list[User]:
    """Residents to nudge now, each claimed (at most once in AT_MOST_EVERY)."""
    waiting = or_(GiveBackNudge.last_at.is_(None), GiveBackNudge.last_at < now - AT_MOST_EVERY)
    opted_in = select(GiveBackNudge.user_id).where(waiting)  # few: those who asked for it
    candidates = list(
        await session.scalars(
            select(HelpRequest.resident_id)
            .where(
                HelpRequest.resident_id.in_(opted_in),
                HelpRequest.status == RequestStatus.DONE,
                HelpRequest.done_at >= now - HELPED_WITHIN,
            )
            .group_by(HelpRequest.resident_id)
            .having(func.count(HelpRequest.id) >= HELPED_TIMES)
        )
    )
    due = []
    for user_id in candidates:
        claimed = await session.execute(
            update(GiveBackNudge)
            .where(GiveBackNudge.user_id == user_id, waiting)
            .values(last_at=now)
            .execution_options(synchronize_session=False)
        )
        person = await session.get(User, user_id)
        if claimed.rowcount and person is not None and is_resident(person):  # type: ignore[attr-defined]
            due.append(person)
    return due


async def forget(session: AsyncSession, user_id: int) -> None:
    """On "delete my data"."""
    await session.execute(delete(GiveBackNudge).where(GiveBackNudge.user_id == user_id))
