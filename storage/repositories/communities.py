"""Queries about communities, the streets and districts above them, and who serves where."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Community, CommunityLevel, ServedCommunity, User


async def all_communities(session: AsyncSession) -> list[Community]:
    return list(await session.scalars(select(Community).order_by(Community.id)))


async def by_slug(session: AsyncSession, slug: str) -> Community | None:
    return await session.scalar(select(Community).where(Community.slug == slug))


async def add(
    session: AsyncSession,
    *,
    name: str,
    slug: str,
    level: CommunityLevel,
    parent_id: int | None,
    at: datetime,
    **settings: object,
) -> Community:
    community = Community(
        name=name, slug=slug, level=level, parent_id=parent_id, created_at=at, **settings
    )
    session.add(community)
    await session.flush()
    return community


async def served_by(session: AsyncSession, user_id: int) -> list[int]:
    """The further communities a volunteer serves (their own is on the user)."""
    result = await session.scalars(
        select(ServedCommunity.community_id).where(ServedCommunity.user_id == user_id)
    )
    return list(result)


async def add_served(
    session: AsyncSession, user_id: int, community_id: int, *, by_id: int | None, at: datetime
) -> bool:
    """False when the volunteer already served it."""
    if await session.get(ServedCommunity, (user_id, community_id)) is not None:
        return False
    session.add(
        ServedCommunity(user_id=user_id, community_id=community_id, added_at=at, added_by_id=by_id)
    )
    await session.flush()
    return True


async def remove_served(session: AsyncSession, user_id: int, community_id: int) -> bool:
    result = await session.execute(
        delete(ServedCommunity).where(
            ServedCommunity.user_id == user_id, ServedCommunity.community_id == community_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def by_id(session: AsyncSession, community_id: int) -> Community | None:
    return await session.get(Community, community_id)


async def to_live_in(session: AsyncSession) -> list[Community]:
    """The communities people live in (not streets or districts), by name."""
    result = await session.scalars(
        select(Community)
        .where(Community.level == CommunityLevel.COMMUNITY)
        .order_by(Community.name, Community.id)
    )
    return list(result)


async def with_chat(session: AsyncSession, chat_id: int) -> Community | None:
    """The community, street or district whose coordinators' or volunteers' group this is."""
    return await session.scalar(
        select(Community).where(
            (Community.coordinator_chat_id == chat_id) | (Community.volunteer_chat_id == chat_id)
        )
    )


async def lineage(session: AsyncSession, community_id: int) -> list[int]:
    """The community, its street, its district (nearest first), walked row by row: for a
    question asked once, where the whole tree is not worth reading."""
    chain: list[int] = []
    node = await session.get(Community, community_id)
    while node is not None and node.id not in chain:
        chain.append(node.id)
        node = await session.get(Community, node.parent_id) if node.parent_id else None
    return chain


async def set_members_timezone(session: AsyncSession, community_id: int, timezone: str) -> None:
    """Everyone who belongs to the node (its residents, volunteers, coordinators) lives on its
    clock: after the community's timezone, or its street's, changed."""
    await session.execute(
        update(User)
        .where(User.community_id == community_id, User.timezone != timezone)
        .values(timezone=timezone)
        .execution_options(synchronize_session="fetch")
    )
