"""A real aiogram dispatcher talking to the fake server, driven by a fake user."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiogram import Bot

from bot.emulator import FakeBotAPI
from tests.emulator.conftest import RunningBot

StartBot = Callable[..., Awaitable[RunningBot]]


async def test_text_gets_visible_reply(api: FakeBotAPI, run_bot: StartBot) -> None:
    await run_bot()
    mei = api.user(42)

    await mei.send_text("hello <world>")

    [reply] = mei.replies
    assert reply.text == "You said: hello <world>"
    assert reply.html == "You said: <b>hello &lt;world&gt;</b>"
    assert reply.buttons == [["👍 Like", "Edit"], ["Docs"]]
    assert reply.raw["entities"] == [{"type": "bold", "offset": 10, "length": 13}]
    assert reply.raw["from"]["username"] == "linli_test_bot"
    assert [m.text for m in mei.history] == ["hello <world>", "You said: hello <world>"]


async def test_command_has_entity_and_reply_keyboard(api: FakeBotAPI, run_bot: StartBot) -> None:
    running = await run_bot()
    mei = api.user(42)

    update = await mei.send_command("start", "ref-7")

    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert running.events == ["start:/start ref-7"]
    assert mei.last.text == "Welcome!"
    assert mei.reply_keyboard == [["Share contact"], ["Help"]]


async def test_reply_keyboard_contact_button(api: FakeBotAPI, run_bot: StartBot) -> None:
    running = await run_bot()
    mei = api.user(42, phone_number="+8613800000042")
    await mei.send_command("/start")

    await mei.tap_reply("Share contact")

    assert running.events[-1] == "contact:+8613800000042"
    assert mei.last.text == "Thanks +8613800000042"
    with pytest.raises(AssertionError, match="no reply button 'Settings'"):
        await mei.tap_reply("Settings")


async def test_tap_inline_button_is_answered(api: FakeBotAPI, run_bot: StartBot) -> None:
    await run_bot()
    mei = api.user(42)
    await mei.send_text("hi")

    await mei.tap("Like")  # substring of "👍 Like"

    [answer] = mei.callback_answers
    assert answer.text == "Liked!"
    assert answer.data == "like"
    assert not answer.show_alert


async def test_tap_edit_button_edits_message(api: FakeBotAPI, run_bot: StartBot) -> None:
    await run_bot()
    mei = api.user(42)
    await mei.send_text("hi")
    assert len(mei.new_messages()) == 1

    await mei.tap("Edit")

    [edited] = mei.new_messages()
    assert edited.text == "Edited"
    assert edited.edited
    assert edited.buttons == []  # editMessageText without reply_markup drops the keyboard
    assert mei.new_messages() == []


async def test_forged_callback_data(api: FakeBotAPI, run_bot: StartBot) -> None:
    running = await run_bot()
    mei = api.user(42)
    await mei.send_text("hi")

    await mei.press_data("admin:delete_everything", mei.last.message_id)

    assert running.events[-1] == "callback:admin:delete_everything"
    assert mei.callback_answers[-1].show_alert


async def test_tap_missing_button_lists_available(api: FakeBotAPI, run_bot: StartBot) -> None:
    await run_bot()
    mei = api.user(42)
    await mei.send_text("hi")

    with pytest.raises(AssertionError, match="Like"):
        await mei.tap("Unsubscribe")
    with pytest.raises(AssertionError, match="url button"):
        await mei.tap("Docs")


async def test_block_bot_sends_my_chat_member(api: FakeBotAPI, bot: Bot, run_bot: StartBot) -> None:
    running = await run_bot()
    mei = api.user(42)

    await mei.block_bot()
    assert running.events == ["member:kicked"]
    with pytest.raises(AssertionError, match="blocked"):
        await mei.send_text("hello?")

    await mei.unblock_bot()
    await mei.send_command("ping")
    assert running.events == ["member:kicked", "member:member", "ping"]


async def test_wait_for_message_with_task_mode_bot(api: FakeBotAPI, run_bot: StartBot) -> None:
    await run_bot(handle_as_tasks=True)
    mei = api.user(42)

    await mei.send_command("ping", wait=False)

    message = await mei.wait_for_message(lambda m: m.text == "pong")
    assert message.message_id == 2


async def test_restart_redelivers_only_unconfirmed(
    api: FakeBotAPI, bot: Bot, run_bot: StartBot
) -> None:
    first = await run_bot()
    mei = api.user(42)
    await mei.send_command("ping")
    await first.stop()

    await mei.send_text("while offline", wait=False)  # nobody polls: stays unconfirmed
    second = await run_bot()
    await mei.wait_for_message(lambda m: "while offline" in m.text)
    await api.wait_until(lambda: api.state.pending_updates == [])

    assert first.events == ["ping"]
    assert second.events == ["text:while offline"]


async def test_wait_processed_explains_timeout(api: FakeBotAPI) -> None:
    mei = api.user(42)
    update = await mei.send_text("anyone?", wait=False)

    with pytest.raises(TimeoutError, match="never called getUpdates"):
        await api.wait_processed(update["update_id"], timeout=0.05)
