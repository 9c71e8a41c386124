"""Conversations: a person opens the bot, registers, and lands on the menu of their role."""

from __future__ import annotations

import pytest

from bot.emulator.server import FakeBotAPI
from storage.models import UserRole
from tests.e2e.harness import RunningBot
from tests.e2e.steps import (
    Actions,
    agree_to_register,
    english_words,
    offer_skills_and_languages,
    user_row,
)
from tests.people import place_named

GREETING = {
    "en": "Do you need some help, or would you like to volunteer?",
    "zh-hans": "您是需要帮助，还是想当志愿者？",
    "zh-hant": "您是需要幫助，還是想做義工？",
}
NEED_HELP = {"en": "🙋 I need help", "zh-hans": "🙋 我需要帮助", "zh-hant": "🙋 我需要幫助"}
AGREE_AS = {
    "en": "✅ I agree, call me {name}",
    "zh-hans": "✅ 同意，称呼我 {name}",
    "zh-hant": "✅ 同意，稱呼我 {name}",
}
OTHER_NAME = {
    "en": "✍️ I agree, with another name",
    "zh-hans": "✍️ 同意，用别的称呼",
    "zh-hant": "✍️ 同意，用別的稱呼",
}
SKIP = {"en": "⏭ Skip", "zh-hans": "⏭ 跳过", "zh-hant": "⏭ 略過"}
SHOPPING = {"en": "🛒 Shopping and errands", "zh-hans": "🛒 买菜跑腿", "zh-hant": "🛒 買餸跑腿"}
NAME_QUESTION = {"en": "What is your name?", "zh-hans": "怎么称呼", "zh-hant": "怎樣稱呼"}
SHARE = {
    "en": "📱 Share my phone number",
    "zh-hans": "📱 提供我的电话号码",
    "zh-hant": "📱 提供我的電話號碼",
}
MENU_HELP = {"en": "❓ Help", "zh-hans": "❓ 帮助", "zh-hant": "❓ 幫助"}


@pytest.mark.parametrize("language", ["en", "zh-hans", "zh-hant"])
@pytest.mark.postgresql
async def test_resident_registers_in_four_actions_in_their_language(
    linli: RunningBot, telegram: FakeBotAPI, language: str
) -> None:
    """Her role by one tap; the language from Telegram (never asked); the privacy notice read
    and agreed to together with her name; her phone shared; her building tapped: 4 actions
    after /start, and no separate address question."""
    name = "Mei" if language == "en" else "王秀英"
    mei = Actions(telegram.user(1001, first_name=name, language_code=language))
    async with linli.app.session_factory() as session:  # the coordinators' list of places
        for place in ("2号楼", "3号楼"):
            await place_named(session, linli.clock, place)
        await session.commit()

    await mei.send_command("/start")
    assert GREETING[language] in mei.last.text
    assert mei.last.buttons[0] == [NEED_HELP[language]]
    mei.count = 0  # counted from here: the actions after /start

    await mei.tap(NEED_HELP[language])
    consent = mei.last
    assert "🔒" in consent.text and name in consent.text  # the notice, and what she is called
    assert consent.buttons[:2] == [[AGREE_AS[language].format(name=name)], [OTHER_NAME[language]]]
    await mei.tap(AGREE_AS[language].format(name=name))
    assert mei.reply_keyboard == [[SHARE[language]], [SKIP[language]]]
    await mei.tap_reply(SHARE[language])  # Telegram's "share contact"
    assert mei.last.buttons[:2] == [["📍 2号楼"], ["📍 3号楼"]]  # one tap, never typed
    await mei.tap("📍 3号楼")

    assert mei.count == 4
    assert name in mei.last.text
    menu = [label for row in mei.reply_keyboard for label in row]
    assert MENU_HELP[language] in menu and SHOPPING[language] in menu  # the kinds of help

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
    assert row.role == UserRole.RESIDENT and row.locale is None  # Telegram's language, not asked
    assert (row.display_name, row.area, row.address) == (name, "3号楼", None)
    assert row.phone and row.phone.lstrip("+").isdigit()
    assert row.consent_at is not None and row.is_onboarded


@pytest.mark.parametrize("language", ["en", "zh-hant"])
async def test_another_name_and_no_places_ask_the_name_and_the_address(
    linli: RunningBot, telegram: FakeBotAPI, language: str
) -> None:
    """ "✍️" agrees too, then asks her name; while no place is defined she types her address."""
    wing = Actions(telegram.user(1006, first_name="W", language_code=language))
    await agree_to_register(wing)
    assert NAME_QUESTION[language] in wing.last.text
    await wing.send_text("黃詠詩")
    await wing.tap_reply(SKIP[language])  # no phone
    assert "🔒" in wing.last.text  # the exact address, and who will see it
    await wing.send_text("幸福小區 3座 502")
    assert "黃詠詩" in wing.last.text
    assert wing.count == 6  # /start, role, "✍️", the name, skip, the address

    row = await user_row(linli, 1006)
    assert row is not None and row.consent_at is not None and row.is_onboarded
    assert (row.display_name, row.place_id, row.address) == ("黃詠詩", None, "幸福小區 3座 502")


async def test_saying_no_to_the_notice_keeps_nothing(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    """The consent is never skipped: without it nobody is registered, whatever button comes
    later (a stale "agree" from the same message does nothing)."""
    kay = telegram.user(1007, first_name="Kay", language_code="en")
    await kay.send_command("/start")
    await kay.tap(NEED_HELP["en"])
    notice = kay.last.message_id
    await kay.tap("✖️ No, thank you")
    assert "we cannot register you" in kay.last.text
    await kay.press_data("consent:1:1", message_id=notice)  # the agree button, pressed late
    row = await user_row(linli, 1007)
    assert row is not None and row.consent_at is None and not row.is_onboarded


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
    """Her consent (and her name) are committed before the bot talks to Telegram: when the next
    question cannot be sent, she is told kindly and asked it again, her press was answered
    once, and /start carries on from there too."""
    mei = telegram.user(1005, first_name="Mei", language_code="en")
    await mei.send_command("/start")
    await mei.tap(NEED_HELP["en"])
    telegram.inject("sendMessage", error=500, description="Internal Server Error", chat_id=1005)
    await mei.tap(AGREE_AS["en"].format(name="Mei"))

    assert "something went wrong" in mei.replies[-2].text
    assert "May we have your phone number" in mei.last.text  # asked again
    assert mei.reply_keyboard == [[SHARE["en"]], [SKIP["en"]]]
    answers = [c for c in telegram.calls if c.method == "answerCallbackQuery"]
    assert all(c.ok for c in answers) and len(answers) == 2  # role, consent: once each
    row = await user_row(linli, 1005)
    assert row is not None and row.consent_at is not None

    await mei.send_command("/start")
    assert "carry on where we stopped" in mei.replies[0].text
    assert "Thank you, Mei. May we have your phone number" in mei.last.text


async def test_an_address_typed_where_the_places_are_shown_is_kept(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    """She types where she lives instead of tapping: it is her address, and she is registered."""
    async with linli.app.session_factory() as session:
        await place_named(session, linli.clock, "2号楼")
        await session.commit()
    li = Actions(telegram.user(1008, first_name="李", language_code="zh-hans"))
    await li.send_command("/start")
    await li.tap(NEED_HELP["zh-hans"])
    await li.tap(AGREE_AS["zh-hans"].format(name="李"))
    await li.tap_reply(SKIP["zh-hans"])
    await li.send_text("幸福小区 3栋 502")
    assert "登记成功" in li.last.text and li.count == 5
    row = await user_row(linli, 1008)
    assert row is not None and row.is_onboarded
    assert (row.place_id, row.address) == (None, "幸福小区 3栋 502")
