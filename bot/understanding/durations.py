"""How long something took, as typed: "45", "90分钟", "半小时", "一个半小时", "两个小时",
"1小时20分", "三刻钟", "個半鐘" (Cantonese), "1.5 hours", "an hour and a half", "1h30",
"1:30". Returns whole minutes; whether that many is allowed is the service's rule.

A bare whole number is minutes (the question asks for minutes). Anything with another number
in it that is not part of a duration ("2点", "5 apples and 3") is not understood, rather than
guessed."""

from __future__ import annotations

import re

from bot.understanding._text import MAX_DIGITS, normalise, with_digits

_N = rf"\d{{1,{MAX_DIGITS}}}(?:\.\d{{1,3}})?"
_WHOLE = rf"\d{{1,{MAX_DIGITS}}}"

_ENGLISH_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "forty-five": 45, "forty five": 45, "fifty": 50, "sixty": 60,
    "ninety": 90,
}  # fmt: skip
_ENGLISH_NUMBER = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _ENGLISH_NUMBERS), key=len, reverse=True)) + r")\b"
)
# phrases said as a whole, rewritten as numbers and units before the parts are read
_PHRASES = (
    (re.compile(r"\b(?:an?|1)\s+hour\s+and\s+a\s+half\b"), "1.5 h"),
    (re.compile(rf"\b({_WHOLE})\s+and\s+a\s+half\s+(?=h)"), r"\1.5 "),
    (re.compile(r"\bthree\s+quarters\s+of\s+an\s+hour\b"), "45 min"),
    (re.compile(r"\b(?:a\s+)?quarter\s+(?:of\s+an\s+)?hour\b"), "15 min"),
    (re.compile(r"\b(?:half\s+an|half\s+a|a\s+half|half)[\s-]+hour\b"), "30 min"),
    (re.compile(r"\ban?\s+(?=h)"), "1 "),
)
_PARTS = re.compile(
    "|".join(
        [
            # 半小时, 一个半小时, 个半钟 (Cantonese: an hour and a half)
            rf"(?P<half_n>{_N})?\s*(?P<half_ge>个)?\s*半\s*个?\s*(?:小时|钟头|钟)",
            # 两个小时, 2小时, 1.5 hours, 2 hrs, 2h
            rf"(?P<hours>{_N})\s*(?:个\s*)?(?:小时|钟头|钟|hours?|hrs?|h)(?![a-z])",
            # 三刻钟: three quarters of an hour
            rf"(?P<quarters>{_WHOLE})\s*刻\s*钟?",
            # 90分钟, 90 minutes, 45 min, 30m
            rf"(?P<minutes>{_N})\s*(?:分钟|分|minutes?|mins?|m)(?![a-z])",
            # Cantonese 个字: five minutes each (三个字: a quarter of an hour)
            rf"(?P<fives>{_WHOLE})\s*个\s*字",
        ]
    )
)
_CLOCK_LIKE = re.compile(rf"^({_WHOLE}):([0-5]\d)$")  # 1:30, an hour and a half
_FILLERS = re.compile(
    r"大概|大约|约|左右|差不多|多|用了|花了|一共|总共|共|前后|上下|and|about|around|roughly|"
    r"approximately|approx|almost|nearly|it|took|in total|total|maybe|over|"
    r"(?<!\d)\.|\.(?!\d)|[\s,~+，。、～！!？?]"
)


def _english_words_as_digits(text: str) -> str:
    text = _ENGLISH_NUMBER.sub(lambda match: str(_ENGLISH_NUMBERS[match.group()]), text)
    text = re.sub(r"(\d),(\d{1,2})(?!\d)", r"\1.\2", text)  # a decimal comma: 1,5 h
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    return text


def _minutes_of(match: re.Match[str]) -> float:
    if match.group("half_ge") is not None or match.group("half_n") is not None:
        hours = float(match.group("half_n") or (1 if match.group("half_ge") else 0))
        return (hours + 0.5) * 60
    if (hours := match.group("hours")) is not None:
        return float(hours) * 60
    if (quarters := match.group("quarters")) is not None:
        return int(quarters) * 15
    if (fives := match.group("fives")) is not None:
        return int(fives) * 5
    if (minutes := match.group("minutes")) is not None:
        return float(minutes)
    return 30.0  # 半小时: the half alone


def parse_duration(text: str | None) -> int | None:
    """Minutes of a typed duration (rounded to whole minutes), or None when it is not one."""
    if not text or len(text) > 100:
        return None
    typed = _english_words_as_digits(with_digits(normalise(text)))
    if clock := _CLOCK_LIKE.match(typed):
        return int(clock.group(1)) * 60 + int(clock.group(2))
    total, found, rest, end = 0.0, False, [], 0
    for match in _PARTS.finditer(typed):
        total += _minutes_of(match)
        found = True
        rest.append(typed[end : match.start()])
        end = match.end()
    rest.append(typed[end:])
    leftover = _FILLERS.sub("", "".join(rest))
    if found:
        trailing = re.fullmatch(rf"({_WHOLE})", _FILLERS.sub("", rest[-1]))
        if trailing and len(rest) > 1:  # "1小时20", "1h30": the minutes after the hours
            total += int(trailing.group(1))
            leftover = _FILLERS.sub("", "".join(rest[:-1]))
        return None if re.search(r"\d", leftover) else round(total)
    if bare := re.fullmatch(rf"({_WHOLE})", leftover):
        return int(bare.group(1))
    return None
