"""Queries of the cards of help requests (`storage.models.cards`), and the resolution of an
edit queued before its card's message id was known."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CardAudience, Checkin, OutboxMessage, OutboxStatus, RequestCard

if TYPE_CHECKING:
    from storage.repositories.outbox import ClaimedMessage

EDIT_METHOD = "editMessageText"
EDIT_OF = "edit_of"  # in an edit's payload: the outbox row whose message it edits
WAITING = (OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING)
_EDIT_WAIT = timedelta(seconds=2)


async def add(
    session: AsyncSession,
    *,
    request_id: int,
    audience: CardAudience,
    chat_id: int,
    locale: str,
    now: datetime,
    user_id: int | None = None,
    message_id: int | None = None,
    outbox_id: int | None = None,
    shown: str | None = None,
    flush: bool = True,
) -> RequestCard:
    """A card shown (or queued). A message already known as a card of the request becomes
    this card (a browsing copy claimed in place becomes the holder's card). `flush=False`:
    the caller flushes many at once."""
    card = None
    if message_id is not None:
        card = await session.scalar(
            select(RequestCard).where(
                RequestCard.request_id == request_id,
                RequestCard.chat_id == chat_id,
                RequestCard.message_id == message_id,
            )
        )
    if card is None:
        card = RequestCard(request_id=request_id, chat_id=chat_id, created_at=now)
        session.add(card)
    card.audience, card.locale, card.user_id = audience, locale, user_id
    card.message_id, card.outbox_id, card.shown = message_id, outbox_id, shown
    card.edit_id = None
    if flush:
        await session.flush()
    return card


def new_card(
    *,
    request_id: int,
    audience: CardAudience,
    chat_id: int,
    locale: str,
    now: datetime,
    user_id: int | None = None,
    message_id: int | None = None,
    outbox_id: int | None = None,
    shown: str | None = None,
) -> dict[str, Any]:
    """The row of a card just sent or queued, for `add_many`: no card can have its message
    or its outbox row yet, so nothing is looked up."""
    return {
        "request_id": request_id, "audience": audience, "chat_id": chat_id, "locale": locale,
        "created_at": now, "user_id": user_id, "message_id": message_id,
        "outbox_id": outbox_id, "shown": shown, "edit_id": None,
    }  # fmt: skip


async def add_many(session: AsyncSession, cards: list[dict[str, Any]]) -> None:
    """New cards in one statement (a page of cards, a card to each coordinator)."""
    if cards:
        await session.execute(insert(RequestCard), cards)


async def of_request(session: AsyncSession, request_id: int) -> Sequence[RequestCard]:
    result = await session.scalars(
        select(RequestCard).where(RequestCard.request_id == request_id).order_by(RequestCard.id)
    )
    return list(result)


async def outbox_row(session: AsyncSession, outbox_id: int) -> tuple[OutboxStatus, int | None]:
    """What became of a card's outbox row: its status and, once sent, its message id."""
    found = (
        await session.execute(
            select(OutboxMessage.status, OutboxMessage.telegram_message_id).where(
                OutboxMessage.id == outbox_id
            )
        )
    ).first()
    return (found[0], found[1]) if found else (OutboxStatus.SKIPPED, None)


async def rewrite_pending(session: AsyncSession, outbox_id: int, payload: dict[str, Any]) -> bool:
    """A card not yet sent will show `payload` instead (its method unchanged)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(payload=payload)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def came_from_checkin(session: AsyncSession, request_id: int) -> bool:
    """The request was made by "I need help" on a daily check-in."""
    found = await session.scalar(select(Checkin.id).where(Checkin.request_id == request_id))
    return found is not None


async def resolve_edits(
    session: AsyncSession, rows: list[ClaimedMessage], *, now: datetime, worker: str
) -> list[ClaimedMessage]:
    """Claimed edits of a card whose message id was not known when queued get it now. An edit
    whose card is still on its way goes back to the queue for a moment; one whose card was
    never shown is skipped. Other rows pass unchanged (no query unless there is such an edit)."""
    if not any(row.method == EDIT_METHOD and EDIT_OF in row.payload for row in rows):
        return rows
    kept: list[ClaimedMessage] = []
    for row in rows:
        if row.method != EDIT_METHOD or EDIT_OF not in row.payload:
            kept.append(row)
            continue
        status, message_id = await outbox_row(session, int(row.payload[EDIT_OF]))
        if message_id is not None:
            payload = {k: v for k, v in row.payload.items() if k != EDIT_OF}
            kept.append(row._replace(payload={**payload, "message_id": message_id}))
            continue
        values: dict[str, Any]
        if status in WAITING:
            values = {"status": OutboxStatus.PENDING, "not_before": now + _EDIT_WAIT}
        else:
            values = {"status": OutboxStatus.SKIPPED, "error": "the card was never shown"}
        await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row.id,
                OutboxMessage.status == OutboxStatus.CLAIMED,
                OutboxMessage.claimed_by == worker,
            )
            .values(claimed_by=None, claimed_at=None, lease_expires_at=None, **values)
            .execution_options(synchronize_session=False)
        )
    return kept
