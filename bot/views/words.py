"""Small words every view shares, written the way the reader's language writes them: lists
("、" between items in Chinese), phone numbers a phone can dial, and text someone typed shown in
the reader's script (Simplified or Traditional Chinese, converted with OpenCC)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from aiogram import html
from aiogram.utils.i18n import I18n

_DIGITS = re.compile(r"\d")


def reader_locale() -> str:
    """The language being rendered now (the reader's), or English outside any rendering."""
    i18n = I18n.get_current(no_error=True)
    return i18n.current_locale if i18n is not None else "en"


def is_chinese(locale: str) -> bool:
    return locale.startswith("zh")


def join_items(items: Iterable[str]) -> str:
    """Items of a list in one line: "a, b, c" in English, "甲、乙、丙" in Chinese."""
    return ("、" if is_chinese(reader_locale()) else ", ").join(items)


def dialable(phone: str | None, country_code: str = "86") -> str | None:
    """A phone number written so a phone offers to call it: "+86 138 0013 8000". A number
    without a country code gets the community's; one we cannot read stays as it was typed."""
    if not phone:
        return None
    text = phone.strip()
    digits = "".join(_DIGITS.findall(text))
    if not digits or len(digits) < 3:
        return text
    if text.startswith("+"):
        if digits.startswith(country_code):
            national = digits[len(country_code) :]
        else:
            return "+" + digits
    elif text.startswith("00"):
        return dialable("+" + digits[2:], country_code)
    else:
        national = digits
    if len(national) in (3, 4, 5) and len(digits) == len(national):
        return national  # a service number such as 120 or 12345: dialled as it is
    if country_code == "86" and len(national) == 11 and national.startswith("1"):
        grouped = f"{national[:3]} {national[3:7]} {national[7:]}"  # a mobile: 138 0013 8000
    elif country_code == "86" and national.startswith("0") and len(national) >= 10:
        national = national[1:]  # a landline with its trunk 0: +86 10 1234 5678
        area = 2 if national[0] in "12" else 3
        rest = national[area:]
        grouped = f"{national[:area]} {rest[:-4]} {rest[-4:]}"
    else:
        grouped = national
    return f"+{country_code} {grouped}"


@cache
def _converter(config: str) -> Any:
    import opencc  # loaded once, on first use

    return opencc.OpenCC(config)


def in_reader_script(text: str | None) -> str:
    """Text someone typed, in the script the reader reads: a notice written in Simplified
    converted to Traditional for a reader of Traditional Chinese, and the reverse. A text
    already in the reader's script (or mixing both) stays as it was written; readers of other
    languages get it as typed."""
    if not text:
        return text or ""
    locale = reader_locale()
    if locale == "zh_Hans":
        return str(_converter("t2s").convert(text))  # leaves Simplified text as it is
    if locale == "zh_Hant" and _converter("t2s").convert(text) == text:
        # no character written only in Traditional: it was written in Simplified (converting
        # a Traditional text again would change 台 to 臺 and 裡 to 裏)
        return str(_converter("s2t").convert(text))
    return text


def phone_html(phone: str | None, missing: str = "—") -> str:
    """A phone number for an HTML message: dialable and quoted, or `missing`."""
    return html.quote(dialable(phone) or missing)
