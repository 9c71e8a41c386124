"""Short answers a person types instead of tapping: "I'm fine" ("我很好", "好", "ok"...), "I need
help" ("不好", "我需要帮助"...) to a daily check-in, and "cancel" ("取消", "不要了", "算了",
"stop"...) at any step. The whole message must be the answer (with thanks, particles and
punctuation around it): "好" is an answer, "好想吃饺子" is not.

Words are data, one set per meaning, in Simplified and Traditional Chinese (with the Cantonese
a Hong Kong elder would type) and English; Traditional is matched through its Simplified
spelling (`_text.normalise`). Emergencies are not here: `bot.services.emergency` hears them
first, so "help!" keeps its emergency answer."""

from __future__ import annotations

import re
from enum import Enum

from bot.understanding._text import normalise


class Answer(Enum):
    FINE = "fine"
    NEED_HELP = "help"
    CANCEL = "cancel"


FINE_WORDS = frozenset(
    {
        # Simplified (Traditional is matched through it)
        "好", "好的", "好好", "很好", "我很好", "我好", "我挺好", "挺好", "挺好的", "还好",
        "我还好", "还可以", "可以", "都好", "一切都好", "一切安好", "一切正常", "安好",
        "平安", "我平安", "没事", "我没事", "没事儿", "没问题", "我很好没事", "放心", "健康",
        "我很健康", "我身体很好", "身体很好", "是", "是的", "对", "嗯", "嗯嗯", "行", "好滴",
        "不错", "我不错", "我很好很好",
        # Cantonese
        "我好好", "几好", "都几好", "我几好", "冇事", "我冇事", "无事", "我无事", "冇问题",
        "系", "系呀", "得", "ok晒",
        # English
        "ok", "okay", "k", "fine", "i'm fine", "im fine", "i am fine", "i'm ok", "im ok",
        "i am ok", "i'm okay", "i am okay", "all good", "good", "i'm good", "i am good",
        "well", "i'm well", "i am well", "all well", "all is well", "alright", "all right",
        "i'm alright", "i am alright", "i'm all right", "yes", "yes i'm fine", "yep", "yeah",
        "fine thanks", "very well", "👍", "✅", "🙂", "😊", "👌",
    }
)  # fmt: skip

NEED_HELP_WORDS = frozenset(
    {
        "不好", "我不好", "不太好", "我不太好", "很不好", "我很不好", "不舒服", "我不舒服",
        "身体不舒服", "我身体不舒服", "难受", "我难受", "很难受", "我很难受", "需要帮助",
        "我需要帮助", "要帮助", "我要帮助", "需要帮忙", "我需要帮忙", "请帮我", "帮我",
        "帮忙", "我有事", "有事", "不行", "我不行", "不是很好",
        # Cantonese
        "唔好", "我唔好", "唔舒服", "我唔舒服", "好唔舒服", "我好唔舒服", "要帮手",
        "我要帮手", "需要帮手", "我需要帮手", "帮下我", "唔系几好", "我唔系几好",
        # English
        "help", "i need help", "need help", "i need some help", "not ok", "not okay",
        "not fine", "not good", "not well", "i'm not ok", "i'm not okay", "i am not ok",
        "i'm not fine", "i'm not well", "i am not well", "i'm not good", "unwell", "i'm unwell",
        "i feel unwell", "i feel ill", "i'm ill", "i feel bad", "bad", "no", "🙋",
    }
)  # fmt: skip

CANCEL_WORDS = frozenset(
    {
        "取消", "不要了", "算了", "算了吧", "不用了", "不做了", "不弄了", "停", "停止",
        "退出", "放弃", "不想要了", "我不要了", "我不想要了", "不需要了", "罢了", "先不要了",
        # Cantonese
        "唔要了", "唔要啦", "唔使了", "唔使啦", "唔该取消", "唔搞了", "唔做了", "算数",
        # English
        "cancel", "stop", "quit", "exit", "never mind", "nevermind", "forget it", "cancel it",
        "stop it", "i don't want it", "don't want it",
        "leave it", "abort",
    }
)  # fmt: skip

_WORDS = {Answer.FINE: FINE_WORDS, Answer.NEED_HELP: NEED_HELP_WORDS, Answer.CANCEL: CANCEL_WORDS}

# said around an answer: thanks, greetings, polite words; removed before matching
_AROUND = re.compile(
    r"谢谢你们|谢谢你|谢谢|多谢晒|多谢|唔该晒|唔该|感谢|麻烦你|请|你好|您好|早上好|早晨|"
    r"\b(?:thank\s+you(?:\s+very\s+much)?|thanks(?:\s+a\s+lot)?|thx|please|hello|hi|"
    r"good\s+morning|dear)\b"
)
# particles at the end of a Chinese answer ("好啊", "没事呀", "算了吧" is a word of its own)
_PARTICLES = "啊呀哦喔噢呢啦嘛哈吖噶咯喇嘅呵"
# what is not part of an answer: punctuation, symbols, spaces (emoji answers are kept)
_PUNCTUATION = re.compile(r"[\s,.;:!?~…，。；：！？、～·\-—_\"'“”‘’()（）\[\]【】「」]+")


def _cleaned(text: str) -> str:
    text = normalise(text)
    text = _AROUND.sub(" ", text)
    text = text.replace("’", "'")
    words = [w for w in _PUNCTUATION.split(text.replace("'", "\0")) if w]
    joined = " ".join(word.replace("\0", "'") for word in words)
    # Chinese has no spaces between words: none next to a Chinese character
    return re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])", "", joined)


def answer_in(text: str | None) -> Answer | None:
    """The short answer `text` is, or None when it is something else (or too long to be one)."""
    if not text or len(text) > 60:
        return None
    candidate = _cleaned(text)
    while candidate:  # "好啊" is "好"; "唔使啦啊" is "唔使啦" (a particle of its own word)
        for answer, words in _WORDS.items():
            if candidate in words:
                return answer
        if candidate[-1] not in _PARTICLES:
            return None
        candidate = candidate[:-1]
    return None


def is_fine(text: str | None) -> bool:
    return answer_in(text) is Answer.FINE


def needs_help(text: str | None) -> bool:
    return answer_in(text) is Answer.NEED_HELP


def is_cancel(text: str | None) -> bool:
    return answer_in(text) is Answer.CANCEL
