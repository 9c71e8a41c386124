"""Queries about users."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import User, UserRole


async def get_by_telegram_id(session: AsyncSession, telegram_id: int) -> User | None:
    return await session.scalar(select(User).where(User.telegram_id == telegram_id))


async def get_by_id(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def list_with_role(session: AsyncSession, role: UserRole) -> list[User]:
    """Onboarded, not deleted users of one role, oldest first."""
    result = await session.scalars(
        select(User)
        .where(User.role == role, User.deleted_at.is_(None), User.onboarded_at.is_not(None))
        .order_by(User.id)
    )
    return list(result)
