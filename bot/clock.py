"""The time source. Services ask a `Clock` instead of calling `datetime.now`, so tests (and the
demo's time control) can move time forward instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(UTC)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = moment.astimezone(UTC)


class OffsetClock:
    """The real time plus an offset that only grows: the demo's "+1 hour" / "+1 day" buttons.

    Unlike `ManualClock` it keeps ticking, so a demo feels live between jumps.
    """

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._offset = offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` (time never runs backwards for the bot)."""
        if delta < timedelta(0):
            raise ValueError("OffsetClock only moves forward")
        self._offset += delta
        return self.now()

    def reset(self) -> None:
        """Back to the real time (a fresh demo)."""
        self._offset = timedelta(0)
