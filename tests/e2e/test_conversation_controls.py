"""/language, /cancel, /help, a restart in the middle, and deleting one's data."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.emulator.server import FakeBotAPI
from storage.models import FsmState, User
from tests.e2e.harness import RunningBot
from tests.e2e.steps import agree_to_register, register, user_row
from tests.traces import traces_of


async def test_language_can_be_switched_in_the_middle_of_registering(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    ann = telegram.user(2001, first_name="Ann", language_code="en")
    await agree_to_register(ann)
    await ann.send_command("/language")
    await ann.tap("简体中文")
    # the question of the step she is on comes again, now in Chinese
    assert "请问您怎么称呼" in ann.last.text
    await ann.send_text("安")
    assert "谢谢您，安" in ann.last.text


async def test_language_switch_redraws_the_menu(linli: RunningBot, telegram: FakeBotAPI) -> None:
    ann = await register(telegram, 2002)
    await ann.tap_reply("🌐 Language")
    await ann.tap("繁體中文")
    labels = [label for row in ann.reply_keyboard for label in row]
    assert "❓ 幫助" in labels and "❓ Help" not in labels
    await ann.tap_reply("👤 我的資料")
    assert "姓名：Ann" in ann.last.text and "繁體中文" in ann.last.text
    row = await user_row(linli, 2002)
    assert row is not None and row.locale == "zh_Hant"


async def test_cancel_in_the_middle_then_start_again(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    bob = telegram.user(2003, first_name="Bob", language_code="en")
    await agree_to_register(bob)
    await bob.send_command("/cancel")
    assert "OK, stopped" in bob.last.text
    await bob.send_text("Bob")  # no longer a name step: he is offered to start
    assert "Do you need some help" in bob.last.text


async def test_help_fits_the_role(linli: RunningBot, telegram: FakeBotAPI) -> None:
    stranger = telegram.user(2004, first_name="Cy", language_code="en")
    await stranger.send_command("/help")
    assert "Write me any word to register" in stranger.last.text
    ann = await register(telegram, 2005)
    await ann.tap_reply("❓ Help")
    assert "I connect you with volunteers" in ann.last.text


@pytest.mark.postgresql
async def test_restart_in_the_middle_keeps_the_place(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    dora = telegram.user(2006, first_name="Dora", language_code="zh-hans")
    await agree_to_register(dora)
    await dora.send_text("朵拉")
    assert "电话号码" in dora.last.text

    await linli.restart()  # a new process: nothing in memory survives

    await dora.send_contact("+86 138 0013 8000")
    assert "楼" in dora.last.text  # asked for her building, not sent back to the start
    await dora.send_text("7号楼")
    row = await user_row(linli, 2006)
    assert row is not None and row.display_name == "朵拉" and row.phone == "+8613800138000"


async def test_start_in_the_middle_resumes(linli: RunningBot, telegram: FakeBotAPI) -> None:
    eve = telegram.user(2007, first_name="Eve", language_code="en")
    await agree_to_register(eve)
    await eve.send_command("/start")
    assert "What is your name?" in eve.last.text


async def test_delete_my_data(linli: RunningBot, telegram: FakeBotAPI) -> None:
    ann = await register(telegram, 2008)
    await ann.send_command("/privacy")
    assert "Who sees it" in ann.last.text
    await ann.tap("🗑 Delete my data")
    assert "cannot be undone" in ann.last.text
    await ann.tap("↩️ No, keep my data")
    assert "nothing was deleted" in ann.last.text
    assert await user_row(linli, 2008) is not None

    row = await user_row(linli, 2008)
    assert row is not None
    await ann.send_command("/privacy")
    await ann.tap("🗑 Delete my data")
    await ann.tap("🗑 Yes, delete everything")
    assert "Your data has been deleted" in ann.last.text
    assert not ann.reply_keyboard  # the menu is gone

    assert await user_row(linli, 2008) is None
    async with linli.app.session_factory() as session:
        assert not await traces_of(session, row.id, 2008)
    async with linli.app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(FsmState)) == 0
        names = (await session.scalars(select(User.display_name))).all()
        assert "Ann" not in names
    assert any(
        c.method == "deleteMyCommands" and (c.params.get("scope") or {}).get("chat_id") == 2008
        for c in telegram.calls
    )

    await ann.send_command("/start")  # a stranger again
    assert "Do you need some help" in ann.last.text


async def test_forged_delete_confirmation_deletes_nothing(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    ann = await register(telegram, 2009)
    await ann.press_data("priv:yes", message_id=ann.last.message_id)
    assert ann.callback_answers[-1].text == (
        "This button is no longer active. Please use the latest message."
    )
    assert await user_row(linli, 2009) is not None
