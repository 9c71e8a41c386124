"""Queries about households. A household belongs to one community; lists are asked of the
communities given, so one community's homes are never shown to another's coordinators."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Household, User


async def get(session: AsyncSession, household_id: int | None) -> Household | None:
    if household_id is None:
        return None
    return await session.get(Household, household_id)


async def codes(session: AsyncSession, community_id: int) -> list[str]:
    return list(
        await session.scalars(select(Household.code).where(Household.community_id == community_id))
    )


async def listed(session: AsyncSession, community_ids: Collection[int]) -> list[Household]:
    """Households of these communities, oldest first."""
    return list(
        await session.scalars(
            select(Household)
            .where(Household.community_id.in_(list(community_ids)))
            .order_by(Household.id)
        )
    )


async def members(session: AsyncSession, household_id: int) -> list[User]:
    """The people who use the bot and live in this household (not those who deleted their data)."""
    return list(
        await session.scalars(
            select(User)
            .where(User.household_id == household_id, User.deleted_at.is_(None))
            .order_by(User.id)
        )
    )


async def forget_member(session: AsyncSession, person: User) -> None:
    """On "delete my data": a household linli opened under the person's own name, with nobody
    else in it, keeps only its code (the coordinators' own households keep their labels)."""
    household = await get(session, person.household_id)
    if household is None or household.created_by_id is not None:
        return
    others = [member for member in await members(session, household.id) if member.id != person.id]
    if not others:
        household.label = household.code
        household.address = None
