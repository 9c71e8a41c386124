"""Queries of offers of time."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OfferStatus, TimeOffer

UNDER_WAY = (OfferStatus.OPEN, OfferStatus.MATCHED)


async def get(session: AsyncSession, offer_id: int) -> TimeOffer | None:
    return await session.get(TimeOffer, offer_id)


async def update_if_unchanged(
    session: AsyncSession,
    offer_id: int,
    *,
    status: OfferStatus,
    version: int,
    values: dict[str, Any],
) -> bool:
    """Apply `values` only if the offer is still in `status` at `version`: of two coordinators
    (or a double tap) exactly one wins, on SQLite as on PostgreSQL."""
    result = await session.execute(
        update(TimeOffer)
        .where(TimeOffer.id == offer_id, TimeOffer.status == status, TimeOffer.version == version)
        .values(version=TimeOffer.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def under_way_in(
    session: AsyncSession, community_ids: Collection[int], *, limit: int
) -> list[TimeOffer]:
    """Open and matched offers of these communities, the oldest first."""
    rows = await session.scalars(
        select(TimeOffer)
        .where(TimeOffer.community_id.in_(list(community_ids)), TimeOffer.status.in_(UNDER_WAY))
        .order_by(TimeOffer.created_at, TimeOffer.id)
        .limit(limit)
    )
    return list(rows)


async def under_way_of(session: AsyncSession, user_id: int) -> list[TimeOffer]:
    rows = await session.scalars(
        select(TimeOffer)
        .where(TimeOffer.offered_by_id == user_id, TimeOffer.status.in_(UNDER_WAY))
        .order_by(TimeOffer.id)
    )
    return list(rows)


async def erase_of(session: AsyncSession, user_id: int) -> list[str]:
    """On "delete my data": their offers go; returns the words they had typed (to redact)."""
    words = await session.scalars(select(TimeOffer.words).where(TimeOffer.offered_by_id == user_id))
    free = await session.scalars(
        select(TimeOffer.free_words).where(TimeOffer.offered_by_id == user_id)
    )
    typed = [text for text in (*words, *free) if text]
    await session.execute(delete(TimeOffer).where(TimeOffer.offered_by_id == user_id))
    return typed
