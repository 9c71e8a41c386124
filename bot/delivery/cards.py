"""Bringing a card of a help request up to date: through the outbox, like every message that
is not a direct reply (so no transaction waits on Telegram, and the edit exists if and only if
the change that caused it was committed).

A card not sent yet is rewritten in place; a card on its way gets an edit that learns the
message id when the sender takes it (`storage.repositories.cards.resolve_edits`); an edit that
would show what the card already shows is never queued (the digest `shown`), and one Telegram
still refuses as "not modified" counts as done (`bot.delivery.attempt`)."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Protocol

from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.delivery.outbox import Priority, enqueue_payload
from storage.models import RequestCard
from storage.repositories import cards as card_queries

EDIT_KIND = "card.edit"


class ShownMessage(Protocol):
    """A message kept true through the outbox: a request's card, a campaign's progress
    message. Its message id is known once sent (`outbox_id`'s row, or directly); `edit_id` is
    its latest edit; `shown` the digest of what it was last made to show."""

    chat_id: int
    outbox_id: int | None
    message_id: int | None
    edit_id: int | None
    shown: str | None


Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | None


def digest(text: str, markup: Markup) -> str:
    """What a message shows, in 64 characters: its text and its buttons."""
    buttons = markup.model_dump(mode="json", exclude_none=True) if markup else None
    return payload_digest(text, buttons)


def payload_digest(text: str, buttons: dict[str, Any] | None) -> str:
    if buttons is not None and not any(buttons.get("inline_keyboard") or []):
        buttons = None  # no buttons, as Telegram sees it
    blob = json.dumps([text, buttons], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _payload(text: str, markup: Markup) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": text, "parse_mode": "HTML"}
    if isinstance(markup, InlineKeyboardMarkup) and markup.inline_keyboard:
        payload["reply_markup"] = markup.model_dump(mode="json", exclude_none=True)
    return payload


async def show(
    session: AsyncSession,
    card: RequestCard | ShownMessage,
    text: str,
    markup: Markup,
    *,
    clock: Clock,
    kind: str = EDIT_KIND,
) -> bool:
    """Make `card` show `text` and `markup` (a card's buttons are inline; anything else is
    none); False when it already does (nothing queued). `kind`: the edit's outbox kind."""
    if not isinstance(markup, InlineKeyboardMarkup):
        markup = None
    shown = digest(text, markup)
    if card.shown == shown:
        return False
    card.shown = shown
    payload = _payload(text, markup)
    if card.outbox_id is not None and card.message_id is None:
        if await card_queries.rewrite_pending(session, card.outbox_id, payload):
            if card.edit_id is not None:  # an edit queued while it was on its way: the same
                await card_queries.rewrite_pending(
                    session, card.edit_id, {**payload, card_queries.EDIT_OF: card.outbox_id}
                )
            return True  # not sent yet: it will say this
        status, card.message_id = await card_queries.outbox_row(session, card.outbox_id)
        if card.message_id is None and status not in card_queries.WAITING:
            return False  # never shown: nothing to edit
    if card.message_id is not None:
        payload["message_id"] = card.message_id
    else:
        payload[card_queries.EDIT_OF] = card.outbox_id
    if card.edit_id is not None and await card_queries.rewrite_pending(
        session, card.edit_id, payload
    ):
        return True  # the edit waiting to go says this now
    row = await enqueue_payload(
        session,
        chat_id=card.chat_id,
        method=card_queries.EDIT_METHOD,
        payload=payload,
        kind=kind,
        priority=Priority.NOTICE,
        clock=clock,
        user_id=getattr(card, "user_id", None),
    )
    card.edit_id = row.id
    return True
