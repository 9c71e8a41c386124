"""Queries about concerns, follow-ups and needs assessments. Lists are asked of the
communities given, so one community's concerns are never shown to another's coordinators."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Checkin,
    CheckinStatus,
    Concern,
    ConcernStatus,
    FollowUp,
    HelpRequest,
    Household,
    HouseholdMember,
    NeedsAssessment,
    User,
    Visit,
    VisitStatus,
)

BATCH = 500


async def get(session: AsyncSession, concern_id: int) -> Concern | None:
    return await session.get(Concern, concern_id)


async def open_concerns(
    session: AsyncSession, community_id: int, *, besides: int, limit: int = 8
) -> list[Concern]:
    """The community's other open concerns, newest first: what a concern may be merged into."""
    return list(
        await session.scalars(
            select(Concern)
            .where(
                Concern.community_id == community_id,
                Concern.status == ConcernStatus.OPEN,
                Concern.id != besides,
            )
            .order_by(Concern.id.desc())
            .limit(limit)
        )
    )


async def open_in(
    session: AsyncSession, community_ids: Collection[int], *, limit: int = 20
) -> tuple[list[Concern], int]:
    """The open concerns of these communities, newest first (at most `limit`), and how many."""
    where = (Concern.community_id.in_(list(community_ids)), Concern.status == ConcernStatus.OPEN)
    found = await session.scalars(
        select(Concern).where(*where).order_by(Concern.id.desc()).limit(limit)
    )
    total = await session.scalar(select(func.count()).select_from(Concern).where(*where))
    return list(found), int(total or 0)


async def merged_into(session: AsyncSession, concern_id: int) -> list[Concern]:
    return list(
        await session.scalars(
            select(Concern).where(Concern.merged_into_id == concern_id).order_by(Concern.id)
        )
    )


async def change_if(
    session: AsyncSession, concern_id: int, *, version: int, values: dict[str, Any]
) -> bool:
    """Apply `values` (and a new version) only if the concern is open at `version`: a double
    tap or a stale card changes it once."""
    result = await session.execute(
        update(Concern)
        .where(
            Concern.id == concern_id,
            Concern.version == version,
            Concern.status == ConcernStatus.OPEN,
        )
        .values(version=version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def of_household(session: AsyncSession, household_id: int) -> list[Concern]:
    return list(
        await session.scalars(
            select(Concern).where(Concern.household_id == household_id).order_by(Concern.id)
        )
    )


async def of_reporter(session: AsyncSession, reporter_id: int) -> list[Concern]:
    return list(await session.scalars(select(Concern).where(Concern.reporter_id == reporter_id)))


async def erase_of_reporter(session: AsyncSession, reporter_id: int) -> None:
    """What the reporter said and where: gone. The concern stays for the household's file, as
    "a neighbour raised a concern" on its date."""
    await session.execute(
        update(Concern)
        .where(Concern.reporter_id == reporter_id)
        .values(
            description="",
            voice_file_id=None,
            photo_file_id=None,
            building=None,
            person_name=None,
            wants_outcome=False,
        )
        .execution_options(synchronize_session=False)
    )


# follow-ups


async def follow_up(session: AsyncSession, follow_up_id: int) -> FollowUp | None:
    return await session.get(FollowUp, follow_up_id)


async def open_follow_ups(session: AsyncSession, household_id: int) -> list[FollowUp]:
    return list(
        await session.scalars(
            select(FollowUp)
            .where(FollowUp.household_id == household_id, FollowUp.done_at.is_(None))
            .order_by(FollowUp.due_at, FollowUp.id)
        )
    )


async def follow_ups_of(session: AsyncSession, household_id: int) -> list[FollowUp]:
    return list(
        await session.scalars(
            select(FollowUp).where(FollowUp.household_id == household_id).order_by(FollowUp.id)
        )
    )


async def follow_ups_due(session: AsyncSession, now: datetime) -> Sequence[FollowUp]:
    """Follow-ups with a step due. PostgreSQL skips rows another process has locked; the
    claim itself is the conditional UPDATE in `claim_step`, which is what SQLite relies on."""
    result = await session.scalars(
        select(FollowUp)
        .where(FollowUp.next_due_at <= now, FollowUp.done_at.is_(None))
        .order_by(FollowUp.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    return list(result)


async def claim_step(
    session: AsyncSession,
    follow_up_id: int,
    *,
    step: int,
    now: datetime,
    next_step: int,
    next_due_at: datetime | None,
    values: dict[str, Any],
) -> bool:
    """Take step `step` if it is still due and nobody took it: of two processes (or two
    ticks) exactly one sees rowcount 1."""
    result = await session.execute(
        update(FollowUp)
        .where(
            FollowUp.id == follow_up_id,
            FollowUp.next_step == step,
            FollowUp.next_due_at <= now,
            FollowUp.done_at.is_(None),
        )
        .values(next_step=next_step, next_due_at=next_due_at, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def mark_done(session: AsyncSession, follow_up_id: int, *, by_id: int, now: datetime) -> bool:
    """Done once: a double tap, or a tap as the scheduler flags it, counts one."""
    result = await session.execute(
        update(FollowUp)
        .where(FollowUp.id == follow_up_id, FollowUp.done_at.is_(None))
        .values(done_at=now, done_by_id=by_id, next_due_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def households_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, Household]:
    found = await session.scalars(select(Household).where(Household.id.in_(list(ids))))
    return {household.id: household for household in found}


async def people_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, User]:
    found = await session.scalars(select(User).where(User.id.in_(list(ids))))
    return {person.id: person for person in found}


# needs


async def needs_of(session: AsyncSession, household_id: int) -> NeedsAssessment | None:
    return await session.get(NeedsAssessment, household_id)


# what linli records about the household's people (the timeline)


async def requests_of(session: AsyncSession, people: Collection[int]) -> list[HelpRequest]:
    return list(
        await session.scalars(select(HelpRequest).where(HelpRequest.resident_id.in_(list(people))))
    )


CHECKIN_OUTCOMES = (
    CheckinStatus.FINE,
    CheckinStatus.HELP,
    CheckinStatus.PROXY,
    CheckinStatus.REACHED,
    CheckinStatus.ESCALATED,
)


async def checkins_of(session: AsyncSession, people: Collection[int]) -> list[Checkin]:
    """Check-ins answered or escalated (not those still to come, paused or covered)."""
    return list(
        await session.scalars(
            select(Checkin).where(
                Checkin.resident_id.in_(list(people)),
                or_(Checkin.status.in_(CHECKIN_OUTCOMES), Checkin.escalated_at.is_not(None)),
            )
        )
    )


async def visits_of(session: AsyncSession, people: Collection[int]) -> list[Visit]:
    return list(
        await session.scalars(
            select(Visit).where(
                Visit.resident_id.in_(list(people)),
                Visit.status.in_((VisitStatus.LOGGED, VisitStatus.CANCELLED)),
            )
        )
    )


async def members_without_phone(session: AsyncSession, household_id: int) -> list[HouseholdMember]:
    return list(
        await session.scalars(
            select(HouseholdMember)
            .where(HouseholdMember.household_id == household_id)
            .order_by(HouseholdMember.id)
        )
    )
