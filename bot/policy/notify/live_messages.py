"""One live message in each of some groups (a campaign day's counter, a fund campaign's
progress), each in its group's language, and the row that remembers it so the scheduler can
edit it later through the outbox (`bot.delivery.cards.show`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.delivery import cards as card_delivery
from bot.delivery.notifier import Notifier, words_only
from bot.delivery.outbox import Priority
from storage.models.base import Base


async def post_in_groups(
    notifier: Notifier,
    chats: Iterable[int],
    text: Callable[[], str],
    *,
    kind: str,
    remember: Callable[[int, str, int, str], Base],
) -> int:
    """`text` rendered per group; `remember(chat, locale, outbox_id, shown)` makes the row
    (with the digest of what it shows, so an edit that changes nothing is never queued).
    Returns how many were queued."""
    posted = 0
    for chat in chats:
        locale = await notifier.group_locale(chat)
        row = await notifier.tell_chat(
            chat, locale, words_only(text), kind=kind, priority=Priority.NOTICE
        )
        shown = card_delivery.digest(str(row.payload.get("text", "")), None)
        notifier.session.add(remember(chat, locale, row.id, shown))
        posted += 1
    await notifier.session.flush()
    return posted
