"""Queries of the outbox. Every change of a row's status is one conditional UPDATE, so two
senders (two processes) can never both take, or both finish, the same row."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, OutboxStatus, User


def add(
    session: AsyncSession,
    *,
    chat_id: int,
    kind: str,
    priority: int,
    payload: dict[str, Any],
    now: datetime,
    not_before: datetime | None = None,
    user_id: int | None = None,
    method: str = "sendMessage",
    status: OutboxStatus = OutboxStatus.PENDING,
) -> OutboxMessage:
    row = OutboxMessage(
        chat_id=chat_id,
        user_id=user_id,
        kind=kind,
        priority=priority,
        method=method,
        payload=payload,
        status=status,
        attempts=0,
        not_before=not_before or now,
        created_at=now,
    )
    session.add(row)
    return row


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    worker: str,
    limit: int,
    skip_chats: Collection[int] = (),
) -> Sequence[OutboxMessage]:
    """Take up to `limit` due rows, most urgent first. On PostgreSQL rows locked by another
    sender are skipped (SKIP LOCKED); SQLite runs one writer at a time, and the outer
    `status = pending` condition makes a row taken twice impossible on both."""
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before <= now)
        .order_by(OutboxMessage.priority.desc(), OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if skip_chats:
        due = due.where(OutboxMessage.chat_id.not_in(list(skip_chats)))
    result = await session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CLAIMED, claimed_by=worker, claimed_at=now)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    rows = sorted(result.all(), key=lambda row: (-row.priority, row.id))
    return rows


async def _move(
    session: AsyncSession,
    row_id: int,
    *,
    worker: str,
    expected: OutboxStatus,
    **values: Any,
) -> bool:
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == row_id,
            OutboxMessage.status == expected,
            OutboxMessage.claimed_by == worker,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def mark_sending(session: AsyncSession, row_id: int, *, worker: str, now: datetime) -> bool:
    """The last write before the request: after this the row is never sent again."""
    return await _move(
        session,
        row_id,
        worker=worker,
        expected=OutboxStatus.CLAIMED,
        status=OutboxStatus.SENDING,
        claimed_at=now,
        attempts=OutboxMessage.attempts + 1,
    )


async def finish(
    session: AsyncSession,
    row_id: int,
    *,
    worker: str,
    status: OutboxStatus,
    now: datetime,
    telegram_message_id: int | None = None,
    error: str | None = None,
) -> bool:
    values: dict[str, Any] = {"status": status, "error": error[:300] if error else None}
    if status == OutboxStatus.SENT:
        values.update(sent_at=now, telegram_message_id=telegram_message_id)
    return await _move(session, row_id, worker=worker, expected=OutboxStatus.SENDING, **values)


async def retry_later(
    session: AsyncSession,
    row_id: int,
    *,
    worker: str,
    expected: OutboxStatus,
    not_before: datetime,
    error: str | None = None,
) -> bool:
    """Hand a row back to the queue: Telegram refused it (429, 5xx) or it was never tried."""
    return await _move(
        session,
        row_id,
        worker=worker,
        expected=expected,
        status=OutboxStatus.PENDING,
        not_before=not_before,
        claimed_by=None,
        claimed_at=None,
        error=error[:300] if error else None,
    )


async def recover_abandoned(session: AsyncSession, *, older_than: datetime) -> tuple[int, int]:
    """After a crash: rows only claimed go back to the queue; rows caught mid-request are marked
    interrupted and never resent (Telegram may have delivered them)."""
    requeued = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.CLAIMED, OutboxMessage.claimed_at < older_than)
        .values(status=OutboxStatus.PENDING, claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    interrupted = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < older_than)
        .values(status=OutboxStatus.INTERRUPTED, error="sender stopped during the request")
        .execution_options(synchronize_session=False)
    )
    return requeued.rowcount, interrupted.rowcount


async def skip_pending_for_chat(session: AsyncSession, chat_id: int, below_priority: int) -> int:
    """The person blocked the bot: drop what is waiting for them, except urgent messages."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.priority < below_priority,
        )
        .values(status=OutboxStatus.SKIPPED, error="recipient unreachable")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


async def set_chat_reachable(
    session: AsyncSession, telegram_id: int, unreachable_at: datetime | None
) -> bool:
    """Record that a person blocked (a time) or unblocked (None) the bot; True if it changed."""
    result = await session.execute(
        update(User)
        .where(
            User.telegram_id == telegram_id,
            User.unreachable_at.is_(None)
            if unreachable_at is not None
            else User.unreachable_at.is_not(None),
        )
        .values(unreachable_at=unreachable_at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def is_chat_unreachable(session: AsyncSession, chat_id: int) -> bool:
    return bool(
        await session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.telegram_id == chat_id, User.unreachable_at.is_not(None))
        )
    )


async def count_by_status(session: AsyncSession, kind: str | None = None) -> dict[str, int]:
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return {str(status): count for status, count in (await session.execute(query)).all()}
