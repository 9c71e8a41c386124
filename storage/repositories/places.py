"""Queries about the places coordinators define. A place belongs to one community: every list
and every name is asked of the communities given (`community_ids`), so one community's
buildings are never offered to another's people."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import HelpRequest, Place, User


async def listed(
    session: AsyncSession, community_ids: Collection[int], *, include_hidden: bool = False
) -> list[Place]:
    """Places of these communities in the order people see them on the buttons."""
    query = (
        select(Place)
        .where(Place.community_id.in_(list(community_ids)))
        .order_by(Place.position, Place.id)
    )
    if not include_hidden:
        query = query.where(Place.active.is_(True))
    return list(await session.scalars(query))


async def get(session: AsyncSession, place_id: int | None) -> Place | None:
    if place_id is None:
        return None
    return await session.get(Place, place_id)


async def named(session: AsyncSession, name: str, community_ids: Collection[int]) -> Place | None:
    """A place of these communities with this name, ignoring case (shown or hidden)."""
    return await session.scalar(
        select(Place)
        .where(func.lower(Place.name) == name.lower(), Place.community_id.in_(list(community_ids)))
        .order_by(Place.id)
        .limit(1)
    )


async def next_position(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.coalesce(func.max(Place.position), 0))) or 0) + 1


async def relabel(session: AsyncSession, place_id: int, name: str) -> None:
    """Everyone and every request at this place shows its new name."""
    await session.execute(update(User).where(User.place_id == place_id).values(area=name))
    await session.execute(
        update(HelpRequest).where(HelpRequest.place_id == place_id).values(area=name)
    )
