"""Queries of the storehouse: items, the movements log, pledges. Stock changes only by
`take` and `put` (one conditional UPDATE each), called with the movement's row in the same
transaction."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import MovementKind, StoreItem, StoreMovement, StorePledge


async def items(session: AsyncSession, community_id: int) -> list[StoreItem]:
    return list(
        await session.scalars(
            select(StoreItem).where(StoreItem.community_id == community_id).order_by(StoreItem.id)
        )
    )


async def item_named(session: AsyncSession, community_id: int, name: str) -> StoreItem | None:
    return await session.scalar(
        select(StoreItem).where(StoreItem.community_id == community_id, StoreItem.name == name)
    )


async def put(session: AsyncSession, item_id: int, quantity: int) -> int:
    """Add to the kept stock; the new stock."""
    stock = await session.scalar(
        update(StoreItem)
        .where(StoreItem.id == item_id)
        .values(stock=StoreItem.stock + quantity)
        .returning(StoreItem.stock)
        .execution_options(synchronize_session=False)
    )
    assert stock is not None
    return stock


async def take(session: AsyncSession, item_id: int, quantity: int) -> int | None:
    """Take from the kept stock if there is enough: the new stock, or None (nothing changed).
    One statement: a concurrent taker waits for the row (PostgreSQL) or for the one writer
    (SQLite) and the condition is checked on the stock as it is then."""
    return await session.scalar(
        update(StoreItem)
        .where(StoreItem.id == item_id, StoreItem.stock >= quantity)
        .values(stock=StoreItem.stock - quantity)
        .returning(StoreItem.stock)
        .execution_options(synchronize_session=False)
    )


async def log_sum(session: AsyncSession, item_id: int) -> int:
    """Received less given, from the log alone."""
    signed = case((StoreMovement.kind == MovementKind.RECEIVED, StoreMovement.quantity),
                  else_=-StoreMovement.quantity)  # fmt: skip
    total = await session.scalar(
        select(func.coalesce(func.sum(signed), 0)).where(StoreMovement.item_id == item_id)
    )
    return int(total or 0)


async def received_batches(session: AsyncSession, item_ids: Collection[int]) -> list[StoreMovement]:
    return list(
        await session.scalars(
            select(StoreMovement)
            .where(
                StoreMovement.item_id.in_(list(item_ids)),
                StoreMovement.kind == MovementKind.RECEIVED,
            )
            .order_by(StoreMovement.id)
        )
    )


async def given_totals(session: AsyncSession, item_ids: Collection[int]) -> dict[int, int]:
    rows = await session.execute(
        select(StoreMovement.item_id, func.sum(StoreMovement.quantity))
        .where(StoreMovement.item_id.in_(list(item_ids)), StoreMovement.kind == MovementKind.GIVEN)
        .group_by(StoreMovement.item_id)
    )
    return {item_id: int(total) for item_id, total in rows.all()}


async def pledges(session: AsyncSession, community_id: int) -> list[StorePledge]:
    return list(
        await session.scalars(
            select(StorePledge)
            .where(StorePledge.community_id == community_id, StorePledge.stopped_at.is_(None))
            .order_by(StorePledge.next_due_on, StorePledge.id)
        )
    )


async def pledged_received(
    session: AsyncSession, pledge_ids: Collection[int], since: datetime, until: datetime
) -> dict[int, int]:
    """What came in for each pledge between `since` and `until`."""
    rows = await session.execute(
        select(StoreMovement.pledge_id, func.sum(StoreMovement.quantity))
        .where(
            StoreMovement.pledge_id.in_(list(pledge_ids)),
            StoreMovement.kind == MovementKind.RECEIVED,
            StoreMovement.at >= since,
            StoreMovement.at < until,
        )
        .group_by(StoreMovement.pledge_id)
    )
    return {pledge_id: int(total) for pledge_id, total in rows.all()}


async def pledges_due(session: AsyncSession, on_or_before: date) -> list[StorePledge]:
    """Pledges whose next gift is due by then (the job checks each community's own date)."""
    return list(
        await session.scalars(
            select(StorePledge)
            .where(
                StorePledge.stopped_at.is_(None),
                StorePledge.next_due_on <= on_or_before,
            )
            .order_by(StorePledge.id)
            .limit(500)
        )
    )


async def move_due_on(session: AsyncSession, pledge_id: int, seen: date, to: date) -> bool:
    """The reminder's claim: of two processes, the one whose UPDATE finds `seen` reminds."""
    result = await session.execute(
        update(StorePledge)
        .where(StorePledge.id == pledge_id, StorePledge.next_due_on == seen)
        .values(next_due_on=to)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]
