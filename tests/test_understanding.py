"""The parsers of what people type (bot/understanding): tables of what an elder, a volunteer or
a coordinator writes in Simplified Chinese, Traditional Chinese and English, and properties
over any string (never a crash, round trips of times and durations written in each language)."""

from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.understanding.answers import (
    CANCEL_WORDS,
    FINE_WORDS,
    NEED_HELP_WORDS,
    Answer,
    answer_in,
)
from bot.understanding.clock_times import clock_label, parse_clock_time
from bot.understanding.durations import parse_duration

_DIGITS = "零一二三四五六七八九"


def chinese(n: int) -> str:
    """0..9999 as a Chinese numeral, the way it is written ("二十五", "一百零五")."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if not rest else ("零" + _DIGITS[rest] if rest < 10 else _tens(rest))
        return _DIGITS[n // 100] + "百" + tail
    rest = n % 1000
    tail = "" if not rest else ("零" + chinese(rest) if rest < 100 else chinese(rest))
    return _DIGITS[n // 1000] + "千" + tail


def _tens(n: int) -> str:
    return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("我很好", Answer.FINE),
        ("好", Answer.FINE),
        ("好的", Answer.FINE),
        ("好啊！", Answer.FINE),
        ("我很好，谢谢", Answer.FINE),
        ("我沒事", Answer.FINE),
        ("我很好，謝謝你！", Answer.FINE),
        ("冇事", Answer.FINE),
        ("OK", Answer.FINE),
        ("ok!", Answer.FINE),
        ("fine", Answer.FINE),
        ("I'm fine, thank you", Answer.FINE),
        ("👍", Answer.FINE),
        ("不好", Answer.NEED_HELP),
        ("我需要帮助", Answer.NEED_HELP),
        ("我需要幫助", Answer.NEED_HELP),
        ("我唔舒服", Answer.NEED_HELP),
        ("help", Answer.NEED_HELP),
        ("I need help", Answer.NEED_HELP),
        ("not ok", Answer.NEED_HELP),
        ("取消", Answer.CANCEL),
        ("不要了", Answer.CANCEL),
        ("算了", Answer.CANCEL),
        ("算了吧。", Answer.CANCEL),
        ("唔要了", Answer.CANCEL),
        ("cancel", Answer.CANCEL),
        ("Stop", Answer.CANCEL),
        ("never mind", Answer.CANCEL),
        ("好想吃饺子", None),
        ("我想请人帮我买点菜", None),
        ("不要", None),
        ("stop the noise upstairs", None),
        ("", None),
        ("   ", None),
        ("好" * 100, None),
    ],
)
def test_short_answers(text: str, answer: Answer | None) -> None:
    assert answer_in(text) is answer


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("45", 45),
        ("90分钟", 90),
        ("90 分鐘", 90),
        ("90分", 90),
        ("半小时", 30),
        ("半個鐘", 30),
        ("一个半小时", 90),
        ("一個半小時", 90),
        ("個半鐘", 90),
        ("两个小时", 120),
        ("兩個鐘頭", 120),
        ("2小时", 120),
        ("1小时20分钟", 80),
        ("一小时二十分", 80),
        ("1小时20", 80),
        ("三刻钟", 45),
        ("三个字", 15),
        ("大概一个小时左右", 60),
        ("十五分钟", 15),
        ("一百二十分钟", 120),
        ("1.5 hours", 90),
        ("1,5 h", 90),
        ("an hour and a half", 90),
        ("two and a half hours", 150),
        ("half an hour", 30),
        ("an hour", 60),
        ("1h30", 90),
        ("2 hrs 15 min", 135),
        ("45 mins", 45),
        ("1:30", 90),
        ("about 2 hours", 120),
        ("2点", None),
        ("1.5", None),
        ("5 apples", None),
        ("abc", None),
        ("", None),
        ("99999999 hours", None),
    ],
)
def test_durations(text: str, minutes: int | None) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("8:30", time(8, 30)),
        ("08:30", time(8, 30)),
        ("8.30", time(8, 30)),
        ("8：30", time(8, 30)),
        ("9am", time(9, 0)),
        ("9 a.m.", time(9, 0)),
        ("9:30 pm", time(21, 30)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("noon", time(12, 0)),
        ("half past 8", time(8, 30)),
        ("quarter to 9", time(8, 45)),
        ("8 in the morning", time(8, 0)),
        ("早上八点", time(8, 0)),
        ("每天早上八点", time(8, 0)),
        ("上午9点半", time(9, 30)),
        ("下午三点", time(15, 0)),
        ("下午3:30", time(15, 30)),
        ("晚上七点一刻", time(19, 15)),
        ("中午12点", time(12, 0)),
        ("中午一点", time(13, 0)),
        ("8点15分", time(8, 15)),
        ("八点零五", time(8, 5)),
        ("十点三十分", time(10, 30)),
        ("八点整", time(8, 0)),
        ("朝早八點", time(8, 0)),
        ("下晝三點", time(15, 0)),
        ("三點三", time(3, 15)),
        ("凌晨5点", time(5, 0)),
        ("晚上12点", time(0, 0)),
        ("8", None),
        ("25:00", None),
        ("8:30 and 9:00", None),
        ("下午十五点半", time(15, 30)),
        ("上午十五点", None),
        ("soon", None),
        ("", None),
    ],
)
def test_clock_times(text: str, at: time | None) -> None:
    assert parse_clock_time(text) == at


WORDS = [
    *((word, Answer.FINE) for word in sorted(FINE_WORDS)),
    *((word, Answer.NEED_HELP) for word in sorted(NEED_HELP_WORDS)),
    *((word, Answer.CANCEL) for word in sorted(CANCEL_WORDS)),
]


def test_each_word_means_one_thing() -> None:
    assert not FINE_WORDS & NEED_HELP_WORDS
    assert not FINE_WORDS & CANCEL_WORDS
    assert not NEED_HELP_WORDS & CANCEL_WORDS


@given(
    st.sampled_from(WORDS),
    st.sampled_from(["", "", "谢谢", "謝謝！"]),
    st.sampled_from(["", "！", "。", "!!", " ", "，谢谢", ", thanks", "啊", "~"]),
)
def test_a_word_keeps_its_meaning_with_what_is_said_around_it(
    word_and_answer: tuple[str, Answer], before: str, after: str
) -> None:
    word, answer = word_and_answer
    assert answer_in(before + word + after) is answer
    assert answer_in(word.upper()) is answer


@given(st.text(max_size=200))
def test_no_string_breaks_a_parser(text: str) -> None:
    assert answer_in(text) in (None, *Answer)
    minutes = parse_duration(text)
    assert minutes is None or minutes >= 0
    at = parse_clock_time(text)
    assert at is None or isinstance(at, time)


@given(
    st.text(alphabet="0123456789:.点時时分半刻钟小个個h m零一二两三四五六七八九十百", max_size=30)
)
def test_no_string_of_numbers_and_units_breaks_a_parser(text: str) -> None:
    parse_duration(text)
    parse_clock_time(text)


@given(st.integers(0, 23), st.integers(0, 59))
def test_times_round_trip(hour: int, minute: int) -> None:
    at = time(hour, minute)
    assert parse_clock_time(clock_label(at)) == at
    assert parse_clock_time(f"{hour}:{minute:02d}") == at
    assert parse_clock_time(f"{hour}点{minute}分") == at
    assert parse_clock_time(f"{chinese(hour)}点{chinese(minute)}分") == at
    assert parse_clock_time(f"{chinese(hour)}點{chinese(minute)}分") == at


@given(st.integers(1, 12), st.integers(0, 59))
def test_twelve_hour_times_round_trip(hour: int, minute: int) -> None:
    morning = time(0 if hour == 12 else hour, minute)
    evening = time(12 if hour == 12 else hour + 12, minute)
    assert parse_clock_time(f"{hour}:{minute:02d} am") == morning
    assert parse_clock_time(f"{hour}:{minute:02d}pm") == evening
    if hour < 12:
        assert parse_clock_time(f"早上{chinese(hour)}点{chinese(minute)}分") == morning
        assert parse_clock_time(f"下午{chinese(hour)}点{chinese(minute)}分") == evening


@given(st.integers(1, 1440))
def test_durations_round_trip(minutes: int) -> None:
    hours, rest = divmod(minutes, 60)
    assert parse_duration(str(minutes)) == minutes
    assert parse_duration(f"{minutes}分钟") == minutes
    assert parse_duration(f"{chinese(minutes)}分鐘") == minutes
    assert parse_duration(f"{minutes} minutes") == minutes
    if hours:
        assert parse_duration(f"{hours}小时{rest}分钟" if rest else f"{hours}小时") == minutes
        assert (
            parse_duration(
                f"{chinese(hours)}个小时{chinese(rest)}分" if rest else f"{chinese(hours)}個小時"
            )
            == minutes
        )
        assert parse_duration(f"{hours} h {rest} min" if rest else f"{hours} hours") == minutes


@given(st.integers(0, 24))
def test_half_hours_round_trip(hours: int) -> None:
    assert parse_duration(f"{chinese(hours)}个半小时" if hours else "半小时") == hours * 60 + 30
    assert parse_duration(f"{hours}.5 hours") == hours * 60 + 30
