"""Steps many conversations share: "opens the bot and agrees", "registers", "looks up her row",
and a count of what a person did (`Actions`)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from storage.models import HelpRequest, User
from tests.e2e.harness import RunningBot


def has(text: str) -> Callable[[Any], bool]:
    """A message that says `text` (for `wait_for_message`)."""
    return lambda message: text in message.text


LABELS = {
    "en": {"help": "🙋 I need help", "volunteer": "🤝 I want to volunteer",
           "agree": "✅ I agree, call me {name}", "other_name": "✍️ I agree, with another name"},
    "zh-hans": {"help": "🙋 我需要帮助", "volunteer": "🤝 我想当志愿者",
                "agree": "✅ 同意，称呼我 {name}", "other_name": "✍️ 同意，用别的称呼"},
    "zh-hant": {"help": "🙋 我需要幫助", "volunteer": "🤝 我想做義工",
                "agree": "✅ 同意，稱呼我 {name}", "other_name": "✍️ 同意，用別的稱呼"},
}  # fmt: skip


def labels_of(person: ChatUser) -> dict[str, str]:
    return LABELS.get((person.language_code or "en").lower(), LABELS["en"])


class Actions:
    """What a person does, counted: each message sent or button tapped is one action. Wraps a
    ChatUser; everything else (reading the chat) passes through uncounted."""

    COUNTED = frozenset(
        {"send_text", "send_command", "send_voice", "send_photo", "send_contact",
         "send_sticker", "send_location", "tap", "tap_reply", "press_data"}
    )  # fmt: skip

    def __init__(self, person: ChatUser) -> None:
        self.person = person
        self.count = 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.person, name)
        if name not in self.COUNTED:
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Awaitable[dict[str, Any]]:
            self.count += 1
            action: Callable[..., Awaitable[dict[str, Any]]] = attribute
            return action(*args, **kwargs)

        return counted


OFFER_LABELS = {
    "en": {"done": "➡️ Done", "shopping": "🛒 Shopping and errands", "mandarin": "Mandarin"},
    "zh-hans": {"done": "➡️ 完成", "shopping": "🛒 买菜跑腿", "mandarin": "普通话"},
    "zh-hant": {"done": "➡️ 完成", "shopping": "🛒 買餸跑腿", "mandarin": "普通話"},
}


async def agree_to_register(person: ChatUser | Actions, role: str = "help") -> None:
    """Sends /start, chooses "I need help" (or "volunteer"), agrees to the privacy notice with
    "✍️ another name": the bot asks for a name."""
    labels = labels_of(person.person if isinstance(person, Actions) else person)
    await person.send_command("/start")
    await person.tap(labels[role])
    await person.tap(labels["other_name"])


async def agree_as_myself(person: ChatUser | Actions, role: str = "help") -> None:
    """Sends /start, chooses "I need help" (or "volunteer"), and agrees in one tap, to be
    called by her Telegram first name: the bot asks for her phone."""
    chat = person.person if isinstance(person, Actions) else person
    labels = labels_of(chat)
    await person.send_command("/start")
    await person.tap(labels[role])
    await person.tap(labels["agree"].format(name=chat.user["first_name"]))


async def register(telegram: FakeBotAPI, telegram_id: int, language: str = "en") -> ChatUser:
    """An English-speaking resident "Ann", registered, on the main menu. No place is defined
    (so she was asked her address) and she skipped it: her first request will ask it."""
    person = telegram.user(telegram_id, first_name="Ann", language_code=language)
    await agree_as_myself(person)
    await person.tap_reply("⏭ Skip")  # the phone
    await person.tap_reply("⏭ Skip")  # the address
    return person


async def user_row(linli: RunningBot, telegram_id: int) -> User | None:
    async with linli.app.session_factory() as session:
        return await session.scalar(select(User).where(User.telegram_id == telegram_id))


async def offer_skills_and_languages(
    person: ChatUser,
    skills: tuple[str, ...] = ("shopping",),
    languages: tuple[str, ...] = ("mandarin",),
) -> None:
    """The volunteer's last two steps: tap skills, "Done", tap languages, "Done"."""
    language = (person.language_code or "en").lower()
    labels = OFFER_LABELS.get(language, OFFER_LABELS["en"])
    for skill in skills:
        await person.tap(labels.get(skill, skill))
    await person.tap(labels["done"])
    for spoken in languages:
        await person.tap(labels.get(spoken, spoken))
    await person.tap(labels["done"])


async def requests_in_db(linli: RunningBot) -> list[HelpRequest]:
    async with linli.app.session_factory() as s:
        return list(await s.scalars(select(HelpRequest).order_by(HelpRequest.id)))


def english_words(text: str) -> set[str]:
    """Latin words a Chinese reader would meet, leaving out /commands and our name."""
    stripped = re.sub(r"/[a-z]+", "", text)
    return set(re.findall(r"[A-Za-z]{2,}", stripped)) - {"linli"}
