"""Conversations: a person opens the bot, registers, and lands on the menu of their role."""

from __future__ import annotations

import re

import pytest

from bot.emulator.server import FakeBotAPI
from storage.models import UserRole
from tests.e2e.harness import RunningBot
from tests.e2e.steps import agree_to_register, offer_skills_and_languages, user_row
from tests.people import place_named

GREETING = {
    "en": "Do you need some help, or would you like to volunteer?",
    "zh-hans": "您是需要帮助，还是想当志愿者？",
    "zh-hant": "您是需要幫助，還是想做義工？",
}
NEED_HELP = {"en": "🙋 I need help", "zh-hans": "🙋 我需要帮助", "zh-hant": "🙋 我需要幫助"}
AGREE = {"en": "✅ I agree", "zh-hans": "✅ 我同意", "zh-hant": "✅ 我同意"}
SHARE = {
    "en": "📱 Share my phone number",
    "zh-hans": "📱 提供我的电话号码",
    "zh-hant": "📱 提供我的電話號碼",
}
MENU_HELP = {"en": "❓ Help", "zh-hans": "❓ 帮助", "zh-hant": "❓ 幫助"}


def english_words(text: str) -> set[str]:
    """Latin words a Chinese reader would meet, leaving out /commands and our name."""
    stripped = re.sub(r"/[a-z]+", "", text)
    return set(re.findall(r"[A-Za-z]{2,}", stripped)) - {"linli"}


@pytest.mark.parametrize("language", ["en", "zh-hans", "zh-hant"])
@pytest.mark.postgresql
async def test_resident_registers_in_their_language(
    linli: RunningBot, telegram: FakeBotAPI, language: str
) -> None:
    name = "Mei" if language == "en" else "梅"
    mei = telegram.user(1001, first_name=name, language_code=language)
    async with linli.app.session_factory() as session:  # the coordinators' list of places
        for place in ("2号楼", "3号楼"):
            await place_named(session, linli.clock, place)
        await session.commit()

    await mei.send_command("/start")
    assert GREETING[language] in mei.last.text
    assert mei.last.buttons[0] == [NEED_HELP[language]]

    await mei.tap(NEED_HELP[language])
    assert "🔒" in mei.last.text
    await mei.tap(AGREE[language])

    await mei.tap_reply(name)  # her Telegram name, offered as a button
    await mei.tap_reply(SHARE[language])  # Telegram's "share contact"
    assert mei.last.buttons[:2] == [["📍 2号楼"], ["📍 3号楼"]]  # one tap, never typed
    await mei.tap("📍 3号楼")
    assert "🔒" in mei.last.text  # the exact address, and who will see it
    await mei.send_text("幸福小区 3栋 502")

    assert name in mei.last.text
    assert MENU_HELP[language] in [label for row in mei.reply_keyboard for label in row]

    if language != "en":
        for message in mei.messages:
            assert not english_words(message.text), message.text
            for row in message.buttons:
                for label in row:
                    assert not english_words(label), label
        for row in mei.reply_keyboard:
            for label in row:
                assert not english_words(label), label

    row = await user_row(linli, 1001)
    assert row is not None
    assert row.role == UserRole.RESIDENT
    assert (row.display_name, row.area, row.address) == (name, "3号楼", "幸福小区 3栋 502")
    assert row.phone and row.phone.lstrip("+").isdigit()
    assert row.consent_at is not None and row.is_onboarded


async def test_volunteer_registers_without_a_phone(linli: RunningBot, telegram: FakeBotAPI) -> None:
    tom = telegram.user(1002, first_name="Tom", language_code="en-GB")
    await agree_to_register(tom, "volunteer")
    await tom.send_text("Tom Lee")
    await tom.tap_reply("⏭ Skip")
    # no place is defined yet: the step is skipped, and nothing typed is kept as an area
    await offer_skills_and_languages(tom)
    assert "Thank you for volunteering, Tom Lee!" in tom.last.text

    row = await user_row(linli, 1002)
    assert row is not None and row.role == UserRole.VOLUNTEER and row.phone is None
    assert (row.place_id, row.area, row.address) == (None, None, None)


async def test_unknown_language_falls_back_to_the_configured_default(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    pierre = telegram.user(1003, first_name="Pierre", language_code="fr")
    await pierre.send_command("/start")
    assert GREETING["en"] in pierre.last.text  # the suite configures DEFAULT_LOCALE=en


async def test_command_menu_is_published_in_three_languages(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    calls = [c for c in telegram.calls if c.method == "setMyCommands"]
    by_language = {c.params.get("language_code"): c.params["commands"] for c in calls}
    assert set(by_language) >= {None, "en", "zh"}
    assert by_language["en"][1]["description"] == "What I can do for you"
    assert by_language["zh"][1]["description"] == "我能为您做什么"

    # Traditional Chinese cannot be told apart by language code: it gets a list for the chat.
    lin = telegram.user(1004, first_name="Lin", language_code="zh-hant")
    await lin.send_command("/language")
    await lin.tap("繁體中文")
    chat_lists = [
        c
        for c in telegram.calls
        if c.method == "setMyCommands" and (c.params.get("scope") or {}).get("chat_id") == 1004
    ]
    assert chat_lists and chat_lists[-1].params["commands"][1]["description"] == "我能為您做甚麼"


async def test_start_in_a_group_points_to_the_private_chat(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    telegram.user(1010, first_name="Mei", language_code="en")
    member = telegram.group(-100900, "Building 5", members=[1010]).as_user(1010)

    await member.send_command("start", mention=True)

    [hint] = member.replies
    assert "private chat" in hint.text and hint.buttons == []
    await member.send_text("Mei Chen", reply_to=hint.message_id)  # reaches the bot: a reply
    assert member.replies == []  # no registration was started in the group


async def test_a_reply_that_fails_keeps_what_was_recorded(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    """Her consent is committed before the bot talks to Telegram: when the next question cannot
    be sent, she is told kindly and asked it again, her press was answered once, and /start
    carries on from there too."""
    mei = telegram.user(1005, first_name="Mei", language_code="en")
    await mei.send_command("/start")
    await mei.tap(NEED_HELP["en"])
    telegram.inject("sendMessage", error=500, description="Internal Server Error", chat_id=1005)
    await mei.tap(AGREE["en"])

    assert "something went wrong" in mei.replies[-2].text
    assert "What is your name?" in mei.last.text  # asked again
    assert mei.reply_keyboard == [["Mei"]]
    answers = [c for c in telegram.calls if c.method == "answerCallbackQuery"]
    assert all(c.ok for c in answers) and len(answers) == 2  # role, consent: once each
    row = await user_row(linli, 1005)
    assert row is not None and row.consent_at is not None

    await mei.send_command("/start")
    assert "carry on where we stopped" in mei.replies[0].text
    assert "What is your name?" in mei.last.text
