"""Telegram's sending limits, kept in memory by the outbox sender: about 30 messages a second
overall, one a second to one private chat, twenty a minute to one group.

The sender keeps several requests in flight, and a request reaches Telegram some unknown time
after it leaves. So every limit is counted on what the sender knows for sure: a request counts
from the moment it is sent (the overall pace, and "in flight") until `GLOBAL_WINDOW` after its
answer came back (Telegram admitted it at the latest then). However the requests are delayed on
the way, Telegram never sees more than `per_second` of them in any one-second window, and never
two to one private chat less than `private_chat_interval` apart.

One limiter is the bot's whole budget: the outbox sender paces its requests with it, and the
bot's session middleware (`bot.delivery.send_budget`) takes a slot of it for each direct
reply, before any outbox request that waits at the same time."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

GLOBAL_WINDOW = 1.0  # seconds: `per_second` messages in any window this long
GROUP_WINDOW = 60.0  # seconds: `group_per_minute` messages to one group in any window this long
CATCH_UP = 0.2  # seconds of lateness (a busy event loop, a GC pause) made up by the next sends

# How urgent a request is, across processes (see `bot.delivery.shared_budget`): a person's own
# reply goes first, then alerts, then the rest. Within one process the outbox's priority order
# and `wait_direct` already keep this order.
urgency_levels = ("bulk", "urgent", "direct")
BULK, URGENT, DIRECT = range(len(urgency_levels))


class ChatBusy(Exception):
    """The chat may not receive a message for `wait` seconds (another process sent to it)."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"chat busy for {wait:.2f} s")
        self.wait = wait


paced_by_outbox: ContextVar[bool] = ContextVar("linli_paced_by_outbox", default=False)
"""True inside the outbox sender's requests: they took their slot already."""


@dataclass(frozen=True)
class SendLimits:
    per_second: float = 30.0
    private_chat_interval: float = 1.0
    group_per_minute: int = 20


class SendRateLimiter:
    """Says how long to wait before the next message, overall and to a chat.

    A send is `begin`-ed just before its request (taking the next overall slot and marking the
    chat busy) and `end`-ed when the answer is in. At most one request per chat is in flight.
    The time source is injectable so tests move time instead of sleeping."""

    def __init__(self, limits: SendLimits, now: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._now = now
        self._interval = 1.0 / limits.per_second
        self._catch_up = max(self._interval, CATCH_UP)
        self._window_cap = max(1, math.floor(limits.per_second * GLOBAL_WINDOW))
        self._next_global = 0.0
        self._answered: deque[float] = deque()  # when the requests of the last window were answered
        self._in_flight: dict[int, int] = {}  # chat id -> requests under way
        self._in_flight_total = 0
        self._next_private: dict[int, float] = {}
        self._group_sends: dict[int, deque[float]] = {}
        self._paused_until = 0.0
        self._direct_waiting = 0  # direct replies waiting for a slot: they go first
        self._direct_turns = asyncio.Lock()  # ... one after another, in the order they came

    # overall

    def pause(self, seconds: float) -> None:
        """Telegram said 429: everything waits, as it asks."""
        self._paused_until = max(self._paused_until, self._now() + seconds)

    def pause_wait(self) -> float:
        """Seconds left of a pause Telegram asked for (0 when not paused)."""
        return max(0.0, self._paused_until - self._now())

    def global_wait(self) -> float:
        """Seconds until the next message may go out, whatever its chat."""
        now = self._now()
        wait = max(0.0, self._paused_until - now, self._next_global - now)
        answered = self._answered
        while answered and answered[0] <= now - GLOBAL_WINDOW:
            answered.popleft()
        excess = len(answered) + self._in_flight_total - (self._window_cap - 1)
        if excess > 0:
            if excess <= len(answered):
                wait = max(wait, answered[excess - 1] + GLOBAL_WINDOW - now)
            else:  # only an answer can free a slot: look again soon
                wait = max(wait, self._interval)
        return wait

    def outbox_wait(self) -> float:
        """`global_wait` for the outbox: while a direct reply waits for a slot, the outbox
        leaves it the next one (a person's own answer goes before bulk)."""
        wait = self.global_wait()
        if self._direct_waiting:
            return max(wait, self._interval)
        return wait

    async def wait_direct(self) -> None:
        """Wait for the next overall slot for a direct reply (the caller `begin`s it at once)."""
        self._direct_waiting += 1
        try:
            # Only the first in line watches the clock (asyncio's lock is first come, first
            # served): a crowd of replies neither wakes all at once for each slot nor lets a
            # late one overtake an early one. The caller `begin`s before it next yields, so the
            # next in line sees the slot taken.
            async with self._direct_turns:
                while (wait := self.global_wait()) > 0:  # noqa: ASYNC110 - a time, not an event
                    await asyncio.sleep(wait)
        finally:
            self._direct_waiting -= 1

    @property
    def in_flight(self) -> int:
        return self._in_flight_total

    async def admit(
        self,
        chat_id: int,
        *,
        level: int = BULK,
        wait_for_chat: bool = True,
        chat_limit: bool = True,
    ) -> None:
        """Called after `begin`, just before the request leaves: the budget shared with other
        processes (`SharedSendLimiter`) may make it wait, or with `wait_for_chat=False` raise
        `ChatBusy` when the chat itself must wait; a process's own budget has no more to say."""

    async def close(self) -> None:
        """Let go of what the limiter holds (nothing, for a process's own budget)."""

    # per chat

    def chat_wait(self, chat_id: int) -> float:
        now = self._now()
        if self._in_flight.get(chat_id):
            return self.limits.private_chat_interval if chat_id > 0 else GROUP_WINDOW
        if chat_id > 0:
            return max(0.0, self._next_private.get(chat_id, 0.0) - now)
        sends = self._group_sends.get(chat_id)
        if not sends or len(sends) < self.limits.group_per_minute:
            return 0.0
        return max(0.0, sends[-self.limits.group_per_minute] + GROUP_WINDOW - now)

    def busy_chats(self) -> list[int]:
        """Chats that may not receive a message right now (pruning the ones that may)."""
        now = self._now()
        for chat_id in [c for c, t in self._next_private.items() if t <= now]:
            del self._next_private[chat_id]
        busy = set(self._next_private)
        busy.update(self._in_flight)
        for chat_id, sends in list(self._group_sends.items()):
            while sends and sends[0] + GROUP_WINDOW <= now:
                sends.popleft()
            if not sends:
                del self._group_sends[chat_id]
            elif len(sends) >= self.limits.group_per_minute:
                busy.add(chat_id)
        return list(busy)

    # one send

    def begin(self, chat_id: int) -> None:
        """A request to `chat_id` is about to leave: take the next overall slot (so the
        request's own duration does not stretch the interval between messages) and mark the
        chat busy until `end`."""
        now = self._now()
        if now - self._next_global > self._catch_up:  # idle for a while: start afresh
            self._next_global = now
        self._next_global += self._interval  # a little late: the next ones make it up
        self._in_flight[chat_id] = self._in_flight.get(chat_id, 0) + 1
        self._in_flight_total += 1

    def end(self, chat_id: int, *, counted: bool = True, chat_counted: bool = True) -> None:
        """The answer to a `begin`-ed request is in. `counted`: Telegram may have counted it
        (anything but a 429); `chat_counted`: it counts towards the chat's own limit."""
        left = self._in_flight.get(chat_id, 0) - 1
        if left > 0:
            self._in_flight[chat_id] = left
        else:
            self._in_flight.pop(chat_id, None)
        self._in_flight_total = max(0, self._in_flight_total - 1)
        if counted:
            self._answered.append(self._now())
        if chat_counted:
            self.record(chat_id)

    def record(self, chat_id: int) -> None:
        """A message went to `chat_id` (or Telegram counted the attempt)."""
        now = self._now()
        if chat_id > 0:
            self._next_private[chat_id] = now + self.limits.private_chat_interval
        else:
            self._group_sends.setdefault(chat_id, deque()).append(now)
