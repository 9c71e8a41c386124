"""Conversations, counted: an elder goes from /start to a posted request with a voice note in at
most 9 actions and asks again in 4; a sentence where a kind is asked is understood, and so is
"明天上午" where the time is asked; a 4,000-character message reaches the coordinator whole."""

from __future__ import annotations

import pytest

from bot.emulator.server import FakeBotAPI
from storage.models import DayPart, RequestCategory, RequestTiming, UserRole
from tests.e2e.harness import RunningBot
from tests.e2e.steps import Actions, agree_as_myself, english_words, requests_in_db
from tests.people import make_person, place_named

LIN = 6901
WORDS = {
    "en": {"share": "📱 Share my phone number", "shopping": "🛒 Shopping and errands",
           "today": "📅 Today", "send": "✅ Send", "tomorrow_morning": "tomorrow, morning",
           "sent": "Request no.", "need_help": "🙋 I need help",
           "asked": "What you need, in a few words"},
    "zh-hans": {"share": "📱 提供我的电话号码", "shopping": "🛒 买菜跑腿", "today": "📅 今天",
                "send": "✅ 发送", "tomorrow_morning": "明天上午", "sent": "求助编号",
                "need_help": "🙋 我需要帮助", "asked": "几句话说说您需要什么"},
    "zh-hant": {"share": "📱 提供我的電話號碼", "shopping": "🛒 買餸跑腿", "today": "📅 今天",
                "send": "✅ 發送", "tomorrow_morning": "明天上午", "sent": "求助編號",
                "need_help": "🙋 我需要幫助", "asked": "幾句話說說您需要甚麼"},
}  # fmt: skip


async def community(linli: RunningBot) -> None:
    """Two buildings the coordinators defined, and coordinator Lin (English)."""
    async with linli.app.session_factory() as s:
        for place in ("2号楼", "3号楼"):
            await place_named(s, linli.clock, place)
        await make_person(s, linli.clock, LIN, UserRole.COORDINATOR, name="Lin")
        await s.commit()


@pytest.mark.parametrize("language", ["en", "zh-hans", "zh-hant"])
async def test_from_start_to_a_posted_voice_request_in_nine_actions_then_four_more(
    linli: RunningBot, telegram: FakeBotAPI, language: str
) -> None:
    await community(linli)
    words = WORDS[language]
    wang = Actions(telegram.user(6001, first_name="王秀英", language_code=language))
    lin = telegram.user(LIN, first_name="Lin", language_code="en")

    await agree_as_myself(wang)  # /start, "I need help", "✅ agree, call me 王秀英"
    await wang.tap_reply(words["share"])
    await wang.tap("📍 3号楼")  # registered: her place is where help goes
    await wang.tap_reply(words["shopping"])  # a kind, right on her menu
    assert wang.last.placeholder == words["asked"]  # her input field says what is asked
    await wang.send_voice()
    await wang.tap(words["today"])
    assert "🏠 3号楼" in wang.last.text  # the summary: no "where" question
    await wang.tap(words["send"])
    assert words["sent"] in wang.last.text
    assert wang.count == 9  # /start included

    card = await lin.wait_for_message(lambda m: "New request" in m.text)
    assert "3号楼" in card.text and "🎤" in card.text

    wang.count = 0  # a second request: 4
    await wang.tap_reply(words["shopping"])
    await wang.send_text("米" if language != "en" else "Rice, please")
    await wang.tap(words["today"])
    await wang.tap(words["send"])
    assert wang.count == 4 and words["sent"] in wang.last.text

    first, second = await requests_in_db(linli)
    assert first.voice_file_id and first.category is RequestCategory.SHOPPING
    assert first.timing is RequestTiming.TODAY and first.area == "3号楼"
    assert second.description in ("米", "Rice, please")
    if language != "en":
        for message in wang.messages:
            assert not english_words(message.text), message.text
            for row in message.buttons:
                assert not any(english_words(label) for label in row), row
    menu = [label for row in wang.reply_keyboard for label in row]
    assert words["need_help"] not in menu and words["shopping"] in menu


@pytest.mark.parametrize(
    ("language", "sentence", "guessed", "when"),
    [
        ("zh-hans", "我想请人帮我买点菜", "✅ 🛒 买菜跑腿", "明天上午"),
        ("zh-hant", "想搵人陪我去醫院覆診", "✅ 🏥 陪同就醫", "後天下午"),
        ("en", "Could someone fix my leaking tap?", "✅ 🔧 Home repair", "tomorrow morning"),
    ],
)
async def test_a_sentence_is_understood_and_so_is_when(
    linli: RunningBot, telegram: FakeBotAPI, language: str, sentence: str, guessed: str, when: str
) -> None:
    """A sentence where the kinds are shown: its kind is guessed and confirmed in one tap, the
    sentence is what she needs; the time typed is understood."""
    await community(linli)
    async with linli.app.session_factory() as s:
        await make_person(s, linli.clock, 6002, UserRole.RESIDENT, name="Mei", area="2号楼")
        await s.commit()
    mei = Actions(telegram.user(6002, first_name="Mei", language_code=language))

    await mei.send_text(WORDS[language]["need_help"])  # typed, or tapped: the kinds
    await mei.send_text(sentence)
    assert mei.last.buttons[0] == [guessed]  # the guess first, every other kind below
    await mei.tap(guessed)
    await mei.send_text(when)
    summary = mei.last.text
    assert sentence in summary
    if when in ("明天上午", "tomorrow morning"):
        assert WORDS[language]["tomorrow_morning"] in summary
    await mei.tap(WORDS[language]["send"])
    assert mei.count == 5

    (request,) = await requests_in_db(linli)
    assert request.description == sentence
    expected = {
        "明天上午": (RequestTiming.TOMORROW, DayPart.MORNING),
        "後天下午": (RequestTiming.DAY, DayPart.AFTERNOON),
        "tomorrow morning": (RequestTiming.TOMORROW, DayPart.MORNING),
    }[when]
    assert (request.timing, request.day_part) == expected
    assert request.category is not RequestCategory.OTHER


async def test_a_sentence_with_no_known_word_goes_in_as_other_and_more_words_are_added(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    await community(linli)
    async with linli.app.session_factory() as s:
        await make_person(s, linli.clock, 6003, UserRole.RESIDENT, name="Mei", area="2号楼")
        await s.commit()
    mei = telegram.user(6003, first_name="Mei", language_code="zh-hans")
    await mei.send_command("/request")
    await mei.send_text("阳台上的花需要有人浇一浇")
    assert "其他" in mei.replies[0].text  # written down as "something else"
    await mei.tap("⚡ 越快越好")
    await mei.send_text("门铃坏了，请敲门")  # more words at the summary: added, not refused
    assert "加到您的求助" in mei.replies[0].text
    assert "门铃坏了，请敲门" in mei.last.text and ["✅ 发送"] in mei.last.buttons
    await mei.tap("✅ 发送")
    (request,) = await requests_in_db(linli)
    assert request.category is RequestCategory.OTHER
    assert request.description == "阳台上的花需要有人浇一浇\n门铃坏了，请敲门"


async def test_a_four_thousand_character_message_reaches_the_coordinator_whole(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    await community(linli)
    async with linli.app.session_factory() as s:
        await make_person(s, linli.clock, 6004, UserRole.RESIDENT, name="Ann", area="2号楼")
        await s.commit()
    ann = telegram.user(6004, first_name="Ann", language_code="en")
    lin = telegram.user(LIN, first_name="Lin", language_code="en")
    long_text = " ".join(f"item{n:04d}" for n in range(450))[:4000]
    assert len(long_text) == 4000

    await ann.send_command("/request")
    await ann.tap("🍲 Meals")
    await ann.send_text(long_text)  # kept, not refused
    await ann.tap("⚡ As soon as possible")
    assert "4000 characters in all, all kept" in ann.last.text  # the summary shows a preview
    await ann.tap("✅ Send")

    card = await lin.wait_for_message(lambda m: "New request" in m.text)
    assert len(card.text) <= 4096 and long_text[:200] in card.text
    first = await lin.wait_for_message(lambda m: "all that was written (1/2)" in m.text)
    second = await lin.wait_for_message(lambda m: "all that was written (2/2)" in m.text)
    pieces = [message.text.split("\n", 1)[1] for message in (first, second)]
    assert "".join(pieces) == long_text  # every character, in order
    (request,) = await requests_in_db(linli)
    assert request.description == long_text


async def test_a_voice_note_where_the_kinds_are_shown_is_kept(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    """She speaks instead of tapping: the voice note is kept and she taps its kind."""
    await community(linli)
    async with linli.app.session_factory() as s:
        await make_person(s, linli.clock, 6005, UserRole.RESIDENT, name="梁婆婆", area="2号楼")
        await s.commit()
    leung = Actions(telegram.user(6005, first_name="梁", language_code="zh-hant"))
    await leung.send_command("/request")
    kinds = leung.last.message_id
    await leung.send_voice()
    assert "我收到了" in leung.last.text and ["🛒 買餸跑腿"] in leung.last.buttons
    await leung.press_data("nr:cat:meals", message_id=kinds)  # the old list: stale now
    assert leung.callback_answers[-1].text == "這個按鈕已經失效，請使用最新的一則訊息。"
    await leung.tap("🛒 買餸跑腿")
    await leung.send_text("後天")
    assert "🎤" in leung.last.text and "🏠 2号楼" in leung.last.text
    await leung.tap(WORDS["zh-hant"]["send"])
    (request,) = await requests_in_db(linli)
    assert request.voice_file_id and request.category is RequestCategory.SHOPPING
    assert request.timing is RequestTiming.DAY
