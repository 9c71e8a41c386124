"""Spotting a message that sounds like an emergency, in Chinese and English.

Deliberately generous: a false alarm costs a coordinator a look, a missed fall can cost a life.
Matching is on plain substrings (Chinese has no spaces) and on English words."""

from __future__ import annotations

import re

_ENGLISH = re.compile(
    r"\b("
    r"fell|fallen|fall(ing)? down|had a fall|can'?t get up|cannot get up|"
    r"chest pains?|heart attack|stroke|"
    r"can'?t breathe|cannot breathe|can not breathe|short of breath|not breathing|"
    r"fire|smoke|gas leak|"
    r"bleeding|unconscious|passed out|fainted|collapsed|emergency|ambulance"
    r")\b",
    re.IGNORECASE,
)

_CHINESE = (
    # falls
    "摔倒", "跌倒", "摔了", "摔跤", "跌了一跤", "起不来", "起不來",
    # heart and breath
    "胸痛", "胸口痛", "胸口疼", "心脏病", "心臟病", "心绞痛", "心絞痛",
    "喘不过气", "喘不過氣", "呼吸困难", "呼吸困難", "不能呼吸", "透不过气", "透不過氣",
    "中风", "中風",
    # fire and gas
    "着火", "著火", "火灾", "火災", "失火", "冒烟", "冒煙", "煤气", "煤氣", "燃气泄漏", "燃氣洩漏",
    # other
    "昏迷", "晕倒", "暈倒", "流血", "救命", "急救", "救护车", "救護車",
)  # fmt: skip


def looks_like_emergency(text: str | None) -> bool:
    if not text:
        return False
    return bool(_ENGLISH.search(text)) or any(word in text for word in _CHINESE)
