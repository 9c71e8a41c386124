"""Spotting a message that sounds like an emergency, in English, Simplified and Traditional
Chinese (with the Cantonese a Hong Kong elder would type).

Deliberately generous about distress (a false alarm costs a coordinator a look, a missed fall can
cost a life), but not about ordinary words: "帮我买菜", "help me with my shopping", "换煤气罐",
"a fire-safety talk", "my emergency contact" or "I fell asleep" are everyday messages. Chinese is
matched on substrings (it has no spaces), English on whole words and phrases."""

from __future__ import annotations

import re

_ENGLISH = re.compile(
    r"\b(?:"
    # a call for help, not a request for help with something
    r"help\s*!|help\s+me(?:\s*,?\s*please)?\s*!|help,?\s+help|"
    r"(?:some\s*(?:one|body)|any\s*(?:one|body))\s+help|"
    r"sos|mayday|"
    # falls
    r"fell(?!\s+(?:asleep|in\s+love|behind|apart|short|silent|for|through|off\s+the\s+list))|"
    r"fallen(?!\s+(?:asleep|in\s+love|behind|apart|leaves|short|through))|"
    r"fall(?:ing)?\s+down|had\s+a\s+fall|taken\s+a\s+fall|tripped|"
    r"can'?t\s+(?:get|stand)\s+up|cannot\s+(?:get|stand)\s+up|can\s+not\s+get\s+up|"
    # heart, breath, consciousness
    r"chest\s+pains?|chest\s+hurts|pain\s+in\s+(?:my|his|her)\s+chest|heart\s+attack|"
    r"(?:a|having|had)\s+(?:a\s+)?stroke|"
    r"can'?t\s+breathe?|cannot\s+breathe|can\s+not\s+breathe|short\s+of\s+breath|"
    r"not\s+breathing|(?:hard|struggling|difficult)\s+to\s+breathe|difficulty\s+breathing|"
    r"choking|seizure|unconscious|unresponsive|passed\s+out|fainted|collapsed|dying|"
    r"bleeding|overdose|badly\s+hurt|hurt\s+badly|"
    # fire and gas
    r"on\s+fire|(?:there'?s|there\s+is)\s+a\s+fire|a\s+fire\s+in|fire\s*!|"
    r"(?:kitchen|house|flat|room)\s+fire|caught\s+fire|(?:something\s+is\s+)?burning|"
    r"full\s+of\s+smoke|smoke\s+(?:in|from|everywhere)|smell(?:s)?\s+(?:of\s+)?(?:gas|smoke)|"
    r"gas\s+leak|"
    # calling for it
    r"emergency(?!\s+(?:contacts?|numbers?|plan|drill|kit))|ambulance"
    r")(?!\w)",
    re.IGNORECASE,
)

# the whole message is a call for help: "help me", "please help me", "帮帮我！"
_CALL_FOR_HELP = re.compile(
    r"^\s*(?:please\s+)?help(?:\s+me)?(?:\s+please)?[\s!.。！]*$"
    r"|^\s*(?:帮帮我|幫幫我)[\s!.。！]*$",
    re.IGNORECASE,
)

_CHINESE = (
    # a call for help
    "救命", "救救我", "快来人", "快來人", "来人啊", "來人啊", "来人呀", "來人呀",
    # falls (and Cantonese 跌親)
    "摔倒", "跌倒", "我摔了", "摔伤", "摔傷", "摔下来", "摔下來", "跌了一跤", "摔了一跤",
    "跌親", "起唔到身", "起不来了", "起不來了", "爬不起来", "爬不起來", "站不起来", "站不起來",
    # heart and breath (Cantonese 唞唔到氣)
    "胸痛", "胸口痛", "胸口疼", "心口痛", "心口疼", "心脏病发", "心臟病發", "心绞痛", "心絞痛",
    "心梗", "喘不过气", "喘不過氣", "喘不上气", "喘不上氣", "上不来气", "上不來氣",
    "透不过气", "透不過氣", "呼吸困难", "呼吸困難", "不能呼吸", "没有呼吸", "沒有呼吸",
    "唞唔到氣", "抖唔到氣", "中风", "中風",
    # consciousness, blood (Cantonese 暈低)
    "昏迷", "晕倒", "暈倒", "昏倒", "暈低", "不省人事", "抽搐", "流血", "大出血",
    # fire and gas (Cantonese 火燭)
    "着火", "著火", "起火", "失火", "火灾", "火災", "火燭", "冒烟", "冒煙",
    "煤气泄漏", "煤氣洩漏", "煤氣泄漏", "燃气泄漏", "燃氣洩漏", "燃氣泄漏", "漏气了", "漏氣了",
    "煤气味", "煤氣味", "燃气味", "燃氣味",
    # calling for it (Cantonese 白車: an ambulance)
    "急救", "救护车", "救護車", "白車",
)  # fmt: skip


def looks_like_emergency(text: str | None) -> bool:
    """True when `text` (a message or a caption) sounds like someone is in danger now."""
    if not text:
        return False
    if _CALL_FOR_HELP.match(text) or _ENGLISH.search(text):
        return True
    return any(word in text for word in _CHINESE)
