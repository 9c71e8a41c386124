"""Bad input at every step gets a kind answer in the person's language and changes nothing."""

from __future__ import annotations

from bot.emulator.server import FakeBotAPI
from storage.models import UserRole
from tests.e2e.harness import RunningBot
from tests.e2e.steps import agree_to_register, offer_skills_and_languages, register, user_row
from tests.people import place_named

STALE = "This button is no longer active. Please use the latest message."


async def test_role_step_wants_a_button(linli: RunningBot, telegram: FakeBotAPI) -> None:
    fay = telegram.user(4001, first_name="Fay", language_code="zh-hans")
    await fay.send_command("/start")
    for act in (fay.send_text("你好"), fay.send_sticker(), fay.send_voice(), fay.send_photo()):
        await act
        assert "请点下方的一个按钮" in fay.replies[0].text
        assert fay.last.buttons[0] == ["🙋 我需要帮助"]  # the question again, with its buttons
    await fay.tap("🙋 我需要帮助")
    assert "🔒" in fay.last.text


async def test_forged_role_is_refused(linli: RunningBot, telegram: FakeBotAPI) -> None:
    gus = telegram.user(4002, first_name="Gus", language_code="en")
    await gus.send_command("/start")
    await gus.press_data("role:coordinator", message_id=gus.last.message_id)
    assert gus.callback_answers[-1].text == STALE
    await gus.press_data("not-ours-at-all", message_id=gus.last.message_id)
    assert gus.callback_answers[-1].text == STALE
    row = await user_row(linli, 4002)
    assert row is not None and row.role is None


async def test_double_tap_and_old_buttons(linli: RunningBot, telegram: FakeBotAPI) -> None:
    hal = telegram.user(4003, first_name="Hal", language_code="en")
    await hal.send_command("/start")
    greeting = hal.last.message_id
    await hal.tap("🙋 I need help")
    # the first tap took the buttons off the greeting; a second tap is a forged/stale press
    assert hal.message(greeting).buttons == []
    await hal.press_data("role:volunteer", message_id=greeting)
    assert hal.callback_answers[-1].text == STALE
    await hal.tap("✍️ I agree, with another name")
    await hal.send_text("Hal")
    assert "phone number" in hal.last.text


async def test_name_step(linli: RunningBot, telegram: FakeBotAPI) -> None:
    ivy = telegram.user(4004, first_name="Ivy", language_code="zh-hant")
    await agree_to_register(ivy)
    await ivy.send_sticker()
    assert "請用文字告訴我您的姓名" in ivy.last.text
    await ivy.send_text("艾" * 4000)
    assert "名字有點長" in ivy.last.text
    await ivy.send_text("艾薇")
    assert "電話號碼" in ivy.last.text


async def test_phone_step(linli: RunningBot, telegram: FakeBotAPI) -> None:
    jo = telegram.user(4005, first_name="Jo", language_code="en")
    await agree_to_register(jo)
    await jo.send_text("Jo")
    await jo.send_contact("+44 20 7946 0000", user_id=999)  # someone else's card
    assert "your own number" in jo.last.text
    await jo.send_text("call my son")
    assert "does not look like a phone number" in jo.last.text
    await jo.send_sticker()
    assert "does not look like a phone number" in jo.last.text
    await jo.send_text("020 7946 0018")
    assert "exact address" in jo.last.text  # no place defined yet: that step is skipped


async def test_place_step_takes_only_a_tap(linli: RunningBot, telegram: FakeBotAPI) -> None:
    async with linli.app.session_factory() as session:
        await place_named(session, linli.clock, "Riverside")
        await session.commit()
    kit = telegram.user(4006, first_name="Kit", language_code="en")
    await agree_to_register(kit, "volunteer")
    await kit.send_text("Kit")
    await kit.tap_reply("⏭ Skip")
    assert "Where can you help?" in kit.last.text
    question = kit.last.message_id
    await kit.send_text("Riverside Court 12, flat 3")  # typed: never kept as a place
    assert "Please tap one of the buttons" in kit.replies[0].text
    await kit.press_data("pl:999", message_id=question)  # forged
    assert kit.callback_answers[-1].text == STALE
    await kit.tap("🌍 Anywhere nearby")
    await offer_skills_and_languages(kit)
    row = await user_row(linli, 4006)
    assert row is not None and row.role == UserRole.VOLUNTEER
    assert (row.place_id, row.area, row.address) == (None, None, None)


async def test_address_step_and_long_text(linli: RunningBot, telegram: FakeBotAPI) -> None:
    kit = telegram.user(4008, first_name="Kit", language_code="en")
    await agree_to_register(kit)
    await kit.send_text("Kit")
    await kit.tap_reply("⏭ Skip")
    await kit.send_voice()
    assert "type the address in words" in kit.last.text
    await kit.send_text("x" * 4000)
    assert "a bit long" in kit.last.text
    await kit.send_text("12 Riverside Road, flat 3")
    assert "registered" in kit.last.text
    row = await user_row(linli, 4008)
    assert row is not None and row.address == "12 Riverside Road, flat 3" and row.area is None


async def test_registered_person_sending_anything(linli: RunningBot, telegram: FakeBotAPI) -> None:
    ann = await register(telegram, 4007)
    for act in (ann.send_text("?" * 4000), ann.send_sticker(), ann.send_location(31.2, 121.5)):
        await act
        assert "did not understand" in ann.last.text
        assert ann.reply_keyboard  # the menu is still there
    await ann.tap_reply("👤 My details")
    assert "Name: Ann" in ann.last.text


async def test_failure_is_told_kindly_and_loses_nothing(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    lou = telegram.user(4008, first_name="Lou", language_code="zh-hans")
    await agree_to_register(lou)
    await lou.send_text("卢")
    telegram.inject("sendMessage", error=500, times=1, chat_id=4008)
    await lou.send_text("13800138000")
    # Her number was kept although the next question could not be sent: she is told, and
    # asked that question again.
    assert "抱歉，我们这边出了点问题" in lou.replies[0].text
    assert "楼" in lou.last.text
    await lou.send_text("1号楼")
    row = await user_row(linli, 4008)
    assert row is not None and row.display_name == "卢" and row.phone == "13800138000"
