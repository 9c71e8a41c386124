"""Queries about groups' languages and the people waiting for a call back."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CallBack, GroupChat, User


async def group_locale(session: AsyncSession, chat_id: int) -> str | None:
    return await session.scalar(select(GroupChat.locale).where(GroupChat.chat_id == chat_id))


async def set_group_locale(
    session: AsyncSession, chat_id: int, locale: str, by: User, at: datetime
) -> None:
    group = await session.get(GroupChat, chat_id)
    if group is None:
        session.add(GroupChat(chat_id=chat_id, locale=locale, set_by_id=by.id, set_at=at))
    else:
        group.locale, group.set_by_id, group.set_at = locale, by.id, at
    await session.flush()


async def waiting_call_back_of(session: AsyncSession, user_id: int) -> CallBack | None:
    return await session.scalar(
        select(CallBack).where(CallBack.user_id == user_id, CallBack.done_at.is_(None)).limit(1)
    )


async def add_call_back(
    session: AsyncSession, user_id: int, community_id: int, at: datetime
) -> CallBack:
    call = CallBack(user_id=user_id, community_id=community_id, asked_at=at)
    session.add(call)
    await session.flush()
    return call


async def waiting_call_backs(
    session: AsyncSession, community_ids: Collection[int], limit: int = 30
) -> list[tuple[CallBack, User]]:
    """Those of these communities, the oldest first: whoever asked first is called first."""
    rows = await session.execute(
        select(CallBack, User)
        .join(User, User.id == CallBack.user_id)
        .where(CallBack.done_at.is_(None), CallBack.community_id.in_(list(community_ids)))
        .order_by(CallBack.asked_at, CallBack.id)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in rows]


async def get_call_back(session: AsyncSession, call_id: int) -> tuple[CallBack, User] | None:
    row = (
        await session.execute(
            select(CallBack, User)
            .join(User, User.id == CallBack.user_id)
            .where(CallBack.id == call_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def mark_called(session: AsyncSession, call_id: int, by: User, at: datetime) -> bool:
    """Mark one call back done; False when it was already done (by anyone)."""
    result = await session.execute(
        update(CallBack)
        .where(CallBack.id == call_id, CallBack.done_at.is_(None))
        .values(done_at=at, done_by_id=by.id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def erase_call_backs_of(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(CallBack).where(CallBack.user_id == user_id))
