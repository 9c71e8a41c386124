"""The small words every view shares: lists ("、" in Chinese), dialable phones, typed text in
the reader's script, days written out, and no night hours spoken of when there are none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from bot.i18n import CatalogueI18n, create_i18n
from bot.services.schedule import QuietHours
from bot.views.checkin_setup import days_label, times_question
from bot.views.texts import when_label
from bot.views.words import dialable, in_reader_script, join_items
from storage.models import DayPart, HelpRequest, RequestTiming


@pytest.fixture(scope="module")
def i18n() -> Iterator[CatalogueI18n]:
    i18n = create_i18n("en")
    with i18n.context():
        yield i18n


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "Mon, Wed"), ("zh_Hans", "周一、周三"), ("zh_Hant", "星期一、星期三")],
)
def test_lists_are_joined_the_way_each_language_writes_them(
    i18n: CatalogueI18n, locale: str, expected: str
) -> None:
    with i18n.use_locale(locale):
        assert days_label([0, 2]) == expected
        assert join_items(["a", "b", "c"]) == ("a, b, c" if locale == "en" else "a、b、c")


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("13800138000", "+86 138 0013 8000"),
        ("+86 138 0013 8000", "+86 138 0013 8000"),
        ("+8613800138000", "+86 138 0013 8000"),
        ("008613800138000", "+86 138 0013 8000"),
        ("010 6512 3456", "+86 10 6512 3456"),
        ("0755-8888-1234", "+86 755 8888 1234"),
        ("120", "120"),
        ("+1 555 0100 200", "+15550100200"),
        ("call my son", "call my son"),
    ],
)
def test_phones_are_written_so_a_phone_dials_them(typed: str, shown: str) -> None:
    assert dialable(typed) == shown
    assert dialable(None) is None and dialable("") is None


def test_typed_text_reaches_each_reader_in_their_script(i18n: CatalogueI18n) -> None:
    simplified, traditional = "请帮我买菜，明天上午来。", "請幫我買菜，明天上午來。"
    with i18n.use_locale("zh_Hant"):
        assert in_reader_script(simplified) == traditional
        assert in_reader_script("台北這裡") == "台北這裡"  # already Traditional: left as written
    with i18n.use_locale("zh_Hans"):
        assert in_reader_script(traditional) == simplified
        assert in_reader_script(simplified) == simplified
    with i18n.use_locale("en"):
        assert in_reader_script(simplified) == simplified
        assert in_reader_script(None) == ""


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("zh_Hans", "12月3日（周四）上午"),
        ("zh_Hant", "12月3日（星期四）上午"),
        ("en", "Thu 3 Dec, morning"),
    ],
)
def test_a_card_writes_the_day_out_never_tomorrow(
    i18n: CatalogueI18n, locale: str, expected: str
) -> None:
    request = HelpRequest(
        timing=RequestTiming.TOMORROW, slot_date=date(2026, 12, 3), day_part=DayPart.MORNING
    )
    with i18n.use_locale(locale):
        assert when_label(request) == expected


def test_no_night_hours_are_spoken_of_when_there_are_none(i18n: CatalogueI18n) -> None:
    with i18n.use_locale("en"):
        assert "night" in times_question(None, QuietHours.parse("22:00-07:00"))
        assert "night" not in times_question(None, QuietHours.parse("off"))
    with i18n.use_locale("zh_Hans"):
        assert "晚上" in times_question(None, QuietHours.parse("22:00-07:00"))
        assert "晚上" not in times_question(None, QuietHours.parse("off"))
