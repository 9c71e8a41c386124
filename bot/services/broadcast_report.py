"""Who a broadcast did not reach, and why, for its final report: Telegram's refusal of each
message (or, for someone skipped because they were unreachable already, its last refusal to
them) read as one of a few reasons a coordinator can act on."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories import broadcasts as queries

UNREACHABLE_SKIP = "recipient unreachable"  # bot.delivery.outbox: not tried, known unreachable


class Why(enum.StrEnum):
    BLOCKED = "blocked"  # they blocked the bot
    NEVER_STARTED = "never_started"  # they never pressed Start: the bot may not write first
    DELETED = "deleted"  # their Telegram account was deleted
    OTHER = "other"  # Telegram refused it for another reason


@dataclass(frozen=True)
class NotReached:
    name: str | None
    why: Why


def reason_of(error: str | None) -> Why:
    """Telegram's words for a refusal, as a reason."""
    text = (error or "").lower()
    if "deactivated" in text:
        return Why.DELETED
    if "initiate" in text or "chat not found" in text:
        return Why.NEVER_STARTED
    if "blocked" in text:
        return Why.BLOCKED
    return Why.OTHER


async def not_reached(session: AsyncSession, broadcast_id: int) -> list[NotReached]:
    """Each person the broadcast did not reach, in the order it was sent, with the reason."""
    found = []
    for name, chat_id, error in await queries.not_reached(session, broadcast_id):
        if error == UNREACHABLE_SKIP:
            error = await queries.last_refusal(session, chat_id) or "blocked"
        found.append(NotReached(name, reason_of(error)))
    return found
