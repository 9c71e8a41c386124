"""The kind of help a sentence asks for, guessed from its words ("我想请人帮我买点菜" is
shopping): keyword lists per kind in each language we speak. Pure: text in, a kind or None out.

The guess is only ever offered to the person, who confirms it with one tap (or picks another
kind); a sentence with no known word is taken as "other"."""

from __future__ import annotations

from storage.models import RequestCategory

C = RequestCategory

KEYWORDS: dict[str, dict[RequestCategory, tuple[str, ...]]] = {
    "zh_Hans": {
        C.SHOPPING: ("买菜", "买点", "买东西", "买药", "超市", "菜场", "菜市场", "跑腿", "取快递",
                     "快递", "代购", "购物", "买米", "买", "缴费", "取药"),
        C.MEDICAL_ESCORT: ("看病", "医院", "看医生", "复诊", "体检", "陪诊", "就医", "挂号",
                           "打针", "诊所", "医生"),
        C.HOME_REPAIR: ("修", "坏了", "漏水", "灯泡", "水管", "马桶", "电器", "维修", "换灯",
                        "堵了", "门锁", "插座"),
        C.MEALS: ("做饭", "吃饭", "午饭", "晚饭", "早饭", "送饭", "饭菜", "餐", "煮饭", "汤"),
        C.COMPANIONSHIP: ("陪我", "聊天", "散步", "说说话", "陪伴", "下棋", "走走", "串门"),
        C.EMOTIONAL_SUPPORT: ("孤单", "难过", "伤心", "寂寞", "心情", "睡不着", "害怕", "想哭",
                              "烦"),
        C.PAPERWORK: ("表格", "填表", "证件", "手续", "办理", "补贴", "养老金", "社保", "医保",
                      "身份证", "信件", "手机", "银行"),
    },
    "zh_Hant": {
        C.SHOPPING: ("買餸", "買菜", "買點", "買東西", "買藥", "超市", "街市", "跑腿", "快遞",
                     "代購", "購物", "買米", "買", "繳費", "取藥"),
        C.MEDICAL_ESCORT: ("睇醫生", "看病", "醫院", "看醫生", "覆診", "複診", "體檢", "陪診",
                           "就醫", "掛號", "診所", "醫生"),
        C.HOME_REPAIR: ("修", "壞了", "壞咗", "漏水", "燈泡", "水管", "馬桶", "電器", "維修",
                        "換燈", "塞咗", "門鎖", "插座"),
        C.MEALS: ("做飯", "煮飯", "食飯", "吃飯", "午飯", "晚飯", "早餐", "送飯", "飯菜", "餐",
                  "湯"),
        C.COMPANIONSHIP: ("陪我", "傾偈", "聊天", "散步", "講吓嘢", "陪伴", "下棋", "行吓"),
        C.EMOTIONAL_SUPPORT: ("孤單", "難過", "傷心", "寂寞", "心情", "瞓唔着", "睡不著",
                              "害怕", "想哭", "煩"),
        C.PAPERWORK: ("表格", "填表", "證件", "手續", "辦理", "津貼", "生果金", "長者卡",
                      "身份證", "信件", "手機", "銀行"),
    },
    "en": {
        C.SHOPPING: ("shopping", "groceries", "grocery", "buy", "shop", "supermarket",
                     "errand", "pharmacy", "parcel", "pick up"),
        C.MEDICAL_ESCORT: ("doctor", "hospital", "clinic", "appointment", "medical",
                           "check-up", "checkup", "nurse", "dentist"),
        C.HOME_REPAIR: ("repair", "fix", "broken", "leak", "leaking", "bulb", "tap", "toilet",
                        "plumbing", "lock", "socket"),
        C.MEALS: ("meal", "meals", "cook", "cooking", "lunch", "dinner", "breakfast", "food",
                  "soup"),
        C.COMPANIONSHIP: ("company", "chat", "talk", "walk", "visit", "keep me company"),
        C.EMOTIONAL_SUPPORT: ("lonely", "sad", "upset", "worried", "anxious", "scared",
                              "can't sleep", "cannot sleep"),
        C.PAPERWORK: ("form", "forms", "paperwork", "letter", "benefit", "benefits", "pension",
                      "bank", "documents", "phone bill"),
    },
}  # fmt: skip


def _is_latin(keyword: str) -> bool:
    return keyword.isascii()


def _found(keyword: str, text: str) -> bool:
    """Chinese words are found anywhere; English ones as whole words."""
    if not _is_latin(keyword):
        return keyword in text
    words = "".join(ch if ch.isalnum() or ch in "-'" else " " for ch in text)
    return f" {keyword} " in f" {' '.join(words.split())} "


def guess_category(text: str, locale: str | None = None) -> RequestCategory | None:
    """The kind of help `text` most likely asks for, or None when no word says. Words of the
    person's language count first; the longest word found wins (买菜 over 买)."""
    lowered = text.lower()
    order = [locale] if locale in KEYWORDS else []
    order += [name for name in KEYWORDS if name != locale]
    for name in order:
        best: tuple[int, RequestCategory] | None = None
        for category, keywords in KEYWORDS[name].items():
            for keyword in keywords:
                if _found(keyword, lowered) and (best is None or len(keyword) > best[0]):
                    best = (len(keyword), category)
        if best is not None:
            return best[1]
    return None
