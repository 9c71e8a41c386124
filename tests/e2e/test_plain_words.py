"""Issue 12, her words: each role's menu and ❓ Help list its tools by their buttons (no command
in anyone's chat); "📞 Please call me" reaches the coordinators and their list; a group has its
own language, set there by a coordinator, while a pop-up speaks the presser's; a notice written
in one Chinese script reaches a reader of the other in theirs; "✖️ Stop" and the input field's
words at a step that waits for typing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from bot.callbacks import GroupLanguageChoice
from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.emulator.views import ChatMessage
from storage.models import UserRole
from tests.e2e.community import (
    COORDINATORS_CHAT,
    RESIDENT_PHONE,
    RESIDENT_PHONE_SHOWN,
    person,
    running_community,
)
from tests.e2e.harness import RunningBot

MEI, LIN, TAO, WEI = 1201, 1202, 1203, 1204  # a resident, a coordinator, a volunteer, one more
LOCALE = {"en": "en", "zh-hans": "zh_Hans", "zh-hant": "zh_Hant"}
COMMAND = re.compile(r"(?<![\w/])/[a-z]+")

# the buttons each role must find on its menu and in ❓ Help, in each language
TOOLS = {
    (UserRole.COORDINATOR, "en"): (
        "🔎 Open tasks", "🧰 My tasks", "📋 Check-ins today", "➕ Enrol in check-ins",
        "📣 Send a notice", "🤝 Pair a visitor", "🗓 Visits", "📞 Calls to make", "🏘 Places",
        "⏱ My hours",
    ),
    (UserRole.COORDINATOR, "zh-hans"): (
        "🔎 待认领任务", "📋 今天的问候", "➕ 开通每日问候", "📣 发通知", "🤝 安排结对探访",
        "🗓 探访", "📞 要回电", "🏘 地点",
    ),
    (UserRole.VOLUNTEER, "zh-hant"): (
        "🔎 待認領任務", "🧰 我的任務", "🗓 探訪", "⏱ 我的服務時數", "📋 今日的問候",
    ),
    (UserRole.VOLUNTEER, "en"): (
        "🔎 Open tasks", "🧰 My tasks", "🗓 Visits", "⏱ My hours", "📋 Check-ins today",
    ),
    (UserRole.RESIDENT, "zh-hans"): ("🛒 买菜跑腿", "✳️ 其他", "📋 我的求助", "🔔 每日问候"),
}  # fmt: skip
HELP = {"en": "❓ Help", "zh-hans": "❓ 帮助", "zh-hant": "❓ 幫助"}
CALL_ME = {"en": "📞 Please call me", "zh-hans": "📞 请给我打电话", "zh-hant": "📞 請給我打電話"}
GIVE_BACK = {"en": "🌱 Tell me when I could give time back", "zh-hans": "🌱 有机会回馈时间时告诉我"}


@pytest.fixture
async def community(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    async with running_community(
        telegram, database_url, clock, community_phone="010 6512 3456"
    ) as running:
        yield running


async def someone(
    linli: RunningBot, telegram: FakeBotAPI, telegram_id: int, role: UserRole, language: str,
    name: str, phone: str | None = None,
) -> ChatUser:  # fmt: skip
    await person(
        linli, telegram, telegram_id, role, name=name, locale=LOCALE[language], phone=phone
    )
    return telegram.user(telegram_id, first_name=name, language_code=language)


def no_command_in(message: ChatMessage) -> None:
    assert not COMMAND.findall(message.text), message.text
    assert not any(COMMAND.findall(label) for label in message.labels)


@pytest.mark.parametrize(("role", "language"), list(TOOLS))
async def test_each_role_finds_its_tools_on_the_menu_and_in_help(
    community: RunningBot, telegram: FakeBotAPI, role: UserRole, language: str
) -> None:
    chat = await someone(community, telegram, MEI, role, language, "Mei")
    await chat.send_command("/start")
    menu = [label for row in chat.reply_keyboard or [] for label in row]
    for tool in TOOLS[role, language]:
        assert tool in menu, (tool, menu)
    assert HELP[language] in menu

    await chat.tap_reply(HELP[language])
    help_message = chat.last
    for tool in TOOLS[role, language]:
        assert tool in help_message.text, tool
    no_command_in(help_message)
    assert "+86 10 6512 3456" in help_message.text  # the community's phone, dialable
    offered = [GIVE_BACK[language]] if role is UserRole.RESIDENT else []  # residents only
    assert help_message.labels == [CALL_ME[language], *offered]
    if language != "en":
        assert not re.findall(r"[A-Za-z]{2,}", help_message.text), help_message.text


async def test_please_call_me_reaches_the_coordinators_and_their_list(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    mei = await someone(
        community, telegram, MEI, UserRole.RESIDENT, "zh-hans", "梅", phone=RESIDENT_PHONE
    )
    lin = await someone(community, telegram, LIN, UserRole.COORDINATOR, "en", "Lin")
    group = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[LIN])

    await mei.send_command("/help")
    await mei.tap("📞 请给我打电话")
    assert "社区工作人员很快会打 " + RESIDENT_PHONE_SHOWN + " 给您" in mei.last.text
    await mei.send_command("/help")
    await mei.tap("📞 请给我打电话")  # again: still one call to make
    assert "您已经在他们的名单上了" in mei.last.text
    await community.outbox_drained()
    cards = [m for m in group.messages if "asks to be called" in m.text]
    assert len(cards) == 1 and RESIDENT_PHONE_SHOWN in cards[0].text and "梅" in cards[0].text

    await lin.send_command("/start")
    await lin.tap_reply("📞 Calls to make")
    assert "梅 asks to be called" in lin.last.text and RESIDENT_PHONE_SHOWN in lin.last.text
    await lin.tap("✅ I called 梅")
    assert "Lin called 梅" in (lin.callback_answers[-1].text or "")
    await lin.tap_reply("📞 Calls to make")
    assert "Nobody is waiting for a call" in lin.last.text

    # the group's card, pressed after the call was made from the list: said, not done twice
    await group.as_user(LIN).tap("✅ I called 梅", message_id=cards[0].message_id)
    assert "already called" in (group.as_user(LIN).callback_answers[-1].text or "")


async def test_a_group_reads_its_own_language_and_a_press_answers_in_the_pressers(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    """A coordinator sets the coordinators' group to Traditional Chinese there; a volunteer may
    not. The group's posts (answers to commands there included) are then in Traditional, while
    each pop-up speaks the presser's language (Simplified for this coordinator, English for the
    volunteer)."""
    await someone(community, telegram, LIN, UserRole.COORDINATOR, "zh-hans", "林")
    await someone(community, telegram, TAO, UserRole.VOLUNTEER, "en", "Tao")
    mei = await someone(
        community, telegram, MEI, UserRole.RESIDENT, "zh-hant", "梅", phone=RESIDENT_PHONE
    )
    group = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[LIN, TAO])
    lin, tao = group.as_user(LIN), group.as_user(TAO)

    await tao.send_command("/language")  # the bot sees commands in a group (privacy mode)
    assert "Only a coordinator can choose this group's language" in group.last.text
    await lin.send_command("/language")
    question = group.last  # in the community's language (English here), as the group's posts
    assert "this group" in question.text and question.labels == ["English", "简体中文", "繁體中文"]
    await tao.press_data(GroupLanguageChoice(locale="en").pack(), question.message_id)
    assert "Only a coordinator" in (tao.callback_answers[-1].text or "")
    await lin.tap("繁體中文")
    assert lin.callback_answers[-1].text == "繁體中文"
    assert "從現在起，我在這個群組裡用繁體中文" in group.message(question.message_id).text
    await lin.send_command("/help")  # a post in the group: in the group's language, ticked
    assert "在我們的私訊裡，按選單裡的按鈕" in group.last.text
    assert "✅ 繁體中文" in group.last.labels
    no_command_in(group.last)

    await mei.send_command("/help")
    await mei.tap("📞 請給我打電話")
    assert "社區工作人員很快會打 " + RESIDENT_PHONE_SHOWN + " 給您" in mei.last.text
    card = await group.wait_for_message(lambda m: "請您給他／她打電話" in m.text)
    assert "電話：" + RESIDENT_PHONE_SHOWN in card.text
    await lin.tap("✅ 我已致電梅", message_id=card.message_id)
    assert lin.callback_answers[-1].text == "✅ 林已给梅打了电话。"  # her own, Simplified
    assert "✅ 林已致電梅。" in group.message(card.message_id).text  # the group's, Traditional


async def test_a_notice_reaches_each_reader_in_their_own_script(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    lin = await someone(community, telegram, LIN, UserRole.COORDINATOR, "en", "Lin")
    hant = await someone(community, telegram, MEI, UserRole.RESIDENT, "zh-hant", "梅")
    hans = await someone(community, telegram, WEI, UserRole.RESIDENT, "zh-hans", "伟")
    ann = await someone(community, telegram, TAO, UserRole.RESIDENT, "en", "Ann")

    for written, as_hant, as_hans in (
        ("明天上午社区开会，请带身份证。", "明天上午社區開會，請帶身份證。", None),
        ("後天下午社區體檢，請帶醫療卡。", None, "后天下午社区体检，请带医疗卡。"),
    ):
        await lin.send_command("/broadcast")
        assert lin.last.placeholder == "The text of the notice"
        await lin.send_text(written)
        await lin.tap("No, continue")
        await lin.tap("No, just a notice")
        await lin.tap("Everyone")
        await lin.tap("Send now")
        await lin.tap("Yes, send it")
        # Traditional for her, Simplified for him, as written for a reader of English
        for chat, expected in ((hant, as_hant or written), (hans, as_hans or written)):
            await chat.wait_for_message(lambda m, text=expected: m.text == text)
        await ann.wait_for_message(lambda m, text=written: m.text == text)


async def test_stop_leaves_a_step_without_a_command(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    """At a step that waits for typing, the input field says what is asked, and the word
    "停止" (the label of ✖️ Stop) goes back to the menu, as /cancel does."""
    lin = await someone(community, telegram, LIN, UserRole.COORDINATOR, "zh-hans", "林")
    await lin.send_command("/start")
    await lin.tap_reply("📣 发通知")
    prompt = lin.last
    assert prompt.placeholder == "通知的内容"
    assert "想停下，请写“停止”" in prompt.text
    no_command_in(prompt)
    await lin.send_text("停止")
    assert "已停止" in lin.last.text
    await lin.send_text("停止")  # no step now: not understood, but never a command
    no_command_in(lin.last)
