"""What the parsers share: one spelling of a typed text (full-width to half-width, Traditional
characters to the Simplified ones the patterns use, lower case) and Chinese numerals as digits."""

from __future__ import annotations

import re
import unicodedata

# Traditional (and Cantonese) characters the patterns meet, as the Simplified ones they use
_TO_SIMPLIFIED = str.maketrans(
    {
        "個": "个", "時": "时", "鐘": "钟", "頭": "头", "點": "点", "晝": "昼", "兩": "两",
        "倆": "俩", "鍾": "钟", "裡": "里", "裏": "里", "間": "间", "幫": "帮", "問": "问",
        "題": "题", "沒": "没", "還": "还", "謝": "谢", "舒": "舒", "難": "难", "須": "须",
        "應": "应", "該": "该", "這": "这", "麼": "么", "對": "对", "過": "过", "噹": "当",
        "消": "消", "閒": "闲", "歲": "岁", "樣": "样", "無": "无", "們": "们", "齊": "齐",
        "啦": "啦", "喇": "啦", "嘞": "啦", "罷": "罢",
    }
)  # fmt: skip

_CHINESE_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5,
    "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}
CHINESE_NUMBER = re.compile(r"[零〇一二两俩三四五六七八九十百千]{1,8}")
MAX_DIGITS = 6  # a longer number is not a time nor a duration anybody means


def normalise(text: str) -> str:
    """Full-width forms as ASCII (NFKC), Traditional characters as Simplified, lower case,
    runs of white space as one space, trimmed."""
    text = unicodedata.normalize("NFKC", text).translate(_TO_SIMPLIFIED).casefold()
    return re.sub(r"\s+", " ", text).strip()


def chinese_number(numeral: str) -> str | None:
    """ "二十五" -> "25", "一百零五" -> "105", "两" -> "2", "零五" -> "05" (digit by digit when
    there is no 十/百/千); None when it is not a numeral."""
    if any(char not in _CHINESE_DIGITS and char not in _CHINESE_UNITS for char in numeral):
        return None
    if not any(char in _CHINESE_UNITS for char in numeral):
        return "".join(str(_CHINESE_DIGITS[char]) for char in numeral)
    total, current = 0, 0
    for char in numeral:
        if char in _CHINESE_DIGITS:
            current = _CHINESE_DIGITS[char]
        else:
            total += (current or 1) * _CHINESE_UNITS[char]
            current = 0
    return str(total + current)


def with_digits(text: str) -> str:
    """Chinese numerals in `text` written as digits ("两个半小时" -> "2个半小时")."""
    return CHINESE_NUMBER.sub(lambda match: chinese_number(match.group()) or match.group(), text)
