"""Queries of the outbox. Every change of a row's status is one conditional UPDATE, so two
senders (two processes) can never both take, or both finish, the same row.

A sender's hold on a row (claimed, or sending) is a lease: `lease_expires_at`, renewed while
the sender lives. A row whose lease ran out belongs to nobody, and any live sender takes it
over (`take_over_expired`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, OutboxStatus, User
from storage.repositories import cards as card_queries


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


class ClaimedMessage(NamedTuple):
    """What a sender needs of a claimed row to send it (plain values: claiming a second's worth
    of rows as ORM objects costs the sender several times the CPU)."""

    id: int
    chat_id: int
    priority: int
    method: str
    payload: dict[str, Any]
    attempts: int  # before this claim's attempt
    kind: str
    at_least_once: bool


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    worker: str,
    limit: int,
    lease_until: datetime,
    skip_chats: Collection[int] = (),
    above_priority: int | None = None,
) -> list[ClaimedMessage]:
    """Take up to `limit` due rows, most urgent first, leased to `worker` until `lease_until`.
    On PostgreSQL rows locked by another sender are skipped (SKIP LOCKED); SQLite runs one
    writer at a time, and the outer `status = pending` condition makes a row taken twice
    impossible on both.

    `above_priority` takes only rows more urgent than that: a cheap look (a range of the
    status/priority index) for what should jump the queue of a sender that is busy."""
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before <= now)
        .order_by(OutboxMessage.priority.desc(), OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    params: dict[str, Any] = {}
    if skip_chats:
        due = due.where(OutboxMessage.chat_id.not_in(bindparam("skip_chats", expanding=True)))
        params["skip_chats"] = list(skip_chats)
    if above_priority is not None:
        due = due.where(OutboxMessage.priority > above_priority)
    # A materialized CTE, not `id IN (subquery)`: PostgreSQL may plan the latter as a nested
    # loop that runs the LIMIT subquery again for each row, claiming far more than `limit`.
    chosen = due.cte("due_outbox").prefix_with("MATERIALIZED")
    table = OutboxMessage.__table__
    result = await session.execute(
        update(table)
        .add_cte(chosen)
        .where(table.c.id.in_(select(chosen.c.id)))
        .where(table.c.status == OutboxStatus.PENDING)
        .values(
            status=OutboxStatus.CLAIMED,
            claimed_by=worker,
            claimed_at=now,
            lease_expires_at=lease_until,
        )
        .returning(
            table.c.id,
            table.c.chat_id,
            table.c.priority,
            table.c.method,
            table.c.payload,
            table.c.attempts,
            table.c.kind,
            table.c.at_least_once,
        ),
        params,
    )
    rows = [ClaimedMessage(*row) for row in result]
    rows = await card_queries.resolve_edits(session, rows, now=now, worker=worker)
    rows.sort(key=lambda row: (-row.priority, row.id))
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


async def mark_sending(
    session: AsyncSession, row_id: int, *, worker: str, now: datetime, lease_until: datetime
) -> bool:
    """The last write before the request: after this an at-most-once row is never sent again."""
    return await _move(
        session,
        row_id,
        worker=worker,
        expected=OutboxStatus.CLAIMED,
        status=OutboxStatus.SENDING,
        claimed_at=now,
        lease_expires_at=lease_until,
        attempts=OutboxMessage.attempts + 1,
    )


_OUTBOX = OutboxMessage.__table__
# Built once: the sender runs these many times a second, with lists of ids bound as one
# expanding parameter (no per-id work building the statement).
_MARK_SENDING = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id.in_(bindparam("row_ids", expanding=True)),
        _OUTBOX.c.status == OutboxStatus.CLAIMED,
        _OUTBOX.c.claimed_by == bindparam("worker"),
    )
    .values(
        status=OutboxStatus.SENDING,
        claimed_at=bindparam("now", type_=_OUTBOX.c.claimed_at.type),
        lease_expires_at=bindparam("lease_until", type_=_OUTBOX.c.lease_expires_at.type),
        attempts=_OUTBOX.c.attempts + 1,
    )
    .returning(_OUTBOX.c.id)
)
_HAND_BACK = {
    expected: update(_OUTBOX)
    .where(
        _OUTBOX.c.id.in_(bindparam("row_ids", expanding=True)),
        _OUTBOX.c.status == expected,
        _OUTBOX.c.claimed_by == bindparam("worker"),
    )
    .values(
        status=OutboxStatus.PENDING,
        claimed_by=None,
        claimed_at=None,
        lease_expires_at=None,
        # a `sending` row handed back was never tried: its attempt is given back
        attempts=_OUTBOX.c.attempts - (1 if expected == OutboxStatus.SENDING else 0),
    )
    for expected in (OutboxStatus.CLAIMED, OutboxStatus.SENDING)
}
_FINISH_SENT = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id == bindparam("row_id"),
        _OUTBOX.c.status == OutboxStatus.SENDING,
        _OUTBOX.c.claimed_by == bindparam("worker"),
    )
    .values(
        status=OutboxStatus.SENT,
        error=None,
        lease_expires_at=None,
        sent_at=bindparam("sent_at", type_=_OUTBOX.c.sent_at.type),
        telegram_message_id=bindparam("message_id", type_=_OUTBOX.c.telegram_message_id.type),
    )
)


async def mark_sending_many(
    session: AsyncSession,
    row_ids: Collection[int],
    *,
    worker: str,
    now: datetime,
    lease_until: datetime,
) -> set[int]:
    """`mark_sending` for a whole batch in one statement; the ids actually moved."""
    if not row_ids:
        return set()
    result = await session.execute(
        _MARK_SENDING,
        {"row_ids": list(row_ids), "worker": worker, "now": now, "lease_until": lease_until},
    )
    return set(result.scalars().all())


async def hand_back(
    session: AsyncSession, row_ids: Collection[int], *, worker: str, expected: OutboxStatus
) -> int:
    """Rows this sender took (`expected`: claimed, or marked sending) but never tried go back
    to the queue as they were. Only for rows whose request certainly never left."""
    if not row_ids:
        return 0
    result = await session.execute(
        _HAND_BACK[expected], {"row_ids": list(row_ids), "worker": worker}
    )
    return result.rowcount


async def finish_sent_many(
    session: AsyncSession,
    sent: Sequence[tuple[int, int | None, datetime]],
    *,
    worker: str,
) -> None:
    """`finish(status=sent)` for many (row id, Telegram message id, sent at) at once: one
    executemany of the same conditional UPDATE."""
    if not sent:
        return
    await session.execute(
        _FINISH_SENT,
        [
            {"row_id": row_id, "message_id": message_id, "sent_at": sent_at, "worker": worker}
            for row_id, message_id, sent_at in sent
        ],
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
    values: dict[str, Any] = {
        "status": status,
        "error": error[:300] if error else None,
        "lease_expires_at": None,
    }
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
        lease_expires_at=None,
        error=error[:300] if error else None,
    )


async def renew_leases(session: AsyncSession, *, worker: str, until: datetime) -> int:
    """The sender lives: every row it holds stays its own until `until`."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.claimed_by == worker,
            OutboxMessage.status.in_((OutboxStatus.CLAIMED, OutboxStatus.SENDING)),
        )
        .values(lease_expires_at=until)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


class TakenOver(NamedTuple):
    requeued: int  # claimed, never tried: back to the queue
    resent: int  # at least once, caught mid-request: back to the queue, to be sent again
    interrupted: int  # at most once, caught mid-request: delivery unknown, never resent


async def take_over_expired(session: AsyncSession, *, now: datetime, worker: str) -> TakenOver:
    """Rows whose sender's lease ran out (it died, or hangs): claimed ones go back to the
    queue; of those caught mid-request, the at-least-once ones go back too (a possible
    repeat), the others become interrupted. Rows of `worker` itself are left to it."""
    expired = (
        OutboxMessage.lease_expires_at < now,
        or_(OutboxMessage.claimed_by.is_(None), OutboxMessage.claimed_by != worker),
    )
    free = {"claimed_by": None, "claimed_at": None, "lease_expires_at": None}
    requeued = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.CLAIMED, *expired)
        .values(status=OutboxStatus.PENDING, **free)
        .execution_options(synchronize_session=False)
    )
    resent = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.at_least_once.is_(True),
            *expired,
        )
        .values(
            status=OutboxStatus.PENDING,
            error="possible repeat: the sender stopped during the request",
            **free,
        )
        .execution_options(synchronize_session=False)
    )
    interrupted = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.at_least_once.is_(False),
            *expired,
        )
        .values(
            status=OutboxStatus.INTERRUPTED,
            error="the sender stopped during the request",
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    return TakenOver(requeued.rowcount, resent.rowcount, interrupted.rowcount)


FINISHED = (
    OutboxStatus.SENT,
    OutboxStatus.FAILED,
    OutboxStatus.BLOCKED,
    OutboxStatus.SKIPPED,
    OutboxStatus.INTERRUPTED,
)


async def purge_payloads(
    session: AsyncSession, *, created_before: datetime, now: datetime, batch: int = 500
) -> int:
    """Drop the text of finished rows queued before `created_before` (what was said, to
    whom: the row itself stays for the counts of reports). Up to `batch` rows; how many."""
    chosen = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.purged_at.is_(None),
            OutboxMessage.created_at < created_before,
            OutboxMessage.status.in_(FINISHED),
        )
        .limit(batch)
    )
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(chosen.scalar_subquery()))
        .values(payload={}, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


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


# Numbers to watch (bot/watch): read on each scrape, through the status index.
WAITING_STATUSES = (OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING)


async def depth(session: AsyncSession) -> dict[str, int]:
    """Rows not finished yet, by status (pending, claimed, sending); every status present."""
    query = (
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.status.in_(WAITING_STATUSES))
        .group_by(OutboxMessage.status)
    )
    counts = {str(status): 0 for status in WAITING_STATUSES}
    counts.update({str(status): n for status, n in (await session.execute(query)).all()})
    return counts


async def oldest_waiting_since(session: AsyncSession, now: datetime) -> datetime | None:
    """Since when the longest-waiting row due now has waited to go (its `not_before`): rows
    pending or claimed, not those in flight or postponed to later."""
    return await session.scalar(
        select(func.min(OutboxMessage.not_before)).where(
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.CLAIMED)),
            OutboxMessage.not_before <= now,
        )
    )
