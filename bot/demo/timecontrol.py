"""The demo's movable clock: "+1 hour" and "+1 day" jump the bot's time forward.

The offset is saved next to the demo database, so restarting `linli demo` does not send the
bot back to a time before the records it already wrote. After each jump the registered
`on_time_moved` hooks run, which is how scheduled work (reminders, check-ins, escalations)
gets to notice the new time at once instead of at its next tick.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import OffsetClock

logger = logging.getLogger("linli.demo")

TimeMovedHook = Callable[[datetime], Awaitable[None]]
"""Called with the new time after the demo clock jumped; errors are logged, not raised."""


class DemoTime:
    """An `OffsetClock` whose offset survives restarts, plus the hooks to run after a jump."""

    def __init__(self, state_file: Path) -> None:
        self.state_file = state_file
        self.clock = OffsetClock(self._load())
        self.hooks: list[TimeMovedHook] = []

    def on_time_moved(self, hook: TimeMovedHook) -> TimeMovedHook:
        """Register an async callback for every jump (usable as a decorator)."""
        self.hooks.append(hook)
        return hook

    async def advance(self, delta: timedelta) -> datetime:
        """Jump forward, save the offset, then run every hook in registration order."""
        now = self.clock.advance(delta)
        self._save()
        logger.info("demo clock moved forward by %s", delta)
        for hook in list(self.hooks):
            try:
                await hook(now)
            except Exception:  # one broken hook must not stop the demo or the others
                logger.exception("on_time_moved hook %r failed", hook)
        return now

    def reset(self) -> None:
        """Back to the real time (the demo starts over)."""
        self.clock.reset()
        self.state_file.unlink(missing_ok=True)

    def describe(self, timezone: str) -> str:
        """The time shown on the page, in the community's zone: "2026-03-02 17:05 (+1d 2h)"."""
        local = self.clock.now().astimezone(ZoneInfo(timezone))
        text = local.strftime("%Y-%m-%d %H:%M")
        hours = int(self.clock.offset.total_seconds() // 3600)
        if hours:
            days, hours = divmod(hours, 24)
            parts = ([f"{days}d"] if days else []) + ([f"{hours}h"] if hours else [])
            text += f" (+{' '.join(parts)})"
        return text

    def _load(self) -> timedelta:
        try:
            seconds = float(json.loads(self.state_file.read_text())["offset_seconds"])
        except (OSError, ValueError, KeyError, TypeError):
            return timedelta(0)
        return timedelta(seconds=max(seconds, 0.0))

    def _save(self) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        payload = {"offset_seconds": self.clock.offset.total_seconds()}
        self.state_file.write_text(json.dumps(payload))
