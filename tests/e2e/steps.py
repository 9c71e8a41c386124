"""Steps many conversations share: "opens the bot and agrees", "registers", "looks up her row"."""

from __future__ import annotations

from sqlalchemy import select

from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from storage.models import User
from tests.e2e.harness import RunningBot

LABELS = {
    "en": {"help": "🙋 I need help", "volunteer": "🤝 I want to volunteer", "agree": "✅ I agree"},
    "zh-hans": {"help": "🙋 我需要帮助", "volunteer": "🤝 我想当志愿者", "agree": "✅ 我同意"},
    "zh-hant": {"help": "🙋 我需要幫助", "volunteer": "🤝 我想做義工", "agree": "✅ 我同意"},
}
OFFER_LABELS = {
    "en": {"done": "➡️ Done", "shopping": "🛒 Shopping and errands", "mandarin": "Mandarin"},
    "zh-hans": {"done": "➡️ 完成", "shopping": "🛒 买菜跑腿", "mandarin": "普通话"},
    "zh-hant": {"done": "➡️ 完成", "shopping": "🛒 買餸跑腿", "mandarin": "普通話"},
}


async def agree_to_register(person: ChatUser, role: str = "help") -> None:
    """Sends /start, chooses "I need help" (or "volunteer"), agrees: the bot asks for a name."""
    language = (person.language_code or "en").lower()
    labels = LABELS.get(language, LABELS["en"])
    await person.send_command("/start")
    await person.tap(labels[role])
    await person.tap(labels["agree"])


async def register(telegram: FakeBotAPI, telegram_id: int, language: str = "en") -> ChatUser:
    """An English-speaking resident "Ann", registered, on the main menu. No place is defined
    (so none was asked) and she skipped the address: her first request will ask it."""
    person = telegram.user(telegram_id, first_name="Ann", language_code=language)
    await agree_to_register(person)
    await person.send_text("Ann")
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
