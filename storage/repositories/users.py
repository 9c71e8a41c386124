"""Queries about users."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import User, UserRole, VolunteerProfile, VolunteerStatus


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


def registered_residents() -> Select[tuple[User]]:
    return select(User).where(
        User.role == UserRole.RESIDENT,
        User.deleted_at.is_(None),
        User.onboarded_at.is_not(None),
    )


def approved_volunteers() -> Select[tuple[User]]:
    """Volunteers (and coordinators who volunteer) a coordinator approved, still with us."""
    return (
        select(User)
        .join(VolunteerProfile, VolunteerProfile.user_id == User.id)
        .where(
            VolunteerProfile.status == VolunteerStatus.APPROVED,
            User.deleted_at.is_(None),
            User.telegram_id.is_not(None),
            User.role.in_((UserRole.VOLUNTEER, UserRole.COORDINATOR)),
        )
    )


async def page_by_name(
    session: AsyncSession,
    query: Select[tuple[User]],
    *,
    name: str | None,
    limit: int,
    offset: int,
) -> tuple[list[User], int]:
    """A page of `query`'s people in name order (only those whose name contains `name`, when
    given), and how many there are in all: the pickers of /pair and /enrol."""
    if name:
        query = query.where(func.lower(User.display_name).contains(name.strip().lower()))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    result = await session.scalars(
        query.order_by(User.display_name, User.id).limit(limit).offset(max(offset, 0))
    )
    return list(result), int(total or 0)
