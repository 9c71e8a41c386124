"""Queries about wishes. Lists are asked of the communities given, so one community's wishes
are never shown to another's people; every change is a conditional UPDATE on the version."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, cast, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Wish, WishKind, WishStatus


async def get(session: AsyncSession, wish_id: int) -> Wish | None:
    return await session.get(Wish, wish_id, populate_existing=True)


def add(session: AsyncSession, wish: Wish) -> Wish:
    session.add(wish)
    return wish


async def update_if_unchanged(
    session: AsyncSession,
    wish_id: int,
    *,
    status: WishStatus,
    version: int,
    values: dict[str, Any],
) -> bool:
    """Apply `values` only if the wish is still in `status` at `version`: of two donors (or
    two processes) acting on the same wish at once, exactly one wins, on SQLite as on
    PostgreSQL."""
    result = await session.execute(
        update(Wish)
        .where(Wish.id == wish_id, Wish.status == status, Wish.version == version)
        .values(version=Wish.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


_SPREAD = 1_000_003  # a prime: the wishes scattered on a circle of this many places, ...
_SCATTER = 2_654_435_761  # ... neighbouring ids far apart, then turned by each donor's own offset


async def open_wishes(
    session: AsyncSession,
    community_ids: Collection[int],
    kinds: Collection[WishKind],
    *,
    limit: int,
    offset: int = 0,
    donor_id: int = 0,
) -> tuple[list[Wish], int]:
    """Verified wishes nobody has lit yet, and how many in all. Each donor reads them in an
    order of their own (the same on every page they turn): on a campaign day hundreds of
    donors opening the list at once would otherwise all press the same first few wishes."""
    where = (
        Wish.status == WishStatus.OPEN,
        Wish.community_id.in_(list(community_ids)),
        Wish.kind.in_(list(kinds)),
    )
    rows = await session.scalars(
        select(Wish)
        .where(*where)
        .order_by(
            ((cast(Wish.id, BigInteger) * _SCATTER) % _SPREAD + donor_id * 104_729 % _SPREAD)
            % _SPREAD,
            Wish.id,
        )
        .limit(limit)
        .offset(offset)
    )
    total = await session.scalar(select(func.count()).select_from(Wish).where(*where))
    return list(rows), int(total or 0)


async def lit_by(session: AsyncSession, donor_id: int) -> list[Wish]:
    """The wishes a donor lit and has not brought yet, or brought and not yet confirmed."""
    return list(
        await session.scalars(
            select(Wish)
            .where(
                Wish.donor_id == donor_id,
                Wish.status.in_((WishStatus.LIT, WishStatus.DELIVERED)),
            )
            .order_by(Wish.id)
        )
    )


async def of_household(session: AsyncSession, household_id: int) -> list[Wish]:
    return list(
        await session.scalars(
            select(Wish).where(Wish.household_id == household_id).order_by(Wish.id)
        )
    )


async def due_reminders(session: AsyncSession, before: datetime) -> list[tuple[int, int]]:
    """(id, version) of lit wishes whose deadline is before `before` and whose donor has not
    been reminded yet."""
    rows = await session.execute(
        select(Wish.id, Wish.version).where(
            Wish.status == WishStatus.LIT,
            Wish.reminded_at.is_(None),
            Wish.due_at <= before,
        )
    )
    return [(row[0], row[1]) for row in rows]


async def lapsed(session: AsyncSession, now: datetime) -> list[tuple[int, int]]:
    """(id, version) of lit wishes whose deadline has passed."""
    rows = await session.execute(
        select(Wish.id, Wish.version).where(Wish.status == WishStatus.LIT, Wish.due_at <= now)
    )
    return [(row[0], row[1]) for row in rows]


async def posted_by(session: AsyncSession, user_id: int) -> list[Wish]:
    return list(await session.scalars(select(Wish).where(Wish.posted_by_id == user_id)))


async def thanked_by(session: AsyncSession, user_id: int) -> list[Wish]:
    return list(await session.scalars(select(Wish).where(Wish.received_by_id == user_id)))
