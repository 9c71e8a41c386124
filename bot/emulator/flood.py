"""Telegram-like flood control: sliding-window send limits answered with 429 retry_after.

Telegram's published guidance is about 30 messages per second overall, one message per
second in a private chat and 20 messages per minute in a group. A bot's sender must pace
itself and honour retry_after; these limits let tests prove it does, and count every 429
the emulator had to give (a well-behaved sender causes none).

The clock is injectable so tests move time instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.emulator.errors import too_many_requests

# Methods that create a message; sendChatAction and edits are not counted.
FLOOD_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVoice",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendVideoNote",
        "sendSticker",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    }
)
_EPSILON = 1e-9  # keeps float noise (1.0000000001 s) from rounding retry_after up


@dataclass(frozen=True)
class FloodLimits:
    """Send limits: at most `global_rate`, `per_chat_burst` or `per_group_rate` messages in
    any sliding window of the matching `*_window` seconds (half-open: a send exactly one
    window ago no longer counts).

    Rates and windows are floats so a benchmark can scale them (e.g. 1000 per 1.0 s).
    `per_chat_*` applies to private chats, `per_group_*` to groups and supergroups; every
    send also counts towards the global limit.
    """

    global_rate: float = 30
    global_window: float = 1.0
    per_chat_burst: float = 1
    per_chat_window: float = 1.0
    per_group_rate: float = 20
    per_group_window: float = 60.0

    def __post_init__(self) -> None:
        for name in ("global_rate", "per_chat_burst", "per_group_rate"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must allow at least one message")
        for name in ("global_window", "per_chat_window", "per_group_window"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")


@dataclass(frozen=True)
class FloodRefusal:
    """One automatic 429: which send, which chat, which limit ("global", "chat", "group")."""

    method: str
    chat_id: int
    limit: str
    retry_after: int
    at: float


class SlidingWindow:
    """Timestamps of admitted sends within the last `window` seconds."""

    def __init__(self, rate: float, window: float) -> None:
        self.rate = rate
        self.window = window
        self.stamps: deque[float] = deque()

    def wait_needed(self, now: float) -> float:
        """Seconds until one more send fits (0 when it fits now)."""
        while self.stamps and self.stamps[0] <= now - self.window:
            self.stamps.popleft()
        may_remain = math.floor(self.rate) - 1  # sends that may stay in the window
        excess = len(self.stamps) - may_remain
        if excess <= 0:
            return 0.0
        return self.stamps[excess - 1] + self.window - now

    def add(self, now: float) -> None:
        self.stamps.append(now)

    def discard(self, stamp: float) -> None:
        if stamp in self.stamps:
            self.stamps.remove(stamp)


class FloodControl:
    """Admits or refuses sends under `limits` (None: everything is admitted)."""

    def __init__(
        self,
        limits: FloodLimits | None = None,
        time_source: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self.time_source = time_source
        self.refusals: list[FloodRefusal] = []
        self._global: SlidingWindow | None = None
        self._chats: dict[int, SlidingWindow] = {}
        if limits is not None:
            self._global = SlidingWindow(limits.global_rate, limits.global_window)

    def counts(self, method: str) -> bool:
        return self.limits is not None and method in FLOOD_METHODS

    def admit(self, method: str, chat_id: int, private: bool) -> float | None:
        """Count this send, or raise Telegram's 429 (and remember the refusal).

        Returns the admission time, to `release` if the send then fails, so only delivered
        messages count. When several limits are exceeded, retry_after covers the longest
        wait, so a sender that honours it is admitted next time.
        """
        if self.limits is None or self._global is None:
            return None
        now = self.time_source()
        waits = {
            "global": self._global.wait_needed(now),
            "chat" if private else "group": self._chat_window(chat_id, private).wait_needed(now),
        }
        limit, wait = max(waits.items(), key=lambda item: item[1])
        if wait > 0:
            retry_after = max(1, math.ceil(wait - _EPSILON))
            self.refusals.append(FloodRefusal(method, chat_id, limit, retry_after, now))
            raise too_many_requests(retry_after)
        self._global.add(now)
        self._chat_window(chat_id, private).add(now)
        return now

    def release(self, chat_id: int, private: bool, stamp: float) -> None:
        """Forget an admitted send that failed (bad markup, 403...): it delivered nothing."""
        if self._global is not None:
            self._global.discard(stamp)
            self._chat_window(chat_id, private).discard(stamp)

    def _chat_window(self, chat_id: int, private: bool) -> SlidingWindow:
        window = self._chats.get(chat_id)
        if window is None:
            assert self.limits is not None
            limits = self.limits
            if private:
                window = SlidingWindow(limits.per_chat_burst, limits.per_chat_window)
            else:
                window = SlidingWindow(limits.per_group_rate, limits.per_group_window)
            self._chats[chat_id] = window
        return window
