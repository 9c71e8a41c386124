"""Telegram's refusals, reproduced: aiogram must raise the same exceptions it would in prod."""

from __future__ import annotations

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)

from bot.emulator import FakeBotAPI
from tests.emulator.conftest import make_bot


def keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data=data)]]
    )


async def raw_post(api: FakeBotAPI, method: str, **kwargs: object) -> tuple[int, dict[str, object]]:
    """POST without aiogram, to send what aiogram's typed methods cannot."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{api.base_url}/bot{api.token}/{method}", **kwargs) as response,  # type: ignore[arg-type]
    ):
        return response.status, await response.json()


async def test_identical_edit_is_not_modified(api: FakeBotAPI, bot: Bot) -> None:
    api.user(42)
    sent = await bot.send_message(42, "Hello", reply_markup=keyboard("a"))

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "Hello", chat_id=42, message_id=sent.message_id, reply_markup=keyboard("a")
        )
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=42, message_id=sent.message_id, reply_markup=keyboard("a")
        )

    edited = await bot.edit_message_text("Hello", chat_id=42, message_id=sent.message_id)
    assert edited.reply_markup is None  # same text, keyboard removed: a real modification
    with pytest.raises(TelegramBadRequest, match="message is not modified"):  # still none
        await bot.edit_message_reply_markup(
            chat_id=42,
            message_id=sent.message_id,
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[]),
        )
    refused = api.refused_calls(containing="message is not modified")  # recorded for tests
    assert [c.method for c in refused] == [
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageReplyMarkup",
    ]
    assert api.refused_calls("editMessageText") == refused[:1]


async def test_edit_and_delete_missing_message(api: FakeBotAPI, bot: Bot) -> None:
    mei = api.user(42)
    sent = await bot.send_message(42, "Bye")
    assert await bot.delete_message(42, sent.message_id)
    assert mei.messages == []

    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(42, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=42, message_id=sent.message_id)


async def test_unknown_chat(api: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999, "hi")


async def test_callback_data_limit_is_64_bytes(api: FakeBotAPI, bot: Bot) -> None:
    api.user(42)
    await bot.send_message(42, "ok", reply_markup=keyboard("é" * 32))  # 64 bytes

    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(42, "too long", reply_markup=keyboard("é" * 32 + "x"))


async def test_inline_button_needs_exactly_one_action(api: FakeBotAPI, bot: Bot) -> None:
    api.user(42)
    both = InlineKeyboardButton(text="Both", callback_data="a", url="https://example.org")
    with pytest.raises(TelegramBadRequest, match="exactly one"):
        await bot.send_message(42, "x", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[both]]))
    status, body = await raw_post(
        api,
        "sendMessage",
        data={"chat_id": "42", "text": "x", "reply_markup": '{"inline_keyboard":[[{"text":"A"}]]}'},
    )
    assert status == 400
    assert "Text buttons are unallowed" in str(body["description"])


async def test_text_length_after_entity_parsing(api: FakeBotAPI, bot: Bot) -> None:
    api.user(42)
    await bot.send_message(42, "a" * 4096)
    await bot.send_message(42, f"<b>{'a' * 4095}</b>&amp;", parse_mode="HTML")  # 4096 visible

    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(42, "a" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(42, "<b> </b>", parse_mode="HTML")


async def test_caption_limit(api: FakeBotAPI, bot: Bot) -> None:
    api.user(42)
    sent = await bot.send_document(42, document=_upload(), caption="c" * 1024)
    assert sent.caption == "c" * 1024
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await bot.send_document(42, document=_upload(), caption="c" * 1025)


@pytest.mark.parametrize(
    ("text", "parse_mode", "error"),
    [
        ("line<br>break", "HTML", 'Unsupported start tag "br" at byte offset 4'),
        ("<b>bold", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", "HTML", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("1 < 2", "HTML", 'Unsupported start tag "" at byte offset 2'),
        ("Done.", "MarkdownV2", "Character '.' is reserved"),
        ("*bold", "MarkdownV2", "Can't find end of Bold entity"),
    ],
)
async def test_malformed_markup_is_refused(
    api: FakeBotAPI, bot: Bot, text: str, parse_mode: str, error: str
) -> None:
    api.user(42)
    with pytest.raises(TelegramBadRequest, match="can't parse entities") as caught:
        await bot.send_message(42, text, parse_mode=parse_mode)
    assert error in caught.value.message


async def test_markdown_v2_visible_text(api: FakeBotAPI, bot: Bot) -> None:
    mei = api.user(42)
    await bot.send_message(
        42, r"*Done* \- see [docs](https://example.org)\.", parse_mode="MarkdownV2"
    )
    assert mei.last.text == "Done - see docs."
    assert [e["type"] for e in mei.last.raw["entities"]] == ["bold", "text_link"]


async def test_unknown_parameter_and_missing_required(api: FakeBotAPI) -> None:
    api.user(42)
    status, body = await raw_post(
        api, "sendMessage", data={"chat_id": "42", "text": "x", "colour": "red"}
    )
    assert (status, body["description"]) == (400, "Bad Request: unknown parameter colour")

    status, body = await raw_post(api, "sendMessage", data={"text": "x"})
    assert (status, body["description"]) == (400, "Bad Request: chat_id is empty")

    status, body = await raw_post(api, "sendMessage", json={"chat_id": 42})
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")

    status, body = await raw_post(api, "sendMessage", json={"chat_id": 42, "text": "ok"})
    assert status == 200
    assert body["ok"] is True

    status, body = await raw_post(
        api, "sendMessage", data={"chat_id": "42", "text": "x", "disable_notification": "maybe"}
    )
    assert status == 400
    assert "disable_notification" in str(body["description"])


async def test_unknown_method_and_unsupported_method(api: FakeBotAPI) -> None:
    status, body = await raw_post(api, "sendTelepathy", data={})
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})

    status, body = await raw_post(api, "sendDice", data={"chat_id": "42"})
    assert (status, body["description"]) == (
        400,
        "Bad Request: method not supported by the fake server",
    )


async def test_wrong_token_is_unauthorized(api: FakeBotAPI) -> None:
    intruder = make_bot(api, token="654321:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await intruder.get_me()
    finally:
        await intruder.session.close()


async def test_injected_flood_error(api: FakeBotAPI, bot: Bot) -> None:
    api.user(42)
    api.inject("sendMessage", error=429, retry_after=7)

    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(42, "hi")
    assert caught.value.retry_after == 7
    await bot.send_message(42, "hi again")  # times=1: the next call succeeds

    failed, succeeded = api.calls_to("sendMessage")
    assert not failed.ok
    assert failed.error.retry_after == 7
    assert succeeded.ok


async def test_injected_server_errors_for_one_chat(api: FakeBotAPI, bot: Bot) -> None:
    api.user(42)
    api.user(43)
    api.inject("sendMessage", error=502, chat_id=43, times=2)

    await bot.send_message(42, "fine")
    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Bad Gateway"):
            await bot.send_message(43, "flaky")
    await bot.send_message(43, "recovered")


async def test_blocked_user_is_forbidden(api: FakeBotAPI, bot: Bot) -> None:
    api.user(42)
    api.block(42)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(42, "hi")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(42, "typing")

    api.unblock(42)
    await bot.send_message(42, "hi")


async def test_answer_callback_query_once(api: FakeBotAPI, bot: Bot) -> None:
    mei = api.user(42)
    sent = await bot.send_message(42, "Pick", reply_markup=keyboard("pick"))
    update = await mei.press_data("pick", sent.message_id, wait=False)
    query_id = update["callback_query"]["id"]

    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query_id, text="x" * 201)
    assert await bot.answer_callback_query(query_id, text="x" * 200)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id, text="again")
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query("123")
    assert [a.text for a in mei.callback_answers] == ["x" * 200]


async def test_set_my_commands_per_language(api: FakeBotAPI, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    await bot.set_my_commands([BotCommand(command="start", description="开始")], language_code="zh")
    await bot.set_my_commands(
        [BotCommand(command="help", description="Help")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="en",
    )

    assert api.commands() == [{"command": "start", "description": "Start"}]
    assert api.commands("zh") == [{"command": "start", "description": "开始"}]
    assert api.commands("en") == []  # stored under its scope only
    assert [c.description for c in await bot.get_my_commands(language_code="zh")] == ["开始"]
    assert api.user(1, language_code="zh-hans").commands == [
        {"command": "start", "description": "开始"}
    ]
    assert api.user(2, language_code="en").commands == [{"command": "help", "description": "Help"}]
    assert api.user(3, language_code="fr").commands == [
        {"command": "start", "description": "Start"}
    ]
    assert {c.params.get("language_code", "") for c in api.calls_to("setMyCommands")} == {
        "",
        "zh",
        "en",
    }

    with pytest.raises(TelegramBadRequest, match="invalid language code specified"):
        await bot.set_my_commands(
            [BotCommand(command="start", description="x")], language_code="zh-hans"
        )
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="x")])
    with pytest.raises(TelegramBadRequest, match="must not exceed 32"):
        await bot.set_my_commands([BotCommand(command="a" * 33, description="x")])
    with pytest.raises(TelegramBadRequest, match="description length"):
        await bot.set_my_commands([BotCommand(command="a", description="d" * 257)])


def _upload() -> BufferedInputFile:
    return BufferedInputFile(b"id,name\n1,Mei\n", filename="neighbours.csv")
