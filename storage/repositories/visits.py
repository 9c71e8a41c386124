"""Queries about pairings and their visits. The scheduler's queries are index ranges
(`next_visit_at <= t`, `next_due_at <= now`), and every step is claimed with a conditional
UPDATE, so two bot processes never take the same one."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Pairing,
    ServedCommunity,
    User,
    UserRole,
    Visit,
    VisitStatus,
)
from storage.repositories import users as user_queries

OPEN = (VisitStatus.SCHEDULED, VisitStatus.CONFIRMED)
"""Statuses of a visit that has not been cancelled or logged."""

BATCH = 200


async def get_pairing(session: AsyncSession, pairing_id: int) -> Pairing | None:
    return await session.get(Pairing, pairing_id, populate_existing=True)


async def get_visit(session: AsyncSession, visit_id: int) -> Visit | None:
    return await session.get(Visit, visit_id, populate_existing=True)


# ---- people to pair (and to put in a check-in chain) ----------------------------------------


def residents_of(community_ids: Collection[int]) -> Select[tuple[User]]:
    """Registered residents living in these communities."""
    return user_queries.registered_residents().where(User.community_id.in_(list(community_ids)))


def volunteers_serving(lineage: Collection[int]) -> Select[tuple[User]]:
    """Approved volunteers who serve a community, given as its lineage (the community, its
    street, its district): registered at one of them, or a volunteer a coordinator added there
    (the rule of `bot.services.communities.scope_of`, as a query)."""
    nodes = list(lineage)
    served = exists().where(
        ServedCommunity.user_id == User.id, ServedCommunity.community_id.in_(nodes)
    )
    return user_queries.approved_volunteers().where(
        or_(User.community_id.in_(nodes), and_(User.role == UserRole.VOLUNTEER, served))
    )


# ---- pairings -------------------------------------------------------------------------------


async def active_pairings(
    session: AsyncSession, community_ids: Collection[int], *, limit: int = 50
) -> list[Pairing]:
    """Active pairings of residents of these communities, the next visit first."""
    result = await session.scalars(
        select(Pairing)
        .where(Pairing.active.is_(True), Pairing.community_id.in_(list(community_ids)))
        .order_by(Pairing.next_visit_at, Pairing.id)
        .limit(limit)
    )
    return list(result)


async def active_pairing_of(
    session: AsyncSession, volunteer_id: int, resident_id: int
) -> Pairing | None:
    return await session.scalar(
        select(Pairing).where(
            Pairing.volunteer_id == volunteer_id,
            Pairing.resident_id == resident_id,
            Pairing.active.is_(True),
        )
    )


async def pairings_due(session: AsyncSession, before: datetime) -> Sequence[int]:
    """Active pairings whose next occurrence is to be written as a visit by `before`."""
    result = await session.scalars(
        select(Pairing.id)
        .where(Pairing.next_visit_at <= before, Pairing.active.is_(True))
        .order_by(Pairing.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    return list(result)


async def advance_pairing(
    session: AsyncSession, pairing_id: int, *, current: datetime, following: datetime
) -> bool:
    """Move the pairing on from `current` to `following`, only if nobody else did: the one who
    wins writes the visit for `current`."""
    result = await session.execute(
        update(Pairing)
        .where(
            Pairing.id == pairing_id,
            Pairing.next_visit_at == current,
            Pairing.active.is_(True),
        )
        .values(next_visit_at=following)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


# ---- visits ---------------------------------------------------------------------------------


async def visits_due(session: AsyncSession, now: datetime) -> Sequence[int]:
    """Visits with a step due. PostgreSQL skips rows another process has locked; the claim
    itself is the conditional UPDATE in `claim_step`, which is what SQLite relies on."""
    result = await session.scalars(
        select(Visit.id)
        .where(Visit.next_due_at <= now)
        .order_by(Visit.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    return list(result)


async def claim_step(
    session: AsyncSession,
    visit_id: int,
    *,
    step: int,
    now: datetime,
    next_step: int,
    next_due_at: datetime | None,
) -> bool:
    """Take step `step` of a visit if it is still due and nobody took it: of two processes
    (or two ticks) exactly one sees rowcount 1."""
    result = await session.execute(
        update(Visit)
        .where(Visit.id == visit_id, Visit.next_step == step, Visit.next_due_at <= now)
        .values(next_step=next_step, next_due_at=next_due_at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def step_due_again(session: AsyncSession, visit_id: int, step: int, at: datetime) -> None:
    """A claimed step that failed is due again at `at`: the visit goes back to that step."""
    await session.execute(
        update(Visit)
        .where(Visit.id == visit_id)
        .values(next_step=step, next_due_at=at)
        .execution_options(synchronize_session=False)
    )


async def update_visit_if(
    session: AsyncSession,
    visit_id: int,
    *,
    statuses: Sequence[VisitStatus],
    values: dict[str, Any],
    volunteer_id: int | None = None,
) -> bool:
    """Apply `values` only if the visit is still in one of `statuses` (a double tap, or a tick
    and a tap at once, change it once)."""
    statement = (
        update(Visit)
        .where(Visit.id == visit_id, Visit.status.in_(statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if volunteer_id is not None:
        statement = statement.where(Visit.volunteer_id == volunteer_id)
    result = await session.execute(statement)
    return result.rowcount == 1  # type: ignore[attr-defined]


async def upcoming_of_volunteer(
    session: AsyncSession, volunteer_id: int, *, since: datetime, limit: int = 10
) -> list[Visit]:
    """Visits still to happen, and past ones not yet logged, soonest first."""
    result = await session.scalars(
        select(Visit)
        .where(
            Visit.volunteer_id == volunteer_id,
            Visit.status.in_(OPEN),
            or_(Visit.scheduled_at >= since, Visit.logged_at.is_(None)),
        )
        .order_by(Visit.scheduled_at, Visit.id)
        .limit(limit)
    )
    return list(result)


async def upcoming(
    session: AsyncSession, community_ids: Collection[int], *, since: datetime, limit: int = 20
) -> list[Visit]:
    """Coming visits of pairings in these communities, soonest first."""
    result = await session.scalars(
        select(Visit)
        .join(Pairing, Pairing.id == Visit.pairing_id)
        .where(
            Visit.status.in_(OPEN),
            Visit.scheduled_at >= since,
            Pairing.community_id.in_(list(community_ids)),
        )
        .order_by(Visit.scheduled_at, Visit.id)
        .limit(limit)
    )
    return list(result)


async def last_wellbeing(session: AsyncSession, resident_id: int, *, count: int) -> list[int]:
    """The resident's latest wellbeing scores, newest first."""
    result = await session.scalars(
        select(Visit.wellbeing)
        .where(
            Visit.resident_id == resident_id,
            Visit.status == VisitStatus.LOGGED,
            Visit.wellbeing.is_not(None),
        )
        .order_by(Visit.logged_at.desc(), Visit.id.desc())
        .limit(count)
    )
    return [int(score) for score in result if score is not None]


async def minutes_logged(
    session: AsyncSession, volunteer_id: int, *, since: datetime | None = None
) -> int:
    """Minutes of logged visits and calls: they count towards the volunteer's hours."""
    statement = select(func.coalesce(func.sum(Visit.minutes), 0)).where(
        Visit.volunteer_id == volunteer_id, Visit.status == VisitStatus.LOGGED
    )
    if since is not None:
        statement = statement.where(Visit.logged_at >= since)
    return int(await session.scalar(statement) or 0)


async def end_pairings_of(session: AsyncSession, user_id: int) -> None:
    """Someone deleted their data: their pairings end and nothing more is sent about their
    visits, to either side."""
    await session.execute(
        update(Pairing)
        .where((Pairing.volunteer_id == user_id) | (Pairing.resident_id == user_id))
        .values(active=False, next_visit_at=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Visit)
        .where((Visit.volunteer_id == user_id) | (Visit.resident_id == user_id))
        .values(next_due_at=None)
        .execution_options(synchronize_session=False)
    )
