"""getUpdates semantics, uploads and downloads, delays, recorded calls."""

from __future__ import annotations

import asyncio
import io
import time

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
)

from bot.emulator import FakeBotAPI
from bot.emulator.files import tiny_png


def keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data=data)]]
    )


async def test_offset_confirms_and_unconfirmed_are_redelivered(api: FakeBotAPI, bot: Bot) -> None:
    mei = api.user(42)
    first = await mei.send_text("one", wait=False)
    second = await mei.send_text("two", wait=False)

    assert [u.update_id for u in await bot.get_updates()] == [
        first["update_id"],
        second["update_id"],
    ]
    assert [u.update_id for u in await bot.get_updates(limit=1)] == [first["update_id"]]
    assert not api.state.is_processed(first["update_id"])

    remaining = await bot.get_updates(offset=first["update_id"] + 1)
    assert [u.update_id for u in remaining] == [second["update_id"]]
    assert remaining[0].message is not None
    assert remaining[0].message.text == "two"
    await api.wait_processed(first["update_id"], timeout=0.1)
    assert await bot.get_updates(offset=second["update_id"] + 1) == []


async def test_long_poll_returns_when_update_arrives(api: FakeBotAPI, bot: Bot) -> None:
    mei = api.user(42)
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await api.wait_until(lambda: api.state.poll_generation == 1)

    started = time.monotonic()
    await mei.send_text("wake up", wait=False)
    updates = await asyncio.wait_for(poll, timeout=5)

    assert [u.message.text for u in updates if u.message] == ["wake up"]
    assert time.monotonic() - started < 5


async def test_second_poll_terminates_the_first(api: FakeBotAPI, bot: Bot) -> None:
    older = asyncio.create_task(bot.get_updates(timeout=30))
    await api.wait_until(lambda: api.state.poll_generation == 1)

    assert await bot.get_updates(timeout=0) == []
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await older


async def test_drop_pending_updates(api: FakeBotAPI, bot: Bot) -> None:
    update = await api.user(42).send_text("stale", wait=False)
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == []
    await api.wait_processed(update["update_id"], timeout=0.1)


async def test_send_document_upload_is_stored(api: FakeBotAPI, bot: Bot) -> None:
    mei = api.user(42)
    content = b"id,name\n1,Mei\n"

    sent = await bot.send_document(
        42, BufferedInputFile(content, "neighbours.csv"), caption="Export"
    )

    assert sent.document is not None
    assert (sent.document.file_name, sent.document.file_size) == ("neighbours.csv", len(content))
    assert sent.document.mime_type == "text/csv"
    assert mei.last.text == "Export"
    assert mei.last.file_bytes == content
    upload = api.calls_to("sendDocument")[-1].params["document"]
    assert (upload.filename, upload.data) == ("neighbours.csv", content)

    again = await bot.send_document(42, sent.document.file_id)  # re-send by file_id
    assert again.document is not None
    assert again.document.file_unique_id == sent.document.file_unique_id

    downloaded = io.BytesIO()
    await bot.download(sent.document.file_id, destination=downloaded)
    assert downloaded.getvalue() == content


async def test_send_photo_and_wrong_file_ids(api: FakeBotAPI, bot: Bot) -> None:
    api.user(42)
    sent = await bot.send_photo(42, BufferedInputFile(tiny_png(320, 200), "p.png"))
    assert sent.photo is not None
    assert (sent.photo[-1].width, sent.photo[-1].height) == (320, 200)

    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(42, BufferedInputFile(b"not an image", "p.png"))
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(42, "no-such-file-id")
    with pytest.raises(TelegramBadRequest, match="can't use file of type Photo as Document"):
        await bot.send_document(42, sent.photo[-1].file_id)


async def test_user_media_can_be_downloaded(api: FakeBotAPI, bot: Bot) -> None:
    mei = api.user(42)
    update = await mei.send_voice(duration=4, wait=False)
    voice = update["message"]["voice"]
    assert voice["duration"] == 4
    file = await bot.get_file(voice["file_id"])
    assert file.file_size == voice["file_size"]

    await mei.send_photo(caption="my balcony", wait=False)
    await mei.send_location(31.2, 121.5, wait=False)
    await mei.send_sticker(wait=False)
    _, photo, location, sticker = [u.message for u in await bot.get_updates()]

    assert photo is not None and photo.photo and photo.caption == "my balcony"
    assert location is not None and location.location is not None
    assert sticker is not None and sticker.sticker is not None


async def test_a_persons_voice_and_photo_can_be_sent_again_by_file_id(
    api: FakeBotAPI, bot: Bot
) -> None:
    """As on Telegram: the file a person sent is the same file when the bot sends it on (its
    unique id, its bytes, a voice note's length), by sendVoice/sendPhoto or copyMessage."""
    mei, lin = api.user(42), api.user(43)
    said = (await mei.send_voice(6, data=b"OggS\x00\x02mei", wait=False))["message"]
    shown = (await mei.send_photo("the tap", size=(300, 200), wait=False))["message"]

    voice = await bot.send_voice(43, said["voice"]["file_id"], caption="Mei says")
    assert voice.voice is not None and voice.caption == "Mei says"
    assert voice.voice.file_unique_id == said["voice"]["file_unique_id"]
    assert voice.voice.duration == 6
    photo = await bot.send_photo(43, shown["photo"][-1]["file_id"])
    assert photo.photo is not None and (photo.photo[-1].width, photo.photo[-1].height) == (300, 200)
    heard, seen = lin.messages
    assert heard.file_bytes == b"OggS\x00\x02mei" and seen.file_bytes == tiny_png(300, 200)
    with pytest.raises(TelegramBadRequest, match="can't use file of type Voice as Photo"):
        await bot.send_photo(43, said["voice"]["file_id"])

    copied = await bot.copy_message(43, 42, said["message_id"], caption="From Mei")
    copy = lin.message(copied.message_id)
    assert (
        copy.voice is not None and copy.voice["file_unique_id"] == said["voice"]["file_unique_id"]
    )
    assert copy.text == "From Mei" and copy.file_bytes == b"OggS\x00\x02mei"
    kept = lin.message((await bot.copy_message(43, 42, shown["message_id"])).message_id)
    assert kept.photo is not None and kept.text == "the tap"  # the caption stays
    assert "forward_origin" not in kept.raw  # a copy, not a forward
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_message(43, 42, 999)


async def test_unwanted_update_types_are_dropped(api: FakeBotAPI, bot: Bot) -> None:
    mei = api.user(42)
    sent = await bot.send_message(42, "Pick", reply_markup=keyboard("pick"))
    tap = await mei.press_data("pick", sent.message_id, wait=False)
    text = await mei.send_text("hello", wait=False)

    updates = await bot.get_updates(allowed_updates=["message"])

    assert [u.update_id for u in updates] == [text["update_id"]]
    await api.wait_processed(tap["update_id"], timeout=0.1)  # dropped counts as settled


async def test_delay_and_wait_for_call(api: FakeBotAPI, bot: Bot) -> None:
    api.user(42)
    api.delay("sendMessage", 0.2)

    send = asyncio.create_task(bot.send_message(42, "slow"))
    call = await api.wait_for_call("sendMessage", lambda c: c.params["text"] == "slow")
    await send

    assert call.ok
    assert call.result["text"] == "slow"
    with pytest.raises(TimeoutError, match="no matching sendMessage"):
        await api.wait_for_call("sendMessage", lambda c: c.params["text"] == "never", timeout=0.05)


async def test_chat_actions_and_menu_button(api: FakeBotAPI, bot: Bot) -> None:
    mei = api.user(42)
    await bot.send_chat_action(42, "typing")
    assert mei.chat_actions == ["typing"]

    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await bot.send_chat_action(42, "dancing")
    assert await bot.set_chat_menu_button(chat_id=42, menu_button=MenuButtonCommands())
    assert (await bot.get_chat_menu_button(chat_id=42)).type == "commands"
    assert (await bot.get_chat(42)).first_name == "Mei"
    assert (await bot.get_chat_member(42, 42)).status == "member"
