"""Editing a card through the outbox before Telegram has told us its message id: a card not
sent yet is rewritten in place; an edit of a card on its way waits for the card's id and then
carries it; an edit of a card that was never shown is skipped; an edit that changes nothing
is not queued at all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import ManualClock
from bot.delivery import cards
from bot.delivery.outbox import Priority, enqueue_message
from bot.services.requests import RequestDraft, submit_request
from storage.models import (
    CardAudience,
    OutboxMessage,
    OutboxStatus,
    RequestCategory,
    UserRole,
)
from storage.repositories import cards as card_queries
from storage.repositories import outbox as outbox_queries
from tests.people import make_person

pytestmark = pytest.mark.postgresql
GROUP = -100_200
BUTTON = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="🙌 I'll do it", callback_data="t:claim:1")]]
)


async def a_card(session: AsyncSession, clock: ManualClock) -> tuple[int, int]:
    """A request and its group post, queued; returns (card id, outbox row id)."""
    ann = await make_person(session, clock, 1, UserRole.RESIDENT, name="Ann")
    request = await submit_request(
        session,
        ann,
        RequestDraft(category=RequestCategory.SHOPPING, description="Rice"),
        clock=clock,
    )
    row = await enqueue_message(
        session,
        chat_id=GROUP,
        text="Request no. 1",
        kind="request.published",
        priority=Priority.NOTICE,
        clock=clock,
        reply_markup=BUTTON.model_dump(mode="json", exclude_none=True),
    )
    card = await card_queries.add(
        session,
        request_id=request.id,
        audience=CardAudience.GROUP,
        chat_id=GROUP,
        locale="en",
        now=clock.now(),
        outbox_id=row.id,
        shown=cards.digest("Request no. 1", BUTTON),
    )
    await session.commit()
    return card.id, row.id


async def claim(session: AsyncSession, clock: ManualClock) -> list[outbox_queries.ClaimedMessage]:
    rows = await outbox_queries.claim_due(
        session, now=clock.now(), worker="w", limit=10, lease_until=clock.now() + timedelta(1)
    )
    await session.commit()
    return rows


async def test_a_card_not_sent_yet_is_rewritten_and_the_same_again_queues_nothing(
    session: AsyncSession, clock: ManualClock
) -> None:
    card_id, row_id = await a_card(session, clock)
    card = await card_queries.of_request(session, 1)
    assert not await cards.show(session, card[0], "Request no. 1", BUTTON, clock=clock)
    assert await cards.show(session, card[0], "Request no. 1\n\nTaken", None, clock=clock)
    await session.commit()
    rows = list(await session.scalars(select(OutboxMessage)))
    assert [(r.id, r.method, r.payload) for r in rows] == [
        (row_id, "sendMessage", {"text": "Request no. 1\n\nTaken", "parse_mode": "HTML"})
    ]
    assert card_id == card[0].id


async def test_an_edit_of_a_card_on_its_way_waits_for_its_id(
    session: AsyncSession, clock: ManualClock
) -> None:
    _card_id, row_id = await a_card(session, clock)
    sending = await claim(session, clock)  # the sender took the card: it is on its way
    assert [r.id for r in sending] == [row_id]
    (card,) = await card_queries.of_request(session, 1)
    assert await cards.show(session, card, "Taken", None, clock=clock)
    await session.commit()
    edit_id = card.edit_id
    assert edit_id is not None

    assert await claim(session, clock) == []  # the card has no id yet: the edit waits
    waiting = await session.get(OutboxMessage, edit_id, populate_existing=True)
    assert waiting is not None and waiting.status is OutboxStatus.PENDING
    assert waiting.not_before > clock.now()

    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(status=OutboxStatus.SENT, telegram_message_id=77)
    )
    await session.commit()
    clock.advance(timedelta(seconds=3))
    (edit,) = await claim(session, clock)
    assert edit.id == edit_id and edit.method == "editMessageText"
    assert edit.payload == {"text": "Taken", "parse_mode": "HTML", "message_id": 77}


async def test_an_edit_of_a_card_never_shown_is_skipped(
    session: AsyncSession, clock: ManualClock
) -> None:
    _card_id, row_id = await a_card(session, clock)
    await claim(session, clock)
    (card,) = await card_queries.of_request(session, 1)
    assert await cards.show(session, card, "Taken", None, clock=clock)
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id).values(status=OutboxStatus.FAILED)
    )
    await session.commit()
    assert await claim(session, clock) == []
    edit = await session.get(OutboxMessage, card.edit_id, populate_existing=True)
    assert edit is not None and edit.status is OutboxStatus.SKIPPED
    # and from now on nothing is queued for it at all
    assert not await cards.show(session, card, "Done", None, clock=clock)
