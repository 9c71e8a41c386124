"""A ledger of every message the bot got delivered, to count sends and spot duplicates.

Chat histories show messages as they are now (edited, deleted); a sender's tests need the
opposite: what was delivered, once per successful send, so "sent twice" is visible even
after the bot deleted one copy.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DeliveredMessage:
    """One successful send: where it went, its message id and what the recipient saw.

    `text` is the visible text or caption; media without caption are shown as
    ``[photo <file_unique_id>]`` so that the same file sent twice counts as a duplicate.
    """

    chat_id: int
    message_id: int
    text: str
    seq: int


def visible_text(content: dict[str, Any]) -> str:
    """The text a recipient sees for a message's content, or a media placeholder."""
    text = content.get("text", content.get("caption"))
    if text:
        return str(text)
    for kind in ("photo", "document", "voice"):
        media = content.get(kind)
        if media:
            first = media[-1] if isinstance(media, list) else media
            return f"[{kind} {first.get('file_unique_id', '?')}]"
    return ""


class DeliveryLog:
    """Append-only record of deliveries in send order."""

    def __init__(self) -> None:
        self.entries: list[DeliveredMessage] = []

    def record(self, chat_id: int, message_id: int, content: dict[str, Any], seq: int) -> None:
        self.entries.append(DeliveredMessage(chat_id, message_id, visible_text(content), seq))

    def for_chat(self, chat_id: int | None = None) -> list[DeliveredMessage]:
        return [e for e in self.entries if chat_id is None or e.chat_id == chat_id]

    def counts(self) -> dict[int, int]:
        """Number of delivered messages per chat id."""
        return dict(Counter(e.chat_id for e in self.entries))

    def duplicates(self, chat_id: int | None = None) -> dict[tuple[int, str], int]:
        """(chat id, text) pairs delivered more than once, with how often."""
        counted = Counter((e.chat_id, e.text) for e in self.for_chat(chat_id))
        return {key: n for key, n in counted.items() if n > 1}
