"""What a resident types while asking, understood: the kind of help a sentence asks for, and
when ("明天上午"), with the clock and the timezone passed in."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.understanding.categories import guess_category
from bot.understanding.when import When, understand_when
from storage.models import DayPart, RequestCategory, RequestTiming

C = RequestCategory


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("我想请人帮我买点菜", "zh_Hans", C.SHOPPING),
        ("明天要去医院复诊，想找人陪", "zh_Hans", C.MEDICAL_ESCORT),
        ("厨房水管漏水了", "zh_Hans", C.HOME_REPAIR),
        ("一个人在家好孤单", "zh_Hans", C.EMOTIONAL_SUPPORT),
        ("想搵人幫我買餸", "zh_Hant", C.SHOPPING),
        ("長者卡的表格不會填", "zh_Hant", C.PAPERWORK),
        ("想有人陪我傾偈", "zh_Hant", C.COMPANIONSHIP),
        ("Could someone cook me a hot lunch?", "en", C.MEALS),
        ("My kitchen tap is leaking", "en", C.HOME_REPAIR),
        ("我想请人帮我买点菜", "en", C.SHOPPING),  # her words count whatever the setting
        ("阳台上的花需要有人浇一浇", "zh_Hans", None),
        ("Good morning", "en", None),
    ],
)
def test_the_kind_is_guessed_from_words_of_her_language(
    text: str, locale: str, expected: RequestCategory | None
) -> None:
    assert guess_category(text, locale) is expected


def test_english_words_are_whole_words() -> None:
    assert guess_category("the bus stop", "en") is None  # "bus" has no "buy"; "stop" no "shop"
    assert guess_category("I need to buy bread", "en") is C.SHOPPING


# Wednesday 2 December 2026, 09:00 in Shanghai (01:00 UTC)
NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
ZONE = "Asia/Shanghai"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("现在", When(RequestTiming.ASAP)),
        ("马上", When(RequestTiming.ASAP)),
        ("as soon as possible", When(RequestTiming.ASAP)),
        ("今天下午", When(RequestTiming.TODAY, part=DayPart.AFTERNOON)),
        ("明天上午", When(RequestTiming.TOMORROW, part=DayPart.MORNING)),
        ("明早", When(RequestTiming.TOMORROW, part=DayPart.MORNING)),
        ("tomorrow morning", When(RequestTiming.TOMORROW, part=DayPart.MORNING)),
        ("Tomorrow evening, please!", When(RequestTiming.TOMORROW, part=DayPart.EVENING)),
        ("后天", When(RequestTiming.DAY, day=date(2026, 12, 4))),
        ("後天下午", When(RequestTiming.DAY, day=date(2026, 12, 4), part=DayPart.AFTERNOON)),
        ("大后天", When(RequestTiming.DAY, day=date(2026, 12, 5))),
        ("the day after tomorrow", When(RequestTiming.DAY, day=date(2026, 12, 4))),
        ("下星期一", When(RequestTiming.DAY, day=date(2026, 12, 7))),
        ("周三", When(RequestTiming.TODAY)),  # today is a Wednesday
        ("晚上", When(RequestTiming.TODAY, part=DayPart.EVENING)),
        ("whenever", None),
        ("我不知道", None),
    ],
)
def test_when_is_understood_in_her_calendar(text: str, expected: When | None) -> None:
    assert understand_when(text, now=NOW, timezone=ZONE) == expected


def test_the_day_is_hers_not_the_servers() -> None:
    """23:30 UTC on the 1st is already the 2nd in Shanghai: "明天" is the 3rd there."""
    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    assert understand_when("后天", now=late, timezone=ZONE) == When(
        RequestTiming.DAY, day=date(2026, 12, 4)
    )
    assert understand_when("后天", now=late, timezone="Europe/London") == When(
        RequestTiming.DAY, day=date(2026, 12, 3)
    )
