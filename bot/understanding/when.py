"""When help is wanted, understood from a few typed words ("现在", "今天下午", "明天上午",
"后天", "tomorrow morning", "周五"). Pure: the text, the moment and the person's timezone in,
a timing out (None when no word says). The clock is passed in, never read here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.models import DayPart, RequestTiming

NOW_WORDS = ("现在", "马上", "立刻", "立即", "尽快", "越快越好", "赶紧", "現在", "馬上", "盡快",
             "即刻", "而家", "趕緊", "right now", "right away", "straight away", "asap",
             "as soon as possible", "now", "soon", "urgently")  # fmt: skip

# checked in this order: longer phrases before the words they contain
DAY_WORDS: tuple[tuple[str, int], ...] = (
    ("大后天", 3), ("大後天", 3), ("day after tomorrow", 2), ("后天", 2), ("後天", 2),
    ("後日", 2), ("明天", 1), ("明日", 1), ("聽日", 1), ("听日", 1), ("tomorrow", 1),
    ("明早", 1), ("今天", 0), ("今日", 0), ("今晚", 0), ("today", 0), ("tonight", 0),
)  # fmt: skip

PART_WORDS: tuple[tuple[str, DayPart], ...] = (
    ("上午", DayPart.MORNING), ("早上", DayPart.MORNING), ("早晨", DayPart.MORNING),
    ("朝早", DayPart.MORNING), ("明早", DayPart.MORNING), ("一早", DayPart.MORNING),
    ("morning", DayPart.MORNING),
    ("中午", DayPart.AFTERNOON), ("下午", DayPart.AFTERNOON), ("晏晝", DayPart.AFTERNOON),
    ("afternoon", DayPart.AFTERNOON), ("noon", DayPart.AFTERNOON),
    ("晚上", DayPart.EVENING), ("傍晚", DayPart.EVENING), ("今晚", DayPart.EVENING),
    ("夜晚", DayPart.EVENING), ("evening", DayPart.EVENING), ("tonight", DayPart.EVENING),
)  # fmt: skip

WEEKDAYS: tuple[tuple[str, ...], ...] = (
    ("周一", "星期一", "礼拜一", "禮拜一", "週一", "monday"),
    ("周二", "星期二", "礼拜二", "禮拜二", "週二", "tuesday"),
    ("周三", "星期三", "礼拜三", "禮拜三", "週三", "wednesday"),
    ("周四", "星期四", "礼拜四", "禮拜四", "週四", "thursday"),
    ("周五", "星期五", "礼拜五", "禮拜五", "週五", "friday"),
    ("周六", "星期六", "礼拜六", "禮拜六", "週六", "saturday"),
    ("周日", "周天", "星期日", "星期天", "礼拜天", "礼拜日", "禮拜日", "禮拜天", "週日", "sunday"),
)  # fmt: skip

MAX_DAYS_AHEAD = 30  # as far as a resident may ask (bot.services.slots)


@dataclass(frozen=True)
class When:
    timing: RequestTiming
    day: date | None = None  # only for RequestTiming.DAY
    part: DayPart = DayPart.ANY


def _has(text: str, word: str) -> bool:
    if not word.isascii():
        return word in text
    return f" {word} " in f" {text} "


def _words(text: str) -> str:
    kept = "".join(ch if ch.isalnum() or ch.isspace() else " " for ch in text.lower())
    return " ".join(kept.split())


def _offset(text: str, today: date) -> int | None:
    for word, offset in DAY_WORDS:
        if _has(text, word):
            return offset
    for weekday, names in enumerate(WEEKDAYS):
        if any(_has(text, name) for name in names):
            return (weekday - today.weekday()) % 7
    return None


def _part(text: str) -> DayPart:
    for word, part in PART_WORDS:
        if _has(text, word):
            return part
    return DayPart.ANY


def understand_when(text: str, *, now: datetime, timezone: str) -> When | None:
    """The timing `text` asks for, in the person's local calendar; None when not understood
    (the buttons are then asked again)."""
    words = _words(text)
    today = now.astimezone(ZoneInfo(timezone)).date()
    offset = _offset(words, today)
    part = _part(words)
    if offset is None:
        if part is not DayPart.ANY:  # "下午" alone: this afternoon
            return When(RequestTiming.TODAY, part=part)
        if any(_has(words, word) for word in NOW_WORDS):
            return When(RequestTiming.ASAP)
        return None
    if offset == 0:
        return When(RequestTiming.TODAY, part=part)
    if offset == 1:
        return When(RequestTiming.TOMORROW, part=part)
    if offset > MAX_DAYS_AHEAD:
        return None
    return When(RequestTiming.DAY, day=today + timedelta(days=offset), part=part)
