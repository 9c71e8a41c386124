"""Queries about the places coordinators define."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import HelpRequest, Place, User


async def listed(session: AsyncSession, *, include_hidden: bool = False) -> list[Place]:
    """Places in the order people see them on the buttons."""
    query = select(Place).order_by(Place.position, Place.id)
    if not include_hidden:
        query = query.where(Place.active.is_(True))
    return list(await session.scalars(query))


async def get(session: AsyncSession, place_id: int | None) -> Place | None:
    if place_id is None:
        return None
    return await session.get(Place, place_id)


async def named(session: AsyncSession, name: str) -> Place | None:
    """A place with this name, ignoring case (shown or hidden)."""
    return await session.scalar(
        select(Place).where(func.lower(Place.name) == name.lower()).order_by(Place.id).limit(1)
    )


async def next_position(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.coalesce(func.max(Place.position), 0))) or 0) + 1


async def relabel(session: AsyncSession, place_id: int, name: str) -> None:
    """Everyone and every request at this place shows its new name."""
    await session.execute(update(User).where(User.place_id == place_id).values(area=name))
    await session.execute(
        update(HelpRequest).where(HelpRequest.place_id == place_id).values(area=name)
    )
