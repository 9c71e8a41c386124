"""Queries about invitation codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Invite


async def get_by_hash(session: AsyncSession, code_hash: str) -> Invite | None:
    return await session.scalar(select(Invite).where(Invite.code_hash == code_hash))


async def mark_used(session: AsyncSession, invite_id: int, user_id: int, at: datetime) -> bool:
    """Use the invite if nobody has yet and it has not expired at `at`; one conditional UPDATE,
    so two redeemers cannot both win and an invite cannot expire between a check and its use
    (SQLite ignores row locks, so a SELECT ... FOR UPDATE would not be enough)."""
    result = await session.execute(
        update(Invite)
        .where(Invite.id == invite_id, Invite.used_at.is_(None), Invite.expires_at > at)
        .values(used_at=at, used_by_id=user_id)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1


async def last_used_by(session: AsyncSession, user_id: int) -> Invite | None:
    """The invite this person redeemed most recently, if any."""
    return await session.scalar(
        select(Invite).where(Invite.used_by_id == user_id).order_by(Invite.used_at.desc()).limit(1)
    )
