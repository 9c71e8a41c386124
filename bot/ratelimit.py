"""Telegram's sending limits, kept in memory by the outbox sender: about 30 messages a second
overall, one a second to one private chat, twenty a minute to one group."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SendLimits:
    per_second: float = 30.0
    private_chat_interval: float = 1.0
    group_per_minute: int = 20


class SendRateLimiter:
    """Says how long to wait before the next message to a chat may go out.

    The time source is injectable so tests move time instead of sleeping."""

    def __init__(self, limits: SendLimits, now: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._now = now
        self._next_global = 0.0
        self._next_private: dict[int, float] = {}
        self._group_sends: dict[int, deque[float]] = {}
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Telegram said 429: everything waits, as it asks."""
        self._paused_until = max(self._paused_until, self._now() + seconds)

    def global_wait(self) -> float:
        now = self._now()
        return max(0.0, self._paused_until - now, self._next_global - now)

    def chat_wait(self, chat_id: int) -> float:
        now = self._now()
        if chat_id > 0:
            return max(0.0, self._next_private.get(chat_id, 0.0) - now)
        sends = self._group_sends.get(chat_id)
        if not sends or len(sends) < self.limits.group_per_minute:
            return 0.0
        return max(0.0, sends[0] + 60.0 - now)

    def busy_chats(self) -> list[int]:
        """Chats that may not receive a message right now (pruning the ones that may)."""
        now = self._now()
        for chat_id in [c for c, t in self._next_private.items() if t <= now]:
            del self._next_private[chat_id]
        busy = list(self._next_private)
        for chat_id, sends in list(self._group_sends.items()):
            while sends and sends[0] + 60.0 <= now:
                sends.popleft()
            if not sends:
                del self._group_sends[chat_id]
            elif len(sends) >= self.limits.group_per_minute:
                busy.append(chat_id)
        return busy

    def reserve_global(self) -> None:
        """Take the next overall slot just before a request, so the request's own duration
        does not stretch the interval between messages."""
        self._next_global = max(self._next_global, self._now()) + 1.0 / self.limits.per_second

    def record(self, chat_id: int) -> None:
        """A message went to `chat_id` (or Telegram counted the attempt)."""
        now = self._now()
        if chat_id > 0:
            self._next_private[chat_id] = now + self.limits.private_chat_interval
        else:
            self._group_sends.setdefault(chat_id, deque()).append(now)
