"""A time of day, as typed: "8:30", "08:30", "8.30", "9am", "9:30 pm", "noon", "half past 8",
"早上八点", "上午9点半", "下午三点", "晚上七点一刻", "中午12点", "8点15分", "朝早八點",
"下晝三點" (Cantonese), "三點三" (Cantonese: 3:15, a 字 is five minutes). Returns a
`datetime.time`; whether the time is allowed (night hours) is the service's rule.

A bare number ("8") is not a time: it may be a day or a count. Two times in one message are
not guessed between."""

from __future__ import annotations

import re
from datetime import time

from bot.understanding._text import normalise, with_digits

_MORNING = ("凌晨", "半夜", "清早", "早上", "早晨", "上午", "朝早", "朝头早", "早")
_NOON = ("中午", "晏昼", "正午")
_AFTERNOON = ("下午", "下昼", "傍晚", "晚上", "夜晚", "夜里", "夜间", "晚", "夜")
_SMALL_HOURS = ("凌晨", "半夜")
_PERIOD = "|".join(sorted((*_MORNING, *_NOON, *_AFTERNOON), key=len, reverse=True))

_CHINESE = re.compile(
    rf"(?P<period>{_PERIOD})?\s*(?P<hour>\d{{1,2}})\s*(?:点|时)\s*钟?\s*"
    r"(?:(?P<half>半)|(?P<quarters>[1-3])\s*刻|(?P<fives>\d{1,2})\s*个\s*字|"
    r"(?P<minute>\d{1,2})\s*分?)?\s*(?:整|钟)?"
)
_DIGITAL = re.compile(
    rf"(?P<period>{_PERIOD})?\s*(?P<hour>\d{{1,2}})\s*(?:[:.h]\s*(?P<minute>\d{{2}}))?\s*"
    r"(?P<suffix>a\.?\s?m\.?|p\.?\s?m\.?|o'?\s?clock|in the morning|in the afternoon|"
    r"in the evening|at night)?(?![\d:])"
)
_ENGLISH_PAST = re.compile(
    r"(?P<part>half|quarter|\d{1,2}(?:\s*minutes?)?)\s+(?P<way>past|after|to)\s+(?P<hour>\d{1,2})"
    r"\s*(?P<suffix>a\.?m\.?|p\.?m\.?|in the morning|in the afternoon|in the evening|at night)?"
)
_WORDS = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}
_FILLERS = re.compile(
    r"每天|每日|天天|大概|大约|左右|前后|差不多|吧|啦|啊|呀|at|around|about|every\s*day|daily|"
    r"each\s*day|please|[\s,.!?~，。！？、～]"
)


def _with_period(hour: int, period: str | None) -> int | None:
    """The 24-hour hour of `hour` said with a part of the day (None: impossible)."""
    if period is None:
        return hour
    if period in _SMALL_HOURS:
        return 0 if hour == 12 else hour if hour < 12 else None
    if period in _MORNING:
        return hour if hour <= 12 else None
    if period in _NOON:
        return hour if hour >= 11 else hour + 12 if hour <= 3 else None
    if hour == 12:
        return 0 if period in ("晚上", "夜晚", "夜里", "夜间", "夜", "晚") else 12
    return hour + 12 if hour < 12 else hour


def _english_period(suffix: str | None) -> str | None:
    if not suffix:
        return None
    if suffix.startswith("a") or "morning" in suffix:
        return "am"
    if suffix.startswith("p") or "afternoon" in suffix or "evening" in suffix or "night" in suffix:
        return "pm"
    return None  # o'clock


def _with_english(hour: int, suffix: str | None) -> int | None:
    period = _english_period(suffix)
    if period is None:
        return hour
    if not 1 <= hour <= 12:
        return None
    if period == "am":
        return 0 if hour == 12 else hour
    return 12 if hour == 12 else hour + 12


def _valid(hour: int | None, minute: int) -> time | None:
    if hour is None or not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def _chinese(match: re.Match[str]) -> time | None:
    minute = 0
    if match.group("half"):
        minute = 30
    elif quarters := match.group("quarters"):
        minute = int(quarters) * 15
    elif fives := match.group("fives"):
        minute = int(fives) * 5
    elif (typed := match.group("minute")) is not None:
        said_fen = match.group(0).rstrip("整钟 ").endswith("分")
        # Cantonese "三点三": a single digit after the hour, no 分, counts fives
        minute = int(typed) * 5 if len(typed) == 1 and not said_fen else int(typed)
    return _valid(_with_period(int(match.group("hour")), match.group("period")), minute)


def _digital(match: re.Match[str]) -> time | None:
    if match.group("minute") is None and not match.group("suffix"):
        return None  # a bare number is not a time
    hour = _with_period(int(match.group("hour")), match.group("period"))
    if hour is not None and match.group("suffix"):
        hour = _with_english(hour, match.group("suffix"))
    return _valid(hour, int(match.group("minute") or 0))


def _past(match: re.Match[str]) -> time | None:
    part, hour = match.group("part"), int(match.group("hour"))
    minutes = 30 if part == "half" else 15 if part == "quarter" else int(re.sub(r"\D", "", part))
    converted = _with_english(hour, match.group("suffix"))
    if converted is None or not 0 < minutes < 60:
        return None
    if match.group("way") == "to":
        return _valid(converted - 1 if converted else 23, 60 - minutes)
    return _valid(converted, minutes)


def parse_clock_time(text: str | None) -> time | None:
    """The time of day `text` is, or None when it is not exactly one."""
    if not text or len(text) > 60:
        return None
    typed = with_digits(normalise(text)).replace("：", ":")
    if _FILLERS.sub("", typed) in _WORDS:
        return _WORDS[_FILLERS.sub("", typed)]
    for pattern, read in ((_ENGLISH_PAST, _past), (_CHINESE, _chinese), (_DIGITAL, _digital)):
        matches = [m for m in pattern.finditer(typed) if m.group(0).strip()]
        if not matches:
            continue
        if len(matches) > 1:
            return None
        match = matches[0]
        leftover = _FILLERS.sub("", typed[: match.start()] + typed[match.end() :])
        if re.search(r"\d", leftover) or len(leftover) > 8:
            return None
        return read(match)
    return None


def clock_label(moment: time) -> str:
    """ "08:30": how times are written everywhere in the bot."""
    return f"{moment.hour:02d}:{moment.minute:02d}"
